"""The index folder: what may be written there, reading one whole commit, and damage.

Whoosh keeps an index as a table of contents (`_MAIN_<generation>.toc`: the schema and the
list of segments) and segment files; a commit writes new segments, then the next table of
contents, then deletes the files the new one no longer names.

Parts:
- `check_folder()`: whether a folder may take our index. A missing or empty folder may; so
  may one holding our index (a Whoosh index with our fields, or, when its table of contents
  is lost or unreadable, our sidecars). Anything else (a file, a foreign Whoosh index, a
  folder of other files) raises `NotAnIndexError`: nothing is written into it.
- `open_index()`: the index for a writer, its damage and foreign or older schemas reported
  as errors that say so.
- `Snapshot`, `open_snapshot()`: the newest commit with a reader open on every segment file
  it names, for queries. A commit that lands while the snapshot opens deletes files the
  opening needs: it then opens the newest commit instead, so a search always answers from
  one whole commit. Once open, its files stay readable while it is (POSIX keeps a deleted
  file's data until the last handle closes).
- `tidy()`: removes what an interrupted or failed run left (temporary files, segments no
  commit names); `reset()` starts an index over without reading the old one.
- `segment_damage()`: around a reader, damaged segment data is reported as such.
- `writes_to()`, `tidied()`: around a writer, a full or read-only disk raises an error
  that says so, and a failure leaves no temporary files.
"""

from __future__ import annotations

import errno
import os
import pickle
import re
import shutil
import sqlite3
import struct
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex, clean_files
from whoosh.reading import (
    CorruptIndexError,
    EmptyReader,
    IndexReader,
    MultiReader,
    SegmentReader,
)
from whoosh.searching import Searcher

from searcher import whoosh_internals
from searcher.errors import (
    DiskFullError,
    IndexDamagedError,
    IndexMissingError,
    IndexOutdatedError,
    IndexReadOnlyError,
    NotAnIndexError,
)
from searcher.store.analysis import token_pattern
from searcher.store.filestate import STATE_FILE, STATE_TEMPORARY, Commit
from searcher.store.schema import OPTIONAL_FIELDS, build_schema
from searcher.store.stemtable import STEM_FILE
from searcher.store.stories import STORE_FILE
from searcher.store.writelock import HOLDER_FILE
from searcher.whoosh_internals import INDEX_NAME, toc_filename, toc_generation

# Fields every version of searcher's schema had: an index without them is not ours.
OWN_FIELDS = frozenset({"id", "headline", "body", "quote_list"})
SIDECARS = (STATE_FILE, STATE_TEMPORARY, STEM_FILE, STORE_FILE, HOLDER_FILE)
TEMPORARY = f"{INDEX_NAME}.tmp"  # Whoosh writers' scratch folder
# Whoosh's files: the lock, tables of contents (and their temporary copies), segments,
# the writers' scratch folder.
_WHOOSH_FILE = re.compile(
    rf"^({INDEX_NAME}_WRITELOCK|_{INDEX_NAME}_\d+\.toc(\.[\d.]+)?|{INDEX_NAME}_[0-9a-z]+\.\w+"
    rf"|{re.escape(TEMPORARY)})$"
)
_SIDECAR_FILE = re.compile(
    "^({})(-wal|-shm|-journal)?$".format("|".join(re.escape(s) for s in SIDECARS))
)
_OPEN_ATTEMPTS = 20


def latest_generation(folder: Path) -> int:
    """The generation of the newest table of contents in `folder`, -1 when there is none."""
    try:
        return toc_generation(FileStorage(str(folder)))
    except OSError:  # no folder there
        return -1


def check_folder(folder: Path) -> bool:
    """True when `folder` holds our index (or what is left of one), False when it is new
    or empty; `NotAnIndexError` for anything else."""
    if not folder.exists():
        return False
    if not folder.is_dir():
        raise NotAnIndexError(str(folder), "it is a file, not a folder")
    names = [name for name in os.listdir(folder) if not name.startswith(".")]
    if not names:
        return False
    schema = _readable_schema(folder)
    if schema is not None:
        _check_ours(folder, schema)
        return True
    others = sorted(n for n in names if not (_WHOOSH_FILE.match(n) or _SIDECAR_FILE.match(n)))
    if others or not any(_SIDECAR_FILE.match(name) for name in names):
        shown = ", ".join(others[:3]) or ", ".join(sorted(names)[:3])
        what = "other files" if others else "an unreadable Whoosh index"
        raise NotAnIndexError(str(folder), f"it holds {what} ({shown})")
    return True


def _readable_schema(folder: Path) -> Schema | None:
    """The schema of the newest commit in `folder`, or None when it cannot be read."""
    try:
        return TOC.read(FileStorage(str(folder)), INDEX_NAME).schema
    except Exception:  # a lost or damaged table of contents: the caller looks further
        return None


