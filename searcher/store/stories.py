"""The story store: articles whose text overlaps are grouped into stories.

`StoryStore` is a SQLite file in the index folder. Locality-sensitive hashing (`BANDS`
bands of `ROWS` values of the MinHash signatures of `searcher.enrich.duplicates`) finds the
candidates for a new signature; the article joins the story of the candidate it is a copy
of by the `CopyOf` the writer gives (`copy_of`: the most similar signature, to `THRESHOLD`,
whose facts agree), or starts a story of its own. Adding articles never re-reads the rest
of the index. A band value is kept once per story (for the first article that had it, and
when that one goes, for the next one that has it), so however many copies a story has, a
new article is compared with at most `BANDS` candidates per story it touches. Articles are
numbered inside the store, and band rows and story references hold those numbers (32-bit
band keys, 512-byte signatures, 4 bytes a fact): about 1.6 KB an article.

The story of an article is named by the id of the article that started it.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, compress, islice, repeat
from operator import add, and_, contains, itemgetter, lshift, not_, rshift
from pathlib import Path
from typing import Any
from zlib import crc32

from searcher.errors import IndexOutdatedError
from searcher.models import Copy, Story
from searcher.store.sidecars import connect_read_only, has_table

BANDS, ROWS = 42, 3  # 126 of the 128 values; candidates at similarity 0.3 are found 2 times in 3
STORE_FILE = "stories.sqlite"
STORE_VERSION = 3  # SQLite's user_version of the store's current layout
_BAND_BYTES = ROWS * 4
_BAND_SLICES = [slice(band * _BAND_BYTES, (band + 1) * _BAND_BYTES) for band in range(BANDS)]
# SQLite's page cache of a store being written, in KiB: a new article's candidates are
# looked up in 42 places of the band index, and SQLite's default 2 MB leaves most of
# them to the operating system's reads (measured on BBC + Reuters: 8.0 -> 6.4 CPU-s to
# fill a store; 64 MB is no faster).
WRITE_CACHE_KB = 16384
# The page size of a new store, in bytes: a page holds about 1,000 band rows (x1's
# store filled in 8.3 CPU-s, not 9.1 with SQLite's 4096; 500 stories looked up in a
# fresh process take ~0.2 ms more).
PAGE_SIZE = 16384
# Which of its candidates (signature, facts) an article (signature, facts) is a copy of,
# if any (`searcher.enrich.duplicates.copy_of`).
CopyOf = Callable[[bytes, bytes, Sequence[tuple[bytes, bytes]]], int | None]
# Whether two articles' facts allow them to be copies (`duplicates.facts_agree`).
Agree = Callable[[bytes, bytes], bool]
# The bytes of a signature the index `articles_signature` holds: where an article's
# identical signatures are looked up (near copies share a prefix now and then, and are
# told apart by the whole signature).
SIGNATURE_PREFIX = 32
# What the store keeps of an article: id, signature, source, headline, facts.
Entry = tuple[str, bytes, str, str, bytes]
# Articles added at a time by `StoryStore.add_all` (a chunk's lookups held in memory).
CHUNK = 1024
# `HeldKeys` keeps a byte for each value of a band key's lowest bits (32 MB): at x1's
# 2 million band rows, 6% of the keys no story holds are looked up all the same.
HELD_BITS = 25  # at most 31 (see `_Chunk._write`)


def band_keys(sig: bytes) -> array[int]:
    """The signed 32-bit key of each band (a CRC seeded with the band's number)."""
    bands = map(memoryview(sig).__getitem__, _BAND_SLICES)
    return array("i", array("I", map(crc32, bands, range(BANDS))).tobytes())


def _sorted_keys(sig: bytes) -> list[int]:
    """The band keys of a signature in ascending order (the order its candidates come in)."""
    return sorted(band_keys(sig)) if sig else []


class HeldKeys:
    """Which band keys a store may hold, for a store that held none when it was given one
    (a fresh run's): a byte for each value of a key's lowest `HELD_BITS` bits, set for each
    key written (never unset, so it errs only the safe way). A key whose byte is 0 is
    held by no story, and its holders are not looked up."""

    def __init__(self) -> None:
        self._bytes = bytearray(1 << HELD_BITS)

    def add(self, keys: Iterable[int]) -> None:
        deque(map(self._bytes.__setitem__, self._places(keys), repeat(1)), 0)

    def maybe(self, keys: Sequence[int]) -> list[int]:
        """Those of `keys` a story may hold."""
        return list(compress(keys, map(self._bytes.__getitem__, self._places(keys))))

    @staticmethod
    def _places(keys: Iterable[int]) -> Iterator[int]:
        return map(and_, keys, repeat((1 << HELD_BITS) - 1))


class StoryStore:
    """The story of every indexed article, kept in SQLite beside the Whoosh index.

    Writes happen in a transaction that `commit()` ends after the Whoosh commit, so both
    move together; `rollback()` forgets a failed run. A store opened on a `reading`
    connection (see `open_store`) is only read. Inside, articles are numbered
    (never reusing a number) and a story is the number of its first article; the name
    of a story whose first article is gone is kept in `orphans`. Raises
    `IndexOutdatedError` for a store written in an older layout. `held`: see `HeldKeys`
    (`held_keys` gives one).
    """

    def __init__(
        self,
        folder: str | Path,
        copy_of: CopyOf | None = None,
        reading: sqlite3.Connection | None = None,
        agree: Agree | None = None,
        held: HeldKeys | None = None,
    ) -> None:
        self.copy_of = copy_of
        self.agree = agree
        self.held = held
        path = Path(folder) / STORE_FILE
        self._db = reading or sqlite3.connect(path, isolation_level="DEFERRED")
        if reading is None:
            self._db.execute(f"PRAGMA cache_size = -{WRITE_CACHE_KB}")
        if self._db.execute("PRAGMA user_version").fetchone()[0] != STORE_VERSION:
            self._create(path)
        if reading is None:  # a store written before the index existed gets it (once)
            self._db.execute(_SIGNATURE_INDEX)

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
            PRAGMA page_size = {PAGE_SIZE};
            PRAGMA journal_mode = WAL;
            BEGIN;
            CREATE TABLE IF NOT EXISTS articles (
                num INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
                story INTEGER NOT NULL, source TEXT, headline TEXT, signature BLOB,
                facts BLOB);
            CREATE INDEX IF NOT EXISTS articles_story ON articles (story);
            {_SIGNATURE_INDEX};
            CREATE TABLE IF NOT EXISTS bands (
                key INTEGER NOT NULL, story INTEGER NOT NULL, num INTEGER NOT NULL,
                PRIMARY KEY (key, story)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS orphans (
                story INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
            PRAGMA user_version = {STORE_VERSION};
            COMMIT;
            """
        )

    def held_keys(self) -> HeldKeys | None:
        """A `HeldKeys` for this store, if it holds no band (else None), which this
        store and those opened later with it keep up to date: given to every store that
        changes this one's file, it spares them looking up keys no story holds."""
        if self._db.execute("SELECT 1 FROM bands LIMIT 1").fetchone():
            return None
        self.held = HeldKeys()
        return self.held

    def add(
        self, id: str, sig: bytes, source: str = "", headline: str = "", facts: bytes = b""
    ) -> str:
        """Record an article (replacing an earlier version) and return its story: that of
        the candidate the store's `copy_of` chooses (none: a story of its own)."""
        self.add_all([(id, sig, source, headline, facts)])
        return self.stories_of([id])[id]

    def add_all(self, entries: Iterable[Entry], keep_first: bool = False) -> list[str]:
        """Record articles in order, each as `add` does: an article sees those added before
        it. Done `CHUNK` articles at a time, each chunk's candidates in the store looked up
        at once. With `keep_first`, an article whose id the store holds is left out (the
        first article with an id keeps it) rather than replacing it. The ids added.

        Given `agree`, the store relies on `copy_of` choosing the first candidate whose
        signature is identical and whose facts agree (as `duplicates.copy_of` does): an
        article whose identical signatures with agreeing facts all lie in one story that
        holds each of its bands (by one of them, at least once) joins that story without
        looking up its bands' holders, which is what `copy_of` would choose (a copy of a
        wire story, a file indexed again under another path)."""
        if self.copy_of is None:
            raise TypeError("a story store opened without copy_of cannot add articles")
        entries = iter(entries)
        added: list[str] = []
        while chunk := list(islice(entries, CHUNK)):
            added += _Chunk(self._db, self.copy_of, chunk, self.agree, self.held).add(keep_first)
        return added

    def remove(self, ids: Iterable[str]) -> None:
        """Forget articles (their stories keep their other members)."""
        for id in ids:
            row = self._db.execute(
                "SELECT num, story, signature FROM articles WHERE id = ?", (id,)
            ).fetchone()
            if row is not None:
                _forget(self._db, id, *row)

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

    def ids(self) -> list[str]:
        """The id of every article."""
        return [id for (id,) in self._db.execute("SELECT id FROM articles")]

    def entries(self) -> Iterator[tuple[str, bytes, str, str, bytes]]:
        """(id, signature, source, headline, facts) of every article, in the order added:
        what `add` takes, to build another store from this one's articles."""
        yield from self._db.execute(
            "SELECT id, signature, source, headline, facts FROM articles ORDER BY num"
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM articles").fetchone()[0])


def _forget(
    db: sqlite3.Connection, id: str, num: int, story: int, sig: bytes
) -> dict[int, int] | None:
    """Delete an article and its bands. None when its story has no other members; else
    the bands it held that another member has, which that member now holds (key -> its
    number), and if the article named the story, the name is kept in `orphans`."""
    held: list[int] = []
    if sig:
        held = [
            key
            for (key,) in db.execute(
                "SELECT key FROM bands WHERE key IN (SELECT value FROM json_each(?)) "
                "AND story = ? AND num = ?",
                (repr(list(band_keys(sig))), story, num),
            )
        ]
        db.executemany("DELETE FROM bands WHERE key = ? AND story = ?", zip(held, repeat(story)))
    db.execute("DELETE FROM articles WHERE num = ?", (num,))
    members = db.execute("SELECT 1 FROM articles WHERE story = ? LIMIT 1", (story,)).fetchone()
    if not members:
        db.execute("DELETE FROM orphans WHERE story = ?", (story,))
        return None
    if num == story:  # the story outlives the article that named it
        db.execute("INSERT INTO orphans VALUES (?, ?)", (story, id))
    return _hand_over(db, story, set(held))


def _hand_over(db: sqlite3.Connection, story: int, keys: set[int]) -> dict[int, int]:
    """Give each band of `keys`, which `story` no longer holds, to the first of its
    members that has it (as if that one had been the first): a story is found by every
    band its members have, whichever of them goes. The bands given (key -> number)."""
    given: dict[int, int] = {}
    if keys:
        members = db.execute(
            "SELECT num, signature FROM articles WHERE story = ? ORDER BY num", (story,)
        ).fetchall()
        for num, sig in members:
            for key in keys.intersection(band_keys(sig)) if sig else ():
                given[key] = num
            keys.difference_update(given)
            if not keys:
                break
        db.executemany(
            "INSERT INTO bands VALUES (?, ?, ?)", ((key, story, num) for key, num in given.items())
        )
    return given


class _Chunk:
    """Articles added together (`StoryStore.add_all`): what the store holds that they may
    meet (bands of their keys, the articles behind them, earlier versions, names of
    orphaned stories) is read at once, and the chunk's own articles and bands are kept in
    memory (the bands only for keys a later article of the chunk has) until written."""

    def __init__(
        self,
        db: sqlite3.Connection,
        copy_of: CopyOf,
        entries: list[Entry],
        agree: Agree | None = None,
        held: HeldKeys | None = None,
    ) -> None:
        self._db = db
        self._copy_of = copy_of
        self._entries = entries
        self._held = held
        ids = [entry[0] for entry in entries]
        self._stored: dict[str, tuple[int, int, bytes]] = {
            id: (num, story, sig)
            for id, num, story, sig in self._each(
                "SELECT a.id, a.num, a.story, a.signature FROM json_each(?) w "
                "JOIN articles a ON a.id = w.value",
                ids,
            )
        }
        # articles that join a story without a look at their bands' holders: none when an
        # article of the chunk replaces another (its forgetting may change what is held)
        self._joins: dict[int, int] = {}  # place in the chunk -> story
        if agree is not None and not self._stored and len(set(ids)) == len(ids):
            self._joins = self._identical(agree)
        # the band keys of each article that does not join a story so (`_sorted_keys`)
        self._keys = [
            [] if place in self._joins else _sorted_keys(entry[1])
            for place, entry in enumerate(entries)
        ]
        counts = Counter(chain.from_iterable(self._keys))
        # the keys of more than one of those articles (or more than one band of one)
        self._shared = {key for key, count in counts.items() if count > 1}
        looked_up = list(counts) if held is None else held.maybe(list(counts))
        del counts
        # band key -> {story: its first article with the key}, as in the table `bands`,
        # stories in ascending order
        self._holders: dict[int, dict[int, int]] = {}
        for key, story, num in db.execute(
            "SELECT key, story, num FROM bands WHERE key IN (SELECT value FROM json_each(?)) "
            "ORDER BY key, story",  # the order of the primary key: no sorting
            (repr(looked_up),),  # JSON, made faster than json.dumps does
        ):
            self._holders.setdefault(key, {})[story] = num
        met = {num for held in self._holders.values() for num in held.values()}
        self._known: dict[int, tuple[bytes, bytes]] = {
            num: (sig, facts)
            for num, sig, facts in self._each(
                "SELECT a.num, a.signature, a.facts FROM json_each(?) w "
                "JOIN articles a ON a.num = w.value",
                met,
            )
        }
        self._orphans: dict[str, int] = dict(
            self._each(
                "SELECT o.name, o.story FROM json_each(?) w JOIN orphans o ON o.name = w.value", ids
            )
        )
        self._next: int = self._db.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'articles'), 0),"
            " coalesce((SELECT max(num) FROM articles), 0)) + 1"
        ).fetchone()[0]
        # the rows of the chunk's articles and bands not written yet: a band only for a
        # key its story does not hold yet (`bands` keeps the first); those of an article
        # that starts a story as one number each (`_own`)
        self._articles: list[tuple[int, str, int, str, str, bytes, bytes]] = []
        self._bands: list[tuple[int, int, int]] = []
        self._own: list[int] = []

    def _each(self, query: str, values: Iterable[int | str]) -> list[Any]:
        """The rows of `query` joined with each of `values` (`json_each(?) w`)."""
        return self._db.execute(query, (json.dumps(list(values)),)).fetchall()

    def _identical(self, agree: Agree) -> dict[int, int]:
        """The articles of the chunk (place -> story) that join a story as `copy_of` would
        choose, known without their bands' holders: the store's articles with an identical
        signature and agreeing facts are all of one story, which holds each band of the
        signature, one of them by such an article (so one is a candidate, and the first
        identical one `copy_of` meets is of that story); and an earlier article of the
        chunk with an identical signature and agreeing facts joins the same story."""
        prefixes = list({entry[1][:SIGNATURE_PREFIX] for entry in self._entries if entry[1]})
        same: dict[bytes, list[tuple[int, int, bytes]]] = {}  # signature -> num, story, facts
        for num, story, sig, facts in self._db.execute(
            "SELECT num, story, signature, facts FROM articles "
            f"WHERE substr(signature, 1, {SIGNATURE_PREFIX}) IN ({','.join('?' * len(prefixes))})",
            prefixes,
        ):
            same.setdefault(sig, []).append((num, story, facts))
        if not same:
            return {}
        found: dict[int, tuple[int, set[int]]] = {}  # place -> story, its identical articles
        for place, (_, sig, _, _, facts) in enumerate(self._entries):
            if sig in same:
                agreeing = [
                    (num, story) for num, story, other in same[sig] if _agree(agree, facts, other)
                ]
                stories = {story for _, story in agreeing}
                if len(stories) == 1 and (story := stories.pop()) < 2**31:  # see `pairs`
                    found[place] = (story, {num for num, _ in agreeing})
        # The bands of those stories that hold the articles' keys, looked up in key order
        # (each page of the band index visited once): (key + 2**31) * 2**31 + story. Not
        # for a story started by one of the identical articles: that article holds every
        # band of the signature (its rows go with it only).
        keys = {
            place: _sorted_keys(self._entries[place][1])
            for place, (story, nums) in found.items()
            if story not in nums
        }
        pairs = sorted(
            {(key + 2**31) * 2**31 + found[place][0] for place in keys for key in keys[place]}
        )
        held = {
            (key, story): num
            for key, story, num in self._db.execute(
                "SELECT b.key, b.story, b.num FROM json_each(?) w JOIN bands b "
                "ON b.key = (w.value >> 31) - 2147483648 AND b.story = w.value & 2147483647",
                (repr(pairs),),
            )
        }
        joins: dict[int, int] = {}
        earlier: dict[bytes, list[tuple[bytes, int | None]]] = {}  # of the chunk: facts, story
        for place, (_, sig, _, _, facts) in enumerate(self._entries):
            if sig not in same:
                continue
            mine = earlier.setdefault(sig, [])
            if place in found:
                story, nums = found[place]
                if story in nums:
                    holders: list[int | None] = [story]
                else:
                    holders = [held.get((key, story)) for key in keys[place]]
                if (
                    None not in holders
                    and not nums.isdisjoint(holders)
                    and all(
                        joined == story for other, joined in mine if _agree(agree, facts, other)
                    )
                ):
                    joins[place] = story
            mine.append((facts, joins.get(place)))
        return joins

    def add(self, keep_first: bool = False) -> list[str]:
        """Add the chunk's articles (see `StoryStore.add_all`); the ids added."""
        holders = self._holders
        joins = self._joins
        added: list[str] = []
        for place, ((id, sig, source, headline, facts), keys) in enumerate(
            zip(self._entries, self._keys, strict=True)
        ):
            story = joins.get(place)
            if story is not None:  # its story holds all its keys: no bands to add
                num = self._next
                self._next += 1
                self._articles.append((num, id, story, source, headline, sig, facts))
                self._stored[id] = (num, story, sig)
                self._known[num] = (sig, facts)
                added.append(id)
                continue
            if keep_first and id in self._stored:
                continue
            old = self._stored.pop(id, None)
            if old is not None:
                self._forget(id, *old)
            held = list(map(holders.get, keys, repeat(_NONE)))
            met = any(held)
            story = self._story_of(sig, facts, held) if met else None
            if story is None:  # a story of its own, or back in the one it once started
                story = self._orphans.get(id)
            num = self._next
            self._next += 1
            if story is None:
                story = num
            self._articles.append((num, id, story, source, headline, sig, facts))
            self._stored[id] = (num, story, sig)
            self._known[num] = (sig, facts)
            if met:  # the keys whose holders are not of its story
                new = list(compress(keys, map(not_, map(contains, held, repeat(story)))))
            else:
                new = keys
            if story == num < _OWN_LIMIT:  # (key + 2**31) * 2**31 + num
                self._own += map(add, map(lshift, new, repeat(31)), repeat(_OWN_LIMIT**2 + num))
            else:
                self._bands += zip(new, repeat(story), repeat(num))
            for key in self._shared.intersection(new):  # keys a later article has
                _hold(holders, key, story, num)
            added.append(id)
        self._write()
        return added

    def _story_of(self, sig: bytes, facts: bytes, held: list[dict[int, int]]) -> int | None:
        """The story of the candidate the article is a copy of, if any: candidates in
        the order of their band keys (`held`, the holders of each of the article's keys in
        ascending order), then of their stories (the order of SQLite's)."""
        # num -> story, in order met (an article is of one story: a num met again keeps
        # its place and its story)
        candidates = dict(
            zip(chain.from_iterable(map(dict.values, held)), chain.from_iterable(held), strict=True)
        )
        place = self._copy_of(sig, facts, list(map(self._known.__getitem__, candidates)))
        return None if place is None else list(candidates.values())[place]

    def _forget(self, id: str, num: int, story: int, sig: bytes) -> None:
        """Delete an earlier version of an article, in the store and in the chunk's view."""
        self._write()
        given = _forget(self._db, id, num, story, sig)
        if given is None:
            self._orphans = {name: other for name, other in self._orphans.items() if other != story}
            given = {}
        elif num == story:
            self._orphans[id] = story
        for key in band_keys(sig) if sig else []:
            held = self._holders.get(key)
            if held and held.get(story) == num:
                if key in given:  # in its place: the stories of a key stay in order
                    held[story] = given[key]
                else:
                    del held[story]
        self._known.update(
            (num, (sig, facts))
            for num, sig, facts in self._each(
                "SELECT a.num, a.signature, a.facts FROM json_each(?) w "
                "JOIN articles a ON a.num = w.value",
                set(given.values()) - self._known.keys(),
            )
        )

    def _write(self) -> None:
        """Write the articles added since the last write, and their bands (in the order
        of the band index: each of its pages is visited once)."""
        self._db.executemany(
            "INSERT INTO articles (num, id, story, source, headline, signature, facts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            self._articles,
        )
        if self._held is not None:  # a packed key's lowest 31 bits are the key's
            self._held.add(
                chain(map(rshift, self._own, repeat(31)), map(itemgetter(0), self._bands))
            )
        if self._own:  # unpacked and sorted by SQLite, from JSON made by repr
            self._db.execute(
                "INSERT OR IGNORE INTO bands SELECT (value >> 31) - 2147483648, "
                "value & 2147483647, value & 2147483647 FROM json_each(?) ORDER BY value",
                (repr(self._own),),
            )
            self._own.clear()
        self._bands.sort(key=itemgetter(0))
        self._db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?, ?)", self._bands)
        self._articles.clear()
        self._bands.clear()


_NONE: dict[int, int] = {}  # the holders of a key no story holds (never changed)
_OWN_LIMIT = 2**31  # article numbers whose bands `_Chunk._own` packs
_SIGNATURE_INDEX = (
    "CREATE INDEX IF NOT EXISTS articles_signature "
    f"ON articles (substr(signature, 1, {SIGNATURE_PREFIX}))"
)


def _agree(agree: Agree, facts: bytes, other: bytes) -> bool:
    return facts == other or agree(facts, other)


def _hold(holders: dict[int, dict[int, int]], key: int, story: int, num: int) -> None:
    """Record that `story` holds band `key` by its article `num` (if it holds it by none
    yet), keeping the stories of a key in ascending order."""
    held = holders.get(key)
    if held is None:
        holders[key] = {story: num}
    elif story not in held:
        earlier = bool(held) and story < next(reversed(held))
        held[story] = num
        if earlier:  # an older story joined by an article of the chunk
            in_order = sorted(held.items())
            held.clear()
            held.update(in_order)


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
