"""What every reader shares: the `Reader` record, the `Source` it reads, and text helpers.

A reader is a small module that builds one `Reader`: its `name` (the `format` users choose),
the file `extensions` it claims, a `sniff` that recognises its format from the first few KB
of decoded text, and `read`, which turns one decoded file into articles. `read` yields a
`Problem` for a record it cannot use and raises `ReadError` when the whole file is unusable;
the corpus records both and carries on with the next file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from searcher.models import Article, Problem


class ReadError(Exception):
    """A whole file cannot be read as articles; `str(error)` is the one-line reason."""


@dataclass(frozen=True)
class Source:
    """One decoded file handed to a reader.

    `path` is the file's path as the user gave it (becomes `Article.path`), `id` the id of the
    file's article (use `record_id` for files holding many), `text` the decoded content, which
    is never blank.
    """

    path: str
    id: str
    text: str


@dataclass(frozen=True)
class Reader:
    """A registered input format. `extensions` are lower-case suffixes such as ".txt"."""

    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[str], bool]
    read: Callable[[Source], Iterator[Article | Problem]]


def record_id(file_id: str, record: int | str) -> str:
    """The id of one record in a file holding many: `bbc/a.jsonl#3`, `reut2-000.sgm#17`."""
    return f"{file_id}#{record}"


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return " ".join(text.split())


def blocks(text: str) -> list[list[str]]:
    """Split text on blank lines into blocks of raw lines; blank-only blocks are dropped."""
    result: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            result.append(current)
            current = []
    if current:
        result.append(current)
    return result


def paragraphs(text: str) -> list[str]:
    """The blank-line separated paragraphs of `text`, whitespace-normalised inside each."""
    return [normalise_space(" ".join(block)) for block in blocks(text)]
