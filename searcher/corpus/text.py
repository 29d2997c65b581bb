"""Plain text, one article a file (BBC style): the first non-empty line is the headline.

Everything after the headline is the body: paragraphs split on blank lines, whitespace
collapsed inside each, joined by blank lines. Plain text has no signature, so `sniff`
never claims a file; the registry picks this reader by extension or as the fallback.
"""

from __future__ import annotations

from collections.abc import Iterator

from searcher.corpus.base import Reader, ReadError, Source, normalise_space, paragraphs
from searcher.models import Article, Problem

NAME = "text"
EXTENSIONS = (".txt", ".text")


def sniff(head: str) -> bool:
    """Plain text is what is left when no other format recognises a file."""
    return False


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield the file's one article."""
    lines = source.read_text().splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ReadError("empty file", kind="empty")
    yield Article(
        id=source.id,
        path=source.path,
        source=source.default_source,
        section=source.section,
        headline=normalise_space(lines[first]),
        body="\n\n".join(paragraphs("\n".join(lines[first + 1 :]))),
    )


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
