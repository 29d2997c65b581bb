"""The SQLite sidecars of an index folder (stem table, story store), read without writing.

A query must work on an index it cannot write: a copy on a read-only mount, a full disk.
`connect_read_only` opens a sidecar with `mode=ro`; where SQLite cannot do that (a database
in WAL mode needs a shared-memory file beside it, which a read-only or full disk cannot
take), it opens the file as immutable, which no writer can be changing there. Such a
connection serves one call, which may go on in another thread than the one that opened it
(an export read on by a pool of threads), never in two at once.
`damage()` says what SQLite's integrity check finds wrong with a sidecar, and
`sidecar_damage()` turns SQLite's complaint about a damaged file into an error naming it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from searcher.errors import IndexDamagedError


def connect_read_only(path: Path) -> sqlite3.Connection | None:
    """The SQLite database at `path` opened for reading only; None when there is none."""
    uri = path.absolute().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
    except sqlite3.OperationalError:
        if not path.exists():
            return None
        raise
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as error:  # cannot open it so (a DatabaseError is damage)
        db.close()
        if "locked" in str(error):  # a writer is busy with it: reading it now would be wrong
            raise
        if not path.exists():
            return None
    return sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)


def has_table(db: sqlite3.Connection, name: str) -> bool:
    """True when the database holds the table `name` (an empty file holds none)."""
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return found.fetchone() is not None


def damage(path: Path) -> str | None:
    """What is wrong with the SQLite database at `path`, or None when it is sound (or absent)."""
    try:
        db = connect_read_only(path)
        if db is None:
            return None
        try:
            verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as error:
        return str(error)
    return None if verdict == "ok" else str(verdict)


@contextmanager
def sidecar_damage(folder: Path, *names: str) -> Iterator[None]:
    """Within the block, SQLite finding a sidecar damaged raises `IndexDamagedError`
    naming the first of `names` that fails SQLite's check."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError):  # busy, full, read-only: not damage
            raise
        for name in names:
            reason = damage(folder / name)
            if reason is not None:
                raise IndexDamagedError(str(folder), name, f"cannot be read ({reason})") from error
        raise
