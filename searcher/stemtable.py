"""The stems of an index's vocabulary, recorded at index time so queries rarely import NLTK.

A small SQLite table in the index folder maps each word the indexer stemmed to its NLTK
Snowball stem. Every entry is NLTK's own output, so looking a word up here or asking NLTK
gives the same stem: index and query stem identically. The table is a cache of a pure
function: it may be written before or after a commit, and a missing word only means
NLTK is asked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from searcher import analysis

STEM_FILE = "searcher-stems.sqlite"


def record_stems(folder: Path, stems: Mapping[str, str]) -> None:
    """Add word -> stem pairs to the index's table."""
    if not stems:
        return
    db = sqlite3.connect(folder / STEM_FILE)
    try:
        with db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS stems (word TEXT PRIMARY KEY, stem TEXT NOT NULL)"
                " WITHOUT ROWID"
            )
            db.executemany("INSERT OR IGNORE INTO stems VALUES (?, ?)", stems.items())
    finally:
        db.close()


@contextmanager
def known_stems(folder: Path) -> Iterator[None]:
    """Within the block, stemming consults the index's table before NLTK."""
    path = folder / STEM_FILE
    if not path.exists():
        yield
        return
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def lookup(word: str) -> str | None:
        row = db.execute("SELECT stem FROM stems WHERE word = ?", (word,)).fetchone()
        return row[0] if row else None

    analysis.use_known_stems(lookup)
    try:
        yield
    finally:
        analysis.use_known_stems(None)
        db.close()
