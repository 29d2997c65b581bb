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
    assert "Indexed 1 articles (0 new, 1 replaced)" in strict.output


def test_no_arguments_prints_help() -> None:
    result = runner.invoke(app, [])
    assert "query" in result.output and "index" in result.output


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-scored collection of test_evaluation.py, indexed, with its topic files."""
    from test_evaluation import ARTICLES, QRELS, TREC, TSV

    from searcher import Index

    folder = tmp_path_factory.mktemp("cli-collection")
    Index(folder / "index").add(ARTICLES)
    for name, text in (("topics.tsv", TSV), ("topics.trec", TREC), ("qrels.txt", QRELS)):
        (folder / name).write_text(text)
    return folder


def test_run_writes_a_trec_run_to_stdout_or_a_file(collection: Path) -> None:
    index = ["--index", str(collection / "index")]
    result = runner.invoke(app, ["run", str(collection / "topics.tsv"), *index, "-n", "1"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert [(q, z, d, r, name) for q, z, d, r, _, name in lines] == [
        ("1", "Q0", "d1", "1", "searcher"),
        ("2", "Q0", "d2", "1", "searcher"),
        ("3", "Q0", "d2", "1", "searcher"),
    ]
    out = collection / "run.txt"
    args = ["run", str(collection / "topics.trec"), *index, "--run-id", "x", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and result.output == ""
    assert [line.split()[2] for line in out.read_text().splitlines()] == [
        "d1",
        "d2",
        "d2",
        "d1",
        "d2",
    ]
    assert out.read_text().splitlines()[0].endswith(" x")


def test_eval_prints_the_means_and_per_query_values(collection: Path) -> None:
    args = ["eval", str(collection / "topics.trec"), str(collection / "qrels.txt")]
    result = runner.invoke(app, [*args, "--index", str(collection / "index"), "--per-query"])
    assert result.exit_code == 0, result.output
    assert "nDCG@10" in result.output and "R@100" in result.output
    rows = {
        line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.strip()
    }
    assert rows["2"] == ["0.5000", "0.6309", "0.1000", "1.0000", "0.5000"]
    assert rows["mean"] == ["(3)", "0.5000", "0.4969", "0.1000", "0.6667", "0.5000"]


def test_eval_json_with_chosen_measures(collection: Path) -> None:
    args = ["eval", str(collection / "topics.tsv"), str(collection / "qrels.txt")]
    args += ["--index", str(collection / "index"), "--json", "--measures", "AP, P@1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"topics": 3, "measures": {"AP": 0.5, "P@1": 1 / 3}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "{dir}/topics.tsv", "{dir}/qrels.txt", "-m", "nope"], "unknown measure 'nope'"),
        (["eval", "{dir}/topics.tsv", "{dir}/none.txt"], "cannot read qrels file"),
        (["run", "{dir}/none.tsv"], "cannot read topics file"),
        (["run", "{dir}/qrels.txt"], "qrels.txt:1: expected"),
        (["run", "{dir}/topics.tsv", "-o", "{dir}/no/run.txt"], "cannot write"),
        (["run", "{dir}/topics.tsv", "--index", "{dir}/none"], "No index at"),
    ],
)
def test_run_and_eval_errors_are_one_line_and_exit_code_2(
    collection: Path, args: list[str], message: str
) -> None:
    args = [a.format(dir=collection) for a in args]
    if "--index" not in args:
        args += ["--index", str(collection / "index")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_run_piped_into_a_reader_that_stops_early_is_no_error(collection: Path) -> None:
    import subprocess
    import sys

    many = collection / "many.tsv"
    many.write_text("".join(f"{n}\twing\n" for n in range(2500)))  # 5,000 lines, > a pipe buffer
    search = Path(sys.executable).with_name("search")
    command = [str(search), "run", str(many), "--index", str(collection / "index")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"0 Q0 d1 1 ")
        process.stdout.close()  # as `| head -1` does
        stderr = process.stderr.read().decode()
    assert process.returncode == 0, stderr
    assert stderr == ""
