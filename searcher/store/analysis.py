"""Text analysis: the Whoosh analyzer chains, with NLTK's Snowball stemmer.

Parts:
- `news_analyzer()`: prose fields (headline, body, quotes, captions). Unicode word tokens
  (acronyms such as "U.S." kept as one token), accents folded, curly apostrophes made
  straight, lowercased, English stop words removed, Snowball-stemmed with a cache.
- `name_analyzer()`: names and labels (source, byline, authors, speakers): the same tokens,
  folded and lowercased, neither stopped nor stemmed.
- `label_analyzer()`: codes matched whole and case-insensitively (language, country).
- `keyword_analyzer()`: one keyword a line, matched whole, folded and lowercased, its
  punctuation made spaces (the `key=value` terms of metadata: `places=west germany`).
- `stem()`: the stemming function. It is referenced by name from the analyzer pickled into
  the index, so indexes stay readable across versions. Indexing stems with NLTK, imported
  on the first call, not when an index is opened. Queries look their words up in the
  index's stem table (NLTK's own stems, `stemtable`), and stem a word the index never met
  with Snowball's own implementation of the same algorithm (snowballstemmer 2.2, about
  30 ms to import where NLTK takes 0.3 s, 1.5 s or more when scipy is installed).
- `stemming_with()`: the stem table a query consults, and `recording_words()`: where
  indexing notes the words it met (what the index's stem table must learn).

The analyzer is pickled into the index's schema and called by Whoosh (its query parser,
highlighter, key terms), which passes it no argument of ours, so what belongs to one
index or one run reaches it through a context variable: `stemming_with()` and
`recording_words()` set it for one block and reset it after. A context variable has a
value per thread (and per asyncio task), so searches in several threads, each with its
table, never see each other's, and nothing outlives the block. The alternatives were
worse: a schema copy with analyzers bound to the table for each open index would have to
reach every place that analyses text (parser, snippets, quotes, similar) and the word
list for spelling; a module global, as before, is shared by every thread. The caches
here (`lru_cache`) hold pure functions of a word, the same whichever index or thread
asked first.

Index text and query text go through the same chain, so "troops" finds "troop" and
"protesters" finds "protests".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import Protocol, cast

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    IDTokenizer,
    LowercaseFilter,
    RegexTokenizer,
)
from whoosh.analysis.acore import Token
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.support.charset import accent_map

from searcher.stopwords import STOP_WORDS

# Acronyms with dots ("U.S.", "U.K."), then short names joined by "&" ("AT&T", "S&P",
# "R&D": one word, so the stop word in "AT&T" stays), then words with inner apostrophes
# ("don't", "Kazakhstan's"), then plain word characters. \w is Unicode-aware.
TOKEN_PATTERN = r"(?:\w\.){2,}(?!\w)|\w{1,3}(?:&\w{1,3})+(?:['’]\w+)*(?!\w)|\w+(?:['’]\w+)*"


STEM_CACHE_SIZE = 200_000

_APOSTROPHES = re.compile("[’‘`]")
_PUNCTUATION = re.compile(r"[^\w=]+")


@cache
def _snowball() -> Callable[[str], str]:
    from nltk.stem.snowball import EnglishStemmer

    return EnglishStemmer().stem


class StemLookup(Protocol):
    """An index's table of stems (see `stemtable.Vocabulary`)."""

    def stem(self, word: str) -> str | None:
        """The stem of `word`, None when the index never met it."""


# The stem table of the index a query reads (None: stem with NLTK), and the words indexed
# by a run with their stems: per thread and task, set by `stemming_with()` and
# `recording_words()`.
_stem_table: ContextVar[StemLookup | None] = ContextVar("stem_table", default=None)
_recording: ContextVar[dict[str, str] | None] = ContextVar("recording", default=None)


@contextmanager
def stemming_with(table: StemLookup | None) -> Iterator[None]:
    """Within the block, in this thread (or task) only, stemming consults `table` and
    stems a word it lacks as `query_stem()` does; None stems with NLTK."""
    token = _stem_table.set(table)
    try:
        yield
    finally:
        _stem_table.reset(token)


def stem_lookup() -> StemLookup | None:
    """The stem table set by the `stemming_with()` block running, if any."""
    return _stem_table.get()


@contextmanager
def recording_words(words: dict[str, str]) -> Iterator[None]:
    """Within the block, in this thread only, the words the prose analyzer indexes (not
    those of queries) are added to `words` with their stems: what the index's stem table
    must learn."""
    token = _recording.set(words)
    try:
        yield
    finally:
        _recording.reset(token)


def stem(word: str) -> str:
    """Return the Snowball (Porter2) stem of an English word; "news" stays "news".

    Indexing asks NLTK (the most recent `STEM_CACHE_SIZE` remembered). A query looks the
    word up in the stem table of `stemming_with()`, else asks `query_stem()`.
    """
    table = _stem_table.get()
    if table is None:
        return _computed_stem(word)
    known = table.stem(word)
    return known if known is not None else query_stem(word)


@lru_cache(maxsize=STEM_CACHE_SIZE)
def _computed_stem(word: str) -> str:
    return _snowball()(word)


@lru_cache(maxsize=STEM_CACHE_SIZE)
def query_stem(word: str) -> str:
    """The stem of a query word the index never met, without importing NLTK: Snowball's
    English stemmer as its authors generate it for Python. Over the 157,637 words of the
    shared corpora it gives NLTK's stem for all but 10, where NLTK keeps a suffix that
    the algorithm removes (NLTK "realization" -> "realize", Snowball "realiz")."""
    import snowballstemmer

    return str(snowballstemmer.stemmer("english").stemWord(word))  # one a call: thread-safe


