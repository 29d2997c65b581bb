"""The errors searcher raises on purpose. Each carries one line for the user and a hint."""

from __future__ import annotations


class SearcherError(Exception):
    """Base class: `str(error)` is one line saying what happened; `hint` the next step."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        if hint:
            self.hint = hint


class IndexMissingError(SearcherError):
    """No index at the given place, or an index with no articles in it."""

    hint = "Build one first with: search index PATH [--index DIR]"


class IndexOutdatedError(SearcherError):
    """An index written by an older version, without fields this version needs."""

    hint = "Rebuild it: search index PATH --rebuild [--index DIR]"


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
    """A file or path that cannot be read as articles."""

    hint = "Check the path, or choose the reader with --format."


class FilterError(SearcherError):
    """A filter value that cannot be understood, such as a malformed date."""

    hint = "Dates are ISO (2022-01-31, 2022-01, 2022) or relative to now (7d, 2w, 3m, 1y)."


class ArticleNotFoundError(SearcherError):
    """No article with the given id in the index."""

    hint = "Article ids are shown under each result of: search query TEXT"


class MissingDependencyError(SearcherError):
    """An optional dependency a command needs is not installed."""

    hint = "Install it with: pip install ir-measures  (searcher's eval extra)"
