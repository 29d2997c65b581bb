"""Tests for searcher.corpus.mail: RFC 822 messages such as Usenet posts and newsletters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from searcher.corpus import read_corpus
from searcher.corpus.mail import sniff


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_usenet_post(tmp_path: Path) -> None:
    path = write(
        tmp_path / "news" / "misc" / "101",
        "From: Jane Doe <jane@example.org>\n"
        "Subject: Re: Launch =?utf-8?q?d=C3=A9lay?=\n"
        "Date: Tue, 20 Apr 1993 13:06:40 EST\n"
        "Newsgroups: sci.space,sci.astro\n"
        "Organization: Example\n\n"
        "The launch\nslipped again.\n\nSecond paragraph.\n",
    )
    (post,) = read_corpus(path)
    assert post.id == "misc/101"
    assert (post.headline, post.byline, post.authors) == (
        "Re: Launch délay",
        "Jane Doe",
        ("Jane Doe",),
    )
    assert post.source == "sci.space"
    assert post.date == datetime(1993, 4, 20, 13, 6, 40, tzinfo=timezone(timedelta(hours=-5)))
    assert post.body == "The launch slipped again.\n\nSecond paragraph."
    assert dict(post.metadata) == {"newsgroups": ("sci.space", "sci.astro")}


def test_20_newsgroups_style_post_takes_the_group_from_its_folder(tmp_path: Path) -> None:
    text = "From: jgreen@amber (Joe Green)\nSubject: Hi\nLines: 2\n\nBody.\n"
    (post,) = read_corpus(write(tmp_path / "train" / "comp.graphics" / "38", text))
    assert (post.source, post.byline, post.date) == ("comp.graphics", "Joe Green", None)
    (other,) = read_corpus(write(tmp_path / "inbox" / "38", text.replace("(Joe Green)", "")))
    assert (other.source, other.byline) == ("", "jgreen@amber")


def test_newsletter_with_list_id_and_base64_body(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d" / "n.eml",
        "From: news@paper.example\nSubject: Morning briefing\n"
        "List-Id: Daily Brief <brief.paper.example>\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        "Q2Fmw6kgb3BlbnMu\n",
    )
    (letter,) = read_corpus(path)
    assert (letter.source, letter.body) == ("Daily Brief", "Café opens.")


def test_sniff() -> None:
    assert sniff("From: a@b\nSubject: x\n\nbody")
    assert sniff("Nntp-Posting-Host: h\nFrom: a@b\n  continued\nSubject: x\n\nbody")
    assert not sniff("From: a@b\n\nOnly one known header")
    assert not sniff("Headline: with a colon\nSubject: x\nnot a header\n")


def test_mime_parts_nested_past_the_stack_are_reported(tmp_path: Path) -> None:
    depth = 3000
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{n}"\n\n--b{n}\n' for n in range(depth)
    )
    closing = "".join(f"--b{n}--\n" for n in reversed(range(depth)))
    path = write(
        tmp_path / "m" / "deep.eml",
        "From: a@example.org\nSubject: Deep\nMIME-Version: 1.0\n"
        + opening
        + "Content-Type: text/plain\n\nDeep body.\n"
        + closing,
    )
    corpus = read_corpus(path)
    assert list(corpus) == []
    assert [(p.kind, p.reason) for p in corpus.problems] == [
        ("too-deep", "MIME parts nested too deeply")
    ]
