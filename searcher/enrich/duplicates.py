"""What an article's text gives for finding its copies: a MinHash signature and its facts.

Parts:
- `signature()`: the article's text as word 3-shingles, summarised by a MinHash of
  `NUM_HASHES` 32-bit values. A shingle's hash is the XOR of its words' hashes for their
  places (tabulation hashing), computed over whole arrays rather than word by word. It uses
  one-permutation hashing with densification by rotation (Shrivastava & Li, ICML 2014):
  each shingle is hashed once and falls into one of the bins, which keep their minimum, and
  empty bins borrow from their right-hand neighbour. Two signatures agree in a position
  with probability equal to the Jaccard similarity of the shingle sets. The shingles and
  bins are numpy arrays over all the texts of a batch (`signatures()`), so a text costs no
  sort and few calls: numpy, not a MinHash library (which would bring scipy, and with
  scipy installed `import nltk` takes 0.9 s instead of 0.2 s), imported by `signatures()`
  and by `copy_of()` when it counts agreeing positions (the story store of an indexing
  run: x1's 31,000 calls 0.75 CPU-s faster than with Python's integers), never by a query.
- `similarity()`: the estimated Jaccard similarity of two signatures; copies reach
  `THRESHOLD` (`copy_of()` is the whole rule the story store applies: which of an
  article's candidates, if any, it is a copy of).
- `facts()`: what tells formulaic wire notices apart, which share most of their words
  but not their facts: the article's names (capitalised words that do not start a
  sentence; every word of a headline in capitals), figures (numbers, also spelt out: "six
  cts"; "16-1/2" is "16.5"), dates ("March 20"), company codes ("<HDL>") and day of
  publication. `facts_agree()` holds two articles to be copies only when they were
  published within `STORY_DAYS` of each other and most of the names of the one with
  fewer names are the other's too, and so for figures, dates and codes: a copy cut short
  or with words changed keeps its original's facts, while the dividend notices of 33
  companies ("Qtly div 20 cts vs 20 cts prior, Pay April 10, Record March 20") differ in
  the company, the amount or the dates, and a livestock report of another day in its
  figures. Each fact is a 32-bit value whose three lowest bits tell its kind.
- `story_fields()`: what the story store (`searcher.store.stories`) keeps of an article;
  `story_fields_of()` of several at once (`signatures()`: the words of all hashed in one
  pass, the cache of word hashes met while still in the CPU's caches); `WordHashes`, the
  words' hashes remembered (one a worker, passed in: no state of the module's).
"""

from __future__ import annotations

import re
import string
from array import array
from collections.abc import Sequence
from datetime import datetime
from hashlib import blake2b
from itertools import chain, compress, groupby, repeat
from operator import and_, itemgetter, not_, or_
from zlib import crc32

from searcher.models import Article
from searcher.stopwords import STOP_WORDS

SHINGLE_WORDS = 3
NUM_HASHES = 128
THRESHOLD = 0.3  # measured: bench/DEDUP.md
# Copies agree in their facts (measured: bench/DEDUP.md): of the names, the figures, the
# dates and the company codes of the article with fewer, at least these shares are the
# other's too,
NAMES_AGREE, FIGURES_AGREE, DATES_AGREE, CODES_AGREE = 0.7, 0.75, 0.75, 0.5
STORY_DAYS = 3  # and they were published at most this many days apart.

