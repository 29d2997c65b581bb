"""Cranfield-style collections (CRAN 1400 and its SMART kin): many records in one file.

The layout, each field a tag line followed by its text:

    .I 1                                   record number: the collection's own id (docno)
    .T                                     title: the headline
    experimental investigation of ...
    .A                                     authors, joined by "and"
    brenckman,m.
    .B                                     bibliographic source
    j. ae. scs. 25, 1958, 324.
    .W                                     abstract: the body (one paragraph); it repeats
    experimental investigation of ...      the title first, and that copy is dropped
      an experimental study of a wing ...

Everything after `.W` up to the next `.I` is abstract, even lines that look like tags (a few
CRAN records carry stray `.A`/`.B`/`.W` lines there); those bare tag lines are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from searcher.corpus.base import (
    Reader,
    ReadError,
    Source,
    normalise_space,
    numbered_lines,
    record_id,
)
from searcher.models import Article, Problem

NAME = "cranfield"
EXTENSIONS: tuple[str, ...] = ()

_RECORD = re.compile(r"\.I[ \t]+(\S+)[ \t]*$")
_TAG = re.compile(r"^\.([A-Z])\s*$")
_AUTHOR_SEPARATOR = re.compile(r"\s+and\s+")
_HEAD = re.compile(r"\A\s*\.I[ \t]+\S+[ \t]*\n\.[TAW][ \t]*\n")


def sniff(head: str) -> bool:
    """A `.I n` line, then a `.T`, `.A` or `.W` tag line, at the very start."""
    return bool(_HEAD.match(head))


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield one article per `.I` record."""
    yield from _records(source, numbered_lines(source.stream))


def _records(source: Source, lines: Iterable[tuple[int, str]]) -> Iterator[Article | Problem]:
    """The articles of numbered lines, record by record: memory holds one record."""
    start, docno, tag = 0, "", ""
    fields: dict[str, list[str]] = {}
    for number, raw in lines:
        line = raw.rstrip("\n")
        record = _RECORD.match(line)
        if record:
            if start:
                yield _article(source, docno, fields, start)
            start, docno, tag, fields = number, record.group(1), "", {}
            continue
        is_tag = _TAG.match(line)
        if is_tag and tag != "W":  # after `.W`, every line belongs to the abstract
            tag = is_tag.group(1)
            fields.setdefault(tag, [])
        elif not is_tag and tag:
            fields[tag].append(line)
    if not start:
        raise ReadError("no .I records: not a Cranfield-style file", kind="no-articles")
    yield _article(source, docno, fields, start)


def _article(
    source: Source, docno: str, fields: dict[str, list[str]], line: int
) -> Article | Problem:
    """The record's article, or a problem when it has neither title nor abstract."""
    title = normalise_space(" ".join(fields.get("T", [])))
    body = _body(fields.get("W", []), title)
    if not (title or body):
        return Problem(source.path, f"record {docno} has no text", line, kind="no-text")
    author_text = normalise_space(" ".join(fields.get("A", [])))
    return Article(
        id=record_id(source.id, docno),
        path=source.path,
        source=normalise_space(" ".join(fields.get("B", []))) or source.default_source,
        section=source.section,
        headline=title,
        authors=tuple(_AUTHOR_SEPARATOR.split(author_text)) if author_text else (),
        body=body,
        docno=docno,
    )


def _body(lines: list[str], title: str) -> str:
    """The abstract as one paragraph, without the copy of the title it starts with."""
    body = normalise_space(" ".join(lines))
    if title and body.startswith(title):
        body = body[len(title) :].strip()
    return body


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
