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
- `stemming_with()`: the stem table a query consults.
- `analysed_words()`: the terms of a text, as the prose analyzer gives them, in order.
- `ProseTerms`: the prose analysis of indexing, a whole field value at a time: the terms
  of a text with their positions (and characters), as `NewsAnalyzer` gives them, each
  word's stem looked up once in a cache of its own, the body read once for its terms and
  its lead's (`analysed(body, end)`), the words of quotes taken from their body's where
  they stand clear of other words, and the words met (what the index's stem table must
  learn).

The analyzer is pickled into the index's schema and called by Whoosh (its query parser,
highlighter, key terms), which passes it no argument of ours, so the stem table of one
index reaches it through a context variable: `stemming_with()` sets it for one block and
resets it after. A context variable has a
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
import sys
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, cached_property, lru_cache
from itertools import accumulate, compress, islice
from operator import itemgetter
from typing import NamedTuple, Protocol, cast

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
# Words (as written) a worker's analysis remembers (`ProseTerms`): more than the shared
# corpora hold (257,000 at x1, and x4's copies the same), so that a worker's cache is not
# emptied and filled again word by word, over and over, once it has met them all (some
# 25 MB a worker at x1).
PROSE_CACHE_WORDS = 400_000

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


# The stem table of the index a query reads (None: stem with NLTK): per thread and task,
# set by `stemming_with()`.
_stem_table: ContextVar[StemLookup | None] = ContextVar("stem_table", default=None)


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


# TOKEN_PATTERN's words, found faster where Python has possessive quantifiers (3.11): a
# word with neither "." nor "&" among its first four characters can be no acronym nor
# name joined by "&", and is taken at once instead of being tried as those first; and
# every branch's first word character is taken out in front, so that the search skips
# what lies between words a character at a time without trying a branch there. The
# same words, split the same (`tests/test_analysis.py`); TOKEN_PATTERN stays what an
# index records.
_FAST_TOKEN_PATTERN = (
    r"\w(?:(?=\w{0,2}+[.&])(?:\.(?:\w\.)+(?!\w)|\w{0,2}(?:&\w{1,3})+(?:['’]\w+)*(?!\w))"
    r"|\w*+(?:['’]\w+)*)"
)
_WORD_PATTERN = _FAST_TOKEN_PATTERN if sys.version_info >= (3, 11) else TOKEN_PATTERN
_TOKEN = re.compile(_WORD_PATTERN)
_ACCENTS = cast(dict[int, str], accent_map)


def _normal(word: str) -> tuple[str, bool]:
    """A word's normal form (folded, lowercased, normalised), and whether it is a stop word."""
    normal = _APOSTROPHES.sub("'", word.translate(_ACCENTS).lower()).replace(".", "")
    return normal, not normal or normal in STOP_WORDS


_normal_form = lru_cache(maxsize=STEM_CACHE_SIZE)(_normal)


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


def analysed_words(text: str, end: int | None = None) -> list[str]:
    """The terms `NewsAnalyzer` gives for `text[:end]` (stop words dropped), in order,
    with the stems of `stemming_with()`'s table if any: the same words without a token
    each."""
    table = _stem_table.get()
    words = _TOKEN.findall(text, 0, len(text) if end is None else end)
    if table is None:
        stems = [_news_forms(word)[1] for word in words]
    else:
        stems = [_table_forms(table, word)[1] for word in words]
    return [stem for stem in stems if stem is not None]


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
                token.text, token.stopped = (normal if no_morph else stemmed), False
                if positions:
                    pos = start_pos + index if pos is None else pos + 1
                    token.pos = pos
            if chars:
                start, end = match.span()
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class Occurrences(NamedTuple):
    """A prose text's terms in order (the words kept, as stems), one an occurrence: the
    first one's position (the others' follow on, one each), and with characters where
    each starts and how many characters it has (what Whoosh's `Characters` format encodes
    of it), else None. Its terms' number is the field's length."""

    terms: list[str]
    first: int
    starts: list[int] | None
    sizes: list[int] | None


# A text split into what lies between words and the words, in turn (one list, the text's
# first and last parts not words): where the words stand, from lengths alone, without a
# match object a word (which costs more than the match).
_WORDS_BETWEEN = re.compile(f"({_WORD_PATTERN})")
# A character a word may hold (before a passage), and what goes on with a word of
# `TOKEN_PATTERN` past a passage's end: a word character, a joiner before one, or the dot
# of an acronym ("U.S" + "."). A passage without either splits into the words the text
# around it has there.
_WORD_PART = re.compile(r"[\w.&'’]")
_GOES_ON = re.compile(r"\w|[.&'’]\w|(?<=\.\w)\.")


