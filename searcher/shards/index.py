"""`ShardedIndex`: what `Index(path)` opens for a folder holding a sharded index.

Writing routes each article to its shard (`manifest.shard_of`) and writes the shards in
processes of their own, one writer each. Reading asks every shard and merges: a ranked
search first gathers what BM25F reads from each shard (`Index.query_statistics`), sums it,
and lets every shard score with the sums (`bm25f.statistics`), so scores and ranking equal
those of one index of the same articles; totals, facets and counts add up.
"""

from __future__ import annotations

import heapq
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from searcher.errors import (
    ArticleNotFoundError,
    FilterError,
    IndexMissingError,
    NotAnIndexError,
    ShardsOnWorkersError,
)
from searcher.index import Index
from searcher.models import (
    Article,
    ArticleView,
    Hit,
    IndexReport,
    IndexStats,
    Progress,
    QuoteResults,
    Results,
    RunRow,
    SearchOptions,
    SpeakerCount,
    Story,
    Topic,
)
from searcher.query.bm25f import CollectionStatistics, statistics
from searcher.query.copies import COLLAPSE_SPARE
from searcher.query.syntax import as_text
from searcher.shards.manifest import read_manifest, shard_of
from searcher.shards.stories import shard_store
from searcher.store import DEFAULT_COMMIT_EVERY
from searcher.store.stories import StoryStore

if TYPE_CHECKING:
    from searcher.corpus import Corpus
    from searcher.shards.cluster import Cluster


