"""Readers of an index's newest commit, lent to one call at a time: what lets threads
share one `Index`.

A Whoosh reader must not be used by two threads at once: opened without mmap (as
`Index` opens it, DESIGN.md "Whoosh, measured"), it reads each segment's files by seeking
one file object and reading from it, so two threads reading at once get each other's
bytes (wrong postings, "corrupt index" errors, terms not found). Opening a reader reads
every segment's table of contents, so an `Index` keeps the readers it opened in a
`ReaderPool`: `lend()` gives a call a reader that no other call holds, of the newest
commit, and takes it back when the call ends. A reader of an older commit is closed when
a call finds it so, never while a call reads it. The pool holds at most as many readers
as calls ran at once; `close()` closes them (those lent out as they come back).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar


class Reader(Protocol):
    """A reader of one commit of an index."""

    def is_newest(self) -> bool:
        """True while no commit has followed the one it reads."""

    def close(self) -> None: ...


R = TypeVar("R", bound=Reader)


class ReaderPool(Generic[R]):
    """The readers of one index, opened by `open_newest` (a reader of the newest commit)
    as calls need them. Safe to share among threads."""

    def __init__(self, open_newest: Callable[[], R]) -> None:
        self._open_newest = open_newest
        self._lock = threading.Lock()
        self._idle: list[R] = []  # the readers no call holds, the last returned last
        self._closes = 0  # calls of `close()`: a reader lent before one is closed on return

    @contextmanager
    def lend(self) -> Iterator[R]:
        """A reader of the newest commit for this call alone, taken back after the block."""
        with self._lock:
            closes = self._closes
        reader = self._take()
        try:
            yield reader
        finally:
            with self._lock:
                keep = closes == self._closes
                if keep:
                    self._idle.append(reader)
            if not keep:
                reader.close()

    def _take(self) -> R:
        """An idle reader of the newest commit, else a new one."""
        while True:
            with self._lock:
                reader = self._idle.pop() if self._idle else None
            if reader is None:
                return self._open_newest()
            if reader.is_newest():
                return reader
            reader.close()
            # A commit came: close the other readers of older commits now, not when their
            # turn comes (they hold the files of segments a merge may have deleted).
            with self._lock:
                idle, self._idle = self._idle, []
            fresh = [other for other in idle if _kept_if_newest(other)]
            with self._lock:
                self._idle[:0] = fresh

    def close(self) -> None:
        """Close the readers no call holds, and each that calls hold when it comes back.
        The pool opens readers anew for later calls."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._closes += 1
        for reader in idle:
            reader.close()


def _kept_if_newest(reader: Reader) -> bool:
    """True for a reader of the newest commit; a reader of an older one is closed."""
    if reader.is_newest():
        return True
    reader.close()
    return False
