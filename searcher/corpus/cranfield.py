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
from collections.abc import Iterator

from searcher.corpus.base import Reader, ReadError, Source, normalise_space, record_id
from searcher.models import Article, Problem

NAME = "cranfield"
EXTENSIONS: tuple[str, ...] = ()

_RECORD = re.compile(r"^\.I[ \t]+(\S+)[ \t]*$", re.MULTILINE)
_TAG = re.compile(r"^\.([A-Z])\s*$")
_AUTHOR_SEPARATOR = re.compile(r"\s+and\s+")
_HEAD = re.compile(r"\A\s*\.I[ \t]+\S+[ \t]*\n\.[TAW][ \t]*\n")


def sniff(head: str) -> bool:
    """A `.I n` line, then a `.T`, `.A` or `.W` tag line, at the very start."""
    return bool(_HEAD.match(head))


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield one article per `.I` record."""
    starts = list(_RECORD.finditer(source.text))
    if not starts:
        raise ReadError("no .I records: not a Cranfield-style file")
    for match, following in zip(starts, [*starts[1:], None], strict=True):
        end = following.start() if following else len(source.text)
        docno = match.group(1)
        fields = _fields(source.text[match.end() : end])
        title = normalise_space(" ".join(fields.get("T", [])))
        body = _body(fields.get("W", []), title)
        if not (title or body):
            line = source.text.count("\n", 0, match.start()) + 1
            yield Problem(source.path, f"record {docno} has no text", line)
            continue
        author_text = normalise_space(" ".join(fields.get("A", [])))
        yield Article(
            id=record_id(source.id, docno),
            path=source.path,
            source=normalise_space(" ".join(fields.get("B", []))),
            headline=title,
            authors=tuple(_AUTHOR_SEPARATOR.split(author_text)) if author_text else (),
            body=body,
            docno=docno,
        )


def _fields(record: str) -> dict[str, list[str]]:
    """The raw lines of each tag; after `.W`, every line belongs to the abstract."""
    fields: dict[str, list[str]] = {}
    tag = ""
    for line in record.splitlines():
        is_tag = _TAG.match(line)
        if is_tag and tag != "W":
            tag = is_tag.group(1)
            fields.setdefault(tag, [])
        elif not is_tag and tag:
            fields[tag].append(line)
    return fields


def _body(lines: list[str], title: str) -> str:
    """The abstract as one paragraph, without the copy of the title it starts with."""
    body = normalise_space(" ".join(lines))
    if title and body.startswith(title):
        body = body[len(title) :].strip()
    return body


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
