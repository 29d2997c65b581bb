"""The vocabulary of an index and its stems, recorded at index time.

A small SQLite table in the index folder maps each word indexed in a prose field
(headline, body, quotes, captions) to its NLTK Snowball stem. Every entry is NLTK's own
output, so looking a word up here or asking NLTK gives the same stem: index and query
stem identically, and queries rarely import NLTK.
The table is a cache of a pure function, written before the commit of the articles whose
words it adds: a query reading an earlier commit may meet words its articles do not hold
(their stems count nothing there, so they expand and correct to nothing), but never
misses one that they do.

It is also the index's word list (`Vocabulary`): the words are the table's primary key,
so a prefix is a range scan and a fuzzy term a walk of indexed seeks driven by Whoosh's
Levenshtein automaton (`spelling.py` ranks what they find by the stems' frequencies).
Words stay listed after their articles are deleted; their stems' frequencies say so.

An `Index` reads its table through a `StemTable`, which makes the table the one a call's
queries stem with (`analysis.stemming_with`, per thread) and its word list the one
`vocabulary()` gives, for that call only.
"""

from __future__ import annotations

import fnmatch
import re
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton

from searcher.store.analysis import STEM_CACHE_SIZE, stem_lookup, stemming_with
from searcher.store.sidecars import connect_read_only, has_table, sidecar_damage

STEM_FILE = "searcher-stems.sqlite"
# The characters that end the literal prefix of a glob pattern.
_GLOB_SPECIAL = re.compile(r"[*?\[]")


def record_stems(folder: Path, stems: Mapping[str, str]) -> None:
    """Add word -> stem pairs to the index's table."""
    if not stems:
        return
    with (
        sidecar_damage(folder, STEM_FILE),
        closing(sqlite3.connect(folder / STEM_FILE)) as db,
        db,  # one transaction
    ):
        db.execute(
            "CREATE TABLE IF NOT EXISTS stems (word TEXT PRIMARY KEY, stem TEXT NOT NULL)"
            " WITHOUT ROWID"
        )
        db.executemany("INSERT OR IGNORE INTO stems VALUES (?, ?)", stems.items())


class Vocabulary:
    """The words of an index's table (folded and lowercased as the analyzers fold them,
    stop words left out), each with its stem; read with indexed seeks only."""

    def __init__(self, db: sqlite3.Connection, known: dict[str, str] | None = None) -> None:
        self._db = db
        # Stems already read from this table (by this or an earlier call), as `StemTable`
        # keeps them.
        self._known = {} if known is None else known
        # A fuzzy term is looked up once for each field it searches: remember the matches.
        self._within: dict[tuple[str, int, int], list[str]] = {}

    def stem(self, word: str) -> str | None:
        """The stem of `word`, or None when the index never met it."""
        known = self._known.get(word)
        if known is not None:
            return known
        row = self._db.execute("SELECT stem FROM stems WHERE word = ?", (word,)).fetchone()
        if row is None:
            return None
        if len(self._known) >= STEM_CACHE_SIZE:
            self._known.clear()
        self._known[word] = row[0]
        return str(row[0])

    def matching(self, pattern: str) -> Iterator[tuple[str, str]]:
        """The words matching the glob `pattern` (`protest*`, `kaz?khstan`), with their
        stems: a range scan over the words starting with the pattern's literal prefix."""
        match = re.compile(fnmatch.translate(pattern)).match
        rows = self.starting(_GLOB_SPECIAL.split(pattern, maxsplit=1)[0])
        yield from ((word, stem) for word, stem in rows if match(word))

    def within(self, word: str, distance: int, prefix: int = 0) -> Iterator[str]:
        """The words within `distance` edits (Damerau-Levenshtein) of `word` that share
        its first `prefix` characters, found as Whoosh's `terms_within` finds terms."""
        key = (word, distance, prefix)
        if key not in self._within:
            dfa = _edits_automaton(word, distance, prefix)
            self._within[key] = list(find_all_matches(dfa, self._first_from))
        return iter(self._within[key])

    def _first_from(self, word: str) -> str | None:
        """The first word at or after `word` in the table's order."""
        row = self._db.execute(
            "SELECT word FROM stems WHERE word >= ? ORDER BY word LIMIT 1", (word,)
        ).fetchone()
        return row[0] if row else None

    def starting(self, prefix: str) -> Iterator[tuple[str, str]]:
        """The words starting with `prefix`, with their stems: one range scan."""
        if not prefix:
            yield from self._db.execute("SELECT word, stem FROM stems")
            return
        # Python and SQLite (UTF-8, binary collation) both order strings by code point.
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        yield from self._db.execute(
            "SELECT word, stem FROM stems WHERE word >= ? AND word < ?", (prefix, end)
        )


def _edits_automaton(word: str, distance: int, prefix: int) -> Any:
    """Whoosh's Levenshtein automaton for `word`, with a swap of two adjacent letters
    counted as one edit (as Whoosh's `damerau_levenshtein()` counts it), as a DFA."""
    nfa = levenshtein_automaton(word, distance, prefix)
    for i in range(prefix, len(word) - 1):
        first, second = word[i], word[i + 1]
        if first == second:
            continue
        for edits in range(distance):
            swapped = ("swap", i, edits)
            nfa.add_transition((i, edits), second, swapped)
            nfa.add_transition(swapped, first, (i + 2, edits + 1))
    return nfa.to_dfa()


class StemTable:
    """The stem table of the index in `folder`, as queries read it; one for each `Index`,
    shared by the threads searching it. Each call reads through a `Vocabulary` and a
    connection of its own (opening one takes about 0.1 ms); the stems found are
    remembered for later calls (at most `STEM_CACHE_SIZE`), since an entry, NLTK's stem
    of its word, never changes (a rebuilt index lists a word again with the same stem).
    Words the table lacks are looked up again by each call: a commit may bring them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._known: dict[str, str] = {}

    @contextmanager
    def reading(self) -> Iterator[Vocabulary | None]:
        """Within the block, in this thread only, stemming consults the table before NLTK
        and `vocabulary()` is the index's word list, which the block is given (None for
        an index without a table: stemming then asks NLTK)."""
        db = connect_read_only(self.folder / STEM_FILE)
        if db is None or not has_table(db, "stems"):  # an index built before the table existed
            if db is not None:
                db.close()
            with stemming_with(None):
                yield None
            return
        try:
            words = Vocabulary(db, self._known)
            with stemming_with(words):
                yield words
        finally:
            db.close()


def vocabulary() -> Vocabulary | None:
    """The word list of the index being queried (inside `StemTable.reading`), else None."""
    lookup = stem_lookup()
    return lookup if isinstance(lookup, Vocabulary) else None
