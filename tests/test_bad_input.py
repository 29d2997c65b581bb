"""The bad-input suite: every kind of broken input through `search index`, and random input
through the readers. Good files are indexed, bad ones reported with their reason, exit codes
as documented, and nothing already indexed is lost."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner
from whoosh.index import open_dir

from searcher import Article, Index, Problem, read_corpus
from searcher.cli import app
from searcher.corpus import FORMATS, decode

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

    real_open = decode._open_regular

    def fake_open(path: str, flags: int) -> int:
        if path == str(locked):  # tests run as root, where permissions do not stop reading
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags)

    monkeypatch.setattr(decode, "_open_regular", fake_open)
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


def read_everything(path: Path, format: str | None = None) -> list[Article | Problem]:
    """Everything read from `path`: articles or problems, at least one, and no reader
    failing on its input (the corpus turns such a failure into a `reader-error`)."""
    corpus = read_corpus(path, format=format)
    items: list[Article | Problem] = [*corpus, *corpus.problems]
    assert items and all(isinstance(item, (Article, Problem)) for item in items)
    assert [p for p in corpus.problems if p.kind == "reader-error"] == []
    for article in corpus:
        for text in (article.id, article.headline, article.body, article.source):
            text.encode("utf-8")  # nothing after the readers meets a lone surrogate
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


# Adversarial input to every reader, forced to read it: random bytes, and documents of the
# reader's own format whose fields are filled with the pieces readers look for (tags,
# quotes, delimiters, escapes, lone surrogates), some repeated thousands of times (which
# is what made patterns quadratic), nested deeper than Python's stack; plain and gzipped.

PIECES = [
    *('<REUTERS NEWID="1">', "<REUTERS ", "</REUTERS>", "<TEXT>", "<TITLE ", "</TITLE>", "<D>"),
    *("</D>", "<BODY>", "<DATE>", "&#", "&#x", "&amp;", "&#3;", "<", ">", " Reuter"),
    *('"', '""', ",", "\t", "\n", "\r\n", " ", "{", "}", "[", "]", ":", '"title"', "\\"),
    *("9" * 30, "&#" + "9" * 5000 + ";", ".I 1\n", ".T\n", ".W\n", "From: a@b.org\n"),
    *("Content-Type: multipart/mixed; boundary=b\n\n", "--b\n", "=?utf-8?q?=C3=A9?="),
    *("<html>", "<p>", "</p>", "<script>", "<!--", "?? Photograph: ", "Newspapers in English"),
    *("- By ", "quot;", " #39;", "\x00", "\ud800", "\udce9", "\u00e9", "\u20ac", "\ufeff", "A b."),
]
_PIECE = st.one_of(st.sampled_from(PIECES), st.text(max_size=12))
_RUN = st.tuples(_PIECE, st.integers(1, 3000)).map(lambda run: run[0] * run[1])
FILL = st.lists(st.one_of(_PIECE, _RUN), max_size=6).map("".join)
DEPTH = st.integers(0, 1500)


def _deep(depth: int, inner: str) -> str:
    return "[" * depth + inner + "]" * depth


def _record(fill: str, depth: int) -> str:
    """A JSON object (as text: too deep for `json.dumps`) with `fill` in its fields."""
    text = json.dumps(fill)  # lone surrogates come out as `\ud800` escapes
    return f'{{"id": {text}, "title": {text}, "text": {_deep(depth, text)}, "source": {text}}}'


def _mime(fill: str, depth: int) -> str:
    return _nested_mime(depth, f"From: {fill}\nSubject: {fill}\nDate: {fill}\n", fill)


def _csv(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([["title", "text"], *zip(cells, reversed(cells), strict=True)])
    return out.getvalue()


DOCUMENTS = {  # each format's own layout, filled
    "sgml": st.builds(
        lambda a, b, c: (
            f'<REUTERS NEWID="{a}"><DATE>{b}</DATE><TOPICS><D>{c}</D></TOPICS>'
            f"<TEXT><TITLE>{a}</TITLE><BODY>{b}{c}</BODY></TEXT></REUTERS>\n"
        ),
        FILL,
        FILL,
        FILL,
    ),
    "cranfield": st.builds(lambda a, b: f".I {a}\n.T\n{b}\n.A\n{a}\n.W\n{b}\n", FILL, FILL),
    "html": st.builds(
        lambda a, b: (
            f"<html><head><title>{a}</title></head><body><article><h1>{a}</h1>"
            f"<p>{b}</p><p>{a} {b}</p></article></body></html>"
        ),
        FILL,
        FILL,
    ),
    "email": st.builds(_mime, FILL, DEPTH),
    "jsonl": st.lists(st.builds(_record, FILL, DEPTH), min_size=1, max_size=3).map("\n".join),
    "json": st.lists(st.builds(_record, FILL, DEPTH), min_size=1, max_size=3).map(
        lambda records: "[" + ",".join(records) + "]"
    ),
    "csv": st.lists(FILL, min_size=1, max_size=4).map(_csv),
    "newspaper": st.builds(
        lambda a, b: (
            f"{a}\n\n{b}\n\n- By {a}\n\n{b}\n\n?? Photograph: {a} ?? {b}\n\nNewspapers in {a}\n"
        ),
        FILL,
        FILL,
    ),
    "text": st.builds(lambda a, b: f"{a}\n\n{b}", FILL, FILL),
}
assert set(DOCUMENTS) == set(FORMATS)


@pytest.fixture(scope="module")
def html_stack() -> None:
    """The HTML reader's first page imports its stack (seconds): not part of a deadline."""
    from searcher.corpus import webpage

    webpage._extract("<html><body><p>warm up</p></body></html>")


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("format", FORMATS)
@settings(
    max_examples=40,  # 18 readers and ways in all: about ten seconds
    deadline=timedelta(seconds=5),  # linear readers take milliseconds; quadratic took minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_reader_survives_adversarial_input(
    tmp_path: Path, html_stack: None, format: str, compressed: bool, data: st.DataObject
) -> None:
    document = st.one_of(
        st.binary(max_size=3000),
        DOCUMENTS[format].map(lambda text: text.encode("utf-8", "surrogatepass")),
    )
    raw = data.draw(document)
    path = tmp_path / "input"
    path.write_bytes(gzip.compress(raw, compresslevel=1) if compressed else raw)
    read_everything(path, format=format)