def _check_ours(folder: Path, schema: Schema) -> None:
    """`NotAnIndexError` unless `schema` is searcher's, of this or an older version."""
    if not set(schema.names()) >= OWN_FIELDS:
        fields = ", ".join(sorted(schema.names())[:8])
        raise NotAnIndexError(
            str(folder), f"it holds a Whoosh index made by another program (fields: {fields})"
        )


def checked_schema(folder: Path, schema: Schema) -> Schema:
    """`schema`, unless it is not ours (`NotAnIndexError`), or lacks fields this version
    writes and reads (`OPTIONAL_FIELDS` aside) or splits their words otherwise, so that
    queries would look for words it does not hold (`IndexOutdatedError`)."""
    _check_ours(folder, schema)
    current = build_schema()
    missing = sorted(set(current.names()) - set(schema.names()) - OPTIONAL_FIELDS)
    if missing:
        raise IndexOutdatedError(str(folder), f"it has no {', '.join(missing)} field")
    changed = [
        name
        for name in current.names()
        if name in schema
        and token_pattern(current[name].analyzer) != token_pattern(schema[name].analyzer)
    ]
    if changed:
        raise IndexOutdatedError(
            str(folder), f"it splits the words of {', '.join(changed)} differently"
        )
    return schema


def open_index(folder: Path) -> FileIndex:
    """The index in `folder` for a writer (who holds the write lock, so no commit replaces
    it meanwhile), once its files are found readable: errors as `open_snapshot`'s."""
    whoosh_internals.apply()
    storage = FileStorage(str(folder), supports_mmap=False)
    generation = latest_generation(folder)
    if generation < 0:
        raise _no_index(folder)
    _open_generation(folder, storage, generation).close()
    return FileIndex(storage)


@dataclass
class Snapshot:
    """One commit of an index, read through a reader open on all its segments. Works as
    `FileIndex.searcher()` does, but closing a searcher leaves the reader open."""

    folder: Path
    generation: int
    segments: tuple[str, ...]
    schema: Schema
    reader: IndexReader
    toc: os.stat_result  # of its table of contents: when the commit was written, which file

    @property
    def modified(self) -> float:
        """When the commit was written (seconds since the epoch)."""
        return self.toc.st_mtime

    def is_newest(self) -> bool:
        """True while no commit has followed this one."""
        if latest_generation(self.folder) != self.generation:
            return False
        try:
            toc = (self.folder / toc_filename(self.generation)).stat()
        except OSError:
            return False
        # The same generation may be written again after an index folder was emptied.
        return (toc.st_ino, toc.st_mtime_ns) == (self.toc.st_ino, self.toc.st_mtime_ns)

    @property
    def commit(self) -> Commit:
        """What tells commits apart: the generation and the segments (a rebuilt index
        may count its generations again)."""
        return self.generation, self.segments

    def searcher(self, **kwargs: Any) -> Searcher:
        return Searcher(self.reader, closereader=False, **kwargs)

    def doc_count(self) -> int:
        return int(self.reader.doc_count())

    def close(self) -> None:
        self.reader.close()


def open_snapshot(folder: Path) -> Snapshot:
    """The newest commit of the index in `folder`, whole (see the module docstring).

    Raises `IndexMissingError` when there is no index, `IndexDamagedError` when a file it
    needs is missing or unreadable, `NotAnIndexError` or `IndexOutdatedError` for another
    program's or an older version's index.
    """
    whoosh_internals.apply()
    storage = FileStorage(str(folder), supports_mmap=False)
    for attempt in range(1, _OPEN_ATTEMPTS + 1):
        generation = latest_generation(folder)
        if generation < 0:
            raise _no_index(folder)
        try:
            return _open_generation(folder, storage, generation)
        except IndexDamagedError:
            if attempt == _OPEN_ATTEMPTS or latest_generation(folder) == generation:
                raise
        # A commit replaced this generation while it was being opened: open the newest.
    raise AssertionError("unreachable")


def _no_index(folder: Path) -> IndexMissingError | IndexDamagedError:
    """No table of contents: no index, or (beside our sidecars) a lost one."""
    if folder.is_dir() and any(
        _SIDECAR_FILE.match(name) and name != HOLDER_FILE for name in os.listdir(folder)
    ):
        return IndexDamagedError(str(folder), f"_{INDEX_NAME}_<n>.toc", "is missing")
    return IndexMissingError(str(folder))


