"""The story store: articles whose text overlaps are grouped into stories.

`StoryStore` is a SQLite file in the index folder. Locality-sensitive hashing (`BANDS`
bands of `ROWS` values of the MinHash signatures of `searcher.enrich.duplicates`) finds the
candidates for a new signature; the article joins the story of its most alike candidate
when they are copies by the `Likeness` the writer gives (`copy_likeness`: signatures
similar to `THRESHOLD` and facts that agree), or starts a story of its own. Adding
articles never re-reads the rest of the index. A band value is kept once per story (for
the first article that had it), so however many copies a story has, a new article is
compared with at most `BANDS` candidates per story it touches. Articles are
numbered inside the store, and band rows and story references hold those numbers (32-bit
band keys, 512-byte signatures, 4 bytes a fact): about 1.6 KB an article.

The story of an article is named by the id of the article that started it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from zlib import crc32

from searcher.errors import IndexOutdatedError
from searcher.models import Copy, Story
from searcher.store.sidecars import connect_read_only, has_table

BANDS, ROWS = 42, 3  # 126 of the 128 values; candidates at similarity 0.3 are found 2 times in 3
STORE_FILE = "stories.sqlite"
STORE_VERSION = 3  # SQLite's user_version of the store's current layout
_BAND_BYTES = ROWS * 4
# SQLite's page cache of a store being written, in KiB: a new article's candidates are
# looked up in 42 places of the band index, and SQLite's default 2 MB leaves most of
# them to the operating system's reads (measured on BBC + Reuters: 8.0 -> 6.4 CPU-s to
# fill a store; 64 MB is no faster).
WRITE_CACHE_KB = 16_384
# How alike two articles are as copies, from their signatures and facts: 0 when they are
# not copies (`searcher.enrich.duplicates.copy_likeness`).
Likeness = Callable[[bytes, bytes, bytes, bytes], float]


def band_keys(sig: bytes) -> list[int]:
    """The signed 32-bit key of each band (a CRC seeded with the band's number)."""
    keys = (crc32(sig[i * _BAND_BYTES : (i + 1) * _BAND_BYTES], i) for i in range(BANDS))
    return [key - (1 << 32) if key >= 1 << 31 else key for key in keys]


class StoryStore:
    """The story of every indexed article, kept in SQLite beside the Whoosh index.

    Writes happen in a transaction that `commit()` ends after the Whoosh commit, so both
    move together; `rollback()` forgets a failed run. A store opened on a `reading`
    connection (see `open_store`) is only read. Inside, articles are numbered
    (never reusing a number) and a story is the number of its first article; the name
    of a story whose first article is gone is kept in `orphans`. Raises
    `IndexOutdatedError` for a store written in an older layout.
    """

    def __init__(
        self,
        folder: str | Path,
        likeness: Likeness | None = None,
        reading: sqlite3.Connection | None = None,
    ) -> None:
        self.likeness = likeness
        path = Path(folder) / STORE_FILE
        self._db = reading or sqlite3.connect(path, isolation_level="DEFERRED")
        if reading is None:
            self._db.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KB}")
        if self._db.execute("PRAGMA user_version").fetchone()[0] != STORE_VERSION:
            self._create(path)

    def _create(self, path: Path) -> None:
        """Lay out a new store (a store of an older layout raises `IndexOutdatedError`).
        An open store of the current layout writes nothing, so queries stay read-only."""
        if self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles'").fetchone():
            self._db.close()
            raise IndexOutdatedError(
                str(path.parent), f"its story store {path.name} has an older layout"
            )
        self._db.executescript(
            f"""
            PRAGMA journal_mode = WAL;
            BEGIN;
            CREATE TABLE IF NOT EXISTS articles (
                num INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                story INTEGER NOT NULL, source TEXT, headline TEXT, signature BLOB,
                facts BLOB);
            CREATE INDEX IF NOT EXISTS articles_story ON articles (story);
            CREATE TABLE IF NOT EXISTS bands (
                key INTEGER NOT NULL, story INTEGER NOT NULL, num INTEGER NOT NULL,
                PRIMARY KEY (key, story)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS orphans (
                story INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            PRAGMA user_version = {STORE_VERSION};
            COMMIT;
            """
        )

    def add(
        self, id: str, sig: bytes, source: str = "", headline: str = "", facts: bytes = b""
    ) -> str:
        """Record an article (replacing an earlier version) and return its story: that of
        its candidate most alike by the store's `likeness` (none: a story of its own)."""
        if self.likeness is None:
            raise TypeError("a story store opened without a likeness cannot add articles")
        self.remove([id])
        story: int | None = None
        keys = band_keys(sig) if sig else []
        if keys:
            marks = ",".join("?" * len(keys))
            rows = self._db.execute(
                "SELECT DISTINCT a.story, a.signature, a.facts FROM bands b "
                f"JOIN articles a ON a.num = b.num WHERE b.key IN ({marks})",
                keys,
            ).fetchall()
            best = 0.0
            for other_story, other_sig, other_facts in rows:
                score = self.likeness(sig, facts, other_sig, other_facts)
                if score > best:
                    best, story = score, other_story
        if story is None:  # a story of its own, or back in the one it once started
            row = self._db.execute("SELECT story FROM orphans WHERE name = ?", (id,)).fetchone()
            story = row[0] if row else None
        num: int = self._db.execute(
            "INSERT INTO articles (id, story, source, headline, signature, facts) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (id, story or 0, source, headline, sig, facts),
        ).lastrowid  # type: ignore[assignment]
        if story is None:
            story = num
            self._db.execute("UPDATE articles SET story = ? WHERE num = ?", (num, num))
        self._db.executemany(
            "INSERT OR IGNORE INTO bands VALUES (?, ?, ?)", ((k, story, num) for k in keys)
        )
        return id if story == num else self._names([story])[story]

    def remove(self, ids: Iterable[str]) -> None:
        """Forget articles (their stories keep their other members)."""
        for id in ids:
            row = self._db.execute(
                "SELECT num, story, signature FROM articles WHERE id = ?", (id,)
            ).fetchone()
            if row is None:
                continue
            num, story, sig = row
            if sig:
                self._db.executemany(
                    "DELETE FROM bands WHERE key = ? AND story = ? AND num = ?",
                    ((key, story, num) for key in band_keys(sig)),
                )
            self._db.execute("DELETE FROM articles WHERE num = ?", (num,))
            members = self._db.execute(
                "SELECT 1 FROM articles WHERE story = ? LIMIT 1", (story,)
            ).fetchone()
            if not members:
                self._db.execute("DELETE FROM orphans WHERE story = ?", (story,))
            elif num == story:  # the story outlives the article that named it
                self._db.execute("INSERT INTO orphans VALUES (?, ?)", (story, id))

    def clear(self) -> None:
        """Forget every article (a rebuilt index), numbering the next ones from 1 again."""
        self._db.execute("DELETE FROM bands")
        self._db.execute("DELETE FROM orphans")
        self._db.execute("DELETE FROM articles")
        self._db.execute("DELETE FROM sqlite_sequence WHERE name = 'articles'")

    def commit(self) -> None:
        self._db.commit()

    def rollback(self) -> None:
        self._db.rollback()

    def close(self) -> None:
        self._db.close()

    def _names(self, stories: Iterable[int]) -> dict[int, str]:
        """The name of each story number: the id of its first article."""
        return dict(
            self._db.execute(
                "SELECT s.value, coalesce(a.id, o.name) FROM json_each(?) s "
                "LEFT JOIN articles a ON a.num = s.value "
                "LEFT JOIN orphans o ON o.story = s.value",
                (json.dumps(list(stories)),),
            ).fetchall()
        )

    def stories_of(self, ids: Iterable[str]) -> dict[str, str]:
        """The story of each known article id."""
        return dict(
            self._db.execute(
                "SELECT m.id, coalesce(a.id, o.name) FROM json_each(?) w "
                "JOIN articles m ON m.id = w.value "
                "LEFT JOIN articles a ON a.num = m.story "
                "LEFT JOIN orphans o ON o.story = m.story",
                (json.dumps(list(ids)),),
            ).fetchall()
        )

    def story(self, story_id: str) -> Story:
        """A story with all its copies, in id order."""
        rows = self._db.execute(
            "SELECT m.id, m.source, m.headline FROM articles m WHERE m.story = coalesce("
            "(SELECT story FROM orphans WHERE name = ?1), "
            "(SELECT num FROM articles WHERE id = ?1 AND story = num)) ORDER BY m.id",
            (story_id,),
        ).fetchall()
        return Story(story_id, tuple(Copy(*row) for row in rows))

    def largest(self, min_size: int = 2) -> Iterator[Story]:
        """Stories with at least `min_size` copies, largest first."""
        sizes = self._db.execute(
            "SELECT story, count(*) FROM articles GROUP BY story HAVING count(*) >= ?",
            (min_size,),
        ).fetchall()
        names = self._names(story for story, _ in sizes)
        for _, name in sorted((-size, names[story]) for story, size in sizes):
            yield self.story(name)

    def entries(self) -> Iterator[tuple[str, bytes, str, str, bytes]]:
        """(id, signature, source, headline, facts) of every article, in the order added:
        what `add` takes, to build another store from this one's articles."""
        yield from self._db.execute(
            "SELECT id, signature, source, headline, facts FROM articles ORDER BY num"
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])


def remove_store(folder: str | Path) -> None:
    """Delete the store of an index folder, if any (an index being rebuilt)."""
    for suffix in ("", "-wal", "-shm"):
        (Path(folder) / f"{STORE_FILE}{suffix}").unlink(missing_ok=True)


def open_store(folder: str | Path) -> StoryStore | None:
    """The store of an index folder opened for reading only (it may be on a read-only or
    full disk), or None when it has none (an index built before stories existed)."""
    db = connect_read_only(Path(folder) / STORE_FILE)
    if db is None:
        return None
    if not has_table(db, "articles"):
        db.close()
        return None
    return StoryStore(folder, reading=db)