# Hostile input through the CLI (issue 12): each case beside a good article, indexed the
# normal way (two workers, a commit per file), within a time bound.


def good(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text("Good headline\n\nGood body text.\n", encoding="utf-8")
    return folder


def _nested_mime(
    depth: int, headers: str = "From: a@b.org\nSubject: Deep\n", body: str = ""
) -> str:
    """A message whose text part is `depth` levels of multipart MIME parts deep."""
    part = 'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n'
    opening = "".join(part.format(n=n) for n in range(depth))
    closing = "".join(f"--b{n}--\n" for n in reversed(range(depth)))
    return f"{headers}{opening}Content-Type: text/plain\n\n{body or 'Deep.'}\n{closing}"


STORY = '<REUTERS NEWID="5"><TEXT><TITLE>WHOLE STORY</TITLE><BODY>Kept.</BODY></TEXT></REUTERS>\n'


def _tar_gz(members: list[tuple[str, bytes | str]]) -> bytes:
    """A .tar.gz of regular members, and of symbolic links where the content is text (the
    link's target)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            if isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


_NOISE = random.Random(0).randbytes(200_000).hex().encode()  # text that packs badly
_CUT = _tar_gz([("a.txt", b"Before the cut\n"), ("b.txt", _NOISE), ("c.txt", b"After\n")])


# name: (files to write beside good.txt, the headlines indexed besides its, problem kinds)
HOSTILE: dict[str, tuple[dict[str, str | bytes], set[str], list[str]]] = {
    "surrogate in JSON text": (
        {"feed.jsonl": '{"title":"head\\ud800line","text":"beta"}\n{"title":"Second"}\n'},
        {"head\ufffdline", "Second"},
        ["bad-text"],
    ),
    "surrogate in id and source": (
        {"feed.jsonl": '{"id":"a\\ud800","source":"s\\udc80","title":"T"}\n{"title":"U"}\n'},
        {"T", "U"},
        ["bad-text"],
    ),
    "JSON nested 600 deep": (
        {"deep.jsonl": '{"title":"t","text":' + "[" * 600 + '"x"' + "]" * 600 + "}\n{}\n"},
        {"t"},
        ["no-text"],
    ),
    "JSON nested past the stack": (
        {"deep.json": '[{"title":"Before"},' + "[" * 100_000 + "]" * 100_000 + "]"},
        {"Before"},
        ["bad-json"],
    ),
    "MIME parts 3,000 deep": ({"deep.eml": _nested_mime(3000)}, set(), ["too-deep"]),
    "file name not UTF-8": ({"caf\udce9.txt": "Caf\u00e9\n\nBody.\n"}, {"Caf\u00e9"}, ["bad-name"]),
    "CSV cell over 128 KB": (
        {"long.csv": 'title,text\nLong,"' + "line, more\n" * 30_000 + '"\nNext,row\n'},
        {"Long", "Next"},
        [],
    ),
    "CSV row over the limit": (
        {"huge.csv": 'title,text\nFirst,row\nHuge,"' + "x" * (5 << 20) + '"\nNext,row\n'},
        {"First", "Next"},
        ["too-large"],
    ),
    "SGML with 200,000 unclosed <D>": (
        {
            "a.sgm": "<REUTERS><TEXT><TITLE>A</TITLE></TEXT><TOPICS>"
            + "<D>" * 200_000
            + "</REUTERS>\n"
            + STORY
        },
        {"A", "WHOLE STORY"},
        [],
    ),
    "SGML <REUTERS without >": (
        {"a.sgm": "<REUTERS " * 20_000 + "\n" + STORY},
        {"WHOLE STORY"},
        [],
    ),
    "UTF-16 without a BOM": (
        {"wide.txt": "Wide headline\n\nBody.\n".encode("utf-16-le")},
        {"Wide headline"},
        [],
    ),
    "UTF-32 with a BOM": (
        {"wide.txt": "Wide headline\n\nBody.\n".encode("utf-32")},
        {"Wide headline"},
        [],
    ),
    "tar members outside it and a link": (
        {
            "packed.tar.gz": _tar_gz(
                [
                    ("../../escape.txt", b"Escaped\n"),
                    ("link.txt", "/etc/passwd"),
                    ("inner/packed.txt", b"Packed headline\n"),
                ]
            )
        },
        {"Packed headline"},
        ["link", "unsafe-name"],
    ),
    "tar.gz cut off in a member": (
        {"cut.tar.gz": _CUT[: len(_CUT) // 2]},
        {"Before the cut"},
        ["bad-archive"],
    ),
    "zip member over the limit (a bomb)": (
        {"bomb.zip": _zip({"huge.txt": b"word " * (1 << 20), "small.txt": b"Small one\n"})},
        {"Small one"},
        ["too-large"],
    ),
}


@pytest.mark.parametrize(("files", "headlines", "kinds"), HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_reported_and_the_rest_indexed(
    tmp_path: Path, files: dict[str, str | bytes], headlines: set[str], kinds: list[str]
) -> None:
    folder = good(tmp_path / "in")
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogateescape")
        (folder / name).write_bytes(data)
    index, errors = tmp_path / "ix", tmp_path / "errors.jsonl"
    args = ["index", str(folder), "--index", str(index), "-j", "2", "--commit-every", "1"]
    started = time.monotonic()
    first = runner.invoke(app, [*args, "--strict", "--errors", str(errors)])
    assert time.monotonic() - started < 60  # these took minutes, or never ended
    assert first.exit_code == (1 if kinds else 0), first.output
    assert "Internal error" not in first.output and "Traceback" not in first.output
    problems = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert sorted(p["kind"] for p in problems) == kinds
    with open_dir(str(index)).searcher() as searcher:
        indexed = {fields["headline"] for fields in searcher.all_stored_fields()}
    assert indexed == {"Good headline", *headlines}
    # The state was saved: a second run changes nothing, and queries work.
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "No changes" in again.stderr, again.output
    assert runner.invoke(app, ["query", "headline", "--index", str(index)]).exit_code == 0


def test_symlink_loops_are_reported(tmp_path: Path) -> None:
    folder = good(tmp_path / "d3")
    (folder / "loop").symlink_to("loop")
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    result = runner.invoke(app, ["index", str(folder), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert "Skipped 3 files (3 link-loop)" in result.stderr
    assert len(Index(tmp_path / "ix")) == 1


def test_special_files_named_on_the_command_line_do_not_block(tmp_path: Path) -> None:
    folder = good(tmp_path / "in")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    command = "from searcher.cli import app; app()"
    args = ["index", str(fifo), "/dev/zero", str(folder), "--index", str(tmp_path / "ix")]
    done = subprocess.run(  # a blocked run is killed by the timeout and fails the test
        [sys.executable, "-c", command, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"skipped {fifo}: not a regular file" in done.stderr
    assert "skipped /dev/zero: not a regular file" in done.stderr
    assert len(Index(tmp_path / "ix")) == 1
