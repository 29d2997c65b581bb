"""Tests for searcher.corpus: the readers, the registry, file discovery, ids and problems."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from searcher.corpus import FORMATS, FileRef, decode, newspaper, read_corpus, stream
from searcher.corpus.base import Reader, Source, record_id
from searcher.errors import BadInputError
from searcher.models import Article, Problem, Quote

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "corpus" / "000_c62dc9544255aea0.txt"
SHARED = Path(__file__).resolve().parents[2] / "shared"
BBC = SHARED / "corpora" / "bbc"

needs_bbc = pytest.mark.skipif(
    not BBC.is_dir(), reason=f"{BBC} is absent: the shared corpora sit beside the checkout in CI"
)


def write(path: Path, content: str | bytes) -> Path:
    """Create `path` (and its folders) holding `content`; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def reasons(problems: list[Problem]) -> dict[str, str]:
    """Problems as {file name: reason}."""
    return {Path(problem.path).name: problem.reason for problem in problems}


# The seed: a newspaper export


def test_seed_is_read_field_by_field() -> None:
    corpus = read_corpus(SEED)
    (article,) = list(corpus)

    assert article.id == "corpus/000_c62dc9544255aea0.txt"
    assert article.path == str(SEED)
    assert article.source == "The Guardian Australia"
    assert article.headline == "Russian paratroopers arrive in Kazakhstan as unrest continues"
    assert article.byline == "Shaun Walker and Naubet Bisenov in Aktobe province, and agencies"
    assert article.authors == ("Shaun Walker", "Naubet Bisenov")
    assert article.date is None
    assert article.url == ""
    assert article.language == "English"
    assert article.country == "Australia"
    assert article.captions == (
        "Troops at the main square in Almaty, Kazakhstan.",
        "forces in Almaty.",
    )
    assert article.metadata["photo_credits"] == (
        "Mariya Gordeyeva/ReuSecurity",
        "Valery Sharifulin/Tass",
    )
    paras = article.body.split("\n\n")
    assert len(paras) == 21
    assert paras[0].startswith("Russian paratroopers have arrived in Kazakhstan as part of")
    assert paras[-1].endswith("the protests appear largely directionless.")
    for leftover in ("Photograph", "??", "Newspapers in", "Newspapers from", "Shaun Walker"):
        assert leftover not in article.body
    assert corpus.problems == []
    assert corpus.files_seen == 1


def test_seed_folder_gives_the_same_id() -> None:
    assert [a.id for a in read_corpus(REPO / "corpus")] == ["corpus/000_c62dc9544255aea0.txt"]


def test_newspaper_sniff_is_specific() -> None:
    head = SEED.read_text(encoding="utf-8")[:4096]
    assert newspaper.sniff(head)
    assert newspaper.sniff("Short story\n\nA body.\n\nNewspapers in English\n")
    assert not newspaper.sniff("Ink helps drive democracy in Asia\n\nThe Kyrgyz Republic...\n")
    assert not newspaper.sniff("Headline\n\nFirst paragraph.\n\nSecond paragraph.\n")


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        (
            "Shaun Walker and Naubet Bisenov in Aktobe province, and agencies",
            ("Shaun Walker", "Naubet Bisenov"),
        ),
        ("By Jane Doe, political editor", ("Jane Doe",)),
        ("Jane Doe in Moscow & John van Roe; Jane Doe", ("Jane Doe", "John van Roe")),
        ("Staff and agencies", ()),
        ("Reuters", ()),
        ("Associated Press", ()),
        ("Australian Associated Press and Mary Major, staff reporter", ("Mary Major",)),
        ("", ()),
    ],
)
def test_authors_are_names_only(byline: str, expected: tuple[str, ...]) -> None:
    assert newspaper.authors(byline) == expected


