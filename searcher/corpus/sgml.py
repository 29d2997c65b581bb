"""Reuters-21578 SGML: many `<REUTERS NEWID="n">` stories a file, read story by story.

The files are not valid XML (control characters written as `&#2;`, a DOCTYPE per file), so
each story is cut out line by line and its parts found with lenient patterns:

    <DATE>26-FEB-1987 15:01:01.79</DATE>        date (taken as UTC)
    <TOPICS><D>cocoa</D></TOPICS>               metadata, as PLACES, PEOPLE, ORGS, EXCHANGES,
                                                COMPANIES
    <TEXT><TITLE>..</TITLE>                     headline
          <DATELINE>SALVADOR, Feb 26 -</DATELINE>   metadata "dateline"
          <BODY>... Reuter &#3;</BODY></TEXT>   body, without the closing "Reuter"

Stories without a BODY are kept with their title; "unprocessed" ones (text but no TITLE or
BODY) with their text as the body, and a story without a TITLE gets its body's first line
as the headline. An article's id is the file's id plus NEWID (`reuters21578/reut2-000.sgm#1`),
its `docno` the NEWID, its source "Reuters".

Tags are found with `str.find` and simple searches, never a pattern that scans ahead for a
closing part at every opening one, so broken markup (thousands of unclosed `<D>` or of
`<REUTERS` without `>`) costs time linear in its size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import MappingProxyType

from searcher.corpus.base import (
    MAX_ARTICLE_CHARS,
    TOO_LARGE,
    Reader,
    Source,
    normalise_space,
    numbered_lines,
    paragraphs,
    record_id,
    unescape_html,
)
from searcher.corpus.dates import parse_date
from searcher.models import Article, Problem

NAME = "sgml"
EXTENSIONS = (".sgm", ".sgml")
SOURCE = "Reuters"
LISTS = ("topics", "places", "people", "orgs", "exchanges", "companies")

_SIGNATURE = re.compile(r"<!DOCTYPE\s+lewis\b|<REUTERS\b", re.IGNORECASE)
_END = "</REUTERS>"
_NEWID = re.compile(r'(?<![\w-])NEWID\s*=\s*"([^"]*)"')
# Control characters, written as references or not; removed in two passes, each far faster
# than one pass of their union (which finds no literal to look for first).
_CONTROL_REFERENCE = re.compile(r"&#(?:[0-9]|[12][0-9]|3[01]);")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL = re.compile(f"{_CONTROL_REFERENCE.pattern}|{_CONTROL_CHARACTER.pattern}")
_ITEM_START = re.compile("<D>", re.IGNORECASE)
_ITEM_END = re.compile("</D>", re.IGNORECASE)
_TAGS = re.compile(r"<[^<>]*>")
_INDENTED = re.compile(r"\n(?=[ \t]+\S)")
SIGN_OFF = "reuter"
# The start (without its `>`) and the end of each element read, by its lower-case name.
_TAG_PATTERNS = {
    name: tuple(
        re.compile(tag, re.IGNORECASE) for tag in (rf"<{name.upper()}\b", f"</{name.upper()}>")
    )
    for name in ("reuters", "text", "title", "body", "dateline", "date", *LISTS)
}
# The start of any list element, in a group named after it.
_LIST_START = re.compile(
    "<(?:" + "|".join(f"(?P<{name}>{name.upper()})" for name in LISTS) + r")\b", re.IGNORECASE
)


def sniff(head: str) -> bool:
    """The Lewis DOCTYPE or a `<REUTERS` element."""
    return bool(_SIGNATURE.search(head))


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield one article per story; a problem for a story cut off or too large."""
    story: list[str] = []
    start = size = 0
    for number, line in numbered_lines(source.stream):
        if not story:
            found = _start_tag(line, "reuters")
            if not found:
                continue
            line, start, size = line[found[0] :], number, 0
        story.append(line)
        size += len(line)
        if _END in line:
            yield _article("".join(story), source, start)
            story = []
        elif size > MAX_ARTICLE_CHARS:
            yield Problem(source.path, f"story {TOO_LARGE}", start, kind="too-large")
            story = []
    if story:
        yield Problem(source.path, "story cut off before </REUTERS>", start, kind="truncated")


