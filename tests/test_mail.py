"""Tests for searcher.corpus.mail: RFC 822 messages such as Usenet posts and newsletters."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parseaddr
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from searcher.corpus import mail, read_corpus
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


# Pieces of header blocks, their oddities included, for the plain reading's equivalence.
_HEADER_PIECES = st.sampled_from(
    [
        "From: a@b.example (Jo Doe)\n",
        "From: Jo Q. Doe <jo@b.example>\n",
        'From: "Doe, Jo" <jo@b.example>\n',
        "Subject: Re: launch\n",
        "subject: second subject\n",
        "Date: Tue, 20 Apr 1993 13:06:40 EST\n",
        "Newsgroups: sci.space, sci.astro\n",
        "Subject:\n",
        "Subject: =?utf-8?q?d=C3=A9lay?=\n",
        "X-Odd:value\n",
        "  continued\n",
        "\tcontinued\n",
        " \n",
        ":no name\n",
        "From mbox line\n",
        "not a header\n",
        "Content-Type: text/plain; charset=utf-8\n",
        "Content-Type: multipart/mixed; boundary=XX\n",
        "Content-Transfer-Encoding: base64\n",
        "\n",
        "\r\n",
        "\u00e9t\u00e9: caf\u00e9\n",
        "Subject: lone \udc80 surrogate\n",
    ]
)
_MESSAGES = st.builds(
    lambda pieces, body: "".join(pieces) + body,
    st.lists(_HEADER_PIECES, max_size=8),
    st.sampled_from(["", "\n", "Body.\n", "--XX\nContent-Type: text/plain\n\npart\n--XX--\n", "x"]),
)


@given(_MESSAGES)
def test_plain_messages_read_as_the_email_parser_reads_them(text: str) -> None:
    plain = mail._plain(text)
    if plain is not None:  # else the email parser reads it
        assert plain == mail._parsed(text)


def test_messages_the_plain_reading_leaves_to_the_email_parser() -> None:
    plain = "From: a@b\nSubject: x\n\nBody.\n"
    assert mail._plain(plain) == ({"from": "a@b", "subject": "x"}, "Body.\n")
    for text in (
        "Content-Type: text/plain\n" + plain,
        "Content-Transfer-Encoding: base64\n" + plain,
        "From someone Tue Apr 20 1993\n" + plain,
        " continued first\n" + plain,
        plain.replace("Subject", ":Subject"),
        plain.replace("\n", "\r\n"),
        plain.replace("x", "\udc80"),
        "\n" + plain,
    ):
        assert mail._plain(text) is None, text


def test_a_line_that_is_no_header_starts_the_body_as_in_email() -> None:
    text = "From: a@b\nSubject: x\n  more\nnot a header\nBody.\n"
    headers, body = mail._plain(text) or ({}, "")
    assert (headers, body) == ({"from": "a@b", "subject": "x\n  more"}, "not a header\nBody.\n")
    assert mail._parsed(text) == (headers, body)


def test_mime_and_encoded_words_still_read_through_the_email_parser(tmp_path: Path) -> None:
    path = write(
        tmp_path / "d" / "mime.eml",
        "From: =?utf-8?q?Jos=C3=A9?= <jose@example.org>\nSubject: Parts\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="B"\n\n--B\n'
        "Content-Type: text/html\n\n<p>HTML part</p>\n--B\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        "Caf=C3=A9 part.\n--B--\n",
    )
    (message,) = read_corpus(path)
    assert (message.byline, message.headline, message.body) == ("José", "Parts", "Café part.")


_SENDER_PIECES = st.sampled_from(
    [
        *["a", "b.c", "@", ".", " ", "\t", "(", ")", "<", ">", '"', "\\", ",", ":", ";", "[", "]"],
        *["Jo", "\u00e9", "\u00a0", "\x0b", "\n", "\r", "x@y.example", "(Jo Doe)", "<x@y>"],
    ]
)


_SENDER_WORDS = st.lists(st.sampled_from(["Jo", "Q.", "x@y.example", "<x@y>", "(Jo)", '"J, o"']))
_SENDER_SPACES = st.sampled_from([" ", "\t", "  ", "\u00a0", "\x0b", "", "\n "])


@given(
    st.one_of(
        st.lists(_SENDER_PIECES, max_size=12).map("".join),
        st.builds(lambda words, space: space.join(words), _SENDER_WORDS, _SENDER_SPACES),
    )
)
def test_simple_senders_read_as_parseaddr_reads_them(header: str) -> None:
    simple = mail._simple_sender(header)
    if simple is not None:
        assert simple == parseaddr(header)


def test_the_common_sender_shapes_are_read_without_parseaddr() -> None:
    for header, expected in [
        ("jo@b.example (Jo  Doe)", ("Jo  Doe", "jo@b.example")),
        ("jo@b.example", ("", "jo@b.example")),
        (" Jo Q.  Doe <jo@b.example> ", ("Jo Q. Doe", "jo@b.example")),
        ('"Doe, Jo" <jo@b.example>', ("Doe, Jo", "jo@b.example")),
        ("<jo@b.example>", ("", "jo@b.example")),
        ("Jo\u00a0Doe\tJr <jo@b>", ("Jo\u00a0Doe Jr", "jo@b")),
    ]:
        assert mail._simple_sender(header) == expected == parseaddr(header)
    assert mail._simple_sender("jo@b (Jo (the) Doe)") is None


@given(st.lists(_HEADER_PIECES, max_size=8).map("".join), st.text(max_size=30))
def test_sniff_looks_at_the_header_block_only(block: str, rest: str) -> None:
    assert sniff(block + "\n\n" + rest) == sniff(block + "\n\n")
