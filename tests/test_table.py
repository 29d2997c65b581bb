"""Tests for searcher.corpus.table: CSV/TSV rows as articles, ragged rows, AG News escapes."""

from __future__ import annotations

from pathlib import Path

import pytest

from searcher.corpus import read_corpus
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
