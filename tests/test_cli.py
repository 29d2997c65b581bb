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
        "story",
        "copies",
    }
    assert hit["story"] == hit["id"] and hit["copies"] == []
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
    assert "Indexed 1 articles (0 new, 1 replaced)" in strict.output


def test_no_arguments_prints_help() -> None:
    result = runner.invoke(app, [])
    assert "query" in result.output and "index" in result.output


def test_duplicates_and_all_copies(tmp_path: Path) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    story = "Rescue teams evacuated dozens of homes near the river after heavy rain. " * 4
    (folder / "a.txt").write_text("Floods in the north\n\n" + story)
    (folder / "b.txt").write_text("River floods homes\n\n" + story)
    index = str(tmp_path / "ix")
    assert runner.invoke(app, ["index", str(folder), "--index", index]).exit_code == 0
    listed = runner.invoke(app, ["duplicates", "--index", index, "--json"])
    assert json.loads(listed.output)["stories"][0]["size"] == 2
    shown = runner.invoke(app, ["query", "river", "--index", index])
    assert "(showing 1-1)" in shown.output and "\n2. " not in shown.output
    assert "Also in 1 other copy: wire/" in shown.output
    both = runner.invoke(app, ["query", "river", "--index", index, "--json", "--all-copies"])
    assert len(json.loads(both.output)["hits"]) == 2
