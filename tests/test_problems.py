"""Tests for searcher.cli.problems: counting by scope and kind, the JSON Lines problem list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searcher.cli.problems import count_problems, write_problems
from searcher.cli.render_progress import problem_summary
from searcher.errors import SearcherError
from searcher.models import Problem

PROBLEMS = [
    Problem("a.txt", "binary file, not text", kind="binary"),
    Problem("b.txt", "empty file", kind="empty"),
    Problem("c.txt", "empty file", kind="empty"),
    Problem("f.jsonl", "bad JSON: ...", line=4, kind="bad-record"),
    Problem("g", "no text"),
]


def test_counts_by_scope_and_kind() -> None:
    counts = count_problems(PROBLEMS)
    assert counts.files == {"empty": 2, "binary": 1, "no text": 1}
    assert counts.records == {"bad-record": 1}
    summary = problem_summary(counts)
    assert summary is not None
    assert summary.plain == (
        "Skipped 4 files (2 empty, 1 binary, 1 no text) and 1 record (1 bad-record)"
    )
    assert problem_summary(count_problems([])) is None


def test_problem_list_as_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "errors.jsonl"
    write_problems(PROBLEMS, path)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == {
        "path": "a.txt",
        "line": None,
        "kind": "binary",
        "reason": "binary file, not text",
    }
    assert rows[3]["line"] == 4
    assert rows[4]["kind"] is None
    write_problems([], path)
    assert path.read_text() == ""


def test_unwritable_problem_list_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(SearcherError, match="cannot write the problem list to"):
        write_problems(PROBLEMS, tmp_path / "missing" / "errors.jsonl")


def test_str_of_a_problem_is_unchanged_by_its_kind() -> None:
    assert str(PROBLEMS[3]) == "f.jsonl:4: bad JSON: ..."


def test_repairs_are_counted_apart_from_skips() -> None:
    repaired = [
        Problem(
            "d/caf\u00e9.txt", "name is not UTF-8; indexed as d/caf\u00e9.txt", kind="bad-name"
        ),
        Problem("d/feed.jsonl#1", "text that cannot be encoded ... replaced", kind="bad-text"),
    ]
    counts = count_problems([*PROBLEMS[:1], *repaired])
    assert counts.repaired == {"bad-name": 1, "bad-text": 1}
    summary = problem_summary(counts)
    assert summary is not None
    assert summary.plain == "Skipped 1 file (1 binary); repaired 2 (1 bad-name, 1 bad-text)"
    alone = problem_summary(count_problems(repaired[1:]))
    assert alone is not None and alone.plain == "Repaired 1 (1 bad-text)"
