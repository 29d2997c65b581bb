"""A correction to Whoosh's matcher, applied when searcher's search module is imported.

With a `limit`, Whoosh prunes low-scoring postings by turning a union matcher into an
"and-maybe" matcher part-way through. `AndMaybeMatcher.skip_to` then advanced the optional
side to the requested id instead of to where the required side landed, so the optional
side's score was lost and documents that belong in the top k were dropped (upstream
whoosh-community/whoosh#122 and #413; still in whoosh3 3.54.0). `tests/test_search.py`
checks that top-k rankings equal the exhaustive ranking.
"""

from __future__ import annotations

from whoosh.matching import mcore
from whoosh.matching.binary import AndMaybeMatcher


def _skip_to(self: AndMaybeMatcher, id: int) -> bool:
    if not self.a.is_active():
        raise mcore.ReadTooFar
    moved_a = self.a.skip_to(id)
    moved_b = False
    if self.a.is_active() and self.b.is_active():
        moved_b = self.b.skip_to(self.a.id())
    return bool(moved_a or moved_b)


AndMaybeMatcher.skip_to = _skip_to  # type: ignore[method-assign]  # the point of this module
