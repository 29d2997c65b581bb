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
_NO_FACETS: Mapping[str, Mapping[str, int]] = MappingProxyType({})

Span = tuple[int, int]


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
    articles. `path` is the file's absolute path. `docno` is the collection's own id for a
    record (Reuters NEWID, a JSON `id`, a TREC DOCNO) when it has one. `section` is the
    name of the folder holding the file (BBC's `sport`). `metadata` keeps format-specific
    lists such as Reuters topics or places.
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
    section: str = ""
    metadata: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True)
class Problem:
    """Something that could not be read or indexed: where, and why in one line.

    `line` is the 1-based line (or record) number inside `path` when the problem is one
    record of a file holding many; 0 when it concerns the whole file. `kind` is a stable
    category for grouping (`binary`, `empty`, `encoding`, `bad-record`, `truncated`, ...;
    see `searcher.cli.problems`); `reason` the readable detail.
    """

    path: str
    reason: str
    line: int = 0
    kind: str = ""

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
    removed: int = 0
    files_unchanged: int = 0
    notes: tuple[str, ...] = ()

    @property
    def indexed(self) -> int:
        """Articles written by the run, new or replacing an older version."""
        return self.added + self.replaced

    @property
    def changed(self) -> bool:
        """False when the run found nothing to add, replace or remove."""
        return bool(self.indexed or self.removed)


@dataclass(frozen=True)
class Progress:
    """How far an indexing run is. `phase` says what it is doing: "scanning" the files for
    changes, "reading" and analysing them, "writing" the workers' segments, "committing" a
    batch, "merging" segments. `files_done` of the `files_total` files to read are read, and
    `articles` have been analysed (counted within a file as it is read)."""

    files_done: int
    files_total: int
    articles: int
    phase: str = "reading"


@dataclass(frozen=True)
class IndexStats:
    """What an index holds. `sources` maps each source to its articles, most first (those
    without one under "(none)", as in facets); `size` is in bytes; `updated` the time of
    the last commit."""

    articles: int
    sources: Mapping[str, int]
    first_date: datetime | None
    last_date: datetime | None
    languages: tuple[str, ...]
    size: int
    segments: int
    updated: datetime | None


@dataclass(frozen=True)
class Snippet:
    """A fragment of an article with the character ranges of the matched words."""

    text: str
    spans: tuple[Span, ...] = ()


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

    `headline_spans` are the character ranges of the matches inside `headline`. `story`
    names the group of near-duplicates the article belongs to; `copies` are the group's
    other articles, which results collapsed into this one.
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
    headline_spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class SearchOptions:
    """What narrows and orders a search besides its text.

    Filters: an article passes when it matches any of the given sources (words of the
    publication's name, case-insensitive), any author, any country, any language code,
    any section and, for each metadata key given, any of its values (whole values,
    case-insensitive: `{"topics": ("crude", "ship")}`), and, when `since`/`until` are
    set, has a date in that inclusive range (articles with no date are then excluded and
    counted in `Results.undated_excluded`). `sort` is
    "relevance", "newest" or "oldest"; `recent` is a half-life in days that multiplies
    relevance by 0.5 ** (age / half-life) (undated articles by 0). `facets` names the
    counts to return over the whole match set: source, year, author, country, language,
    section, or any metadata key the index holds (topics, label, ...). `feedback` (on
    by default) reranks with words of the best articles (pseudo-relevance feedback,
    `feedback`); False ranks by BM25F alone.
    """

    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    metadata: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _EMPTY)
    since: datetime | None = None
    until: datetime | None = None
    sort: str = "relevance"
    recent: float | None = None
    facets: tuple[str, ...] = ()
    feedback: bool = True


@dataclass(frozen=True)
class Results:
    """The answer to a query: `total` matches in all, `hits` the requested page.

    `facets` maps each requested facet to {label: articles} over all matches;
    `suggestion` is a corrected query when a word looks misspelt (else None);
    `undated_excluded` counts matches dropped by a date filter for having no date;
    `emptied_by` names the filters (`SearchOptions` fields: "sources", "since", ...) that
    left none of the query's matches, when it has matches and no filtered one (each filter
    that alone leaves none, else all of them); then there is no suggestion.
    """

    query: str
    total: int
    hits: tuple[Hit, ...] = ()
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=lambda: _NO_FACETS)
    suggestion: str | None = None
    undated_excluded: int = 0
    emptied_by: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)


@dataclass(frozen=True)
class QuoteHit:
    """One quotation matching a query, with the article it comes from.

    `spans` are the character ranges of the matched words inside `text`. A speaker's quotes
    listed without query words have no spans and `score` 0.0: they are not ranked.
    """

    text: str
    speaker: str
    cue: str
    score: float
    article_id: str
    headline: str = ""
    source: str = ""
    date: datetime | None = None
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class QuoteResults:
    """The quotations matching a query (`query` None when only a `speaker` was asked for):
    `total` in all, `quotes` the requested page."""

    query: str | None
    total: int
    quotes: tuple[QuoteHit, ...] = ()
    speaker: str | None = None

    def __iter__(self) -> Iterator[QuoteHit]:
        return iter(self.quotes)

    def __len__(self) -> int:
        return len(self.quotes)


@dataclass(frozen=True)
class SpeakerCount:
    """How often someone is quoted: quotations, and articles they are quoted in."""

    name: str
    quotes: int
    articles: int


@dataclass(frozen=True)
class ArticleView:
    """A whole article for reading, with the ranges of a query's matches marked.

    `headline_spans` and `body_spans` are character ranges inside `article.headline`
    and `article.body`; `copies` are the other articles of its story (near-duplicates).
    """

    article: Article
    headline_spans: tuple[Span, ...] = ()
    body_spans: tuple[Span, ...] = ()
    copies: tuple[Copy, ...] = ()


@dataclass(frozen=True)
class Topic:
    """One test query: its id in the collection's qrels and the text to search for."""

    qid: str
    query: str


@dataclass(frozen=True)
class RunRow:
    """One ranked document of a run: `docno` is the collection's own id when the article
    has one (`Article.docno`), else the article id."""

    qid: str
    docno: str
    rank: int
    score: float


@dataclass(frozen=True)
class Evaluation:
    """Measures of a run against qrels: the mean of each measure over the judged topics,
    and each topic's values (a judged topic with no results scores 0)."""

    measures: tuple[str, ...]
    overall: Mapping[str, float]
    per_query: Mapping[str, Mapping[str, float]]
