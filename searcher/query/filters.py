"""Filters: `SearchOptions` as a Whoosh filter query, and the date bounds users type.

Parts:
- `parse_date_bound()`: "2022-01-31", "2022-01", "2022", or relative "7d", "2w", "3m",
  "1y" (before now) as a timezone-aware datetime; the end of the period for an `until`.
  `date_period()`: the period one such value names (a query's `date:2022`).
- `filter_query()`: sources, authors, countries, languages, sections and metadata values
  as one query, and
  `date_query()`: the date range (each None when it does not narrow the search);
  `date_range()`: an inclusive range of dates as a query, refused when it ends before it
  starts; `named_filters()`: each filter alone, by name.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial

from whoosh import query

from searcher.errors import FilterError
from searcher.models import SearchOptions
from searcher.store.analysis import name_analyzer
from searcher.store.documents import index_time
from searcher.store.schema import METADATA_FIELD, metadata_keyword

# The forms `parse_date_bound` reads, for help and hints.
DATE_FORMS = ("2022-01-31", "2022-01", "2022", "7d", "2w", "3m", "1y")
DATE_HINT = (
    f"Dates are ISO ({', '.join(DATE_FORMS[:3])}) or relative to now ({', '.join(DATE_FORMS[3:])})."
)
_RELATIVE = re.compile(r"(\d+)([dwmy])")
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2}))?")


def parse_date_bound(text: str, end: bool = False, now: datetime | None = None) -> datetime:
    """Parse a date filter value. With `end`, a day, month or year means its last moment,
    so `until="2022-01"` includes all of January."""
    try:
        return _date_bound(text.strip(), end, now or datetime.now(timezone.utc))
    except (ValueError, OverflowError):  # year 0, day 31 of April, 99999999d before year 1
        raise FilterError(f"Not a date: {text!r}", DATE_HINT) from None


def _date_bound(text: str, end: bool, now: datetime) -> datetime:
    if relative := _RELATIVE.fullmatch(text):
        return now - timedelta(days=int(relative[1]) * _DAYS[relative[2]])
    if partial := _PARTIAL.fullmatch(text):
        year, month = int(partial[1]), int(partial[2] or 0)
        if partial[2] is not None and not 1 <= month <= 12:
            raise ValueError(text)
        if not end:
            return datetime(year, month or 1, 1, tzinfo=timezone.utc)
        last_month = month or 12
        last_day = calendar.monthrange(year, last_month)[1]
        return datetime(year, last_month, last_day, 23, 59, 59, 999999, tzinfo=timezone.utc)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if end and len(text) == 10:  # a bare day: until its last moment
        moment += timedelta(days=1, microseconds=-1)
    return moment.astimezone(timezone.utc)


def date_period(text: str, now: datetime | None = None) -> tuple[datetime, datetime | None]:
    """The first and last moment of the day, month or year `text` names; for a relative
    value ("7d"), from then on (no last moment)."""
    start = parse_date_bound(text, now=now)
    if _RELATIVE.fullmatch(text.strip()):
        return start, None
    return start, parse_date_bound(text, end=True, now=now)


def filter_query(options: SearchOptions) -> query.Query | None:
    """What every result must also match besides its dates."""
    found = list(_field_filters(options).values())
    if not found:
        return None
    return found[0] if len(found) == 1 else query.And(found)


def named_filters(options: SearchOptions) -> dict[str, query.Query]:
    """Each filter that `options` sets, alone, by the name of its `SearchOptions` field
    ("sources", ..., "since", "until"; "meta:KEY" for a metadata key)."""
    named = _field_filters(options)
    if options.since is not None:
        named["since"] = date_range(options.since, None)
    if options.until is not None:
        named["until"] = date_range(None, options.until)
    return named


def _field_filters(options: SearchOptions) -> dict[str, query.Query]:
    parts = {
        "sources": _any("source", options.sources, _words),
        "authors": _any("authors", options.authors, _words),
        "countries": _any("country", options.countries, _label),
        "languages": _any("language", options.languages, _label),
        "sections": _any("section", options.sections, _label),
        **{
            f"meta:{key}": _any(METADATA_FIELD, values, partial(_metadata, key))
            for key, values in options.metadata.items()
        },
    }
    return {name: part for name, part in parts.items() if part is not None}


def date_query(options: SearchOptions) -> query.Query | None:
    """The inclusive date range every result must fall in (undated articles never do)."""
    if options.since is None and options.until is None:
        return None
    return date_range(options.since, options.until)


def date_range(since: datetime | None, until: datetime | None) -> query.Query:
    """The articles dated from `since` to `until` inclusive (None: open at that end), or a
    `FilterError` when the range ends before it starts."""
    if since is not None and until is not None and since > until:
        raise FilterError(
            f"The date range ends ({until.date()}) before it starts ({since.date()})",
            hint="Give the earlier date first.",
        )
    start = index_time(since) if since else None
    end = index_time(until) if until else None
    return query.DateRange("date", start, end)


def _words(field: str, value: str) -> query.Query:
    words = [token.text for token in name_analyzer()(value)]
    if not words:
        raise FilterError(
            f"Nothing to match in the {field} filter {value!r}",
            "Give a name with letters or digits in it, or leave the filter out.",
        )
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