def test_newspaper_without_byline_or_caption_markers(tmp_path: Path) -> None:
    text = (
        "The Daily Example\n\nA headline\n\nFirst paragraph\nwrapped.\n\n"
        "Photograph: Jo Bloggs/AP A lone caption.\n\nNewspapers in English\n"
    )
    (article,) = read_corpus(write(tmp_path / "x" / "a.txt", text))
    assert (article.source, article.headline, article.byline) == (
        "The Daily Example",
        "A headline",
        "",
    )
    assert article.authors == ()
    assert article.body == "First paragraph wrapped."
    assert article.captions == ("Jo Bloggs/AP A lone caption.",)
    assert article.metadata == {}
    assert (article.language, article.country) == ("English", "")


# Plain text and choosing the reader


def test_plain_text_fallback(tmp_path: Path) -> None:
    path = write(
        tmp_path / "news" / "story.txt",
        "\n  A   headline here \n\nPara one\nwrapped   line.\n\n\n\nPara two.\n",
    )
    (article,) = read_corpus(path)
    assert article.id == "news/story.txt"
    assert article.headline == "A headline here"
    assert article.body == "Para one wrapped line.\n\nPara two."
    assert (article.source, article.byline, article.authors, article.captions) == ("", "", (), ())


def test_headline_only(tmp_path: Path) -> None:
    (article,) = read_corpus(write(tmp_path / "d" / "h.txt", "Only a headline\n"))
    assert (article.headline, article.body) == ("Only a headline", "")


def test_file_without_extension_is_read_as_text(tmp_path: Path) -> None:
    write(tmp_path / "d" / "12345", "Subject line\n\nBody.\n")
    assert [a.headline for a in read_corpus(tmp_path / "d")] == ["Subject line"]


def test_non_seed_file_is_not_forced_into_newspaper(tmp_path: Path) -> None:
    text = "Short title\n\nAnother short line\n\nA body paragraph that is plain text.\n"
    (article,) = read_corpus(write(tmp_path / "d" / "a.txt", text))
    assert article.source == ""
    assert article.headline == "Short title"


def test_format_override(tmp_path: Path) -> None:
    (as_text,) = read_corpus(SEED, format="text")
    assert as_text.headline == "The Guardian Australia"
    assert as_text.source == ""
    plain = write(tmp_path / "d" / "a.txt", "Publication\n\nHeadline\n\nBody.\n")
    (as_paper,) = read_corpus(plain, format="newspaper")
    assert (as_paper.source, as_paper.headline, as_paper.body) == (
        "Publication",
        "Headline",
        "Body.",
    )


def test_formats_and_unknown_format() -> None:
    assert (
        *("sgml", "cranfield", "html", "email", "jsonl", "json", "csv", "newspaper", "text"),
    ) == FORMATS
    with pytest.raises(BadInputError, match="unknown format 'pdf'; choose one of: sgml, cranf"):
        read_corpus(SEED, format="pdf")


def test_newspaper_needs_a_headline(tmp_path: Path) -> None:
    corpus = read_corpus(write(tmp_path / "d" / "a.txt", "Only one line\n"), format="newspaper")
    assert list(corpus) == []
    assert reasons(corpus.problems) == {
        "a.txt": "newspaper export without a headline after the publication line"
    }


# Ids


def test_ids_for_folder_and_single_file(tmp_path: Path) -> None:
    write(tmp_path / "bbc" / "tech" / "001.txt", "T1\n\nBody\n")
    write(tmp_path / "bbc" / "business" / "001.txt", "B1\n\nBody\n")
    assert [a.id for a in read_corpus(tmp_path / "bbc")] == [
        "bbc/business/001.txt",
        "bbc/tech/001.txt",
    ]
    (single,) = read_corpus(tmp_path / "bbc" / "tech" / "001.txt")
    assert single.id == "tech/001.txt"
    assert single.path == str(tmp_path / "bbc" / "tech" / "001.txt")


def test_trailing_slash_and_dot_paths_give_the_same_ids_and_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "corpus" / "a.txt", "A\n")
    absolute = str(tmp_path / "corpus" / "a.txt")
    monkeypatch.chdir(tmp_path / "corpus")
    assert [(a.id, a.path) for a in read_corpus(".")] == [("corpus/a.txt", absolute)]
    monkeypatch.chdir(tmp_path)
    assert [(a.id, a.path) for a in read_corpus("corpus/")] == [("corpus/a.txt", absolute)]


