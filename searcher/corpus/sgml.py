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
BODY) with their text as the body. An article's id is the file's id plus NEWID
(`reuters21578/reut2-000.sgm#1`), its `docno` the NEWID, its source "Reuters".
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from types import MappingProxyType

from searcher.corpus.base import (
    MAX_ARTICLE_CHARS,
    Reader,
    Source,
    normalise_space,
    numbered_lines,
    paragraphs,
    record_id,
)
from searcher.corpus.dates import parse_date
from searcher.models import Article, Problem

NAME = "sgml"
EXTENSIONS = (".sgm", ".sgml")
SOURCE = "Reuters"
LISTS = ("topics", "places", "people", "orgs", "exchanges", "companies")

_SIGNATURE = re.compile(r"<!DOCTYPE\s+lewis\b|<REUTERS\b", re.IGNORECASE)
_START = re.compile(r"<REUTERS\b([^>]*)>", re.IGNORECASE)
_END = "</REUTERS>"
_ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')
_ITEM = re.compile(r"<D>(.*?)</D>", re.DOTALL | re.IGNORECASE)
_CONTROL = re.compile(r"&#(?:[0-9]|[12][0-9]|3[01]);|[\x00-\x08\x0b-\x1f\x7f]")
_TAGS = re.compile(r"<[^>]*>")
_SIGN_OFF = re.compile(r"\s*\bReuter\s*$", re.IGNORECASE)
_INDENTED = re.compile(r"\n(?=[ \t]+\S)")


def sniff(head: str) -> bool:
    """The Lewis DOCTYPE or a `<REUTERS` element."""
    return bool(_SIGNATURE.search(head))


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield one article per story; a problem for a story cut off or too large."""
    story: list[str] = []
    start = size = 0
    for number, line in numbered_lines(source.stream):
        if not story:
            found = _START.search(line)
            if not found:
                continue
            line, start, size = line[found.start() :], number, 0
        story.append(line)
        size += len(line)
        if _END in line:
            yield _article("".join(story), source, start)
            story = []
        elif size > MAX_ARTICLE_CHARS:
            yield Problem(source.path, "story over 16 MB", start, kind="too-large")
            story = []
    if story:
        yield Problem(source.path, "story cut off before </REUTERS>", start, kind="truncated")


def _article(story: str, source: Source, line: int) -> Article:
    attributes = dict(_ATTRIBUTE.findall(_START.search(story)[1]))  # type: ignore[index]
    newid = attributes.get("NEWID", "").strip()
    text = _element(story, "TEXT")
    title = _clean(_element(text, "TITLE"))
    body = _element(text, "BODY")
    if not (title or body):
        body = _TAGS.sub(" ", text)  # unprocessed: the text alone
    body = _SIGN_OFF.sub("", _INDENTED.sub("\n\n", _clean(body, keep_lines=True)))
    metadata = {
        name: tuple(_clean(item) for item in _ITEM.findall(_element(story, name))) for name in LISTS
    }
    dateline = _clean(_element(text, "DATELINE")).rstrip(" -")
    if dateline:
        metadata["dateline"] = (dateline,)
    return Article(
        id=record_id(source.id, newid or f"line{line}"),
        path=source.path,
        docno=newid,
        source=SOURCE,
        headline=title,
        date=parse_date(_clean(_CONTROL.split(_element(story, "DATE"))[0])),
        body="\n\n".join(paragraphs(body)),
        metadata=MappingProxyType({key: value for key, value in metadata.items() if value}),
    )


def _element(text: str, name: str) -> str:
    """The content of the first `<name>` element in `text`, or up to the end if unclosed."""
    found = re.search(rf"<{name}\b[^>]*>(.*?)(?:</{name}>|\Z)", text, re.DOTALL | re.IGNORECASE)
    return found[1] if found else ""


def _clean(text: str, keep_lines: bool = False) -> str:
    """Text without control characters and with entities decoded."""
    text = html.unescape(_CONTROL.sub(" ", text))
    return text.strip() if keep_lines else normalise_space(text)


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