def _article(story: str, source: Source, line: int) -> Article | Problem:
    """The story's article, or a problem when it has no text at all."""
    start = _start_tag(story, "reuters")
    newid = _NEWID.search(start[1]) if start else None
    docno = newid[1].strip() if newid else ""
    text = _element(story, "text")
    title = _clean(_element(text, "title"))
    body = _element(text, "body")
    if not (title or body):
        body = _TAGS.sub(" ", text)  # unprocessed: the text alone
    body = _clean(body, keep_lines=True)
    if not title:  # the first line says what the story is ("FEDERAL RESERVE WEEKLY REPORT")
        first, _, body = body.partition("\n")
        title = normalise_space(first)
    if not title:
        return Problem(source.path, f"story {docno or '(no NEWID)'} has no text", line, "no-text")
    metadata = {
        name: tuple(_clean(item) for item in _items(content)) for name, content in _lists(story)
    }
    dateline = _clean(_element(text, "dateline")).rstrip(" -")
    if dateline:
        metadata["dateline"] = (dateline,)
    return Article(
        id=record_id(source.id, docno or f"line{line}"),
        path=source.path,
        docno=docno,
        source=SOURCE,
        section=source.section,
        headline=title,
        date=parse_date(_clean(_CONTROL.split(_element(story, "date"))[0])),
        body="\n\n".join(paragraphs(_without_sign_off(_INDENTED.sub("\n\n", body)))),
        metadata=MappingProxyType({key: value for key, value in metadata.items() if value}),
    )


def _lists(story: str) -> list[tuple[str, str]]:
    """The content of each list element (`_element(story, name)` for each name of `LISTS`),
    their first start tags found in one pass."""
    firsts: dict[str, re.Match[str]] = {}
    for found in _LIST_START.finditer(story):
        if found.lastgroup not in firsts:
            firsts[found.lastgroup or ""] = found
            if len(firsts) == len(LISTS):
                break
    contents = []
    for name in LISTS:
        content = ""
        if (start := firsts.get(name)) is not None and (end := story.find(">", start.end())) >= 0:
            close = _TAG_PATTERNS[name][1].search(story, end + 1)
            content = story[end + 1 : close.start() if close else len(story)]
        contents.append((name, content))
    return contents


def _start_tag(text: str, name: str) -> tuple[int, str, int] | None:
    """The first whole `<name ...>` start tag in `text`: where it starts, its attributes,
    and where its content starts. One whose `>` is missing leaves none after it either."""
    found = _TAG_PATTERNS[name][0].search(text)
    if not found:
        return None
    end = text.find(">", found.end())
    return (found.start(), text[found.end() : end], end + 1) if end >= 0 else None


def _element(text: str, name: str) -> str:
    """The content of the first `<name>` element in `text`, or up to the end if unclosed."""
    start = _start_tag(text, name)
    if start is None:
        return ""
    end = _TAG_PATTERNS[name][1].search(text, start[2])
    return text[start[2] : end.start() if end else len(text)]


def _items(text: str) -> list[str]:
    """The contents of the closed `<D>` elements of a list, in order."""
    items = []
    position = 0
    while start := _ITEM_START.search(text, position):
        end = _ITEM_END.search(text, start.end())
        if end is None:
            break
        items.append(text[start.end() : end.start()])
        position = end.end()
    return items


def _without_sign_off(text: str) -> str:
    """The body without its closing "Reuter"."""
    text = text.rstrip()
    if text[-len(SIGN_OFF) :].lower() != SIGN_OFF:
        return text
    before = text[: -len(SIGN_OFF)]
    return text if before[-1:].isalnum() or before.endswith("_") else before.rstrip()


def _clean(text: str, keep_lines: bool = False) -> str:
    """Text without control characters and with entities decoded."""
    if "&#" in text:
        text = _CONTROL_REFERENCE.sub(" ", text)
    if not text.isprintable():  # as any control character is
        text = _CONTROL_CHARACTER.sub(" ", text)
    text = unescape_html(text)
    return text.strip() if keep_lines else normalise_space(text)


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
