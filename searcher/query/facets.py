"""Facets: how the whole match set of a query divides by source, year, author, country,
language, section and any metadata key of the index (topics, places, label, ...).

Counts come from per-article columns (source, authors, date) or from the postings of the
code fields (country, language, section) and of the metadata keywords, never from stored
documents, so they stay cheap for large match sets. Every article counts once in a facet,
under "(none)" when it has no value, so a facet's counts add up to the total; an article
with several authors (or topics) counts under each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from functools import partial
from typing import Any

from searcher.errors import FilterError
from searcher.query.ordering import TICKS_PER_DAY
from searcher.store.documents import UNDATED, column_date, date_column
from searcher.store.schema import (
    AUTHORS_COLUMN,
    LIST_SEPARATOR,
    METADATA_FIELD,
    SOURCE_COLUMN,
    has_metadata_key,
    metadata_keys,
    metadata_keyword,
)
from searcher.whoosh_internals import column_values

FACETS = ("source", "year", "author", "country", "language", "section")
NONE = "(none)"


def check_facets(names: Iterable[str], reader: Any) -> tuple[str, ...]:
    """The facet names, validated against the index's `reader` (its metadata keys are
    facets too); raises `FilterError` for an unknown one."""
    names = tuple(names)
    for name in names:
        if name not in FACETS and not has_metadata_key(reader, name):
            known = (*FACETS, *metadata_keys(reader))
            raise FilterError(f"Unknown facet {name!r}", choices=known)
    return names


def count_facets(
    searcher: Any, docs: Collection[int], names: Iterable[str]
) -> dict[str, dict[str, int]]:
    """{facet: {label: articles}} over the global docnums `docs`, most frequent first."""
    counters: dict[str, Callable[[Any, Collection[int]], Counter[str]]] = {
        "source": lambda reader, docs: _column_counts(reader, SOURCE_COLUMN, docs, _one),
        "author": lambda reader, docs: _column_counts(reader, AUTHORS_COLUMN, docs, _many),
        "year": _years,
        "country": lambda reader, docs: _term_counts(reader, "country", docs),
        "language": lambda reader, docs: _term_counts(reader, "language", docs),
        "section": lambda reader, docs: _term_counts(reader, "section", docs),
    }
    reader = searcher.reader()
    facets = {}
    for name in check_facets(names, reader):
        count = counters.get(name) or partial(_metadata_counts, key=name)
        counts = count(reader, docs)
        facets[name] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return facets


def _one(value: bytes) -> list[str]:
    return [value.decode()] if value else []


def _many(value: bytes) -> list[str]:
    return value.decode().split(LIST_SEPARATOR) if value else []


def _column_counts(
    reader: Any, column: str, docs: Collection[int], labels: Callable[[bytes], list[str]]
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for value, count in _value_counts(column_values(reader, column), docs).items():
        for label in labels(value) or [NONE]:
            counts[label] += count
    return counts


def _years(reader: Any, docs: Collection[int]) -> Counter[str]:
    # Counted by day first (the column counts from a midnight), each day's year read once.
    days: Counter[int] = Counter()
    for raw, count in _value_counts(date_column(reader), docs).items():
        days[raw if raw == UNDATED else raw - raw % TICKS_PER_DAY] += count
    counts: Counter[str] = Counter()
    for raw, count in days.items():
        date = column_date(raw)
        counts[NONE if date is None else str(date.year)] += count
    return counts


def _value_counts(values: Any, docs: Collection[int]) -> Counter[Any]:
    """How many of `docs` hold each value of a column: each value's labels are then
    worked out once, not once a document."""
    return Counter(map(values.__getitem__, docs))


def _term_counts(reader: Any, field: str, docs: Collection[int]) -> Counter[str]:
    wanted = docs if isinstance(docs, (set, frozenset)) else set(docs)
    counts: Counter[str] = Counter()
    for term in reader.lexicon(field):
        found = len(wanted.intersection(reader.postings(field, term).all_ids()))
        if found:
            counts[term.decode()] = found
    missing = len(wanted) - sum(counts.values())
    if missing:
        counts[NONE] = missing
    return counts


def _metadata_counts(reader: Any, docs: Collection[int], key: str) -> Counter[str]:
    """Counts of the values of the metadata `key`; an article with several values counts
    under each, one with none under `NONE`."""
    wanted = docs if isinstance(docs, (set, frozenset)) else set(docs)
    prefix = metadata_keyword(key, "").encode()
    counts: Counter[str] = Counter()
    covered: set[int] = set()
    for term in reader.expand_prefix(METADATA_FIELD, prefix):
        found = wanted.intersection(reader.postings(METADATA_FIELD, term).all_ids())
        if found:
            counts[term[len(prefix) :].decode()] = len(found)
            covered |= found
    if missing := len(wanted) - len(covered):
        counts[NONE] = missing
    return counts
