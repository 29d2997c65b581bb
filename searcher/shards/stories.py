"""The stories of a sharded index: one story store over every shard's articles.

A story can span shards (its copies have different ids, so hash to different shards), so
the shards' own stores, which group copies within a shard, are merged into a store in the
index folder: every new or changed article added, in the order the corpus gave them, finds
its copies in every shard as one index's store would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from searcher.errors import IndexDamagedError, IndexOutdatedError
from searcher.store.sidecars import sidecar_damage
from searcher.store.stories import STORE_FILE, StoryStore, open_store, remove_store


def merge_stories(
    folder: Path,
    shards: Sequence[Path],
    position: Mapping[str, tuple[int, int]],
    rebuild: bool = False,
) -> None:
    """Bring the story store of `folder` in line with the stores of `shards`: the articles
    they no longer hold (or hold in another version) out, and the new versions in, in
    `position` order (articles it does not place last, in shard order). Articles unchanged
    since the last merge are not added again. `rebuild`, or a store that cannot be read,
    writes it anew from every article."""
    if rebuild:
        remove_store(folder)
    try:
        _merge(folder, shards, position)
    except (IndexDamagedError, IndexOutdatedError):
        remove_store(folder)
        _merge(folder, shards, position)


def _merge(folder: Path, shards: Sequence[Path], position: Mapping[str, tuple[int, int]]) -> None:
    from searcher.enrich.duplicates import copy_likeness  # writing only: queries skip it

    with sidecar_damage(folder, STORE_FILE):
        merged = StoryStore(folder, likeness=copy_likeness)
        try:
            held = {entry[0]: _digest(entry) for entry in merged.entries()}
            changed: list[Entry] = []
            for shard in shards:
                with shard_store(shard) as store:
                    for entry in store.entries() if store is not None else ():
                        if held.pop(entry[0], None) != _digest(entry):
                            changed.append(entry)
            last = (len(position) + 1, 0)
            changed.sort(key=lambda entry: position.get(entry[0], last))
            merged.remove(held)  # what no shard holds any more
            for entry in changed:
                merged.add(*entry)  # in place of its earlier version
            merged.commit()
        finally:
            merged.close()


# What a story store keeps of an article: id, signature, source, headline, facts.
Entry = tuple[str, bytes, str, str, bytes]


def _digest(entry: Entry) -> bytes:
    """A short fingerprint of an entry: equal for the same version of an article."""
    digest = hashlib.blake2b(digest_size=16)
    for part in entry:
        data = part.encode("utf-8") if isinstance(part, str) else bytes(part or b"")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.digest()


@contextmanager
def shard_store(folder: Path) -> Iterator[StoryStore | None]:
    """The story store of `folder` opened for reading (None when it has none)."""
    with sidecar_damage(folder, STORE_FILE):
        store = open_store(folder)
        try:
            yield store
        finally:
            if store is not None:
                store.close()
