"""Near-duplicate detection: articles whose text overlaps are grouped into stories.

Parts:
- `signature()`: the article's text as word 3-shingles, summarised by a MinHash of
  `NUM_HASHES` values. It uses one-permutation hashing with densification by rotation
  (Shrivastava & Li, ICML 2014): each shingle is hashed once and falls into one of the bins,
  which keep their minimum, and empty bins borrow from their right-hand neighbour. Two
  signatures agree in a position with probability equal to the Jaccard similarity of the
  shingle sets. Stdlib only: a MinHash library would bring numpy and scipy, and with scipy
  installed `import nltk` takes 0.9 s instead of 0.2 s.
- `similarity()`: the estimated Jaccard similarity of two signatures.
- `StoryStore`: a SQLite file in the index folder. Locality-sensitive hashing (`BANDS`
  bands of `ROWS` values) finds the candidates for a new signature; the article joins the
  story of its most similar candidate when the similarity reaches `THRESHOLD`, or starts a
  story of its own. Adding articles never re-reads the rest of the index. A band value is
  kept once per story (for the first article that had it), so however many copies a story
  has, a new article is compared with at most `BANDS` candidates per story it touches.

The story of an article is named by the id of the article that started it.
"""

from __future__ import annotations

import re
import sqlite3
from array import array
from collections.abc import Iterable, Iterator
from hashlib import blake2b
from pathlib import Path

from searcher.models import Copy, Story

SHINGLE_WORDS = 3
NUM_HASHES = 128
BANDS, ROWS = 42, 3  # 126 of the 128 values; candidates at similarity 0.3 are found 2 times in 3
THRESHOLD = 0.3  # measured: bench/DEDUP.md
STORE_FILE = "stories.sqlite"

_MASK = (1 << 64) - 1
_BIN_BITS = 7  # NUM_HASHES == 1 << _BIN_BITS
_VALUE_BITS = 56  # values stay below 2**56; a rotation offset adds multiples of 2**56
_EMPTY = 1 << 63
_WORD = re.compile(r"\w+")
_word_hashes: dict[str, int] = {}


def _word_hash(word: str) -> int:
    value = _word_hashes.get(word)
    if value is None:
        if len(_word_hashes) > 1_000_000:
            _word_hashes.clear()
        value = int.from_bytes(blake2b(word.encode(), digest_size=8).digest(), "little")
        _word_hashes[word] = value
    return value


def _shingle_hashes(text: str) -> set[int]:
    words = [_word_hash(w) for w in _WORD.findall(text.lower())]
    if 0 < len(words) < SHINGLE_WORDS:  # a very short text is one shingle
        words += [0] * (SHINGLE_WORDS - len(words))
    hashes = set()
    for a, b, c in zip(words, words[1:], words[2:], strict=False):
        h = (((a * 0x9E3779B97F4A7C15 + b) & _MASK) * 0xBF58476D1CE4E5B9 + c) & _MASK
        h ^= h >> 31
        h = (h * 0x94D049BB133111EB) & _MASK
        hashes.add(h ^ (h >> 29))
    return hashes


def signature(text: str) -> bytes:
    """The MinHash signature of `text` (empty when it has no words), as bytes."""
    bins = [_EMPTY] * NUM_HASHES
    for h in _shingle_hashes(text):
        slot = h & (NUM_HASHES - 1)
        value = (h >> _BIN_BITS) & ((1 << _VALUE_BITS) - 1)
        if value < bins[slot]:
            bins[slot] = value
    if all(value == _EMPTY for value in bins):
        return b""
    for i, value in enumerate(bins):
        if value == _EMPTY:
            distance = 1
            while bins[(i + distance) % NUM_HASHES] == _EMPTY or (
                bins[(i + distance) % NUM_HASHES] >= 1 << _VALUE_BITS
            ):
                distance += 1
            bins[i] = bins[(i + distance) % NUM_HASHES] + (distance << _VALUE_BITS)
    return array("Q", bins).tobytes()


def similarity(a: bytes, b: bytes) -> float:
    """The estimated Jaccard similarity of the texts behind two signatures."""
    if not a or not b:
        return 0.0
    x, y = array("Q"), array("Q")
    x.frombytes(a)
    y.frombytes(b)
    return sum(1 for p, q in zip(x, y, strict=True) if p == q) / NUM_HASHES


