"""Ordering by date: sorting newest or oldest first, and weighting relevance by recency.

Both read the `date` column (raw, without converting to datetime); an article with no date
holds `UNDATED` there. Undated articles sort after dated ones either way, and recency
weighting gives them a factor of 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from whoosh import scoring
from whoosh.util.times import datetime_to_long

from searcher.store.documents import UNDATED, date_column, index_time

TICKS_PER_DAY = 86_400 * 1_000_000  # whoosh stores datetimes in microseconds

SORTS = ("relevance", "newest", "oldest")


def by_date(
    ranked: Iterable[tuple[int, float]], column: Any, newest: bool
) -> list[tuple[int, float]]:
    """(document number, score) pairs in date order; undated last, ties by relevance
    order."""

    def key(item: tuple[int, float]) -> tuple[int, int]:
        raw = column[item[0]]
        if raw == UNDATED:
            return (1, 0)
        return (0, -raw if newest else raw)

    return sorted(ranked, key=key)


class RecencyWeighting(scoring.WeightingModel):
    """Another model's score times 0.5 ** (age in days / half_life) of each article
    (0 when undated)."""

    use_final = True

    def __init__(
        self, model: scoring.WeightingModel, half_life: float, now: datetime | None = None
    ) -> None:
        self.model = model
        self.half_life_ticks = half_life * TICKS_PER_DAY
        self.now = datetime_to_long(index_time(now or datetime.now(timezone.utc)))
        self._columns: dict[int, Any] = {}

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: int = 1) -> Any:
        return self.model.scorer(searcher, fieldname, text, qf=qf)

    def final(self, searcher: Any, docnum: int, score: float) -> float:
        column = self._columns.get(id(searcher))
        if column is None:
            column = self._columns[id(searcher)] = date_column(searcher.reader())
        raw = column[docnum]
        if raw == UNDATED:
            return 0.0
        age = max(self.now - raw, 0)
        return float(score * 0.5 ** (age / self.half_life_ticks))