def test_colliding_root_names_get_suffixes(tmp_path: Path) -> None:
    for parent in ("one", "two", "three"):
        write(tmp_path / parent / "corpus" / "a.txt", f"{parent}\n")
    roots = [tmp_path / parent / "corpus" for parent in ("one", "two", "three")]
    ids = [a.id for a in read_corpus(*roots, roots[0] / "a.txt")]
    assert ids == ["corpus/a.txt", "corpus~2/a.txt", "corpus~3/a.txt", "corpus/a.txt"]


def test_record_id_helper() -> None:
    assert record_id("reuters/reut2-000.sgm", 17) == "reuters/reut2-000.sgm#17"


# Discovery and bad input


def test_bad_inputs_become_problems_and_good_files_are_read(tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    write(root / "good.txt", "Good headline\n\nGood body.\n")
    write(root / "binary.txt", b"GIF89a\x00\x01\x02")
    write(root / "empty.txt", b"")
    write(root / "blank.txt", " \n\n\t\n")
    write(root / "latin1.txt", b"Pound \xa3 up\n\nCosts \xa315.8m, caf\xe9.\n")
    write(root / "bom.txt", "\ufeffBOM headline\n\nBody.\n".encode())
    write(root / "image.png", b"\x89PNG")
    write(root / "README.TXT", "About this corpus\n")
    write(root / "LICENSE", "Terms\n")
    write(root / ".hidden.txt", "Hidden\n")
    write(root / ".git" / "config.txt", "Hidden folder\n")
    write(root / "sub" / "nested.txt", "Nested headline\n")
    (root / "dangling.txt").symlink_to(root / "missing.txt")

    corpus = read_corpus(root)
    articles = {a.id: a for a in corpus}

    assert sorted(articles) == [
        "mixed/bom.txt",
        "mixed/good.txt",
        "mixed/latin1.txt",
        "mixed/sub/nested.txt",
    ]
    assert articles["mixed/bom.txt"].headline == "BOM headline"
    assert articles["mixed/latin1.txt"].headline == "Pound £ up"
    assert articles["mixed/latin1.txt"].body == "Costs £15.8m, café."
    assert reasons(corpus.problems) == {
        "binary.txt": "binary file, not text",
        "blank.txt": "empty file",
        "dangling.txt": "broken symbolic link",
        "empty.txt": "empty file",
        "image.png": "skipped: no reader for .png files",
    }
    assert corpus.files_seen == 9


def test_unreadable_file_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "d" / "a.txt", "A\n")
    locked = write(tmp_path / "d" / "b.txt", "B\n")

    real_open = decode._open_regular

    def fake_open(path: str, flags: int) -> int:
        if path == str(locked):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags)

    monkeypatch.setattr(decode, "_open_regular", fake_open)
    corpus = read_corpus(tmp_path / "d")
    assert [a.headline for a in corpus] == ["A"]
    assert reasons(corpus.problems) == {"b.txt": "cannot read file: Permission denied"}


def test_missing_path_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(BadInputError, match=f"no such file or folder: {missing}$"):
        read_corpus(SEED, missing)


def test_no_path_raises() -> None:
    with pytest.raises(BadInputError, match="no file or folder given"):
        read_corpus()


def test_broken_symlink_given_directly(tmp_path: Path) -> None:
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "gone.txt")
    corpus = read_corpus(link, SEED)
    assert [a.id for a in corpus] == ["corpus/000_c62dc9544255aea0.txt"]
    assert reasons(corpus.problems) == {"link.txt": "broken symbolic link"}


