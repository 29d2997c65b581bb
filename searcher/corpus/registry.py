"""The registered readers, and how one is chosen for a file.

To add a format, write a module with a `READER = Reader(...)` (see `base.py`) and list it in
`READERS`. The order of `READERS` is the sniffing order: put specific formats first. A file
gets the reader named by the user's `format`, else the first reader whose `sniff` recognises
its head, else the first reader claiming its extension, else plain text. A gzip file's
extension is the one before `.gz` (`news.jsonl.gz` is JSON Lines).
"""

from __future__ import annotations

from pathlib import Path

from searcher.corpus import (
    cranfield,
    jsondoc,
    jsonl,
    mail,
    newspaper,
    sgml,
    table,
    text,
    webpage,
)
from searcher.corpus.base import Reader, extension
from searcher.errors import BadInputError

READERS: tuple[Reader, ...] = (
    sgml.READER,
    cranfield.READER,
    webpage.READER,
    mail.READER,
    jsonl.READER,
    jsondoc.READER,
    table.READER,
    newspaper.READER,
    text.READER,
)
FALLBACK: Reader = text.READER
FORMATS: tuple[str, ...] = tuple(reader.name for reader in READERS)
EXTENSIONS: frozenset[str] = frozenset(ext for reader in READERS for ext in reader.extensions)


def get_reader(name: str) -> Reader:
    """The reader called `name`, or `BadInputError` listing the formats there are."""
    for reader in READERS:
        if reader.name == name:
            return reader
    raise BadInputError(f"unknown format {name!r}; choose one of: {', '.join(FORMATS)}")


def choose_reader(path: Path, head: str) -> Reader:
    """The reader for a file with no format chosen: by sniffing, extension, or fallback."""
    for reader in READERS:
        if reader.sniff(head):
            return reader
    suffix = extension(path)
    for reader in READERS:
        if suffix in reader.extensions:
            return reader
    return FALLBACK


def is_claimed(path: Path) -> bool:
    """True if a reader claims the file's extension, or it has none (e.g. `20news/12345`)."""
    suffix = extension(path)
    return not suffix or suffix in EXTENSIONS