def _band_keys(sig: bytes) -> list[int]:
    width = ROWS * 8
    return [
        int.from_bytes(
            blake2b(sig[i * width : (i + 1) * width], digest_size=8, salt=bytes([i])).digest(),
            "little",
            signed=True,
        )
        for i in range(BANDS)
    ]


class StoryStore:
    """The story of every indexed article, kept in SQLite beside the Whoosh index.

    Writes happen in a transaction that `commit()` ends after the Whoosh commit, so both
    move together; `rollback()` forgets a failed run.
    """

    def __init__(self, folder: str | Path, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._db = sqlite3.connect(Path(folder) / STORE_FILE, isolation_level="DEFERRED")
        self._db.executescript(
            """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS articles (
                id TEXT PRIMARY KEY, story TEXT NOT NULL, source TEXT, headline TEXT,
                signature BLOB);
            CREATE INDEX IF NOT EXISTS articles_story ON articles (story);
            CREATE TABLE IF NOT EXISTS bands (
                key INTEGER NOT NULL, story TEXT NOT NULL, id TEXT NOT NULL,
                PRIMARY KEY (key, story)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS bands_id ON bands (id);
            """
        )

    def add(self, id: str, sig: bytes, source: str = "", headline: str = "") -> str:
        """Record an article (replacing an earlier version) and return its story."""
        self.remove([id])
        story = id
        keys = _band_keys(sig) if sig else []
        if keys:
            marks = ",".join("?" * len(keys))
            rows = self._db.execute(
                "SELECT DISTINCT a.id, a.story, a.signature FROM bands b "
                f"JOIN articles a ON a.id = b.id WHERE b.key IN ({marks})",
                keys,
            ).fetchall()
            best = 0.0
            for _, other_story, other_sig in rows:
                score = similarity(sig, other_sig)
                if score >= self.threshold and score > best:
                    best, story = score, other_story
            self._db.executemany(
                "INSERT OR IGNORE INTO bands VALUES (?, ?, ?)", ((k, story, id) for k in keys)
            )
        self._db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?)", (id, story, source, headline, sig)
        )
        return story

    def remove(self, ids: Iterable[str]) -> None:
        """Forget articles (their stories keep their other members)."""
        for id in ids:
            self._db.execute("DELETE FROM bands WHERE id = ?", (id,))
            self._db.execute("DELETE FROM articles WHERE id = ?", (id,))

    def clear(self) -> None:
        """Forget every article (a rebuilt index)."""
        self._db.execute("DELETE FROM bands")
        self._db.execute("DELETE FROM articles")

    def commit(self) -> None:
        self._db.commit()

    def rollback(self) -> None:
        self._db.rollback()

    def close(self) -> None:
        self._db.close()

    def stories_of(self, ids: Iterable[str]) -> dict[str, str]:
        """The story of each known article id."""
        wanted = list(ids)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self._db.execute(
                    f"SELECT id, story FROM articles WHERE id IN ({marks})", chunk
                ).fetchall()
            )
        return found

    def story(self, story_id: str) -> Story:
        """A story with all its copies, in id order."""
        rows = self._db.execute(
            "SELECT id, source, headline FROM articles WHERE story = ? ORDER BY id", (story_id,)
        ).fetchall()
        return Story(story_id, tuple(Copy(*row) for row in rows))

    def largest(self, min_size: int = 2) -> Iterator[Story]:
        """Stories with at least `min_size` copies, largest first."""
        rows = self._db.execute(
            "SELECT story FROM articles GROUP BY story HAVING count(*) >= ? "
            "ORDER BY count(*) DESC, story",
            (min_size,),
        ).fetchall()
        for (story_id,) in rows:
            yield self.story(story_id)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])


def open_store(folder: str | Path) -> StoryStore | None:
    """The store of an index folder, or None for an index built before stories existed."""
    return StoryStore(folder) if (Path(folder) / STORE_FILE).exists() else None


def article_text(headline: str, body: str) -> str:
    """The text a signature is taken from: the body, or the headline of a bodiless item.

    Headlines and bylines are left out, so a copy under another headline is still a copy.
    """
    return body if body.strip() else headline
