"""The stories of a sharded index: one story store over every shard's articles.

A story can span shards (its copies have different ids, so hash to different shards), so
the shards' own stores, which group copies within a shard, are merged into a store in the
index folder: every new or changed article added, in the order the corpus gave them, finds
its copies in every shard as one index's store would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from searcher.errors import IndexDamagedError, IndexOutdatedError
from searcher.shards.manifest import shard_of
from searcher.store.sidecars import sidecar_damage
from searcher.store.stories import STORE_FILE, StoryStore, open_store, remove_store

# What a story store keeps of an article: id, signature, source, headline, facts.
Entry = tuple[str, bytes, str, str, bytes]
# A shard's store against the articles of the shard that the index's store holds (id ->
# digest): the entries it has new or in another version, and the ids it no longer has.
Changes = tuple[list[Entry], list[str]]
# The changes of every shard, given what the index's store holds of each.
ChangesOf = Callable[[list[dict[str, bytes]]], list[Changes]]


def merge_stories(
    folder: Path,
    shards: int,
    changes: ChangesOf,
    order: Callable[[str], tuple[int, int]],
    rebuild: bool = False,
) -> None:
    """Bring the story store of `folder` in line with the stores of its `shards` (their
    `changes`, see `local_changes`): the articles they no longer hold out, and the new or
    changed ones in, in `order` (of their ids: that of the corpus; ties in shard order).
    Articles unchanged since the last merge are not added again. `rebuild`, or a store
    that cannot be read, writes it anew from every article."""
    if rebuild:
        remove_store(folder)
    try:
        _merge(folder, shards, changes, order)
    except (IndexDamagedError, IndexOutdatedError):
        remove_store(folder)
        _merge(folder, shards, changes, order)


def _merge(
    folder: Path, shards: int, changes: ChangesOf, order: Callable[[str], tuple[int, int]]
) -> None:
    # writing only: queries skip it
    from searcher.enrich.duplicates import copy_of, facts_agree

    with sidecar_damage(folder, STORE_FILE):
        merged = StoryStore(folder, copy_of=copy_of, agree=facts_agree)
        try:
            held: list[dict[str, bytes]] = [{} for _ in range(shards)]
            for entry in merged.entries():
                held[shard_of(entry[0], shards)][entry[0]] = _digest(entry)
            found = changes(held)
            changed = [entry for entries, _ in found for entry in entries]
            changed.sort(key=lambda entry: order(entry[0]))
            merged.remove(gone for _, ids in found for gone in ids)
            merged.add_all(changed)  # each in place of its earlier version
            merged.commit()
        finally:
            merged.close()


def shard_changes(folder: Path, held: Mapping[str, bytes]) -> Changes:
    """The changes of the store of the shard in `folder` against `held` (on the machine
    holding the shard)."""
    left = dict(held)
    changed: list[Entry] = []
    with shard_store(folder) as store:
        for entry in store.entries() if store is not None else ():
            if left.pop(entry[0], None) != _digest(entry):
                changed.append(entry)
    return changed, list(left)


def local_changes(folders: Sequence[Path]) -> ChangesOf:
    """The changes of the shards in `folders`, read here."""
    return lambda held: [shard_changes(f, h) for f, h in zip(folders, held, strict=True)]


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
