"""The registered readers, and how one is chosen for a file.

To add a format, write a module with a `READER = Reader(...)` (see `base.py`) and list it in
`formats.READER_MODULES`, whose order is the sniffing order: put specific formats first. A file
gets the reader named by the user's `format`, else the first reader whose `sniff` recognises
its head, else the first reader claiming its extension, else plain text. A gzip file's
extension is the one before `.gz` (`news.jsonl.gz` is JSON Lines). Formats holding many
articles a file are `COLLECTIONS`: plain-text files beside them are taken for their
documentation (see `walk`).
"""

from __future__ import annotations

from importlib import import_module
from pathlib import PurePath

from searcher.corpus.archive import is_archive
from searcher.corpus.base import Reader, extension
from searcher.corpus.formats import READER_FORMATS, READER_MODULES
from searcher.corpus.walk import Role
from searcher.errors import BadInputError

READERS: tuple[Reader, ...] = tuple(
    import_module(f"searcher.corpus.{module}").READER for module in READER_MODULES.values()
)
_BY_NAME = {reader.name: reader for reader in READERS}
FALLBACK: Reader = _BY_NAME["text"]
COLLECTIONS: tuple[Reader, ...] = tuple(_BY_NAME[name] for name in ("sgml", "jsonl", "json", "csv"))
FORMATS: tuple[str, ...] = READER_FORMATS
EXTENSIONS: frozenset[str] = frozenset(ext for reader in READERS for ext in reader.extensions)


def get_reader(name: str) -> Reader:
    """The reader called `name`, or `BadInputError` listing the formats there are."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    raise BadInputError(f"unknown format {name!r}; choose one of: {', '.join(FORMATS)}")


def choose_reader(path: PurePath, head: str) -> Reader:
    """The reader for a file with no format chosen: by sniffing, extension, or fallback."""
    for reader in READERS:
        if reader.sniff(head):
            return reader
    suffix = extension(path)
    for reader in READERS:
        if suffix in reader.extensions:
            return reader
    return FALLBACK


def role_of(path: PurePath) -> Role | None:
    """What the file's extension says it holds; None when no reader claims it. A file
    without an extension (`20news/12345`) is left to sniffing; an archive's members are
    read (`archive`)."""
    suffix = extension(path)
    if any(suffix in reader.extensions for reader in COLLECTIONS):
        return Role.COLLECTION
    if suffix in FALLBACK.extensions:
        return Role.PLAIN
    if not suffix or suffix in EXTENSIONS or is_archive(path):
        return Role.OTHER
    return None
