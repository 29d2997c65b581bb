"""Tests for searcher.corpus.jsondoc: arrays and objects, streamed, broken JSON reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import count_with_peak_memory

from searcher.corpus import jsondoc, read_corpus


def read(
    tmp_path: Path, text: str, name: str = "f.json"
) -> tuple[list[tuple[str, str]], list[tuple[int, str, str]]]:
    path = tmp_path / "d" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    corpus = read_corpus(path)
    articles = [(a.id, a.headline) for a in corpus]
    return articles, [(p.line, p.kind, p.reason) for p in corpus.problems]


def test_array_of_objects(tmp_path: Path) -> None:
    text = '[\n {"id": "x", "title": "A"},\n 3,\n {"title": "B"}\n]\n'
    articles, problems = read(tmp_path, text)
    assert articles == [("d/f.json#x", "A"), ("d/f.json#3", "B")]
    assert problems == [(3, "bad-record", "a JSON int, not an object")]


def test_one_object_and_objects_one_after_another(tmp_path: Path) -> None:
    assert read(tmp_path, '{"title": "Only"}') == ([("d/f.json#1", "Only")], [])
    articles, _ = read(tmp_path, '{"title": "A"} {"title": "B"}\n{"title": "C"}', "many.json")
    assert [headline for _, headline in articles] == ["A", "B", "C"]


def test_file_cut_off_halfway_keeps_what_came_before(tmp_path: Path) -> None:
    articles, problems = read(tmp_path, '[{"title": "A"},\n{"title": "B"},\n{"title": "C", "te')
    assert [headline for _, headline in articles] == ["A", "B"]
    assert problems == [(0, "truncated", "JSON cut off at line 3; the rest is lost")]
    articles, problems = read(tmp_path, '[{"title": "A"}, ', "cut2.json")
    assert (len(articles), problems[0][1]) == (1, "truncated")


def test_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    articles, problems = read(tmp_path, '[{"title": "A"},\n{"title": "B" "x"},\n{"title": "C"}]')
    assert articles == [("d/f.json#1", "A")]
    assert problems == [
        (0, "bad-json", "bad JSON: Expecting ',' delimiter at line 2; the rest is lost")
    ]
    _, problems = read(tmp_path, '[{"title": "A"}] junk', "extra.json")
    assert problems[0][1:] == (
        "bad-json",
        "extra data after the JSON array at line 1; the rest is lost",
    )


def test_empty_array_is_reported(tmp_path: Path) -> None:
    assert read(tmp_path, "[ ]") == ([], [(0, "no-articles", "no articles found as json")])


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_values_across_buffer_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(jsondoc, "CHUNK_CHARS", chunk)
    records = [{"title": f"T{n}", "text": "é" * n, "n": [n, {"k": n}]} for n in range(30)]
    articles, problems = read(tmp_path, json.dumps(records, indent=1, ensure_ascii=False))
    assert [headline for _, headline in articles] == [f"T{n}" for n in range(30)]
    assert problems == []


def test_large_array_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    items = (json.dumps({"title": f"Story {n}", "text": "word " * 100}) for n in range(8000))
    path.write_text("[" + ",\n".join(items) + "]", encoding="utf-8")
    count, peak = count_with_peak_memory(path)
    assert count == 8000
    assert peak < path.stat().st_size / 10


def test_wrapper_object_holding_a_list_of_articles(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "status": "ok",
            "totalResults": 2,
            "articles": [{"title": "A", "content": "a"}, {"url": "u", "title": "B"}],
        }
    )
    assert read(tmp_path, text) == ([("d/f.json#1", "A"), ("d/f.json#2", "B")], [])
    # An article with a list of objects among its keys stays one article.
    article = {"title": "C", "text": "c", "images": [{"src": "x.jpg"}]}
    assert read(tmp_path, json.dumps(article), "one.json") == ([("d/one.json#1", "C")], [])


def test_numbers_too_long_for_int_are_read(tmp_path: Path) -> None:
    digits = "9" * 5000  # Python's int() refuses more than 4300 digits
    text = f'[{{"title": "Big", "count": {digits}}}, {{"title": "Next"}}]'
    assert read(tmp_path, text) == ([("d/f.json#1", "Big"), ("d/f.json#2", "Next")], [])
