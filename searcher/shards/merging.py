"""Merging the shards' answers to a query as one index answers it: near-duplicates
collapsed over every shard through the index's own story store, each hit listing its
story's copies that match wherever they live, and the tiers of a date sort kept."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Any

from searcher.models import Hit, Results
from searcher.query.copies import COLLAPSE_SPARE
from searcher.query.search import EXPORT_BATCH
from searcher.shards.stories import shard_store
from searcher.store.stories import StoryStore

# The shards' answers to a query asked `depth` deep (all with None), and their hits merged.
Ask = Callable[[int | None], tuple[list[Results], list[Hit]]]
# Which of some article ids match the query (`Index.matching_ids`).
Matching = Callable[[list[str]], Mapping[str, bool]]


def gathered(
    ask: Ask, stories: StoryStore | None, offset: int, wanted: int | None
) -> tuple[list[Results], list[Hit]]:
    """The shards' answers and hits `offset` to `wanted` of the merged ranking, which
    `stories` (None: every copy) collapse to the best copy of each story (`collapsed`):
    asked deeper until the page is full or the shards have no more."""
    depth = wanted if stories is None or wanted is None else wanted + COLLAPSE_SPARE
    while True:
        answers, ranked = ask(depth)
        if stories is None:
            return answers, ranked[offset:wanted]
        hits = collapsed(ranked, stories)
        exhausted = all(len(answer.hits) < (depth or 0) for answer in answers)
        if depth is None or wanted is None or len(hits) >= wanted or exhausted:
            return answers, hits[offset:wanted]
        depth *= 4


def collapsed(ranked: Sequence[Hit], stories: StoryStore) -> list[Hit]:
    """The best-ranked copy of each story in `ranked`, named by its story."""
    story_of = stories.stories_of(hit.id for hit in ranked)
    kept: dict[str, Hit] = {}
    for hit in ranked:
        story = story_of.get(hit.id, hit.id)
        kept.setdefault(story, replace(hit, story=story))
    return list(kept.values())


def with_copies(hits: Sequence[Hit], stories: StoryStore, matching: Matching) -> list[Hit]:
    """`hits` (collapsed) each listing the other copies of its story that match the
    query, in whichever shard they are (a copy the query or the filters leave out is no
    result, so not listed)."""
    others = {
        hit.id: [c for c in stories.story(hit.story).copies if c.id != hit.id] for hit in hits
    }
    ids = [copy.id for copies in others.values() for copy in copies]
    found = matching(ids) if ids else {}
    return [replace(hit, copies=tuple(c for c in others[hit.id] if c.id in found)) for hit in hits]


def in_tiers(hits: Iterator[Hit], matching: Matching) -> Iterator[tuple[int, Hit]]:
    """(tier, hit) of one shard's export sorted by date: 0 for the articles holding every
    word (`matching`, asked `EXPORT_BATCH` hits at a time), 1 for the others."""
    while batch := list(islice(hits, EXPORT_BATCH)):
        first = matching([hit.id for hit in batch])
        yield from ((0 if first.get(hit.id, True) else 1, hit) for hit in batch)


def exported(hits: Iterator[Hit], folder: Path, matching: Matching) -> Iterator[Hit]:
    """The merged export `hits`, each naming its story in the story store of the sharded
    index in `folder` and listing the story's copies that match (`with_copies`), read
    `EXPORT_BATCH` hits at a time."""
    with shard_store(folder) as stories:
        while batch := list(islice(hits, EXPORT_BATCH)):
            if stories is None:
                yield from batch
                continue
            story_of = stories.stories_of(hit.id for hit in batch)
            named = [replace(hit, story=story_of.get(hit.id, hit.id)) for hit in batch]
            yield from with_copies(named, stories, matching)


def added_order(stories: StoryStore) -> dict[str, int]:
    """{article id: place} in the order the articles were added to `stories` (the
    corpus's: one index's document order)."""
    return {entry[0]: place for place, entry in enumerate(stories.entries())}


def merged_matches(parts: Sequence[Mapping[str, bool]]) -> dict[str, bool]:
    """The shards' `Index.matching_ids` answers as one."""
    return {article_id: first for part in parts for article_id, first in part.items()}


def tiered(
    order: Callable[[Hit], tuple[Any, ...]], first: Mapping[str, bool]
) -> Callable[[Hit], tuple[Any, ...]]:
    """`order` within tiers: the hits `first` names first (a date sort ranks the articles
    holding every word first, each tier by date)."""
    return lambda hit: (not first.get(hit.id, True), *order(hit))
