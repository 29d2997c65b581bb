"""The index's write lock, held for a whole indexing run, with the holder's process id.

Whoosh's lock is an `flock` on a file, which the kernel releases when its process dies, so
a killed indexer cannot block the next one. Beside it we keep a small file naming the
process that holds the lock: while the lock is held it tells the user who is writing;
found without a lock, it shows that an indexer died mid-run, which the next run reports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from searcher.errors import IndexLockedError, SearcherError
from searcher.whoosh_internals import INDEX_NAME

HOLDER_FILE = "searcher-indexer.pid"


@contextmanager
def write_lock(storage: FileStorage, notes: list[str]) -> Iterator[int]:
    """Hold the index's write lock for the block; raise `IndexLockedError` when it is taken.

    Yields the lock's file descriptor: forked worker processes must close their copy, or
    the lock would outlive a killed indexer. A note about a previous indexer that died
    holding the lock is appended to `notes`.
    """
    folder = Path(storage.folder)
    lock = storage.lock(f"{INDEX_NAME}_WRITELOCK")  # the lock Whoosh's writers take
    holder = folder / HOLDER_FILE
    try:
        acquired = lock.acquire(blocking=False)
    except IsADirectoryError:
        path = folder / f"{INDEX_NAME}_WRITELOCK"
        raise SearcherError(
            f"The index at {folder} cannot be locked: its lock file {path} is a folder",
            hint=f"Remove that folder ({path}), then try again.",
        ) from None
    if not acquired:
        pid = _read_pid(holder)
        who = f"indexer process {pid}" if pid else "another writer"
        raise IndexLockedError(f"The index at {folder} is being written by {who}")
    try:
        stale = _read_pid(holder)
        if stale is not None:
            notes.append(
                f"Cleared the lock of indexer process {stale}, which stopped without "
                "finishing; the index kept its last commit and this run completes the job."
            )
        holder.write_text(str(os.getpid()), encoding="utf-8")
        yield lock.fd
    finally:
        holder.unlink(missing_ok=True)
        lock.release()


def _read_pid(holder: Path) -> int | None:
    try:
        return int(holder.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None
