"""Text analysis: the Whoosh analyzer chains, with NLTK's Snowball stemmer.

Parts:
- `news_analyzer()`: prose fields (headline, body, quotes, captions). Unicode word tokens
  (acronyms such as "U.S." kept as one token), accents folded, curly apostrophes made
  straight, lowercased, English stop words removed, Snowball-stemmed with a cache.
- `name_analyzer()`: names and labels (source, byline, authors, speakers): the same tokens,
  folded and lowercased, neither stopped nor stemmed.
- `label_analyzer()`: codes matched whole and case-insensitively (language, country).
- `word_list()`: the distinct unstemmed words of an article in one fast pass, for the
  word list behind fuzzy terms, wildcards and suggestions (`spelling.py`).
- `stem()`: the stemming function. It is referenced by name from the analyzer pickled into
  the index, so indexes stay readable across versions; NLTK is imported on the first call,
  not when an index is opened.

Index text and query text go through the same chain, so "troops" finds "troop" and
"protesters" finds "protests".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import cast

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    IDTokenizer,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.acore import Token
from whoosh.support.charset import accent_map

# Acronyms with dots ("U.S.", "U.K."), then words with inner apostrophes ("don't",
# "Kazakhstan's"), then plain word characters. \w is Unicode-aware.
TOKEN_PATTERN = r"(?:\w\.){2,}(?!\w)|\w+(?:['’]\w+)*"

# A general English stop list for news. "us" is absent on purpose: it is also "U.S.".
_STOP_LIST = """
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself no nor not of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_LIST.split())

STEM_CACHE_SIZE = 200_000

_APOSTROPHES = re.compile("[’‘`]")


@cache
def _snowball() -> Callable[[str], str]:
    from nltk.stem.snowball import EnglishStemmer

    return EnglishStemmer().stem


def stem(word: str) -> str:
    """Return the Snowball (Porter2) stem of an English word; "news" stays "news"."""
    return _snowball()(word)


class NormalizeFilter(Filter):
    """Makes curly apostrophes straight and drops the dots of acronyms ("u.s." -> "us")."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]
        for token in tokens:
            text = _APOSTROPHES.sub("'", token.text)
            if "." in text:
                text = text.replace(".", "")
            token.text = text
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
    return (
        _tokens()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(stemfn=stem, cachesize=STEM_CACHE_SIZE)
    )


def name_analyzer() -> Analyzer:
    """The analyzer of names and labels: tokenise, fold and lowercase only."""
    return _tokens()


def label_analyzer() -> Analyzer:
    """The analyzer of codes such as language and country: the whole value, lowercased."""
    return IDTokenizer() | LowercaseFilter()


_TOKEN = re.compile(TOKEN_PATTERN)
_ACCENTS = cast(dict[int, str], accent_map)


def fold(text: str) -> str:
    """`text` with accents folded and lowercased, as the analyzers fold their tokens."""
    return text.translate(_ACCENTS).lower()


def word_list(*texts: str) -> str:
    """The distinct unstemmed words of `texts`, folded and lowercased as the analyzers
    do, stop words left out, space-separated (one fast pass, for the word list)."""
    words = set()
    for text in texts:
        folded = _APOSTROPHES.sub("'", fold(text))
        words.update(_TOKEN.findall(folded))
    return " ".join(word.replace(".", "") for word in words - STOP_WORDS)
