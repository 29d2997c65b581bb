"""`Corpus`: the lazy stream of articles read from the paths a user gives.

Nothing is read until iteration: each file is found, opened, decoded and parsed as the
previous one's articles are consumed, and files holding many records are read record by
record, so memory stays bounded. Whatever cannot be read becomes a `Problem` in
`Corpus.problems` and the stream goes on; a file that yields nothing is reported too.

This is the readers' boundary: text that cannot be written as UTF-8 (lone surrogates from
JSON escapes or a file name that is not UTF-8) is repaired here with `repair_text` and
reported, so nothing after it meets such text; and a reader that fails on input it did
not foresee (nesting too deep for Python's stack, a bug) costs the rest of that file only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import PurePath
from types import MappingProxyType
from typing import Any, TextIO

from searcher.corpus.archive import ArchiveError, is_archive, members
from searcher.corpus.base import Reader, ReadError, Source
from searcher.corpus.decode import needs_repair, open_member, open_text, repair_text
from searcher.corpus.records import check_fields
from searcher.corpus.registry import choose_reader, get_reader, role_of
from searcher.corpus.walk import FileRef, Role, Root, make_roots, walk
from searcher.errors import BadInputError
from searcher.models import Article, Problem, Quote


class Corpus:
    """An iterable of `Article` over files and folders, read lazily, one file at a time.

    Each article gets its section, the name of the folder holding its file (BBC's
    `sport`), and when it names no source, `source` or else the source its folder names
    (`walk.SOURCE_FILE`). While iterating, `problems` collects
    what was skipped and why, and `files_seen` counts the files (and unlistable folders)
    read or reported. Both restart with each iteration.
    """

    def __init__(
        self,
        roots: list[Root],
        reader: Reader | None = None,
        fields: Mapping[str, str] | None = None,
        source: str = "",
    ) -> None:
        self._roots = roots
        self._reader = reader
        self._fields = dict(fields or {})  # a plain dict: a Corpus is sent to worker processes
        self._source = source
        self.problems: list[Problem] = []
        self.files_seen = 0

    def __iter__(self) -> Iterator[Article]:
        self.problems.clear()
        self.files_seen = 0
        for item in self.files():
            self.files_seen += 1
            if isinstance(item, Problem):
                self.problems.append(item)
                continue
            for record in self.read_file(item):
                if isinstance(record, Problem):
                    self.problems.append(record)
                else:
                    yield record

    @property
    def roots(self) -> tuple[Root, ...]:
        """The paths given, with the labels their article ids start with."""
        return tuple(self._roots)

    def files(self) -> Iterator[FileRef | Problem]:
        """Every file to read under the roots, in order, and what could not be listed."""
        for root in self._roots:
            yield from walk(root, self._claims)

    def _claims(self, path: PurePath) -> Role | None:
        return _read_as_given(path) if self._reader else role_of(path)

    def read_file(
        self, ref: FileRef, on_bytes: Callable[[bytes], None] | None = None
    ) -> Iterator[Article | Problem]:
        """The articles of one file, and problems with its records or with the whole file;
        of an archive, those of its members (see `archive`).

        The seam for callers that choose which files to read (incremental indexing) or
        read them elsewhere (worker processes): `FileRef` and the results are picklable.
        `on_bytes` is given the file's bytes when they were read at once (`open_text`).
        """
        path = ref.shown
        if path != str(ref.path):
            yield _renamed(path, ref.id)
        if is_archive(ref.path):
            yield from self._read_archive(ref)
        else:
            opened = open_text(ref.path, on_bytes)
            yield from self._read(opened, path, ref.path, ref.id, ref.source)

    def _read_archive(self, ref: FileRef) -> Iterator[Article | Problem]:
        """The articles of an archive's members, each read as a file of its own."""
        found = False
        try:
            with contextlib.closing(members(ref.path, ref.id, self._claims)) as found_members:
                for member in found_members:
                    found = True
                    if isinstance(member, Problem):
                        yield member
                        continue
                    if member.renamed:
                        yield _renamed(str(member.path), member.id)
                    opened = open_member(member.stream)
                    shown = str(member.path)
                    yield from self._read(opened, shown, member.path, member.id, ref.source)
        except (ReadError, ArchiveError) as error:
            yield Problem(ref.shown, str(error), kind=error.kind)
        else:
            if not found:
                yield Problem(ref.shown, "no file to read in the archive", kind="no-articles")

    def _read(
        self,
        opened: AbstractContextManager[tuple[TextIO, str]],
        path: str,
        named: PurePath,
        file_id: str,
        folder_source: str,
    ) -> Iterator[Article | Problem]:
        """The articles of the file `opened` (its text and head), shown as `path`, whose
        name and folder (its section) `named` gives, with the id `file_id`, whose folder
        names `folder_source`."""
        found = False
        try:
            with opened as (stream, head):
                reader = self._reader or choose_reader(named, head)
                default_source = self._source or folder_source
                section = named.parent.name
                source = Source(path, file_id, stream, head, self._fields, section, default_source)
                for record in reader.read(source):
                    found = True
                    yield from _repaired(record, file_id)
        except ArchiveError:
            raise  # the archive holding the file is damaged: the archive's problem
        except ReadError as error:
            yield Problem(path, str(error), kind=error.kind)
        except (OSError, EOFError, zlib.error) as error:  # also gzip data cut off or corrupt
            detail = error.strerror if isinstance(error, OSError) and error.strerror else error
            yield Problem(path, repair_text(f"cannot read file: {detail}"), kind="unreadable")
        except RecursionError:
            yield Problem(path, "nested too deeply to read; the rest is lost", kind="too-deep")
        except Exception as error:  # a reader's bug: the run goes on, the user can report it
            reason = f"reader failed ({type(error).__name__}: {error}); the rest is lost"
            yield Problem(path, repair_text(reason), kind="reader-error")
        else:
            if not found:
                yield Problem(path, f"no articles found as {reader.name}", kind="no-articles")


