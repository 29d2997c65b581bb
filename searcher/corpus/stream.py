"""`Corpus`: the lazy stream of articles read from the paths a user gives.

Nothing is read until iteration: each file is found, opened, decoded and parsed as the
previous one's articles are consumed, and files holding many records are read record by
record, so memory stays bounded. Whatever cannot be read becomes a `Problem` in
`Corpus.problems` and the stream goes on; a file that yields nothing is reported too.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

from searcher.corpus.base import Reader, ReadError, Source
from searcher.corpus.decode import open_text
from searcher.corpus.records import check_fields
from searcher.corpus.registry import choose_reader, get_reader, is_claimed
from searcher.corpus.walk import FileRef, Root, make_roots, walk
from searcher.errors import BadInputError
from searcher.models import Article, Problem


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
        claimed = _any_file if self._reader else is_claimed
        for root in self._roots:
            yield from walk(root, claimed)

    def read_file(self, ref: FileRef) -> Iterator[Article | Problem]:
        """The articles of one file, and problems with its records or with the whole file.

        The seam for callers that choose which files to read (incremental indexing) or
        read them elsewhere (worker processes): `FileRef` and the results are picklable.
        """
        path = str(ref.path)
        found = False
        try:
            with open_text(ref.path) as (stream, head):
                reader = self._reader or choose_reader(ref.path, head)
                for record in reader.read(Source(path, ref.id, stream, head, self._fields)):
                    found = True
                    yield record if isinstance(record, Problem) else self._completed(record, ref)
        except ReadError as error:
            yield Problem(path, str(error), kind=error.kind)
        except (OSError, EOFError, zlib.error) as error:  # also gzip data cut off or corrupt
            yield Problem(path, f"cannot read file: {error}", kind="unreadable")
        else:
            if not found:
                yield Problem(path, f"no articles found as {reader.name}", kind="no-articles")

    def _completed(self, article: Article, ref: FileRef) -> Article:
        """`article` with its section, and a source when it names none."""
        source = article.source or self._source or ref.source
        return replace(article, section=ref.path.parent.name, source=source)


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


def _any_file(path: Path) -> bool:
    return True
