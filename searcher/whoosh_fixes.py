"""Corrections to Whoosh, applied when searcher's search module is imported.

1. The matcher:
With a `limit`, Whoosh prunes low-scoring postings by turning a union matcher into an
"and-maybe" matcher part-way through. `AndMaybeMatcher.skip_to` then advanced the optional
side to the requested id instead of to where the required side landed, so the optional
side's score was lost and documents that belong in the top k were dropped (upstream
whoosh-community/whoosh#122 and #413; still in whoosh3 3.54.0). `tests/test_search.py`
checks that top-k rankings equal the exhaustive ranking.

2. The spelling field (`TEXT(spelling=True)` keeps unstemmed words in `spell_<field>`):
its query-side analysis asked the analyzer for `nomorph`, a keyword the analyzer does not
know (it takes `no_morph`), so query words were stemmed and fuzzy or wildcard terms on the
spelling field never met its unstemmed words. `tests/test_spelling.py` relies on the fix.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import FieldType, SpellField
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


def _process_text(self: SpellField, qstring: str, mode: str = "", **kwargs: Any) -> Any:
    kwargs["no_morph"] = True
    return FieldType.process_text(self, qstring, mode=mode, **kwargs)


SpellField.process_text = _process_text  # type: ignore[method-assign]
