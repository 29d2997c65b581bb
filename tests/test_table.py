"""Tests for searcher.corpus.table: CSV/TSV rows as articles, ragged rows, AG News escapes."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from conftest import count_with_peak_memory
from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.corpus import read_corpus, table
from searcher.corpus.table import clean, sniff


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_ag_news_style_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "ag" / "test.csv",
        "label,title,description\n"
        "3,Fears for pension,\"Unions say they are 'disappointed'.\"\n"
        '4,Race is On,"A second\\team of  #36;10 million, Inc. &lt;TXN.N&gt; it#39;s"\n',
    )
    corpus = read_corpus(path)
    articles = list(corpus)
    assert [(a.id, a.headline) for a in articles] == [
        ("ag/test.csv#1", "Fears for pension"),
        ("ag/test.csv#2", "Race is On"),
    ]
    assert articles[1].body == "A second team of $10 million, Inc. <TXN.N> it's"
    assert dict(articles[0].metadata) == {"label": ("3",)}
    assert corpus.problems == []


def test_ragged_rows_are_reported_by_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d" / "r.csv",
        'title,text\nGood,Body\nToo,many,fields\n"Multi\nline",Body\nShort\nLast,Body\n',
    )
    corpus = read_corpus(path)
    assert [a.headline for a in corpus] == ["Good", "Multi line", "Last"]
    assert [(p.line, p.kind, p.reason) for p in corpus.problems] == [
        (3, "bad-record", "ragged row: 3 fields where the header has 2"),
        (6, "bad-record", "ragged row: 1 fields where the header has 2"),
    ]


def test_tsv_and_field_mapping(tmp_path: Path) -> None:
    path = write(tmp_path / "d" / "t.tsv", "heading\tcopy\tid\nA, with comma\tBody\tk9\n")
    (article,) = read_corpus(path, fields={"headline": "heading", "body": "copy"})
    assert (article.id, article.headline, article.body) == ("d/t.tsv#k9", "A, with comma", "Body")


def test_header_only_is_reported(tmp_path: Path) -> None:
    corpus = read_corpus(write(tmp_path / "d" / "h.csv", "title,text\n"))
    assert list(corpus) == []
    assert [p.kind for p in corpus.problems] == ["no-articles"]


def test_sniff_and_clean() -> None:
    assert sniff("label,title,description\n1,a,b\n")
    assert sniff("Title\tBody\n")
    assert not sniff("A headline, with a comma\n\nBody.\n")
    assert clean("a\\b #151; &amp;") == "a b\u2014 &"


@pytest.mark.parametrize(
    ("cell", "text"),
    [  # AG News wrote a space where an entity's `&` was
        ("maker Johnson  amp; Johnson (JNJ.N)", "maker Johnson & Johnson (JNJ.N)"),
        ("cracks down on  quot;phone sex quot; services", 'cracks down on "phone sex" services'),
        ("he isn #39;t under", "he isn't under"),
        ("Sought  #36;50M From", "Sought $50M From"),
        ("the iPod   hellip;. and more", "the iPod  \u2026. and more"),
        ("Texas Instruments &lt;TXN.N&gt;", "Texas Instruments <TXN.N>"),
        ("a cheap;shot, a damp; cloth", "a cheap;shot, a damp; cloth"),  # not entities
    ],
)
def test_ag_news_entities_that_lost_their_ampersand(cell: str, text: str) -> None:
    assert clean(cell) == text


def test_a_quoted_cell_of_thousands_of_lines_is_one_cell(tmp_path: Path) -> None:
    cell = "\n".join(f"line {n}, with a comma" for n in range(3000))  # 80 KB... and more:
    cell += "\n" + "x" * 200_000  # past the csv module's 128 KB field limit
    path = write(tmp_path / "d" / "long.csv", f'title,text\nLong,"{cell}"\nNext,Row\n')
    corpus = read_corpus(path)
    articles = list(corpus)
    assert [a.headline for a in articles] == ["Long", "Next"]
    assert articles[0].body.startswith("line 0, with a comma line 1, with a comma")
    assert corpus.problems == []


def test_a_row_over_the_limit_is_one_problem_and_the_reader_stays_in_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(table, "MAX_ARTICLE_CHARS", 10_000)
    monkeypatch.setattr(table, "PIECE_CHARS", 1000)
    huge = "\n".join(f'line {n}, "quoted"' for n in range(2000))
    rows = ["title,text", "First,One", f'Huge,"{huge.replace(chr(34), chr(34) * 2)}"']
    rows += ["Wide," + "," * 200_000, "After,Two"]
    corpus = read_corpus(write(tmp_path / "d" / "big.csv", "\n".join(rows) + "\n"))
    assert [a.headline for a in corpus] == ["First", "After"]
    assert [(p.line, p.kind) for p in corpus.problems] == [(3, "too-large"), (2003, "too-large")]


def test_a_huge_line_in_gzip_is_read_past_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "d" / "huge.csv.gz"
    path.parent.mkdir()
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b'title,text\nFirst,One\nHuge,"')
        block = b"a" * (1 << 20)
        for _ in range(256):  # 256 MB, compressed to a few hundred KB
            out.write(block)
        out.write(b'"\nAfter,Two\n')
    _, peak = count_with_peak_memory(path)
    corpus = read_corpus(path)
    assert [a.headline for a in corpus] == ["First", "After"]
    assert [(p.line, p.kind) for p in corpus.problems] == [(3, "too-large")]
    assert peak < 64 * 2**20  # the csv module took the line whole: 2 GB for 1 GB


CELLS = st.text(alphabet=st.sampled_from('ab ,"\n\t;\u00e9'), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=1, max_size=6),
    piece=st.integers(min_value=1, max_value=8),
    tab=st.booleans(),
)
def test_rows_are_split_as_the_csv_module_splits_them(
    rows: list[list[str]], piece: int, tab: bool
) -> None:
    delimiter = "\t" if tab else ","
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\n").writerows(rows)
    expected = list(csv.reader(io.StringIO(text.getvalue()), delimiter=delimiter))
    stream = io.StringIO(text.getvalue())
    original = table.PIECE_CHARS
    table.PIECE_CHARS = piece  # a row split anywhere, even inside `""`
    try:
        got = [row.fields for row in table._rows(stream, delimiter)]
    finally:
        table.PIECE_CHARS = original
    assert got == [row or [""] for row in expected]  # csv gives [] for a blank line


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from('ab ,"\n'), max_size=30), piece=st.integers(1, 6))
def test_malformed_csv_is_split_as_the_csv_module_splits_it(text: str, piece: int) -> None:
    try:  # quotes in odd places: the csv module's lenient reading is the reference
        expected = list(csv.reader(io.StringIO(text)))
    except csv.Error:  # it gives up at a quote left open; this reader keeps the rest
        return
    original = table.PIECE_CHARS
    table.PIECE_CHARS = piece
    try:
        got = [row.fields for row in table._rows(io.StringIO(text), ",")]
    finally:
        table.PIECE_CHARS = original
    assert got == [row or [""] for row in expected]
