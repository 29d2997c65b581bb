"""The stories of a sharded index: one story store over every shard's articles.

A story can span shards (its copies have different ids, so hash to different shards), so
the shards' own stores, which group copies within a shard, are merged into a store in the
index folder: every article added again, in the order the corpus gave them, finds its
copies in every shard as one index's store would.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from searcher.store.sidecars import sidecar_damage
from searcher.store.stories import STORE_FILE, StoryStore, open_store, remove_store


def merge_stories(folder: Path, shards: Sequence[Path], position: Mapping[str, int]) -> None:
    """Write the story store of `folder` anew from the stores of `shards`, adding each
    article in `position` order (articles it does not place last, in shard order)."""
    from searcher.enrich.duplicates import copy_likeness  # writing only: queries skip it

    entries: list[tuple[str, bytes, str, str, bytes]] = []
    for shard in shards:
        with shard_store(shard) as store:
            if store is not None:
                entries.extend(store.entries())
    entries.sort(key=lambda entry: position.get(entry[0], len(position)))
    remove_store(folder)
    with sidecar_damage(folder, STORE_FILE):
        merged = StoryStore(folder, likeness=copy_likeness)
        try:
            for article_id, sig, source, headline, facts in entries:
                merged.add(article_id, sig, source, headline, facts)
            merged.commit()
        finally:
            merged.close()


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
