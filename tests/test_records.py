"""Tests for searcher.corpus.records: key names, the field mapping, metadata."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest

from searcher.corpus import parse_fields
from searcher.corpus.base import Source
from searcher.corpus.records import article_from_record
from searcher.errors import BadInputError
from searcher.models import Problem


def article(record: dict[str, object], **fields: str):  # type: ignore[no-untyped-def]
    source = Source("f.json", "d/f.json", io.StringIO(), "{}", fields)
    return article_from_record(record, source, number=7, line=7)


def test_common_key_names_out_of_the_box() -> None:
    a = article(
        {
            "Title": "  A   headline ",
            "content": "Para one.\n\nPara   two.",
            "pubDate": "2024-03-05T10:00:00Z",
            "site_name": "The Daily",
            "authors": ["Jane Doe", "John Roe"],
            "URL": "https://example.org/a",
            "lang": "en",
            "id": 42,
            "label": 3,
            "tags": ["x", "y"],
            "nested": {"a": 1},
        }
    )
    assert a.id == "d/f.json#42" and a.docno == "42"
    assert a.headline == "A headline"
    assert a.body == "Para one.\n\nPara two."
    assert a.date == datetime(2024, 3, 5, 10, tzinfo=timezone.utc)
    assert (a.source, a.byline, a.authors) == (
        "The Daily",
        "Jane Doe, John Roe",
        ("Jane Doe", "John Roe"),
    )
    assert (a.url, a.language) == ("https://example.org/a", "en")
    assert dict(a.metadata) == {"label": ("3",), "tags": ("x", "y")}


def test_first_present_key_wins_and_number_names_records_without_id() -> None:
    a = article({"text": "", "description": "Lead.", "source": {"id": "w", "name": "Wire"}})
    assert (a.id, a.docno, a.body, a.source) == ("d/f.json#7", "", "Lead.", "Wire")
    b = article({"title": "T", "byline": "By Jane Doe, political editor"})
    assert (b.byline, b.authors) == ("By Jane Doe, political editor", ("Jane Doe",))


def test_field_mapping_names_the_key() -> None:
    a = article(
        {"heading": "Mapped", "title": "Ignored", "txt": "Body."}, headline="heading", body="txt"
    )
    assert (a.headline, a.body) == ("Mapped", "Body.")
    assert dict(a.metadata) == {"title": ("Ignored",)}


def test_parse_fields() -> None:
    assert parse_fields(["headline=title_col", " body = text col "]) == {
        "headline": "title_col",
        "body": "text col",
    }
    with pytest.raises(BadInputError, match="not FIELD=KEY"):
        parse_fields(["headline"])
    with pytest.raises(
        BadInputError, match="unknown article field 'title' in field mapping; choose one of: id"
    ):
        parse_fields(["title=x"])
    with pytest.raises(BadInputError, match="no key given for the article field 'body'"):
        parse_fields(["body="])


def test_a_record_without_text_is_a_problem_at_its_line() -> None:
    problem = article({"id": "x", "byline": "Jane Doe"})
    assert problem == Problem("f.json", "record without a headline or body text", 7, "no-text")


def test_lists_nested_deeper_than_the_stack_are_read() -> None:
    deep: object = "Deep text."
    for _ in range(5000):  # Python's own recursion limit is 1000
        deep = [deep]
    a = article({"title": "Deep", "text": deep})
    assert (a.headline, a.body) == ("Deep", "Deep text.")