class ProseTerms:
    """The prose analysis of indexing, a whole field value at a time: the tokens
    `NewsAnalyzer` gives in mode "index" (stop words dropped), in order. A text's
    words are looked up in one `map` over a cache of this object's, which stems a word
    it lacks as it is missed (`PROSE_CACHE_WORDS` at most, and the one cache of a word's
    forms that indexing fills: a worker's memory);
    `words()` gives the words first met since the last call, for the index's stem table.
    Given `word_hashes`, the cache keeps each word's (the hashes a story signature takes
    of it) beside its stem, and `hashes()` gives those of a text read, from the same
    reading as its terms. `tests/test_analysis.py` holds the two to the same output."""

    def __init__(self, word_hashes: Callable[[str], bytes] | None = None) -> None:
        self._stems = _WordStems(word_hashes)
        self._source: _Reading | None = None  # the last text read with characters
        # The last text read whole for its terms in order (a headline): the text, its
        # words' stems, their forms in the cache (stems and hashes).
        self._last: tuple[str, list[str | bool], list[_Forms]] | None = None

    def terms(self, text: str, chars: bool = False) -> Occurrences:
        """The terms of `text` in order, with where they stand (`Occurrences`). Without
        characters, the passages of a text that the last one read with characters holds
        (quotes of a body) take their words from that one's."""
        if chars:
            reading = self._read(text)
            stems, kept = reading.stems, reading.kept
        else:
            if self._last is not None and self._last[0] is text:
                stems = self._last[1]
            else:  # no word spans a blank line: each passage's words are its own
                stems = []
                for passage in text.split("\n\n"):
                    stems += self._passage_stems(passage)
            kept = list(filter(None, stems))  # type: ignore[arg-type]
        if not kept:
            return Occurrences([], 0, [] if chars else None, [] if chars else None)
        first = stems.index(kept[0])  # positions run on from the first kept word's
        if not chars:
            return Occurrences(kept, first, None, None)
        sizes = list(map(len, compress(reading.words, stems)))
        return Occurrences(kept, first, reading.kept_starts, sizes)

    def analysed(self, text: str, end: int | None = None) -> list[str]:
        """The terms of `text[:end]` in order, as `analysed_words()` gives them at indexing.
        Given `end`, they come from the analysis of the whole `text` with characters, which
        `terms(text, chars=True)` then takes over (a body and its lead): the words before
        the last space or line break ahead of `end` are the whole text's there (no word
        goes on past a space, nor does the reading of one), the few after it are read again.
        Without, `terms(text)` takes over the analysis of `text` (a headline)."""
        if end is None:
            forms = list(map(self._stems.__getitem__, _TOKEN.findall(text)))
            stems: list[str | bool] = list(map(_STEM, forms))
            self._last = (text, stems, forms)
            return list(filter(None, stems))  # type: ignore[arg-type]
        reading = self._read(text)
        if end >= len(text):
            return reading.kept[:]
        cut = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end), 0)
        before = bisect_left(reading.kept_starts, cut)  # the terms started before it
        after = filter(None, self._stems_of(_TOKEN.findall(text, cut, end)))
        return reading.kept[:before] + list(after)  # type: ignore[arg-type]

    def _read(self, text: str) -> _Reading:
        """The reading of `text` with characters: kept as the last one, or that one when it
        is of `text`."""
        if self._source is None or self._source.text is not text:
            parts = _WORDS_BETWEEN.split(text)
            forms = list(map(self._stems.__getitem__, parts[1::2]))
            hashes = b"".join(map(_HASHES, forms))  # while the forms are at hand
            self._source = _Reading(text, parts, list(map(_STEM, forms)), hashes)
        return self._source

    def _stems_of(self, words: list[str]) -> list[str | bool]:
        """The stems of `words` (False for a stop word), new words stemmed as met."""
        return list(map(_STEM, map(self._stems.__getitem__, words)))

    def hashes(self, text: str) -> bytes | None:
        """The hashes of the words of `text` (the constructor's `word_hashes` of each), one
        after the other, when it is the last text read with characters (a body) or whole
        for its terms (a headline): None for another."""
        if self._source is not None and self._source.text is text:
            return self._source.hashes
        if self._last is not None and self._last[0] is text:
            return b"".join(map(_HASHES, self._last[2]))
        return None

    def _passage_stems(self, passage: str) -> list[str | bool]:
        """The stems of the words of `passage`: those the last text read with characters
        has, when the passage stands in it where no word goes on past its ends (so its
        words are those the text has there)."""
        if self._source is not None:
            source = self._source.text
            begin = source.find(passage)
            end = begin + len(passage)
            starts_clear = not begin or not _WORD_PART.match(source, begin - 1)
            if begin >= 0 and starts_clear and not _GOES_ON.match(source, end):
                starts = self._source.starts
                return self._source.stems[bisect_left(starts, begin) : bisect_left(starts, end)]
        return self._stems_of(_TOKEN.findall(passage))

    def words(self) -> dict[str, str]:
        """The words first met since the last call (their normal forms, stop words left
        out), with their stems: what the index's stem table must learn. A word met before
        the last call was given then (or again, once the cache had to let it go)."""
        found, self._stems.new = self._stems.new, {}
        return found


