"""Corrections to Whoosh, relying on its internals as whoosh3 3.54.0 has them: corrections
to its matchers and a speed-up, applied by `apply()` when an `Index` opens (not on import:
a program that only imports searcher keeps Whoosh as shipped), and `column_reader()`,
which reads a column right on an index of several segments.

With a `limit`, Whoosh prunes low-scoring postings by turning a union matcher into an
"and-maybe" matcher part-way through. `AndMaybeMatcher.skip_to` then advanced the optional
side to the requested id instead of to where the required side landed, so the optional
side's score was lost and documents that belong in the top k were dropped (upstream
whoosh-community/whoosh#122 and #413; still in whoosh3 3.54.0). `tests/test_search.py`
checks that top-k rankings equal the exhaustive ranking.

`AndNotMatcher` (`oil -protests`) moved its excluded side up to the first included
document only when both started on the same document, so the first included document was
kept whenever an excluded one came before it, though it held the excluded word too.

`W3LeafMatcher.skip_to` stepped through a postings block one id at a time to reach the
target; it now bisects the block's sorted ids, landing on the same posting.

`MultiReader.column_reader` leaves out the segments that have no column file for the field
(a segment where no article has a source, a date or an author) but keeps the others' first
document numbers, so an article of a left-out segment reads another article's value, or
raises IndexError. `column_reader()` takes every segment instead. It relies on
`SegmentReader.column_reader` answering for a segment without the column file with a
reader of the column's default (`b""` for bytes, 2**64 - 1 for the date: what an article
without the value holds), and on `MultiColumnReader` mapping a document number to the
segment whose first document number is the largest at or below it. Searcher reads every
column through it (`tests/test_segments.py` checks that no other module calls Whoosh's).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, cast

from whoosh import columns
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import mcore
from whoosh.matching.binary import AndMaybeMatcher, AndNotMatcher
from whoosh.reading import IndexReader


def _skip_to(self: AndMaybeMatcher, id: int) -> bool:
    if not self.a.is_active():
        raise mcore.ReadTooFar
    moved_a = self.a.skip_to(id)
    moved_b = False
    if self.a.is_active() and self.b.is_active():
        moved_b = self.b.skip_to(self.a.id())
    return bool(moved_a or moved_b)


def _and_not_find_first(self: AndNotMatcher) -> None:
    if self.a.is_active() and self.b.is_active():
        self._find_next()


def _leaf_skip_to(self: W3LeafMatcher, targetid: int) -> None:
    if not self.is_active():
        raise mcore.ReadTooFar
    if targetid <= self.id():  # also loads the block's ids
        return
    if targetid > self.block_max_id():
        self._skip_to_block(lambda: targetid > self.block_max_id())
        if not self.is_active():
            return
        self.id()
    # The block's last id is at least the target, so the bisection stays in the block.
    self._i = bisect_left(cast(Any, self._ids), targetid, self._i, self._blocklength)


def apply() -> None:
    """Install the replacements (again is harmless)."""
    AndMaybeMatcher.skip_to = _skip_to  # type: ignore[method-assign]  # the point of this module
    AndNotMatcher._find_first = _and_not_find_first  # type: ignore[method-assign]
    W3LeafMatcher.skip_to = _leaf_skip_to  # type: ignore[method-assign]


def column_reader(reader: IndexReader, field: str, translate: bool = True) -> columns.ColumnReader:
    """The column of `field` over `reader`'s document numbers, whatever segments hold
    values in it; `translate=False` gives the raw stored values."""
    if not reader.doc_count_all():  # no segments: Whoosh's empty reader has no columns
        return columns.EmptyColumnReader(None, 0)
    leaves = reader.leaf_readers()
    if len(leaves) == 1:
        return leaves[0][0].column_reader(field, translate=translate)
    return columns.MultiColumnReader(
        [leaf.column_reader(field, translate=translate) for leaf, _ in leaves],
        [offset for _, offset in leaves],
    )
