"""Articles from key-value records (JSON objects, CSV rows): which key holds which field.

Common key names are recognised out of the box, case-insensitively and in the order listed
in `KEYS` (the first one present and not empty wins); a user's `fields` mapping
(`{"headline": "title_col"}`) names the key for a field outright. Keys used for no field are
kept in `Article.metadata` when their value is text, a number or a list of those.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from searcher.corpus.base import Source, normalise_space, paragraphs, record_id
from searcher.corpus.dates import parse_date
from searcher.corpus.newspaper import authors as byline_authors
from searcher.errors import BadInputError
from searcher.models import Article, Problem

KEYS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "id": ("id", "_id", "guid", "uuid", "docno"),
        "headline": ("title", "headline"),
        "body": ("text", "body", "content", "article", "description", "maintext"),
        "date": ("date", "published", "publish_date", "pubdate", "published_at", "datetime"),
        "source": ("source", "publication", "site_name", "sitename", "domain", "publisher"),
        "authors": ("author", "authors", "byline"),
        "url": ("url", "link"),
        "language": ("language", "lang"),
    }
)


MAX_INT_DIGITS = 100


def _json_int(digits: str) -> int | float:
    """A JSON integer, as `json` reads it, but one of thousands of digits (which Python's
    `int` refuses to read) as a float: infinity, no error."""
    return int(digits) if len(digits) <= MAX_INT_DIGITS else float(digits)


JSON = json.JSONDecoder(parse_int=_json_int)  # the JSON readers' decoder


def check_fields(fields: Mapping[str, str]) -> Mapping[str, str]:
    """`fields` if every target is an article field; else `BadInputError` naming them."""
    for target, key in fields.items():
        if target not in KEYS:
            raise BadInputError(
                f"unknown article field {target!r} in field mapping; "
                f"choose one of: {', '.join(KEYS)}"
            )
        if not key:
            raise BadInputError(f"no key given for the article field {target!r}")
    return fields


def article_from_record(
    record: Mapping[str, Any], source: Source, *, number: int, line: int
) -> Article | Problem:
    """The article in one record of `source`, or a problem when it has neither headline
    nor body; `number` (its line or position) names it if it has no id, `line` is where
    it starts. The source's `fields` name the keys of fields outright."""
    fields, file_id, path = source.fields, source.id, source.path
    lower = {str(key).lower(): key for key in record}
    used: set[str] = set()

    def value(field: str) -> Any:
        names = (fields[field],) if field in fields else KEYS[field]
        for name in names:
            key = name if name in record else lower.get(name.lower())
            if key is not None and record[key] not in (None, "", [], {}):
                used.add(key)
                return record[key]
        return None

    own_id = _text(value("id"))
    headline = normalise_space(_text(value("headline")))
    body = "\n\n".join(paragraphs(_text(value("body"))))
    if not (headline or body):
        return Problem(path, "record without a headline or body text", line, kind="no-text")
    byline, names = _authors(value("authors"))
    return Article(
        id=record_id(file_id, own_id or number),
        path=path,
        docno=own_id,
        source=_source(value("source")) or source.default_source,
        section=source.section,
        headline=headline,
        byline=byline,
        authors=names,
        date=parse_date(value("date")),
        body=body,
        url=_text(value("url")).strip(),
        language=_text(value("language")).strip(),
        metadata=MappingProxyType(_metadata(record, used)),
    )


def _text(value: Any) -> str:
    """The text in a value: a string, a number, or the texts in a list (however deeply
    nested: walked without recursion) joined by blank lines; else ""."""
    parts: list[str] = []
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, str):
            parts.append(item)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            parts.append(str(item))
    return "\n\n".join(part for part in parts if part)


def _source(value: Any) -> str:
    """A publication's name, also from NewsAPI-style `{"id": ..., "name": ...}` objects."""
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("title") or ""
    return normalise_space(_text(value))


def _authors(value: Any) -> tuple[str, tuple[str, ...]]:
    """The byline, and the people in it: a list is taken as names, text as a byline."""
    if isinstance(value, list):
        names = [_source(item) for item in value]
        names = [name for name in names if name]
        return ", ".join(names), tuple(dict.fromkeys(names))
    byline = normalise_space(_text(value))
    return byline, byline_authors(byline)


def _metadata(record: Mapping[str, Any], used: set[str]) -> dict[str, tuple[str, ...]]:
    metadata: dict[str, tuple[str, ...]] = {}
    for key, item in record.items():
        if key in used:
            continue
        items = item if isinstance(item, list) else [item]
        values = tuple(_text(part) for part in items if _text(part))
        if values:
            metadata[str(key)] = values
    return metadata


def parse_fields(mappings: Iterable[str]) -> dict[str, str]:
    """`["headline=title_col"]` as `{"headline": "title_col"}`, checked by `check_fields`."""
    fields: dict[str, str] = {}
    for mapping in mappings:
        target, sep, key = mapping.partition("=")
        if not sep:
            raise BadInputError(f"field mapping {mapping!r} is not FIELD=KEY (headline=title)")
        fields[target.strip()] = key.strip()
    return dict(check_fields(fields))
