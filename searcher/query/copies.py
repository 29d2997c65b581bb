"""Near-duplicates at query time: a ranking collapsed to the best copy of each story, and
a hit's other copies."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from whoosh.searching import Searcher

from searcher.models import Hit
from searcher.store.stories import StoryStore

Ranked = tuple[int, float]  # (document number, score)

# Hits ranked beyond a page when collapsing, for the copies it drops.
COLLAPSE_SPARE = 5
COLLAPSE_CHUNK = 500  # ranked documents whose stories are looked up at a time, for every match


def collapse(
    searcher: Searcher,
    rank: Callable[[int | None], Sequence[Ranked]],
    stories: StoryStore,
    wanted: int | None,
    total: int,
    leave_out: str = "",
) -> list[tuple[str, int, float]]:
    """(story, document number, score) of the best-ranked copy of each of the first
    `wanted` stories, in ranked order, the story `leave_out` left out. `rank(depth)` ranks
    the best `depth` of the `total` matches (all with None).

    The ranking is deepened until it holds `wanted` stories or every match; only the
    stored ids of the ranked documents are read, so dropped copies cost no snippets.
    """
    depth = None if wanted is None else wanted + COLLAPSE_SPARE
    kept: dict[str, tuple[int, float]] = {}
    seen = 0
    chunk = COLLAPSE_CHUNK if wanted is None else wanted + COLLAPSE_SPARE
    while True:
        ranked = rank(depth)
        # A date order ranks every match at once: read ids only until the page is full.
        while seen < len(ranked) and (wanted is None or len(kept) < wanted):
            fresh = ranked[seen : seen + chunk]
            ids = [searcher.reader().stored_fields(docnum)["id"] for docnum, _ in fresh]
            story_of = stories.stories_of(ids)
            for found, article_id in zip(fresh, ids, strict=True):
                story = story_of.get(article_id, article_id)
                if story != leave_out:
                    kept.setdefault(story, found)
            seen += len(fresh)
        if wanted is None or depth is None or len(kept) >= wanted:
            break
        if len(ranked) < depth or len(ranked) >= total:  # every match ranked
            break
        depth *= 4
    return [(story, docnum, score) for story, (docnum, score) in kept.items()][:wanted]


def with_copies(
    searcher: Searcher, hit: Hit, stories: StoryStore, story: str, matched: set[int]
) -> Hit:
    """`hit` as the best copy of `story`, listing the story's other copies among the
    `matched` documents: a copy that the query or the filters leave out is no result,
    so not listed."""
    copies = tuple(
        c
        for c in stories.story(story).copies
        if c.id != hit.id and searcher.document_number(id=c.id) in matched
    )
    return replace(hit, story=story, copies=copies)


def story_documents(searcher: Searcher, stories: StoryStore, article_id: str) -> set[int]:
    """The documents of every copy in the story of `article_id`."""
    story = stories.stories_of([article_id]).get(article_id, article_id)
    found = (searcher.document_number(id=c.id) for c in stories.story(story).copies)
    return {docnum for docnum in found if docnum is not None}
