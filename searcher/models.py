"""Plain data passed between the stages of searcher.

Every stage speaks in these frozen dataclasses: readers yield `Article`, the quote extractor
fills `Article.quotes`, the search returns `Results` of `Hit` with `Snippet`. Nothing here
depends on Whoosh, so callers can keep results after the index is closed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

_EMPTY: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@dataclass(frozen=True)
class Quote:
    """A direct quotation: its words, who said them and how (`said`, `told`, ...).

    `start`/`end` are character offsets of the quoted words inside `Article.body`.
    `speaker` and `cue` are empty when no attribution was found.
    """

    text: str
    speaker: str = ""
    cue: str = ""
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Article:
    """One news article as every reader yields it. Missing fields stay empty.

    `id` is unique across the index and stable across runs: the indexed folder's name plus
    the path below it, plus `#<n>` or the collection's own id for files holding many
    articles. `docno` is the collection's own id for a record (Reuters NEWID, a JSON `id`,
    a TREC DOCNO) when it has one. `metadata` keeps format-specific lists such as
    Reuters topics or places.
    """

    id: str
    path: str = ""
    source: str = ""
    headline: str = ""
    byline: str = ""
    authors: tuple[str, ...] = ()
    date: datetime | None = None
    body: str = ""
    captions: tuple[str, ...] = ()
    url: str = ""
    language: str = ""
    country: str = ""
    quotes: tuple[Quote, ...] = ()
    docno: str = ""
    metadata: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class Problem:
    """Something that could not be read or indexed: where, and why in one line.

    `line` is the 1-based line (or record) number inside `path` when the problem is one
    record of a file holding many; 0 when it concerns the whole file.
    """

    path: str
    reason: str
    line: int = 0

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class IndexReport:
    """What one `Index.add` run did."""

    added: int = 0
    replaced: int = 0
    problems: tuple[Problem, ...] = ()
    files_seen: int = 0

    @property
    def indexed(self) -> int:
        """Articles written by the run, new or replacing an older version."""
        return self.added + self.replaced


@dataclass(frozen=True)
class Snippet:
    """A fragment of an article with the character ranges of the matched words."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Copy:
    """One article of a story (a group of near-duplicates), as results list it."""

    id: str
    source: str = ""
    headline: str = ""


@dataclass(frozen=True)
class Story:
    """A group of near-duplicate articles; `id` is the article that started it."""

    id: str
    copies: tuple[Copy, ...]

    @property
    def size(self) -> int:
        return len(self.copies)


@dataclass(frozen=True)
class Hit:
    """One ranked result, copied out of the index.

    `story` names the group of near-duplicates the article belongs to; `copies` are the
    group's other articles, which results collapsed into this one.
    """

    rank: int
    id: str
    score: float
    headline: str = ""
    source: str = ""
    byline: str = ""
    date: datetime | None = None
    path: str = ""
    snippets: tuple[Snippet, ...] = ()
    story: str = ""
    copies: tuple[Copy, ...] = ()


@dataclass(frozen=True)
class Results:
    """The answer to a query: `total` matching articles in all, `hits` the requested page
    (one hit per story unless all copies were asked for)."""

    query: str
    total: int
    hits: tuple[Hit, ...] = ()

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)
