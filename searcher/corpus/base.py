"""What every reader shares: the `Reader` record, the `Source` it reads, and text helpers.

A reader is a small module that builds one `Reader`: its `name` (the `format` users choose),
the file `extensions` it claims, a `sniff` that recognises its format from the first few KB
of decoded text, and `read`, which turns one decoded file into articles. `read` yields a
`Problem` for a record it cannot use and raises `ReadError` when the whole file is unusable;
the corpus records both and carries on with the next file. Readers of one-article formats
call `Source.read_text()`; readers of many-record formats iterate `Source.stream`, so memory
stays bounded whatever the file size.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from types import MappingProxyType
from typing import TextIO

from searcher.models import Article, Problem

# The most text one article (or one record) may hold. Indexing costs a worker about 40 bytes
# of memory a character of one article (analysis and its story signature, measured), so
# this bounds what one huge input adds: about 170 MB. Real news is far shorter (the largest
# article of the shared corpora holds 160 KB), HTML pages rarely reach a few MB.
MAX_ARTICLE_CHARS = 4 * 1024 * 1024
TOO_LARGE = f"over {MAX_ARTICLE_CHARS // 2**20} MB of text"
COMPRESSED = ".gz"
# Numeric character references, with their digits past any leading zeros.
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]+)|0*([0-9]+))")
MAX_CODE_POINT_DIGITS = 7  # 1114111 (hex 10FFFF: 6)


class ReadError(Exception):
    """A whole file cannot be read as articles; `str(error)` is the one-line reason.

    `kind` is the problem's stable category (see `searcher.models.Problem`).
    """

    def __init__(self, message: str, kind: str = "unreadable") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Source:
    """One decoded file handed to a reader.

    `path` is the file's path as the user gave it (becomes `Article.path`), `id` the id of the
    file's article (use `record_id` for files holding many), `stream` the decoded text from
    its start, read lazily, `head` its first few KB (never blank), `fields` the user's
    mapping of article fields to record keys (`{"headline": "title_col"}`), `section` the
    section of its articles (`Article.section`) and `default_source` the source of those
    that name none: readers give both to the articles they build (each built once).
    """

    path: str
    id: str
    stream: TextIO
    head: str
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    section: str = ""
    default_source: str = ""

    def read_text(self) -> str:
        """The whole decoded file, for formats holding one article; huge files are refused."""
        text = self.stream.read(MAX_ARTICLE_CHARS + 1)
        if len(text) > MAX_ARTICLE_CHARS:
            raise ReadError(f"{TOO_LARGE} for one article", kind="too-large")
        return text


@dataclass(frozen=True)
class Reader:
    """A registered input format. `extensions` are lower-case suffixes such as ".txt"."""

    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[str], bool]
    read: Callable[[Source], Iterator[Article | Problem]]


def extension(path: str | PurePath) -> str:
    """The lower-case extension that names a file's format, looking inside `.gz`."""
    path = PurePath(path)
    suffix = path.suffix.lower()
    if suffix == COMPRESSED:
        suffix = PurePath(path.stem).suffix.lower()
    return suffix


def record_id(file_id: str, record: int | str) -> str:
    """The id of one record in a file holding many: `bbc/a.jsonl#3`, `reut2-000.sgm#17`."""
    return f"{file_id}#{record}"


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return " ".join(text.split())


def unescape_html(text: str) -> str:
    """`html.unescape`, also for numeric references too long for Python's `int` (which
    raises on thousands of digits): those are past the last code point, so U+FFFD."""
    if "&" not in text:  # no reference: spares a pass of each
        return text
    return html.unescape(_NUMERIC_REFERENCE.sub(_short_reference, text))


def _short_reference(found: re.Match[str]) -> str:
    hexadecimal, decimal = found[1], found[2]
    digits = hexadecimal or decimal
    if len(digits) > MAX_CODE_POINT_DIGITS:
        return "\ufffd"
    return f"&#x{digits}" if hexadecimal else f"&#{digits}"


def blocks(text: str, limit: int = 0) -> list[list[str]]:
    """Split text on blank lines into blocks of raw lines; blank-only blocks are dropped.
    With a `limit`, the first `limit` blocks at most."""
    result: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            result.append(current)
            current = []
            if len(result) == limit:
                break
    if current:
        result.append(current)
    return result


def paragraphs(text: str) -> list[str]:
    """The blank-line separated paragraphs of `text`, whitespace-normalised inside each."""
    return [normalise_space(" ".join(block)) for block in blocks(text)]


def numbered_lines(stream: TextIO, limit: int = 0) -> Iterator[tuple[int, str]]:
    """The stream's lines with their 1-based numbers, each cut to at most `limit` characters
    (default `MAX_ARTICLE_CHARS`).

    A longer line is read past in pieces and comes back cut, so one huge line never sits in
    memory whole; callers see that it does not end in a newline.
    """
    limit = limit or MAX_ARTICLE_CHARS
    number = 0
    while line := stream.readline(limit):
        number += 1
        if len(line) == limit and not line.endswith("\n"):
            while (rest := stream.readline(limit)) and not rest.endswith("\n"):
                pass
        yield number, line