def test_symlinks_are_followed_without_looping(tmp_path: Path) -> None:
    write(tmp_path / "real" / "a.txt", "A\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    (root / "file.txt").symlink_to(tmp_path / "real" / "a.txt")
    (tmp_path / "real" / "loop").symlink_to(root, target_is_directory=True)
    corpus = read_corpus(root)
    ids = [a.id for a in corpus]
    assert ids == ["root/file.txt", "root/linked/a.txt"]
    assert reasons(corpus.problems) == {"loop": "symbolic link loop, not followed"}


# Streaming


def test_reading_is_lazy_file_by_file(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        write(tmp_path / "d" / f"{name}.txt", f"Old {name}\n")
    corpus = read_corpus(tmp_path / "d")
    assert corpus.files_seen == 0
    articles = iter(corpus)
    assert next(articles).headline == "Old a"
    assert corpus.files_seen == 1
    write(tmp_path / "d" / "c.txt", "New c\n")
    assert [a.headline for a in articles] == ["Old b", "New c"]
    assert corpus.files_seen == 3


def test_iterating_again_restarts_the_counts(tmp_path: Path) -> None:
    write(tmp_path / "d" / "a.txt", "A\n")
    write(tmp_path / "d" / "b.txt", b"")
    corpus = read_corpus(tmp_path / "d")
    problems = corpus.problems
    for _ in range(2):
        assert len(list(corpus)) == 1
        assert (len(corpus.problems), corpus.files_seen) == (1, 2)
    assert corpus.problems is problems


# End to end over the shared BBC corpus


@pytest.mark.corpora
@needs_bbc
def test_bbc_corpus_end_to_end() -> None:
    corpus = read_corpus(BBC)
    articles = {a.id: a for a in corpus}
    assert len(articles) == 2225
    assert corpus.problems == []
    assert corpus.files_seen == 2225
    assert not any("README" in article_id for article_id in articles)
    assert all(article_id.startswith("bbc/") for article_id in articles)
    assert articles["bbc/tech/001.txt"].headline == "Ink helps drive democracy in Asia"
    assert articles["bbc/tech/001.txt"].path == str(BBC / "tech" / "001.txt")
    assert articles["bbc/tech/001.txt"].body.startswith("The Kyrgyz Republic, a small, mountainous")
    mutu = articles["bbc/sport/199.txt"]
    assert mutu.headline == "Chelsea sack Mutu"
    assert "a £15.8m signing from Parma" in mutu.body
    assert all(article.source == "" for article in articles.values())


@pytest.mark.corpora
@needs_bbc
def test_bbc_single_file_and_category() -> None:
    (article,) = read_corpus(BBC / "sport" / "199.txt")
    assert article.id == "sport/199.txt"
    assert len(list(read_corpus(BBC / "tech"))) == 401


def test_a_corpus_with_format_and_fields_survives_pickling(tmp_path: Path) -> None:
    path = write(tmp_path / "d" / "feed.txt", '{"heading": "Mapped"}\n')
    corpus = read_corpus(path, format="jsonl", fields={"headline": "heading"})
    copy = pickle.loads(pickle.dumps(corpus))
    (ref,) = copy.files()
    assert isinstance(ref, FileRef)
    assert [a.headline for a in copy.read_file(ref)] == ["Mapped"]


def test_symlink_loops_of_files_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "d3"
    write(root / "good.txt", "Good headline\n\nGood body text.\n")
    (root / "loop").symlink_to("loop")
    (root / "a.txt").symlink_to("b.txt")
    (root / "b.txt").symlink_to("a.txt")
    corpus = read_corpus(root)
    assert [a.id for a in corpus] == ["d3/good.txt"]
    assert {(Path(p.path).name, p.kind) for p in corpus.problems} == {
        ("a.txt", "link-loop"),
        ("b.txt", "link-loop"),
        ("loop", "link-loop"),
    }
    looped = read_corpus(root / "a.txt")  # given directly
    assert list(looped) == [] and [p.kind for p in looped.problems] == ["link-loop"]


def test_special_files_given_directly_are_reported(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    write(tmp_path / "in" / "fifo.txt", "")
    os.unlink(tmp_path / "in" / "fifo.txt")
    os.mkfifo(tmp_path / "in" / "fifo.txt")
    corpus = read_corpus(fifo, "/dev/zero", tmp_path / "in", SEED)
    assert len(list(corpus)) == 1
    assert [(Path(p.path).name, p.kind) for p in corpus.problems] == [
        ("fifo", "not-a-file"),
        ("zero", "not-a-file"),
        ("fifo.txt", "not-a-file"),
    ]


def test_a_file_name_that_is_not_utf8_is_read_and_repaired(tmp_path: Path) -> None:
    root = tmp_path / "d4"
    name = os.fsdecode(b"caf\xe9.txt")  # Latin-1, as Python sees it: "caf\udce9.txt"
    write(root / name, "Cafe headline\n\nCafe body.\n")
    write(root / "caf\u00e8.txt", "Other headline\n")  # a UTF-8 name of the same length
    corpus = read_corpus(root)
    articles = {a.id: a for a in corpus}
    assert set(articles) == {"d4/caf\u00e9.txt", "d4/caf\u00e8.txt"}
    cafe = articles["d4/caf\u00e9.txt"]
    assert (cafe.headline, cafe.path) == ("Cafe headline", str(root / "caf\u00e9.txt"))
    assert [(p.path, p.kind, p.reason) for p in corpus.problems] == [
        (str(root / "caf\u00e9.txt"), "bad-name", "name is not UTF-8; indexed as d4/caf\u00e9.txt")
    ]


def test_names_that_read_the_same_once_repaired_keep_the_first(tmp_path: Path) -> None:
    root = tmp_path / "d"
    write(root / "caf\u00e9.txt", "UTF-8 name\n")
    write(root / os.fsdecode(b"caf\xe9.txt"), "Latin-1 name\n")
    corpus = read_corpus(root)
    assert [(a.id, a.headline) for a in corpus] == [("d/caf\u00e9.txt", "UTF-8 name")]
    assert [p.kind for p in corpus.problems] == ["bad-name"]


def test_lone_surrogates_in_json_are_repaired_and_reported(tmp_path: Path) -> None:
    feed = write(
        tmp_path / "d1" / "feed.jsonl",
        '{"title": "head\\ud800line", "text": "beta"}\n'
        '{"id": "a\\udfffb", "source": "wire\\ud83d", "title": "T", "text": "gamma"}\n',
    )
    corpus = read_corpus(feed)
    first, second = corpus
    assert first.headline == "head\ufffdline"
    assert (second.id, second.docno, second.source) == (
        "d1/feed.jsonl#a\ufffdb",
        "a\ufffdb",
        "wire\ufffd",
    )
    assert [(p.path, p.kind, p.reason) for p in corpus.problems] == [
        (
            "d1/feed.jsonl#1",
            "bad-text",
            "text that cannot be encoded (a lone surrogate) replaced in headline",
        ),
        (
            "d1/feed.jsonl#a\ufffdb",
            "bad-text",
            "text that cannot be encoded (a lone surrogate) replaced in id, source, docno",
        ),
    ]


@pytest.mark.parametrize(
    "where",
    [
        {"authors": ("Ann", "B\udc80b")},
        {"metadata": MappingProxyType({"topics": ("ok", "bad\ud800")})},
        {"metadata": MappingProxyType({"t\udfffpics": ("ok",)})},
        {"quotes": (Quote(text="said \ud800", speaker="Ann", cue="said"),)},
    ],
    ids=["tuple", "mapping value", "mapping key", "dataclass in a tuple"],
)
def test_lone_surrogates_are_found_in_every_field(where: dict[str, Any]) -> None:
    article = Article(id="d/a.txt", headline="Clean", date=None, **where)
    fixed, problem = stream._repaired(article, "d/a.txt")
    (field,) = where
    assert isinstance(problem, Problem) and problem.reason.endswith(f"replaced in {field}")
    assert getattr(fixed, field) != getattr(article, field)
    assert not decode.needs_repair(repr(fixed))
    assert list(stream._repaired(fixed, "d/a.txt")) == [fixed]


def test_plain_text_beside_a_collection_is_its_documentation(tmp_path: Path) -> None:
    root = tmp_path / "feeds"
    for n in range(3):
        write(root / f"day{n}.jsonl", f'{{"title": "Story {n}"}}\n')
    write(root / "notes.txt", "About these feeds\n")
    write(root / "page.html", "<html><body><p>A page</p></body></html>")
    write(root / "sub" / "story.txt", "A story in a folder of its own\n")
    corpus = read_corpus(root)
    assert sorted(a.id for a in corpus) == [
        *(f"feeds/day{n}.jsonl#1" for n in range(3)),
        "feeds/sub/story.txt",
    ]
    assert [(Path(p.path).name, p.kind) for p in corpus.problems] == [
        ("notes.txt", "documentation"),
        ("page.html", "no-text"),
    ]
    # Two collections beside it are too few to tell; with a format, every file is read.
    (root / "day2.jsonl").unlink()
    assert "feeds/notes.txt" in {a.id for a in read_corpus(root)}
    (root / "day2.jsonl").write_text('{"title": "Story 2"}\n')
    assert "feeds/notes.txt" in {a.id for a in read_corpus(root, format="text")}


def test_a_reader_that_fails_costs_only_the_rest_of_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(source: Source) -> Iterator[Article]:
        yield Article(id=f"{source.id}#1", headline="Before the bug")
        raise RuntimeError("a bug")

    broken = Reader("broken", (".eml",), lambda head: False, failing)
    choose = stream.choose_reader
    monkeypatch.setattr(
        stream,
        "choose_reader",
        lambda path, head: broken if path.suffix == ".eml" else choose(path, head),
    )
    write(tmp_path / "d" / "a.eml", "From: a@b\nSubject: S\n\nBody\n")
    write(tmp_path / "d" / "b.txt", "Fine headline\n")
    corpus = read_corpus(tmp_path / "d")
    assert [a.headline for a in corpus] == ["Before the bug", "Fine headline"]
    assert [(Path(p.path).name, p.kind, p.reason) for p in corpus.problems] == [
        ("a.eml", "reader-error", "reader failed (RuntimeError: a bug); the rest is lost")
    ]


def test_readers_build_their_articles_with_the_section_and_default_source(
    tmp_path: Path,
) -> None:
    """Each reader builds an article once, with the section and the source for articles that
    name none that `Source` carries; an article's own source stays."""
    from searcher.corpus.registry import choose_reader

    files = {
        "a.txt": "Head line\n\nBody text.\n",
        "m.eml": "From: A <a@b.c>\nSubject: S\nNewsgroups: sci.space\n\nBody.\n",
        "r.jsonl": '{"title": "T", "text": "B", "source": "Own"}\n{"title": "U", "text": "C"}\n',
        "t.csv": "title,description\nT,B\n",
        "s.sgm": '<REUTERS NEWID="1"><TEXT><TITLE>T</TITLE><BODY>B</BODY></TEXT></REUTERS>\n',
    }
    found = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with decode.open_text(path) as (stream, head):
            given = Source(str(path), name, stream, head, section="world", default_source="Wire")
            found += [(r.section, r.source) for r in choose_reader(path, head).read(given)]
    assert found == [
        ("world", "Wire"),
        ("world", "sci.space"),
        ("world", "Own"),
        ("world", "Wire"),
        ("world", "Wire"),
        ("world", "Reuters"),
    ]


def test_blocks_up_to_a_limit() -> None:
    from searcher.corpus.base import blocks

    text = "a\nb\n\n \nc\n\n\nd\n  \ne\nf"
    assert blocks(text) == [["a", "b"], ["c"], ["d"], ["e", "f"]]
    assert [blocks(text, limit) for limit in (1, 3, 4, 5)] == [
        [["a", "b"]],
        [["a", "b"], ["c"], ["d"]],
        blocks(text),
        blocks(text),
    ]