_BIN_BITS = 7  # NUM_HASHES == 1 << _BIN_BITS
_VALUE_BITS = 25  # a bin keeps 25 bits of a 32-bit shingle hash; a rotation adds 7 more
# 32-bit words whose lowest 7 or 25 bits are set (enough for the three hashes of a word)
_VALUE_MASK = (1 << _VALUE_BITS) - 1
# a 32-bit word of the lowest bits of a hash: its bin's, its value's
_LANE_BINS, _LANE_VALUES = (NUM_HASHES - 1).to_bytes(4, "little"), _VALUE_MASK.to_bytes(4, "little")
_VALUE_MASKS = int.from_bytes(_LANE_VALUES * NUM_HASHES, "little")
_WORD = re.compile(r"\w+")
# In ASCII text the word characters are these: as bytes, the others become spaces and
# capitals small letters in one `bytes.translate`, and the words are what `bytes.split`
# leaves (twice as fast as `_WORD.findall` on the lowered text).
_ASCII_WORD_CHARS = frozenset((string.ascii_letters + string.digits + "_").encode())
_ASCII_LOWER_WORDS = bytes(
    ord(chr(byte).lower()) if byte in _ASCII_WORD_CHARS else 0x20 for byte in range(256)
)
# Acronyms ("U.S.") before words, figures ("7-1/2", "300,000", "3RD"), sentence ends, then
# words starting "_". A token starts with a word character or a sentence end: the look-ahead
# passes over the text between tokens without trying each alternative at every character.
_AFTER_LETTER = r"(?:\.(?:[^\W\d_]\.)+(?!\w)|\w*+(?:['’]\w+)*+)"
_TOKEN = rf"[^\W\d_]{_AFTER_LETTER}|\d(?:[\d,.:/-]*\d)?\w*|[.!?\n]|\w+(?:['’]\w+)*"
_FRACTION = re.compile(r"(?:(\d+)-)?(\d+)/(2|4|8|16|32|64)")
# A company's stock symbol or name as wires mark it ("<HDL>", "<UBTC.O>", "<Qintex Ltd>").
_MARKED_CODE = re.compile(r"<([^<>\n]{1,40})>")
_EXCHANGE = re.compile(r"\.[A-Z]{1,2}$")
_NUMBER_LIST = """zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen twenty"""
_NUMBER_WORDS = {word: str(number) for number, word in enumerate(_NUMBER_LIST.split())}
_MONTH_LIST = (
    "january february march april may june july august september october november december"
)
_MONTHS = {name: full[:3] for full in _MONTH_LIST.split() for name in (full, full[:3])}
_MONTHS["sept"] = "sep"
_DAYS = frozenset(str(day) for day in range(1, 32))
# `_TOKEN`s, where a run of words in small ASCII letters that are no number words (most
# words: they tell no fact), with the text between them, is one match without a group:
# "" in `findall`, and the rest of the tokens are the group, as `_TOKEN` finds them.
_NUMBER_WORD = "|".join(  # one alternative a first letter: "t(?:hirteen|welve|...)"
    f"{first}(?:{'|'.join(word[1:] for word in words)})"
    for first, words in groupby(sorted(_NUMBER_WORDS), key=itemgetter(0))
)
_SMALL_WORDS = rf"(?:(?!(?:{_NUMBER_WORD})(?!\w|['’]\w))[a-z]{_AFTER_LETTER}[^\w.!?\n]*+)++"
_FACT_TOKEN = re.compile(rf"(?=[\w.!?\n])(?:{_SMALL_WORDS}|({_TOKEN}))")
# The same for ASCII text, where it finds the same tokens a quarter faster.
_ASCII_FACT_TOKEN = re.compile(_FACT_TOKEN.pattern, re.ASCII)
# The lowest bits of a fact tell its kind; a publication day is stored as it is.
_KIND_BITS = 3
_KIND_MASK = (1 << _KIND_BITS) - 1
_FACT_MASK = (1 << 32) - 1 - _KIND_MASK
_NAME, _FIGURE, _DATE, _CODE, _PUBLISHED = range(5)
_WORD_CACHE_SIZE = 200_000  # about 30 MB
_NOTED_TEXTS = 100_000  # at most, their signatures not taken yet


def _words(text: str) -> list[bytes]:
    """The words of `text` in small letters, UTF-8 encoded."""
    if text.isascii():
        return text.encode().translate(_ASCII_LOWER_WORDS).split()
    lowered = text.lower()
    if lowered.isascii():  # the Kelvin sign's small letter is "k"
        return lowered.encode().translate(_ASCII_LOWER_WORDS).split()
    return [word.encode() for word in _WORD.findall(lowered)]


