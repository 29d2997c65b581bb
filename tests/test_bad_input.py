"""The bad-input suite: every kind of broken input through `search index`, and random input
through the readers. Good files are indexed, bad ones reported with their reason, exit codes
as documented, and nothing already indexed is lost."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import IO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from searcher import Article, Index, Problem, read_corpus
from searcher.cli import app
from searcher.corpus import decode

runner = CliRunner()

GOOD = {
    "good.txt": "Good headline\n\nGood body.\n",
    "latin1.txt": "Pound \u00a3 up\n\nCaf\u00e9 body.\n".encode("latin-1"),
    "feed.jsonl": '{"title": "Line one", "text": "x"}\n{broken\n{"title": "Line three"}\n',
    "cut.json": '[{"title": "Before the cut"}, {"title": "Af',
    "ragged.csv": "title,text\nRow one,Body\nRagged,row,here\n",
    "packed.jsonl.gz": gzip.compress(b'{"title": "Zipped"}\n'),
    "sub/nested.txt": "Nested headline\n",
}
BAD = {
    "binary.txt": b"GIF89a\x00\x01\x02",
    "empty.txt": b"",
    "blank.txt": " \n\n",
    "nobody.html": "<html><body><nav>Home | About</nav></body></html>",
    "image.png": b"\x89PNG\r\n",
    "empty.json": "[]",
    "locked.txt": "Cannot be read\n",
}
IGNORED = {"README.txt": "About\n", ".hidden.txt": "Hidden\n", ".git/config": "x\n"}


@pytest.fixture
def mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with good files, bad files, a broken link and files to ignore."""
    root = tmp_path / "mixed"
    for name, content in {**GOOD, **BAD, **IGNORED}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (root / "dangling.txt").symlink_to(root / "gone.txt")
    locked = root / "locked.txt"

    def fake_open(path: Path, mode: str) -> IO[bytes]:
        if path == locked:  # tests run as root, where permissions do not stop reading
            raise PermissionError(13, "Permission denied", str(path))
        return open(path, mode)

    monkeypatch.setattr(decode, "open", fake_open, raising=False)
    return root


