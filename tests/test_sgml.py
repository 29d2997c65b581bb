"""Tests for searcher.corpus.sgml: Reuters-21578 stories, read leniently and one by one."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from searcher.corpus import read_corpus
from searcher.corpus.sgml import sniff

STORIES = """<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="5544" NEWID="1">
<DATE>26-FEB-1987 15:01:01.79</DATE>
<TOPICS><D>cocoa</D></TOPICS>
<PLACES><D>el-salvador</D><D>usa</D></PLACES>
<PEOPLE></PEOPLE>
<ORGS></ORGS>
<EXCHANGES></EXCHANGES>
<COMPANIES></COMPANIES>
<UNKNOWN>&#5;&#5;&#5;C T</UNKNOWN>
<TEXT>&#2;
<TITLE>BAHIA COCOA REVIEW</TITLE>
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued throughout the week in
the Bahia cocoa zone &lt;BCZ>, said Smith & Co.
    The dry period means the temporao will be late.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS TOPICS="NO" NEWID="2">
<DATE>27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM</DATE>
<TOPICS></TOPICS>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>GREENSPAN SEES NO RECESSION
</TITLE>
&#3;
</TEXT>
</REUTERS>
<REUTERS NEWID="3">
<DATE>garbled</DATE>
<TEXT TYPE="UNPROC">&#2;
FEDERAL RESERVE WEEKLY REPORT
 Unprocessed wire text here.
&#3;</TEXT>
</REUTERS>
<REUTERS NEWID="4">
<DATE>1-APR-1987 10:00:00.00</DATE>
<TEXT><TITLE>CUT OFF
"""


def test_stories_fields_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "reuters" / "reut2-000.sgm"
    path.parent.mkdir()
    path.write_text(STORIES, encoding="latin-1")
    corpus = read_corpus(path)
    first, brief, unproc = corpus
    assert (first.id, first.docno, first.source) == ("reuters/reut2-000.sgm#1", "1", "Reuters")
    assert first.headline == "BAHIA COCOA REVIEW"
    assert first.date == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=timezone.utc)
    assert first.body == (
        "Showers continued throughout the week in the Bahia cocoa zone <BCZ>, said Smith & Co."
        "\n\nThe dry period means the temporao will be late."
    )
    assert dict(first.metadata) == {
        "topics": ("cocoa",),
        "places": ("el-salvador", "usa"),
        "dateline": ("SALVADOR, Feb 26",),
    }
    assert (brief.headline, brief.body) == ("GREENSPAN SEES NO RECESSION", "")
    assert brief.date == datetime(1987, 3, 27, 0, 2, 59, 130000, tzinfo=timezone.utc)
    # A story without a TITLE: its first line is the headline.
    assert (unproc.headline, unproc.body, unproc.date) == (
        "FEDERAL RESERVE WEEKLY REPORT",
        "Unprocessed wire text here.",
        None,
    )
    assert [(p.line, p.kind) for p in corpus.problems] == [(35, "truncated")]


def test_sniff() -> None:
    assert sniff('<!DOCTYPE lewis SYSTEM "lewis.dtd">\n')
    assert sniff('<REUTERS NEWID="9">')
    assert not sniff("<html><body>Reuters</body></html>")


def test_a_story_without_text_is_reported_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "r" / "a.sgm"
    path.parent.mkdir()
    path.write_text(
        '<REUTERS NEWID="7">\n<TEXT TYPE="UNPROC">&#2;\n &#3;</TEXT>\n</REUTERS>\n'
        '<REUTERS NEWID="8"><TEXT><TITLE>KEPT</TITLE></TEXT></REUTERS>\n',
        encoding="utf-8",
    )
    corpus = read_corpus(path)
    assert [a.headline for a in corpus] == ["KEPT"]
    assert [(p.line, p.kind, p.reason) for p in corpus.problems] == [
        (1, "no-text", "story 7 has no text")
    ]


BROKEN = {
    "unclosed <D>": '<REUTERS NEWID="1"><TOPICS>' + "<D>x" * 200_000 + "</REUTERS>",
    "<REUTERS without >": "<REUTERS " * 100_000,
    "unclosed <TITLE": '<REUTERS NEWID="1"><TEXT>' + "<TITLE " * 100_000 + "</TEXT></REUTERS>",
    "unclosed tags": '<REUTERS NEWID="1"><TEXT>a' + "<" * 200_000 + "</TEXT></REUTERS>",
    "spaces before the end": '<REUTERS NEWID="1"><TEXT><BODY>a' + " " * 500_000 + "b</REUTERS>",
    "huge character reference": '<REUTERS NEWID="1"><TEXT><TITLE>&#' + "9" * 9000 + ";</REUTERS>",
}


@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_broken_markup_is_read_in_linear_time(tmp_path: Path, text: str) -> None:
    path = tmp_path / "r" / "broken.sgm"
    path.parent.mkdir()
    path.write_text(text + "\n" + STORIES, encoding="utf-8")
    started = time.monotonic()
    corpus = read_corpus(path)
    headlines = [a.headline for a in corpus]
    assert time.monotonic() - started < 10  # quadratic patterns took minutes
    assert "BAHIA COCOA REVIEW" in headlines


def test_list_elements_found_in_one_pass_are_those_found_one_by_one() -> None:
    """`_lists` gives what `_element` gives for each list, on well-formed and broken markup
    (unclosed, lower-case, a missing `>`, a longer name, a letter that matches only without
    regard to case)."""
    import random

    from searcher.corpus.sgml import LISTS, _element, _lists

    parts = [
        "<TOPICS>", "</TOPICS>", "<topics x>", "<PLACES", ">", "</PLACES>", "<D>", "usa", "</D>",
        "<PEOPLE>", "</people>", "<ORGS>", "<ORGSX>", "</ORGS>", "<EXCHANGES>", "</EXCHANGES>",
        "<COMPANIES>", "</COMPANIES>", " ", "\n", "<TOPIC\u017f>", "<ORG\u017f>", "</ORG\u017f>",
    ]  # fmt: skip
    draw = random.Random(18)
    stories = [STORIES] + [
        "".join(draw.choice(parts) for _ in range(draw.randint(0, 14))) for _ in range(20_000)
    ]
    for story in stories:
        assert _lists(story) == [(name, _element(story, name)) for name in LISTS], story
