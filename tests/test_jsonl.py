"""Tests for searcher.corpus.jsonl: one article a line, bad lines reported, streamed."""

from __future__ import annotations

import io
import json
from pathlib import Path

from conftest import count_with_peak_memory

from searcher.corpus import read_corpus
from searcher.corpus.base import Source
from searcher.corpus.jsonl import read, sniff
from searcher.models import Article, Problem


def test_good_lines_are_read_and_bad_ones_reported(tmp_path: Path) -> None:
    path = tmp_path / "d" / "feed.jsonl"
    path.parent.mkdir()
    path.write_text(
        '{"id": "a1", "title": "First", "text": "Body one."}\n'
        "{not json\n"
        "\n"
        "[1, 2]\n"
        '{"headline": "Second", "body": "Body two."}\n',
        encoding="utf-8",
    )
    corpus = read_corpus(path)
    assert [(a.id, a.headline, a.body) for a in corpus] == [
        ("d/feed.jsonl#a1", "First", "Body one."),
        ("d/feed.jsonl#5", "Second", "Body two."),
    ]
    assert [(p.line, p.kind) for p in corpus.problems] == [(2, "bad-record"), (4, "bad-record")]
    assert str(corpus.problems[1]) == f"{path}:4: a JSON list, not an object"


def test_sniff() -> None:
    assert sniff('{"title": "a"}\n{"title": "b"}\n')
    assert not sniff('{"title": "a"}\n')
    assert not sniff("[{}]")


class CountingStream(io.StringIO):
    """A text stream that counts the characters handed out."""

    consumed = 0

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        line = super().readline(size)
        self.consumed += len(line)
        return line


def test_the_stream_is_consumed_lazily() -> None:
    text = "".join(json.dumps({"title": f"T{n}", "text": "x" * 100}) + "\n" for n in range(1000))
    stream = CountingStream(text)
    records = read(Source("f.jsonl", "d/f.jsonl", stream, text[:4096]))
    first = next(records)
    assert isinstance(first, Article) and first.headline == "T0"
    assert stream.consumed < len(text) / 100


def test_memory_stays_far_below_the_file_size(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(8000):
            out.write(json.dumps({"title": f"Story {n}", "text": "word " * 100}) + "\n")
    size = path.stat().st_size
    count, peak = count_with_peak_memory(path)
    assert count == 8000
    assert size > 4_000_000
    assert peak < size / 10


def test_a_huge_line_is_reported_without_being_kept(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from searcher.corpus import base

    monkeypatch.setattr(base, "MAX_ARTICLE_CHARS", 1000)
    path = tmp_path / "f.jsonl"
    path.write_text('{"title": "' + "x" * 5000 + '"}\n{"title": "ok"}\n', encoding="utf-8")
    records = list(read(Source(str(path), "f.jsonl", path.open(encoding="utf-8"), "")))
    assert isinstance(records[0], Problem) and records[0].line == 1
    assert isinstance(records[1], Article) and records[1].headline == "ok"