class WordHashes:
    """Three independent 32-bit hashes of each word, one for each place in a shingle, each
    rotated (`_rotated`): one a worker serves all the signatures it takes. The hashes of
    a text's words that the indexing analysis took with its own (`note()`, from
    `word_hashes()` of each word it met) are used as they are; those of other texts are
    remembered for the words met (up to `_WORD_CACHE_SIZE`, then forgotten all at once)."""

    def __init__(self) -> None:
        self._hashes: dict[bytes, bytes] = {}
        self._noted: dict[int, tuple[str, bytes]] = {}  # by the text object, until taken

    def note(self, text: str, hashes: bytes) -> None:
        """Remember the hashes of the words of `text` (that very string) until its signature
        is taken: those of each word as the analysis split it (`word_hashes()`), one after
        the other. They are its words' own unless the text holds a capital sigma, whose
        small letter depends on the letters around it (then they are not kept)."""
        if text.isascii() or "\u03a3" not in text:
            if len(self._noted) >= _NOTED_TEXTS:  # texts noted whose signature was not taken
                self._noted.clear()
            self._noted[id(text)] = (text, hashes)

    def of_texts(self, texts: Sequence[str]) -> list[bytes]:
        """The hashes of the words of each of `texts` (those noted, else worked out)."""
        noted = map(self._noted.pop, map(id, texts), repeat(None))
        found = [None if entry is None else entry[1] for entry in noted]
        if None in found:  # the others' words hashed in one pass
            missing = [
                _words(text) for text, hashes in zip(texts, found, strict=True) if hashes is None
            ]
            joined = self.of(list(chain.from_iterable(missing)))
            split = iter(missing)
            start = 0
            for place, hashes in enumerate(found):
                if hashes is None:
                    end = start + len(next(split)) * 12
                    found[place], start = joined[start:end], end
        return found  # type: ignore[return-value]

    def of(self, words: list[bytes]) -> bytes:
        """The hashes of `words`, one word's after the other."""
        known = self._hashes
        found = list(map(known.get, words))
        try:
            return b"".join(found)  # type: ignore[arg-type]
        except TypeError:  # words not met yet (None)
            pass
        if len(known) > _WORD_CACHE_SIZE:
            known.clear()
        new = list(set(compress(words, map(not_, found))))
        hashes = _rotated(b"".join(blake2b(word, digest_size=12).digest() for word in new))
        for start, word in enumerate(new):
            known[word] = hashes[start * 12 : start * 12 + 12]
        return b"".join(map(known.__getitem__, words))


def word_hashes(word: str) -> bytes:
    """The hashes (`WordHashes`) of the words a signature finds in `word`, one a run of its
    word characters in small letters ("U.S." is "u" and "s"), one after the other: for a
    word of the indexing analysis (`TOKEN_PATTERN`'s words hold every word character of a
    text, and no run of them goes on from one word to the next), so that a text's are its
    words' joined (`WordHashes.note`)."""
    lowered = word.lower()
    if lowered.isalnum():  # one run (most words)
        return _rotated(blake2b(lowered.encode(), digest_size=12).digest())
    runs = _WORD.findall(lowered)
    return _rotated(b"".join(blake2b(run.encode(), digest_size=12).digest() for run in runs))


def _rotated(hashes: bytes) -> bytes:
    """32-bit hashes with their bin's bits (the lowest) moved above their value's: a
    rotation, so the XOR of rotated hashes is the rotated XOR."""
    mixed, count = int.from_bytes(hashes, "little"), len(hashes) // 4
    bins = mixed & int.from_bytes(_LANE_BINS * count, "little")
    values = mixed >> _BIN_BITS & int.from_bytes(_LANE_VALUES * count, "little")
    return (bins << _VALUE_BITS | values).to_bytes(len(hashes), "little")


def signatures(texts: Sequence[str], word_hashes: WordHashes | None = None) -> list[bytes]:
    """The MinHash signatures of `texts` (each empty when its text has no words), as
    bytes, taken at once: their words' hashes those `word_hashes` was given (`note`) or
    works out in one pass, their shingles and bins as numpy arrays over all the texts."""
    import numpy as np  # indexing workers only: see the module's docstring

    if not texts:
        return []
    hashed = (word_hashes or WordHashes()).of_texts(texts)
    lengths = np.fromiter(map(len, hashed), dtype=np.intp, count=len(hashed)) // 12  # words
    table = np.frombuffer(b"".join(hashed), dtype=np.uint32).reshape(-1, SHINGLE_WORDS)
    text_of = np.repeat(np.arange(len(texts)), lengths)  # each word's text
    # The rotated 32-bit hashes of the word 3-shingles (repeats included): tabulation
    # hashing, the XOR of the three words' hashes for their places (3-independent). Those
    # across two texts are left out; a very short text is one shingle, its missing words
    # hashed as 0.
    within = text_of[:-2] == text_of[2:]
    shingles = (table[:-2, 0] ^ table[1:-1, 1] ^ table[2:, 2])[within]
    shingle_texts = text_of[:-2][within]
    short = np.flatnonzero((lengths > 0) & (lengths < SHINGLE_WORDS))
    if len(short):
        first = (np.cumsum(lengths) - lengths)[short]
        second = np.where(lengths[short] > 1, table[np.minimum(first + 1, len(table) - 1), 1], 0)
        shingles = np.concatenate((shingles, table[first, 0] ^ second.astype(np.uint32)))
        shingle_texts = np.concatenate((shingle_texts, short))
    # Rotated, a shingle's hash is its bin above its value: each text's bins keep their
    # least hash, and their values are the signature.
    slots = shingle_texts << _BIN_BITS | (shingles >> _VALUE_BITS).astype(np.intp)
    least = np.full(len(texts) * NUM_HASHES, (1 << 32) - 1, dtype=np.uint32)
    np.minimum.at(least, slots, shingles)
    found = (least & _VALUE_MASK).reshape(-1, NUM_HASHES)
    filled = (np.bincount(slots, minlength=len(least)) > 0).reshape(-1, NUM_HASHES)
    sparse = np.flatnonzero(~filled.all(axis=1) & (lengths > 0))
    if len(sparse):
        # an empty bin takes the value of the nearest filled one on its right (around the
        # end), plus its distance above the value's bits
        around = np.tile(filled[sparse], 2)
        places = np.arange(2 * NUM_HASHES)
        backwards = np.where(around, places, 2 * NUM_HASHES)[:, ::-1]
        nearest = np.minimum.accumulate(backwards, axis=1)[:, ::-1][:, :NUM_HASHES]
        distance = (nearest - places[:NUM_HASHES]).astype(np.uint32) << _VALUE_BITS
        found[sparse] = np.take_along_axis(np.tile(found[sparse], 2), nearest, axis=1) + distance
    packed = found.tobytes()
    size = NUM_HASHES * 4
    return [
        packed[place * size : place * size + size] if count else b""
        for place, count in enumerate(lengths.tolist())
    ]