class _Reading:
    """A text read with characters: its words (split from what lies between them, `parts`,
    in turn), their stems (False for a stop word) and hashes (`ProseTerms.hashes`), and
    what is worked out from them when first asked for."""

    def __init__(self, text: str, parts: list[str], stems: list[str | bool], hashes: bytes) -> None:
        self.text, self.parts, self.words, self.stems = text, parts, parts[1::2], stems
        self.hashes = hashes

    @cached_property
    def kept(self) -> list[str]:
        """The stems of the words kept (not stop words), in order."""
        return list(filter(None, self.stems))  # type: ignore[arg-type]

    @cached_property
    def kept_starts(self) -> list[int]:
        """Where the words kept start."""
        ends = accumulate(map(len, self.parts))  # of each part: a word starts at the ends
        return list(compress(islice(ends, 0, None, 2), self.stems))  # of what lies before

    @cached_property
    def starts(self) -> list[int]:
        """Where the words start."""
        return list(islice(accumulate(map(len, self.parts)), 0, len(self.parts) - 1, 2))


# A word's forms in the cache of `ProseTerms`: its stem (False for a stop word), its hashes.
_Forms = tuple["str | bool", bytes]


class _WordStems(dict[str, _Forms]):
    """Words as written -> their stems (False for a stop word) and hashes (`word_hashes`'s,
    empty without), `PROSE_CACHE_WORDS` at most: a word missing is stemmed when looked up
    (within a `map` of a text's words, in C for every word met before), and its normal
    form noted in `new` with its stem."""

    def __init__(self, word_hashes: Callable[[str], bytes] | None) -> None:
        super().__init__()
        self.new: dict[str, str] = {}  # normal forms new to the cache -> their stems
        self._normal_stems: dict[str, str] = {}  # of the words' normal forms ("Troops")
        self._word_hashes = word_hashes

    def __missing__(self, word: str) -> _Forms:
        if len(self) >= PROSE_CACHE_WORDS:
            self.clear()
            self._normal_stems.clear()
        normal, stop = _normal(word)
        stemmed: str | bool = False
        if not stop:
            stemmed = self._normal_stems.get(normal) or _indexing_stem(normal)
            self.new[normal] = self._normal_stems[normal] = stemmed
        forms = stemmed, b"" if self._word_hashes is None else self._word_hashes(word)
        self[word] = forms
        return forms


_STEM, _HASHES = itemgetter(0), itemgetter(1)  # of a word's forms


# The last characters of the endings NLTK's English stemmer takes off or replaces (the
# suffixes of its steps, its special words, and the "y" it makes "i"): a word that ends
# with another character (a digit, "a", "o", "h", "k"...) is its own stem
# (`tests/test_analysis.py` derives them from NLTK).
_STEMMED_LAST = frozenset("'cdegilmnrsty")


def _indexing_stem(normal: str) -> str:
    """NLTK's stem of a word's normal form (not a stop word), without asking NLTK for a
    word that is its own stem (two in five of the corpora's): none of its steps applies
    to a word that ends otherwise than `_STEMMED_LAST`, and NLTK gives it back as it is
    (lowercased, its apostrophes straight: as a normal form already is)."""
    return _snowball()(normal) if normal[-1] in _STEMMED_LAST else normal


def name_analyzer() -> Analyzer:
    """The analyzer of names and labels: tokenise, fold and lowercase only."""
    return _tokens()


def name_words(text: str) -> list[str]:
    """The terms `name_analyzer()` gives for `text`, in order, without a token each."""
    return [_normal(word)[0] for word in _TOKEN.findall(text)]


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


def keyword_terms(text: str) -> list[str]:
    """The terms `keyword_analyzer()` gives for `text`, in order, without a token each."""
    return [" ".join(_PUNCTUATION.sub(" ", fold(line)).split()) for line in _LINES.findall(text)]


_LINES = re.compile(r"[^\n]+")  # the keywords of a keyword list


def fold(text: str) -> str:
    """`text` with accents folded and lowercased, as the analyzers fold their tokens."""
    return text.translate(_ACCENTS).lower()