class NormalizeFilter(Filter):
    """Makes curly apostrophes straight and drops the dots of acronyms ("u.s." -> "us")."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]
        for token in tokens:
            text = _APOSTROPHES.sub("'", token.text)
            if "." in text:
                text = text.replace(".", "")
            token.text = text
            yield token


class PunctuationFilter(Filter):
    """Makes every run of characters other than letters, digits, `_` and `=` one space,
    trimmed: "dateline=washington, feb 26" -> "dateline=washington feb 26"."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]
        for token in tokens:
            token.text = " ".join(_PUNCTUATION.sub(" ", token.text).split())
            yield token


def _tokens() -> Analyzer:
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | CharsetFilter(accent_map)
        | LowercaseFilter()
        | NormalizeFilter()
    )


def news_analyzer() -> Analyzer:
    """The analyzer of prose fields: tokenise, fold, lowercase, drop stop words, stem."""
    return NewsAnalyzer()


_TOKEN = re.compile(TOKEN_PATTERN)
_ACCENTS = cast(dict[int, str], accent_map)


@lru_cache(maxsize=STEM_CACHE_SIZE)
def _normal_form(word: str) -> tuple[str, bool]:
    """A word's normal form (folded, lowercased, normalised), and whether it is a stop word."""
    normal = _APOSTROPHES.sub("'", word.translate(_ACCENTS).lower()).replace(".", "")
    return normal, not normal or normal in STOP_WORDS


@lru_cache(maxsize=STEM_CACHE_SIZE)
def _news_forms(word: str) -> tuple[str, str | None]:
    """A word's normal form and its NLTK stem, None for a stop word."""
    normal, stop = _normal_form(word)
    return normal, None if stop else _computed_stem(normal)


def _table_forms(table: StemLookup, word: str) -> tuple[str, str | None]:
    """A word's normal form and its stem from `table` (else `query_stem()`), None for a
    stop word."""
    normal, stop = _normal_form(word)
    if stop:
        return normal, None
    known = table.stem(normal)
    return normal, known if known is not None else query_stem(normal)


class _Match(Protocol):
    def group(self) -> str: ...
    def span(self) -> tuple[int, int]: ...


class _Whole:
    """The whole value as one match, for `tokenize=False`."""

    def __init__(self, value: str) -> None:
        self._value = value

    def group(self) -> str:
        return self._value

    def span(self) -> tuple[int, int]:
        return 0, len(self._value)


class NewsAnalyzer(Analyzer):
    """The prose chain in one pass, for speed: the tokens, positions and offsets of
    `RegexTokenizer(TOKEN_PATTERN) | CharsetFilter(accent_map) | LowercaseFilter() |
    NormalizeFilter() | StopFilter(STOP_WORDS, minsize=1) | StemFilter(stem)`, with every
    word's forms cached (`tests/test_analysis.py` holds the two to the same output)."""

    is_morph = True

    def __init__(self) -> None:
        # Pickled with the schema: an index whose words were split by another pattern is
        # told apart by it (`token_pattern`), since the pattern used is the current one.
        self.pattern = TOKEN_PATTERN

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    def __hash__(self) -> int:
        return hash((type(self), self.pattern))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        no_morph: bool = False,
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        matches: Iterable[_Match] = _TOKEN.finditer(value) if tokenize else [_Whole(value)]
        token.boost = 1.0  # nothing downstream changes it
        keep_original = keeporiginal or not tokenize
        pos = None  # as StopFilter renumbers: from the first kept token's position on
        indexed = _recording.get() if mode == "index" else None
        table = _stem_table.get()
        for index, match in enumerate(matches):
            word = match.group()
            normal, stemmed = _news_forms(word) if table is None else _table_forms(table, word)
            if keep_original:
                token.original = word  # type: ignore[attr-defined]
            if stemmed is None:
                if removestops:
                    continue
                token.text, token.stopped = normal, True
                if positions:
                    token.pos = start_pos + index
            else:
                if indexed is not None:
                    indexed[normal] = stemmed
                token.text, token.stopped = (normal if no_morph else stemmed), False
                if positions:
                    pos = start_pos + index if pos is None else pos + 1
                    token.pos = pos
            if chars:
                start, end = match.span()
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


def name_analyzer() -> Analyzer:
    """The analyzer of names and labels: tokenise, fold and lowercase only."""
    return _tokens()


def token_pattern(analyzer: Analyzer | None) -> str | None:
    """The pattern `analyzer` splits text into words by (None: no analyzer or no such
    pattern, or none recorded, as in the prose analyzer of older indexes): what tells
    apart an index whose words were split otherwise."""
    first = analyzer.items[0] if isinstance(analyzer, CompositeAnalyzer) else analyzer
    if isinstance(first, NewsAnalyzer):
        return getattr(first, "pattern", None)
    expression = getattr(first, "expression", None)
    return None if expression is None else str(expression.pattern)


def label_analyzer() -> Analyzer:
    """The analyzer of codes such as language and country: the whole value, lowercased."""
    return IDTokenizer() | LowercaseFilter()


def keyword_analyzer() -> Analyzer:
    """The analyzer of keyword lists: each line one keyword, accents folded, lowercased,
    punctuation made spaces."""
    return (
        RegexTokenizer(r"[^\n]+")
        | CharsetFilter(accent_map)
        | LowercaseFilter()
        | PunctuationFilter()
    )


def fold(text: str) -> str:
    """`text` with accents folded and lowercased, as the analyzers fold their tokens."""
    return text.translate(_ACCENTS).lower()