def _open_generation(folder: Path, storage: FileStorage, generation: int) -> Snapshot:
    name = toc_filename(generation)
    try:
        stat = (folder / name).stat()
        toc = TOC.read(storage, INDEX_NAME, generation)
    except ImportError as error:  # its schema names our code where an older version had it
        if not (error.name or "").startswith("searcher."):
            raise _damaged(folder, name, error) from error
        raise IndexOutdatedError(str(folder), f"its schema names {error.name}") from error
    except Exception as error:
        raise _damaged(folder, name, error) from error
    schema = checked_schema(folder, toc.schema)
    readers: list[IndexReader] = []
    try:
        for segment in toc.segments:
            readers.append(SegmentReader(storage, schema, segment, generation=generation))
    except Exception as error:
        for opened in readers:
            opened.close()
        raise _damaged(folder, _segment_file(segment), error) from error
    reader: IndexReader
    if not readers:
        reader = EmptyReader(schema)
    elif len(readers) == 1:
        reader = readers[0]
    else:
        reader = MultiReader(readers, generation=generation)
    _, segments = commit_of(generation, toc.segments)
    return Snapshot(folder, generation, segments, schema, reader, stat)


def commit_of(generation: int, segments: Iterable[Any]) -> Commit:
    """A commit's generation and its segments' ids (see `searcher.store.filestate`)."""
    return generation, tuple(segment.segment_id() for segment in segments)


def read_commit(folder: Path) -> Commit:
    """The commit the index in `folder` is at."""
    toc = TOC.read(FileStorage(str(folder)), INDEX_NAME)
    return commit_of(toc.generation, toc.segments)


def _segment_file(segment: Any) -> str:
    name = str(segment.segment_id())
    return f"{name}{segment.COMPOUND_EXT}" if segment.is_compound() else name


def _damaged(folder: Path, name: str, error: BaseException) -> IndexDamagedError:
    """The error for the file `name` of the index, which failed to open with `error`."""
    try:
        empty = (folder / name).stat().st_size == 0
    except OSError:
        return IndexDamagedError(str(folder), name, "is missing")
    return IndexDamagedError(str(folder), name, "is empty" if empty else _cannot_read(error))


def _cannot_read(error: BaseException) -> str:
    detail = str(error).strip() or type(error).__name__
    return f"cannot be read ({detail})"


def tidy(folder: Path) -> None:
    """Remove what interrupted or failed runs left: Whoosh's scratch folder, temporary
    tables of contents and sidecar copies, and segment files no commit names. Only for the
    holder of the write lock, and only while the newest commit can be read."""
    storage = FileStorage(str(folder))
    try:
        toc = TOC.read(storage, INDEX_NAME)
    except Exception:  # nothing to go by: a rebuild's first commit clears the rest
        return
    shutil.rmtree(folder / TEMPORARY, ignore_errors=True)
    (folder / STATE_TEMPORARY).unlink(missing_ok=True)
    for name in os.listdir(folder):
        if name.startswith(f"_{INDEX_NAME}_") and ".toc." in name:
            (folder / name).unlink(missing_ok=True)
    clean_files(storage, INDEX_NAME, toc.generation, toc.segments)


def reset(folder: Path) -> None:
    """Start the index in `folder` over, empty, with the current schema, without reading
    the old one: a new table of contents, then the old files go (write lock held)."""
    storage = FileStorage(str(folder))
    generation = toc_generation(storage) + 1
    TOC(build_schema(), [], generation).write(storage, INDEX_NAME)
    clean_files(storage, INDEX_NAME, generation, [])
    tidy(folder)


def disk_full(error: BaseException) -> bool:
    """True when `error` says the disk (or the user's quota) has no space left."""
    if isinstance(error, OSError):
        return error.errno in (errno.ENOSPC, errno.EDQUOT)
    return isinstance(error, sqlite3.OperationalError) and "disk is full" in str(error)


# What reading a segment's damaged data raises: its blocks are zlib-compressed pickles
# behind a header, its terms and columns UTF-8.
_SEGMENT_DATA_ERRORS = (
    CorruptIndexError,
    zlib.error,
    pickle.UnpicklingError,
    EOFError,
    struct.error,
    UnicodeDecodeError,
)


@contextmanager
def segment_damage(folder: Path) -> Iterator[None]:
    """Within a block that reads the index, a segment's data failing to decode (damage
    that opening it could not see) raises `IndexDamagedError`."""
    try:
        yield
    except _SEGMENT_DATA_ERRORS as error:
        raise IndexDamagedError(str(folder), "a segment file", _cannot_read(error)) from error


@contextmanager
def writes_to(folder: Path) -> Iterator[None]:
    """For a block that writes the index in `folder`: running out of space raises
    `DiskFullError`, a read-only folder or disk `IndexReadOnlyError`."""
    try:
        yield
    except (OSError, sqlite3.OperationalError) as error:
        if disk_full(error):
            raise DiskFullError(str(folder)) from error
        if isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise IndexReadOnlyError(str(folder), error.strerror or str(error)) from error
        if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
            raise IndexReadOnlyError(str(folder), str(error)) from error
        raise


@contextmanager
def tidied(folder: Path) -> Iterator[None]:
    """For a block that writes under the write lock: whatever ends it, it leaves no
    temporary files behind (see `tidy`)."""
    try:
        yield
    except BaseException:
        with suppress(Exception):  # the error that ended the block is the one to report
            tidy(folder)
        raise
