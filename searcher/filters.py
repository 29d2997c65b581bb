"""Filters: `SearchOptions` as a Whoosh filter query, and the date bounds users type.

Parts:
- `parse_date_bound()`: "2022-01-31", "2022-01", "2022", or relative "7d", "2w", "3m",
  "1y" (before now) as a timezone-aware datetime; the end of the period for an `until`.
- `filter_query()`: sources, authors, countries, languages, sections and metadata values
  as one query, and
  `date_query()`: the date range (each None when it does not narrow the search).
- `to_index_time()`: a datetime as the index stores it (naive UTC).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial

from whoosh import query

from searcher.analysis import name_analyzer
from searcher.errors import FilterError
from searcher.models import SearchOptions
from searcher.schema import METADATA_FIELD, metadata_keyword

_RELATIVE = re.compile(r"(\d+)([dwmy])")
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2}))?")


def parse_date_bound(text: str, end: bool = False, now: datetime | None = None) -> datetime:
    """Parse a date filter value. With `end`, a day, month or year means its last moment,
    so `until="2022-01"` includes all of January."""
    text = text.strip()
    now = now or datetime.now(timezone.utc)
    if relative := _RELATIVE.fullmatch(text):
        return now - timedelta(days=int(relative[1]) * _DAYS[relative[2]])
    if partial := _PARTIAL.fullmatch(text):
        year, month = int(partial[1]), int(partial[2] or 0)
        if month > 12:
            raise FilterError(f"Not a date: {text!r}")
        start = datetime(year, month or 1, 1, tzinfo=timezone.utc)
        if not end:
            return start
        after = (
            datetime(year + 1, 1, 1) if not month or month == 12 else datetime(year, month + 1, 1)
        )
        return after.replace(tzinfo=timezone.utc) - timedelta(microseconds=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(f"Not a date: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if end and len(text) == 10:  # a bare day: until its last moment
        moment += timedelta(days=1, microseconds=-1)
    return moment


def to_index_time(moment: datetime) -> datetime:
    """The naive UTC datetime the index stores for `moment`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def filter_query(options: SearchOptions) -> query.Query | None:
    """What every result must also match besides its dates."""
    parts = [
        _any("source", options.sources, _words),
        _any("authors", options.authors, _words),
        _any("country", options.countries, _label),
        _any("language", options.languages, _label),
        _any("section", options.sections, _label),
        *(
            _any(METADATA_FIELD, values, partial(_metadata, key))
            for key, values in options.metadata.items()
        ),
    ]
    found = [part for part in parts if part is not None]
    if not found:
        return None
    return found[0] if len(found) == 1 else query.And(found)


def date_query(options: SearchOptions) -> query.Query | None:
    """The inclusive date range every result must fall in (undated articles never do)."""
    if options.since is None and options.until is None:
        return None
    since = to_index_time(options.since) if options.since else None
    until = to_index_time(options.until) if options.until else None
    return query.DateRange("date", since, until)


def _words(field: str, value: str) -> query.Query:
    words = [token.text for token in name_analyzer()(value)]
    if not words:
        raise FilterError(f"Nothing to match in the {field} filter {value!r}")
    return query.Term(field, words[0]) if len(words) == 1 else query.Phrase(field, words)


def _label(field: str, value: str) -> query.Query:
    return query.Term(field, value.strip().lower())


def _metadata(key: str, field: str, value: str) -> query.Query:
    return query.Term(field, metadata_keyword(key, value))


def _any(
    field: str, values: tuple[str, ...], make: Callable[[str, str], query.Query]
) -> query.Query | None:
    if not values:
        return None
    alternatives = [make(field, value) for value in values]
    return alternatives[0] if len(alternatives) == 1 else query.Or(alternatives)