def test_good_input_is_indexed_and_bad_input_reported(mixed: Path, tmp_path: Path) -> None:
    errors = tmp_path / "errors.jsonl"
    index = tmp_path / "ix"
    args = ["index", str(mixed), "--index", str(index), "--errors", str(errors)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = " ".join(result.stderr.split())
    assert "Indexed 8 articles (8 new, 0 replaced) from 15 files" in out
    assert "Skipped 9 files (2 empty, " in out
    for kind in ("binary", "truncated", "broken-link", "no-articles", "no-reader", "unreadable"):
        assert f" 1 {kind}" in out
    assert "and 2 records (2 bad-record)" in out
    assert f"skipped {mixed / 'feed.jsonl'}:2: bad JSON" in result.stderr
    assert f"skipped {mixed / 'ragged.csv'}:3: ragged row" in result.stderr
    assert "Traceback" not in result.output

    problems = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert len(problems) == 11
    assert {p["path"].rsplit("/", 1)[1]: p["kind"] for p in problems if p["line"] is None} == {
        "binary.txt": "binary",
        "blank.txt": "empty",
        "cut.json": "truncated",
        "dangling.txt": "broken-link",
        "empty.json": "no-articles",
        "empty.txt": "empty",
        "image.png": "no-reader",
        "locked.txt": "unreadable",
        "nobody.html": "no-text",
    }
    assert {(p["line"], p["kind"]) for p in problems if p["line"]} == {
        (2, "bad-record"),
        (3, "bad-record"),
    }

    query = "headline OR line OR zipped OR cut OR row OR pound"
    headlines = {hit.headline for hit in Index(index).search(query, limit=None)}
    assert headlines == {
        "Good headline",
        "Nested headline",
        "Line one",
        "Line three",
        "Zipped",
        "Before the cut",
        "Row one",
        "Pound \u00a3 up",
    }


def test_strict_exits_1_but_keeps_what_was_indexed(mixed: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    result = runner.invoke(app, ["index", str(mixed), "--index", str(index), "--strict"])
    assert result.exit_code == 1
    assert len(Index(index)) == 8


def test_bad_only_run_loses_nothing_already_indexed(mixed: Path, tmp_path: Path) -> None:
    index = tmp_path / "ix"
    first = runner.invoke(app, ["index", str(mixed / "good.txt"), "--index", str(index)])
    assert first.exit_code == 0
    result = runner.invoke(app, ["index", str(mixed / "binary.txt"), "--index", str(index)])
    assert result.exit_code == 0
    assert "Skipped 1 file (1 binary)" in result.stderr
    assert len(Index(index)) == 1


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--format", "pdf"], "unknown format 'pdf'; choose one of: sgml, cranfield, html"),
        (["--field", "headline"], "field mapping 'headline' is not FIELD=KEY"),
        (["--field", "colour=c"], "unknown article field 'colour'"),
        (["--errors", "/nonexistent/dir/e.jsonl"], "cannot write the problem list"),
    ],
)
def test_usage_errors_exit_2_in_one_line(
    mixed: Path, tmp_path: Path, option: list[str], message: str
) -> None:
    args = ["index", str(mixed / "good.txt"), "--index", str(tmp_path / "ix"), *option]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_format_and_field_options(tmp_path: Path) -> None:
    feed = tmp_path / "in" / "feed.txt"
    feed.parent.mkdir()
    feed.write_text('{"heading": "Mapped title", "copy": "Body words."}\n', encoding="utf-8")
    args = ["index", str(feed), "--index", str(tmp_path / "ix"), "--format", "jsonl"]
    result = runner.invoke(app, [*args, "--field", "headline=heading", "--field", "body=copy"])
    assert result.exit_code == 0, result.output
    (hit,) = Index(tmp_path / "ix").search("mapped")
    assert (hit.id, hit.headline) == ("in/feed.txt#1", "Mapped title")


# Random input: nothing escapes but the reported skip.

EXTENSIONS = ["", ".txt", ".jsonl", ".json", ".csv", ".tsv", ".sgm", ".eml", ".html", ".gz"]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def read_everything(path: Path) -> list[Article | Problem]:
    corpus = read_corpus(path)
    items: list[Article | Problem] = [*corpus, *corpus.problems]
    assert all(isinstance(item, (Article, Problem)) for item in items)
    return items


@SETTINGS
@given(data=st.binary(max_size=600), extension=st.sampled_from(EXTENSIONS))
def test_random_bytes(tmp_path: Path, data: bytes, extension: str) -> None:
    path = tmp_path / f"random{extension}"
    path.write_bytes(data)
    assert read_everything(path)


# Starts of files that each reader claims, so random text gets past the sniffing.
SIGNATURES = [
    '<REUTERS NEWID="1"><DATE>',
    "<!DOCTYPE lewis>\n<REUTERS><TEXT><TITLE>",
    "From: a@b (Name)\nSubject: ",
    "<html><body><p>",
    '{"title": "a"}\n{"title": ',
    '[{"title": ',
    "title,text\n",
    "Publication\n\nHeadline\n\n- By ",
]


@SETTINGS
@given(start=st.sampled_from(SIGNATURES), rest=st.text(max_size=300))
def test_random_text_in_every_format(tmp_path: Path, start: str, rest: str) -> None:
    path = tmp_path / "random"
    path.write_text(start + rest, encoding="utf-8")
    assert read_everything(path)


@SETTINGS
@given(values=st.lists(JSON, max_size=5), extension=st.sampled_from([".json", ".jsonl"]))
def test_random_json(tmp_path: Path, values: list[object], extension: str) -> None:
    path = tmp_path / f"random{extension}"
    if extension == ".json":
        text = json.dumps(values[0] if len(values) == 1 else values)
    else:
        text = "\n".join(json.dumps(value) for value in values)
    path.write_text(text, encoding="utf-8")
    assert read_everything(path)
