"""The errors searcher raises on purpose.

Each says in one line what went wrong and carries what a front end needs to say more: the
folder, file, article id or choices involved as attributes, and a `hint` in words that fit any
front end. No hint names a command or a flag: the command line adds those (`searcher.cli`).
"""

from __future__ import annotations

import signal


class SearcherError(Exception):
    """Base class: `str(error)` is one line saying what happened; `hint` the next step, if
    there is one to give."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint


class IndexMissingError(SearcherError):
    """No index in `folder`, or an index with no articles in it."""

    hint = "Index some articles there first."

    def __init__(self, folder: str, message: str = "") -> None:
        super().__init__(message or f"No index at {folder}")
        self.folder = folder


class IndexOutdatedError(SearcherError):
    """An index in `folder` written by an older version: `reason` says what differs."""

    hint = "Rebuild it from its articles."

    def __init__(self, folder: str, reason: str) -> None:
        super().__init__(f"The index at {folder} was built by an older version ({reason})")
        self.folder = folder
        self.reason = reason


class IndexLockedError(SearcherError):
    """Another process is writing to the index."""

    hint = "Wait for the other indexer to finish, then try again."


class IndexDamagedError(SearcherError):
    """A file of the index cannot be read: `file` names it inside `folder`, `reason` says
    what is wrong with it. Rebuilding the index from its articles repairs it."""

    def __init__(self, folder: str, file: str, reason: str) -> None:
        super().__init__(f"The index at {folder} is damaged: {file} {reason}")
        self.folder = folder
        self.file = file
        self.reason = reason


class NotAnIndexError(SearcherError):
    """A folder (or file) given as the index that is not searcher's index and is left
    untouched: `reason` says what it holds."""

    def __init__(self, folder: str, reason: str) -> None:
        super().__init__(f"{folder} is not a searcher index: {reason}")
        self.folder = folder
        self.reason = reason


class DiskFullError(SearcherError):
    """Writing the index ran out of disk space; the index keeps its last commit."""

    def __init__(self, folder: str) -> None:
        super().__init__(
            f"The disk is full: no space left to write the index at {folder}"
            " (it keeps its last commit)"
        )
        self.folder = folder


class WorkerLostError(SearcherError):
    """An indexing worker process ended in the middle of a run (killed by the kernel when
    memory ran out, or by a user): the run stops, and the index in `folder` keeps its last
    commit. `exit_code` is the process's: negative, the number of the signal that ended it."""

    hint = "If memory ran out, index with fewer workers: indexing goes on from the last commit."

    def __init__(self, folder: str, exit_code: int) -> None:
        super().__init__(
            f"An indexing worker process ended in the middle of the run ({_ending(exit_code)}):"
            f" the index at {folder} keeps its last commit"
        )
        self.folder = folder
        self.exit_code = exit_code


def _ending(exit_code: int) -> str:
    """How a process with `exit_code` ended, in words: "killed by SIGKILL", "exit code 1"."""
    if exit_code >= 0:
        return f"exit code {exit_code}"
    try:
        return f"killed by {signal.Signals(-exit_code).name}"
    except ValueError:
        return f"killed by signal {-exit_code}"


class IndexReadOnlyError(SearcherError):
    """The index cannot be written (a read-only mount or folder); it can still be searched."""

    def __init__(self, folder: str, reason: str) -> None:
        super().__init__(f"The index at {folder} cannot be written: {reason}")
        self.folder = folder
        self.reason = reason


class QuerySyntaxError(SearcherError):
    """A query that cannot be parsed; `position` is the 0-based offset of the problem."""

    hint = 'Balance quotes and brackets, or put a phrase in double quotes: "oil prices".'

    def __init__(self, message: str, position: int, hint: str = "") -> None:
        super().__init__(f"{message} at position {position + 1}", hint)
        self.message = message
        self.position = position


class BadInputError(SearcherError):
    """A file or path that cannot be read as articles, topics or judgments."""


class FilterError(SearcherError):
    """A filter, sort or facet that cannot be understood, such as a malformed date;
    `choices`, when given, are the values it could have been."""

    def __init__(self, message: str, hint: str = "", choices: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint or (f"Choose from {', '.join(choices)}." if choices else ""))
        self.choices = choices


class ArticleNotFoundError(SearcherError):
    """No article (or no single article) with the id or path `wanted` in the index."""

    def __init__(self, wanted: str, message: str = "") -> None:
        super().__init__(message or f"No article with id or path {wanted!r}")
        self.wanted = wanted


class MissingDependencyError(SearcherError):
    """An optional dependency is not installed: `package`, from searcher's `extra`."""

    def __init__(self, message: str, package: str, extra: str) -> None:
        super().__init__(
            message, f"Install it with: pip install {package}  (searcher's {extra} extra)"
        )
        self.package = package
        self.extra = extra


class ShardUnavailableError(SearcherError):
    """Shard number `shard` (in `folder`) of a sharded index could not answer: the worker
    `worker` serving it (and every replica) was lost, or the scheduler at `scheduler` could
    not be reached. No partial result is given."""

    hint = "Start the workers again, or search with replicas of every shard."

    def __init__(self, folder: str, shard: int | None, worker: str, scheduler: str) -> None:
        where = f"shard {shard} of {folder}" if shard is not None else folder
        super().__init__(f"Lost {where}: worker {worker or '?'} of {scheduler} is gone")
        self.folder = folder
        self.shard = shard
        self.worker = worker
        self.scheduler = scheduler


class ShardsOnWorkersError(SearcherError):
    """The shards of the sharded index in `folder` live on the disks of its cluster's
    workers: only through that cluster can they be written or searched."""

    hint = "Give the address of the scheduler of the workers that hold them."

    def __init__(self, folder: str) -> None:
        super().__init__(f"The shards of {folder} live on its workers' disks, not on this one")
        self.folder = folder
