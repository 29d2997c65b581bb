import json
from pathlib import Path

import pytest
from conftest import SEED
from typer.testing import CliRunner

from searcher.cli import app

runner = CliRunner()


@pytest.fixture
def indexed(tmp_path: Path) -> Path:
    index = tmp_path / "ix"
    result = runner.invoke(app, ["index", str(SEED.parent), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 articles (1 new, 0 replaced) from 1 files" in result.output
    return index


def test_query_lists_the_seed_first_with_highlights(indexed: Path) -> None:
    result = runner.invoke(app, ["query", "CSTO troops", "--index", str(indexed)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("1 articles match 'CSTO troops'")
    assert "1. Russian paratroopers arrive in Kazakhstan as unrest continues" in result.output
    assert "The Guardian Australia · Shaun Walker and Naubet Bisenov" in result.output
    assert "corpus/000_c62dc9544255aea0.txt" in result.output


def test_query_json_has_the_design_document_with_spans(indexed: Path) -> None:
    result = runner.invoke(app, ["query", "CSTO troops", "--index", str(indexed), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["query"] == "CSTO troops" and doc["total"] == 1
    [hit] = doc["hits"]
    assert hit["rank"] == 1 and hit["id"] == "corpus/000_c62dc9544255aea0.txt"
    assert set(hit) == {
        "rank",
        "id",
        "score",
        "headline",
        "source",
        "byline",
        "date",
        "path",
        "snippets",
    }
    words = {s["text"][a:b] for s in hit["snippets"] for a, b in s["spans"]}
    assert {"CSTO", "troops"} <= words


def test_index_from_environment_variable(indexed: Path) -> None:
    result = runner.invoke(app, ["query", "paratroopers"], env={"SEARCHER_INDEX": str(indexed)})
    assert result.exit_code == 0 and "1. Russian paratroopers" in result.output


def test_no_match_is_success(indexed: Path) -> None:
    result = runner.invoke(app, ["query", "volcano", "--index", str(indexed)])
    assert result.exit_code == 0
    assert "No articles match 'volcano'" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", '"CSTO troops', "--index", "{index}"], "Unclosed double quote at position 1"),
        (["query", "troops AND", "--index", "{index}"], "AND has nothing after it at position 8"),
        (["query", "troops", "--index", "{missing}"], "No index at"),
        (["index", "{missing}/nothing", "--index", "{index}"], "nothing"),
    ],
)
def test_errors_are_one_line_and_exit_code_2(
    indexed: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a.format(index=indexed, missing=tmp_path / "missing") for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    # nothing already indexed was lost
    assert runner.invoke(app, ["query", "CSTO", "--index", str(indexed)]).exit_code == 0


def test_strict_turns_skipped_input_into_exit_code_1(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Good headline\n\nGood body.\n")
    (folder / "empty.txt").write_text("")
    index = str(tmp_path / "ix")
    loose = runner.invoke(app, ["index", str(folder), "--index", index])
    assert loose.exit_code == 0 and "empty.txt" in loose.stderr
    strict = runner.invoke(app, ["index", str(folder), "--index", index, "--strict"])
    assert strict.exit_code == 1
    # The good file is unchanged, so the second run only re-reads the skipped one.
    assert "No changes: the index is up to date from 2 files (1 unchanged)" in strict.output


def test_no_arguments_prints_help() -> None:
    result = runner.invoke(app, [])
    assert "query" in result.output and "index" in result.output


def test_a_second_index_run_says_nothing_changed(indexed: Path) -> None:
    result = runner.invoke(app, ["index", str(SEED.parent), "--index", str(indexed)])
    assert result.exit_code == 0
    assert " ".join(result.output.split()) == (
        f"No changes: the index is up to date from 1 files (1 unchanged) in {indexed}"
    )


def test_index_progress_is_plain_lines_off_a_terminal_and_quiet_hides_it(tmp_path: Path) -> None:
    args = ["index", str(SEED.parent), "--index", str(tmp_path / "ix"), "--workers", "1"]
    shown = runner.invoke(app, args)
    assert "indexed 1/1 files, 1 articles" in shown.output
    quiet = runner.invoke(app, [*args, "--rebuild", "--quiet"])
    assert " ".join(quiet.output.split()) == (
        f"Indexed 1 articles (1 new, 0 replaced) from 1 files into {tmp_path / 'ix'}"
    )


def test_stats_as_json_and_as_a_table(indexed: Path) -> None:
    result = runner.invoke(app, ["stats", "--index", str(indexed), "--json"])
    assert result.exit_code == 0
    stats = json.loads(result.output)
    assert stats["articles"] == 1 and stats["sources"] == 1 and stats["segments"] == 1
    assert stats["size_bytes"] > 0 and stats["updated"]
    table = runner.invoke(app, ["stats", "--index", str(indexed)])
    assert "articles" in table.output and "segments" in table.output


def test_optimize_merges_segments(indexed: Path, tmp_path: Path) -> None:
    other = tmp_path / "more"
    other.mkdir()
    (other / "b.txt").write_text("Another headline\n\nMore text.\n")
    runner.invoke(app, ["index", str(other), "--index", str(indexed)])
    result = runner.invoke(app, ["optimize", "--index", str(indexed)])
    assert result.exit_code == 0 and "Merged 2 segments into 1" in result.output
    stats = json.loads(runner.invoke(app, ["stats", "--index", str(indexed), "--json"]).output)
    assert stats["segments"] == 1 and stats["articles"] == 2


def test_stats_and_optimize_of_a_missing_index_exit_2(tmp_path: Path) -> None:
    for command in ("stats", "optimize"):
        result = runner.invoke(app, [command, "--index", str(tmp_path / "none")])
        assert result.exit_code == 2 and "No index at" in result.stderr
