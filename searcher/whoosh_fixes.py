"""Corrections to Whoosh's matchers and a speed-up, applied by `apply()` when an `Index`
opens (not on import: a program that only imports searcher keeps Whoosh as shipped).

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
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, cast

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import mcore
from whoosh.matching.binary import AndMaybeMatcher, AndNotMatcher


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