class ShardedIndex(Index):
    """An index split into shards (`manifest`), used as an `Index`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.manifest = read_manifest(self.path)
        self.shards = [Index(folder) for folder in self.manifest.folders(self.path)]
        self.cluster: Cluster | None = None

    def close(self) -> None:
        for shard in self.shards:
            shard.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def _each(
        self, method: str, stats: CollectionStatistics | None, *args: Any, **kw: Any
    ) -> list[Any]:
        """`Index.method(*args, **kw)` of every shard holding articles (scoring with
        `stats`), in shard order: here, or on the cluster's workers."""
        if self.cluster is None or not self.manifest.on_workers:  # (theirs: not on this disk)
            self._searched()
        if self.cluster is not None:
            answers = self.cluster.each(method, stats, *args, **kw)
            if not (held := [answer for answer in answers if answer is not None]):
                raise IndexMissingError(str(self.path), f"The index at {self.path} has no articles")
            return held
        with ExitStack() as stack:
            if stats is not None:
                stack.enter_context(statistics(stats))
            return [
                answer
                for shard in self.shards
                if (answer := call_shard(shard, method, args, kw)) is not None
            ]

    def exists(self) -> bool:
        return any(shard.exists() for shard in self.shards)

    def __len__(self) -> int:
        return sum(len(shard) for shard in self.shards)

    # Writing (`building`: the readers and writers are not needed by searches)

    def add(self, articles: Iterable[Article]) -> IndexReport:
        """Index every article into its shard, one shard after the other (see `Index.add`)."""
        from searcher.shards.building import add_articles

        return add_articles(self.path, self.manifest, articles)

    def update(
        self,
        corpus: Corpus,
        *,
        workers: int | None = None,
        commit_every: int = DEFAULT_COMMIT_EVERY,
        prune: bool = True,
        rebuild: bool = False,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> IndexReport:
        """Bring every shard up to date with `corpus` (`building.update_shards`)."""
        from searcher.shards.building import update_shards

        return update_shards(
            self.path,
            self.manifest,
            corpus,
            cluster=self.cluster,
            workers=workers,
            commit_every=commit_every,
            prune=prune,
            rebuild=rebuild,
            on_progress=on_progress,
        )

    def optimize(self) -> int:
        return sum(shard.optimize() for shard in self._live_shards())

    # Reading

    def _live_shards(self) -> list[Index]:
        if self.manifest.on_workers and self.cluster is None:
            raise ShardsOnWorkersError(str(self.path))
        live = [shard for shard in self.shards if shard.exists()]
        if not live:
            raise IndexMissingError(str(self.path))
        return live

    def _searched(self) -> list[Index]:
        """The shards that hold articles (a search of an empty shard raises)."""
        live = [shard for shard in self._live_shards() if len(shard)]
        if not live:
            raise IndexMissingError(str(self.path), f"The index at {self.path} has no articles")
        return live

    def query_statistics(
        self, text: str, options: SearchOptions | None = None
    ) -> CollectionStatistics:
        return sum_statistics(self._each("query_statistics", None, text, options))

    def search(
        self,
        text: str,
        limit: int | None = 10,
        offset: int = 0,
        options: SearchOptions | None = None,
        all_copies: bool = False,
    ) -> Results:
        """As `Index.search`: near-duplicates collapse over every shard (the index's own
        story store), and a hit lists its story's other copies ranked among the matches
        gathered for the page."""
        options = _sharded_options(options)
        wanted = None if limit is None else offset + limit
        order = _hit_order(options.sort)
        stats = self.query_statistics(text, options)
        with shard_store(self.path) as store:
            depth = wanted if all_copies or wanted is None else wanted + COLLAPSE_SPARE
            while True:
                answers = self._each(
                    "search", stats, text, limit=depth, options=options, all_copies=True
                )
                ranked = _merged([answer.hits for answer in answers], order, 0, None)
                if all_copies or store is None:
                    hits = ranked[offset:wanted]
                    break
                hits = _collapsed(ranked, store)
                exhausted = all(len(a.hits) < (depth or 0) for a in answers)
                if depth is None or wanted is None or len(hits) >= wanted or exhausted:
                    hits = hits[offset:wanted]
                    break
                depth *= 4
        total = sum(answer.total for answer in answers)
        return Results(
            query=text,
            total=total,
            hits=tuple(replace(hit, rank=rank) for rank, hit in enumerate(hits, offset + 1)),
            facets={
                name: _summed_counts(answer.facets.get(name, {}) for answer in answers)
                for name in (options.facets or ())
            },
            suggestion=next((a.suggestion for a in answers if a.suggestion), None),
            undated_excluded=sum(answer.undated_excluded for answer in answers),
            emptied_by=() if total else _emptied_by(answers),
        )

    def iter_search(self, text: str, options: SearchOptions | None = None) -> Iterator[Hit]:
        options = _sharded_options(options)
        shards = self._searched()
        with statistics(self.query_statistics(text, options)):
            # Each shard's export copies the context now, statistics included.
            streams = [shard.iter_search(text, options) for shard in shards]
        merged = heapq.merge(*streams, key=_hit_order(options.sort))
        return (replace(hit, rank=rank) for rank, hit in enumerate(merged, 1))

    def run(
        self,
        topics: Iterable[Topic],
        limit: int = 1000,
        syntax: bool = False,
        feedback: bool = SearchOptions.feedback,
    ) -> list[RunRow]:
        _sharded_options(SearchOptions(feedback=feedback))
        rows: list[RunRow] = []
        for topic in topics:
            text = topic.query if syntax else as_text(topic.query)
            stats = self.query_statistics(text)
            found = [
                row for part in self._each("run", stats, [topic], limit, syntax) for row in part
            ]
            found.sort(key=lambda row: (-row.score, row.docno))
            rows.extend(replace(row, rank=rank) for rank, row in enumerate(found[:limit], 1))
        return rows

    def show(self, article: str, query: str | None = None) -> ArticleView:
        shards = self._searched()
        home = self.shards[shard_of(article, self.manifest.shards)]
        for shard in [home, *(shard for shard in shards if shard is not home)]:
            try:
                view = shard.show(article, query)
            except (ArticleNotFoundError, IndexMissingError):
                continue
            with shard_store(self.path) as store:
                if store is None:
                    return view
                article_id = view.article.id
                story = store.stories_of([article_id]).get(article_id)
                copies = store.story(story).copies if story else ()
            return replace(view, copies=tuple(c for c in copies if c.id != article_id))
        raise ArticleNotFoundError(article)

    def similar(self, article: str, limit: int = 10, all_copies: bool = False) -> Results:
        """Not yet on a sharded index (it would need global statistics for the article's
        terms): a `FilterError` saying so."""
        raise FilterError("Similar articles are not available on a sharded index yet")

    def quotes(
        self,
        text: str,
        speaker: str | None = None,
        limit: int | None = 10,
        offset: int = 0,
        all_copies: bool = False,
    ) -> QuoteResults:
        wanted = None if limit is None else offset + limit
        answers = self._each("quotes", None, text, speaker, limit=wanted, all_copies=all_copies)
        quotes = _merged(
            [answer.quotes for answer in answers],
            lambda q: (-q.score, q.article_id, q.text),
            offset,
            wanted,
        )
        return QuoteResults(
            query=text, total=sum(answer.total for answer in answers), quotes=tuple(quotes)
        )

    def speakers(
        self, text: str | None = None, limit: int | None = 20, all_copies: bool = False
    ) -> tuple[SpeakerCount, ...]:
        """Who is quoted most; a quote repeated by copies of a story counts once in each
        shard (copies in two shards count twice), unless `all_copies`."""
        quotes: Counter[str] = Counter()
        articles: Counter[str] = Counter()
        for part in self._each("speakers", None, text, limit=None, all_copies=all_copies):
            for count in part:
                quotes[count.name] += count.quotes
                articles[count.name] += count.articles
        ranked = sorted(quotes, key=lambda name: (-quotes[name], -articles[name], name))
        return tuple(SpeakerCount(name, quotes[name], articles[name]) for name in ranked[:limit])

    def duplicates(self, min_size: int = 2) -> list[Story]:
        """Stories with at least `min_size` copies, largest first, over every shard."""
        self._live_shards()
        with shard_store(self.path) as store:
            return [] if store is None else list(store.largest(min_size))

    def stats(self) -> IndexStats:
        parts = [shard.stats() for shard in self._live_shards()]
        firsts = [part.first_date for part in parts if part.first_date]
        lasts = [part.last_date for part in parts if part.last_date]
        updated = [part.updated for part in parts if part.updated]
        return IndexStats(
            articles=sum(part.articles for part in parts),
            sources=_summed_counts(part.sources for part in parts),
            first_date=min(firsts) if firsts else None,
            last_date=max(lasts) if lasts else None,
            languages=tuple(sorted({lang for part in parts for lang in part.languages})),
            size=sum(part.size for part in parts),
            segments=sum(part.segments for part in parts),
            updated=max(updated) if updated else None,
        )


def call_shard(shard: Index, method: str, args: tuple[Any, ...], kw: dict[str, Any]) -> Any:
    """`shard.method(*args, **kw)`, or None for a shard holding no articles."""
    if not len(shard):
        return None
    return getattr(shard, method)(*args, **kw)


def open_index(
    path: str | os.PathLike[str], scheduler: str | None = None, replicas: int = 1
) -> Index:
    """`Index(path)`; with the address of a Dask scheduler (`tcp://HOST:PORT`), a sharded
    index whose shards are written and searched by that cluster's workers, `replicas`
    workers serving each shard (a query moves to the next when one is lost)."""
    index = Index(path)
    if scheduler is None:
        return index
    if not isinstance(index, ShardedIndex):
        raise NotAnIndexError(str(path), "it is not sharded (a cluster serves sharded indexes)")
    from searcher.shards.cluster import Cluster  # Dask: only with a scheduler

    folders = index.manifest.folders(index.path)
    index.cluster = Cluster(scheduler, folders, replicas, index.manifest.workers)
    return index


def sum_statistics(parts: Iterable[CollectionStatistics]) -> CollectionStatistics:
    """The statistics of the shards `parts` together."""
    live = documents = 0
    lengths: Counter[str] = Counter()
    df: Counter[Any] = Counter()
    for part in parts:
        live += part.live
        documents += part.documents
        lengths.update(part.lengths)
        df.update(part.df)
    return CollectionStatistics(live=live, documents=documents, lengths=lengths, df=df)


def _sharded_options(options: SearchOptions | None) -> SearchOptions:
    options = options or SearchOptions()
    if options.feedback:
        raise FilterError(
            "Feedback is not available on a sharded index yet",
            hint="Search without feedback.",
        )
    return options


def _hit_order(sort: str) -> Callable[[Hit], tuple[Any, ...]]:
    """The merge order of hits in a search sorted by `sort`: score, or date (undated last),
    ties by id."""
    if sort == "relevance":
        return lambda hit: (-hit.score, hit.id)
    sign = -1 if sort == "newest" else 1

    def by_date(hit: Hit) -> tuple[Any, ...]:
        if hit.date is None:
            return (1, 0.0, -hit.score, hit.id)
        return (0, sign * hit.date.timestamp(), -hit.score, hit.id)

    return by_date


def _merged(
    lists: Sequence[Sequence[Any]], key: Callable[[Any], Any], offset: int, wanted: int | None
) -> list[Any]:
    """Items `offset` to `wanted` of the sorted `lists` merged by `key`."""
    merged = sorted((item for items in lists for item in items), key=key)
    return merged[offset:wanted]


def _collapsed(ranked: Sequence[Hit], stories: StoryStore) -> list[Hit]:
    """The best-ranked copy of each story in `ranked`, listing the story's other copies
    among `ranked`."""
    story_of = stories.stories_of(hit.id for hit in ranked)
    members: dict[str, list[Hit]] = {}
    for hit in ranked:
        members.setdefault(story_of.get(hit.id, hit.id), []).append(hit)
    kept = []
    for story, hits in members.items():
        ranked_ids = {hit.id for hit in hits}
        copies = tuple(
            c for c in stories.story(story).copies if c.id in ranked_ids and c.id != hits[0].id
        )
        kept.append(replace(hits[0], story=story, copies=copies))
    return kept


def _summed_counts(parts: Iterable[Any]) -> dict[str, int]:
    """{label: count} of every part added up, most frequent first (as facets order)."""
    total: Counter[str] = Counter()
    for part in parts:
        total.update(part)
    return dict(sorted(total.items(), key=lambda item: (-item[1], item[0])))


def _emptied_by(answers: Sequence[Results]) -> tuple[str, ...]:
    """The filters that left no match in any shard (each shard names its own)."""
    named = [answer.emptied_by for answer in answers if answer.emptied_by]
    if not named:
        return ()
    common = set(named[0]).intersection(*named[1:])
    return tuple(name for name in named[0] if name in common) or named[0]