def signature(text: str, word_hashes: WordHashes | None = None) -> bytes:
    """The MinHash signature of `text` (empty when it has no words), as bytes."""
    return signatures([text], word_hashes)[0]


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of the texts behind two signatures."""
    return _agreeing(a, [b])[0] / NUM_HASHES


def _agreeing(sig: bytes, others: Sequence[bytes]) -> list[int]:
    """How many positions of `sig` each of `others` agrees in (0 for an empty signature
    or one of another length)."""
    size = len(sig)
    if not size or set(map(len, others)) != {size}:
        return [
            _agreeing(sig, [other])[0] if size and len(other) == size else 0 for other in others
        ]
    import numpy as np  # indexing only: see the module's docstring

    # the equal 32-bit words of sig and each of the others, all counted at once
    values = np.frombuffer(b"".join(others), dtype=np.uint32).reshape(len(others), size // 4)
    agree: list[int] = (values == np.frombuffer(sig, dtype=np.uint32)).sum(axis=1).tolist()
    return agree


def facts(headline: str, body: str, published: datetime | None = None) -> bytes:
    """The names, figures and dates of an article (of its headline alone when it has no
    body) and its day of publication, as sorted 32-bit values: see `facts_agree()`."""
    found: tuple[set[str], ...] = (set(), set(), set(), set())  # by kind
    _text_facts(headline, _is_capitalised(headline), *found)
    if body.strip():
        _text_facts(body, False, *found)
    found[_NAME].difference_update(STOP_WORDS)
    values: set[int] = set()
    for kind, texts in enumerate(found):  # a fact is the CRC-32 of its text, its kind below
        hashed = map(and_, map(crc32, map(str.encode, texts)), repeat(_FACT_MASK))
        values.update(map(or_, hashed, repeat(kind)))
    if published is not None:
        values.add(published.toordinal() << _KIND_BITS | _PUBLISHED)
    return array("I", sorted(values)).tobytes()


def _is_capitalised(headline: str) -> bool:
    """True for a headline in capitals or title case, where case marks no names."""
    initials = [word[0] for word in _WORD.findall(headline) if not word[0].isdigit()]
    return sum(map(str.isupper, initials)) * 2 > len(initials)


def _text_facts(
    text: str,
    every_capital: bool,
    names: set[str],
    figures: set[str],
    dates: set[str],
    codes: set[str],
) -> None:
    """Add the facts of `text` to those of each kind: figures; names, that is capitalised
    words that do not start a sentence (with `every_capital`, every capitalised word);
    dates, a capitalised month beside a day ("March 20", "20 March"); and company codes
    ("<HDL>", whose words are names too)."""
    codes.update(
        _EXCHANGE.sub("", " ".join(code.upper().split())) for code in _MARKED_CODE.findall(text)
    )
    starts = True  # the next word starts a sentence
    month = day = ""  # the previous word, if it was a month or a day
    for token in (_ASCII_FACT_TOKEN if text.isascii() else _FACT_TOKEN).findall(text):
        if not token:  # a run of words in small letters: no fact
            starts, month, day = False, "", ""
            continue
        first = token[0]
        if first in ".!?\n":
            starts, month, day = True, "", ""
            continue
        if first.islower() and token not in _NUMBER_WORDS:  # no fact
            starts, month, day = False, "", ""
            continue
        this_month = ""
        if first.isdigit():
            figure: str | None = _figure(token)
        else:
            lowered = token.lower()
            figure = _NUMBER_WORDS.get(lowered)
            if figure is None and first.isupper():
                name = lowered
                if name[-1] == "s":
                    name = name.removesuffix("'s").removesuffix("’s")
                this_month = _MONTHS.get(name, "")
                if every_capital or not starts:
                    names.add(name)
        this_day = ""
        if figure is not None:
            figures.add(figure)
            this_day = figure if figure in _DAYS else ""
        if (this_month and day) or (month and this_day):
            dates.add(f"{this_month or month} {day or this_day}")
        starts, month, day = False, this_month, this_day


def _figure(token: str) -> str:
    """A figure as its value reads, whatever the notation: "16-1/2" and "16.5" alike."""
    fraction = _FRACTION.fullmatch(token) if "/" in token else None
    if fraction is None:
        return token.lower().replace(",", "")
    whole, numerator, denominator = (int(part or 0) for part in fraction.groups())
    return f"{whole + numerator / denominator:g}"


def copy_of(
    sig: bytes, facts: bytes, others: Sequence[tuple[bytes, bytes]], threshold: float = THRESHOLD
) -> int | None:
    """Which of `others` (signature, facts) the article is a copy of: of those whose
    signatures are similar to `threshold` and whose facts agree, the most similar, the
    first of equals; None when it is a copy of none."""
    least = max(threshold * NUM_HASHES, 1)
    if len(sig) // 4 >= least:
        # identical signatures agree in every position, more than any other can: the
        # first of them whose facts agree is the answer, without counting the rest (a
        # corpus holding the same articles twice)
        same = (place for place, (other_sig, _) in enumerate(others) if other_sig == sig)
        found = next((place for place in same if _agree(facts, others[place][1])), None)
        if found is not None:
            return found
    counts = _agreeing(sig, [other_sig for other_sig, _ in others])
    similar = [place for place, count in enumerate(counts) if count >= least]
    similar.sort(key=lambda place: -counts[place])  # stable: the first of equals first
    return next((place for place in similar if _agree(facts, others[place][1])), None)


def _agree(facts: bytes, others: bytes) -> bool:
    """`facts_agree`, at once for equal facts (which always agree)."""
    return facts == others or facts_agree(facts, others)


def facts_agree(a: bytes, b: bytes) -> bool:
    """True when the facts of two articles allow them to be copies: they were published
    at most `STORY_DAYS` apart, and of the names of the one with fewer names, at least
    the share `NAMES_AGREE` are the other's too, and so for figures and dates. A kind of
    fact that either article lacks is no evidence either way."""
    mine, theirs = _by_kind(a), _by_kind(b)
    published = mine.pop(_PUBLISHED, set()), theirs.pop(_PUBLISHED, set())
    if all(published):
        days = [day >> _KIND_BITS for day in (*published[0], *published[1])]
        if abs(days[0] - days[1]) > STORY_DAYS:
            return False
    for kind, least in _AGREEMENT:
        first, second = mine.get(kind, set()), theirs.get(kind, set())
        fewer = min(len(first), len(second))
        if fewer and len(first & second) < least * fewer:
            return False
    return True


_AGREEMENT = (
    (_NAME, NAMES_AGREE),
    (_FIGURE, FIGURES_AGREE),
    (_DATE, DATES_AGREE),
    (_CODE, CODES_AGREE),
)


def _by_kind(packed: bytes) -> dict[int, set[int]]:
    kinds: dict[int, set[int]] = {}
    for value in array("I", packed):
        kinds.setdefault(value & _KIND_MASK, set()).add(value)
    return kinds


def article_text(headline: str, body: str) -> str:
    """The text a signature is taken from: the body, or the headline of a bodiless item.

    Headlines and bylines are left out, so a copy under another headline is still a copy.
    """
    return body if body and not body.isspace() else headline  # (`body.strip()`, uncopied)


def story_fields(
    article: Article, word_hashes: WordHashes | None = None
) -> tuple[bytes, str, str, bytes]:
    """What the story store keeps of an article: signature, source, headline and facts."""
    return story_fields_of([article], word_hashes)[0]


def story_fields_of(
    articles: Sequence[Article], word_hashes: WordHashes | None = None
) -> list[tuple[bytes, str, str, bytes]]:
    """`story_fields()` of each of `articles`, their signatures taken at once (their words
    hashed through `word_hashes`)."""
    texts = [article_text(article.headline, article.body) for article in articles]
    return [
        (sig, article.source, article.headline, facts(article.headline, article.body, article.date))
        for sig, article in zip(signatures(texts, word_hashes), articles, strict=True)
    ]
