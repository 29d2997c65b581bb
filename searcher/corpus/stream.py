"""`Corpus`: the lazy stream of articles read from the paths a user gives.

Nothing is read until iteration: each file is found, read, decoded and parsed as the
previous one's articles are consumed, so memory holds one file at a time. Whatever cannot
be read becomes a `Problem` in `Corpus.problems` and the stream goes on.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from searcher.corpus.base import Reader, ReadError, Source
from searcher.corpus.decode import load_text
from searcher.corpus.registry import choose_reader, get_reader, is_claimed
from searcher.corpus.walk import FileRef, Root, make_roots, walk
from searcher.errors import BadInputError
from searcher.models import Article, Problem


class Corpus:
    """An iterable of `Article` over files and folders, read lazily, one file at a time.

    While iterating, `problems` collects what was skipped and why, and `files_seen` counts
    the files (and unlistable folders) read or reported. Both restart with each iteration.
    """

    def __init__(self, roots: list[Root], reader: Reader | None = None) -> None:
        self._roots = roots
        self._reader = reader
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
            yield from walk(root, is_claimed)

    def read_file(self, ref: FileRef) -> Iterator[Article | Problem]:
        """The articles of one file, and problems with its records or with the whole file.

        The seam for callers that choose which files to read (incremental indexing) or
        read them elsewhere (worker processes): `FileRef` and the results are picklable.
        """
        try:
            content = load_text(ref.path)
            reader = self._reader or choose_reader(ref.path, content)
            yield from reader.read(Source(str(ref.path), ref.id, content))
        except ReadError as error:
            yield Problem(str(ref.path), str(error))


def read_corpus(*paths: str | os.PathLike[str], format: str | None = None) -> Corpus:
    """The articles in `paths` (files or folders), read as `format` or as each file looks.

    Raises `BadInputError` at once for a path that does not exist or an unknown format.
    """
    if not paths:
        raise BadInputError("no file or folder given")
    reader = get_reader(format) if format is not None else None
    return Corpus(make_roots(paths), reader)