def _renamed(path: str, file_id: str) -> Problem:
    """The repair of a file name that is not UTF-8 (see `repair_text`)."""
    return Problem(path, f"name is not UTF-8; indexed as {file_id}", kind="bad-name")


def _repaired(record: Article | Problem, file_id: str) -> Iterator[Article | Problem]:
    """The record with its text writable as UTF-8; after an article whose text had to be
    repaired, a problem naming the fields that were."""
    if not needs_repair("".join(_texts(record))):
        yield record
        return
    fixed = _repair(record)
    yield fixed
    if isinstance(record, Article) and fixed is not record:
        names = (f.name for f in dataclasses.fields(record))
        changed = ", ".join(n for n in names if getattr(fixed, n) is not getattr(record, n))
        where = fixed.id if fixed.id != file_id else fixed.path
        reason = f"text that cannot be encoded (a lone surrogate) replaced in {changed}"
        yield Problem(where, reason, kind="bad-text")


# Types told by their exact type, sparing `isinstance` checks against `Mapping` (slow):
# those whose values hold no text, mappings, and the records (neither of them a mapping).
_NO_TEXT = frozenset({type(None), datetime, int})
_MAPPINGS = frozenset({dict, MappingProxyType})
_RECORDS = frozenset({Article, Problem, Quote})


def _texts(value: Any) -> list[str]:
    """Every text that `_repair` looks at in `value`, found without recursion."""
    texts = []
    pending = [value]
    for item in pending:  # grows as it is walked
        kind = type(item)
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, tuple):
            pending.extend(item)
        elif kind in _NO_TEXT:
            continue
        elif kind in _RECORDS:
            pending.extend(vars(item).values())
        elif kind in _MAPPINGS or isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            pending.extend(vars(item).values())
    return texts


def _repair(value: Any) -> Any:
    """`value` with `repair_text` applied to every text in it: the same object when
    nothing changed."""
    if isinstance(value, str):
        return repair_text(value)
    if isinstance(value, tuple):
        if any(_repair(item) is not item for item in value):
            return tuple(_repair(item) for item in value)
        return value
    if isinstance(value, Mapping):
        if any(_repair(k) is not k or _repair(v) is not v for k, v in value.items()):
            return MappingProxyType({_repair(k): _repair(v) for k, v in value.items()})
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for name, item in vars(value).items():
            if (fixed := _repair(item)) is not item:
                changed[name] = fixed
        return dataclasses.replace(value, **changed) if changed else value
    return value


def read_corpus(
    *paths: str | os.PathLike[str],
    format: str | None = None,
    fields: Mapping[str, str] | None = None,
    source: str = "",
) -> Corpus:
    """The articles in `paths` (files or folders), read as `format` or as each file looks.

    `fields` maps article fields to the keys or columns of JSON and CSV records that hold
    them, for names not recognised out of the box: `{"headline": "title_col"}`. `source`
    is the publication of articles that name none (before a folder's `.searcher-source`).
    Raises `BadInputError` at once for a path that does not exist, an unknown format or a
    field that articles do not have. With a `format`, every file found is read with it.
    """
    if not paths:
        raise BadInputError("no file or folder given")
    reader = get_reader(format) if format is not None else None
    return Corpus(make_roots(paths), reader, check_fields(fields or {}), " ".join(source.split()))


def _read_as_given(path: PurePath) -> Role:
    """With a format given, every file is read with it."""
    return Role.OTHER
