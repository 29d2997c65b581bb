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
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh.reading import IndexReader, MultiReader

from searcher.errors import (
    ArticleNotFoundError,
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
    QuoteHit,
    QuoteResults,
    Results,
    RunRow,
    SearchOptions,
    SpeakerCount,
    Story,
    Topic,
)
from searcher.query import feedback as relevance_feedback
from searcher.query.bm25f import CollectionStatistics, statistics
from searcher.query.quote_search import (
    asked_speaker,
    has_words,
    newest_first,
    once_per_story,
    quote_order,
    quote_page,
    rank_speakers,
)
from searcher.query.related import SIMILAR_FIELDS, body_terms, key_terms, likeness_text
from searcher.query.search import feedback_expansion
from searcher.query.syntax import as_text
from searcher.query.whoosh_scoring import FieldStatistics, summed
from searcher.shards.feedback import held_articles, stand_in
from searcher.shards.manifest import read_manifest, shard_of
from searcher.shards.merging import (
    added_order,
    exported,
    gathered,
    in_tiers,
    merged_matches,
    tiered,
    with_copies,
)
from searcher.shards.stories import shard_store
from searcher.store import DEFAULT_COMMIT_EVERY

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
                self._sizes()  # no shard written yet: "No index", as here
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

    def _held(self, call: Callable[..., Any], *args: Any) -> list[Any]:
        """`call(shard, *args)` of every shard, in shard order: on the worker holding it
        when the shards live on their workers' disks, else here (any shard, even one not
        written yet)."""
        if not self.manifest.on_workers:
            return [call(shard, *args) for shard in self.shards]
        if self.cluster is None:
            raise ShardsOnWorkersError(str(self.path))
        return self.cluster.each(call, None, *args)

    def exists(self) -> bool:
        return any(self._held(Index.exists))

    def __len__(self) -> int:
        return sum(self._held(len))

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
        """As `Index.optimize`, each shard by the machine holding it."""
        self._sizes()
        return sum(self._held(_optimized))

    # Reading

    def _sizes(self) -> list[int | None]:
        """The articles of every shard (None: not written yet), counted where it lives;
        raises `IndexMissingError` when no shard is written."""
        sizes = self._held(_size)
        if all(size is None for size in sizes):
            raise IndexMissingError(str(self.path))
        return sizes

    def _searched(self) -> list[Index]:
        """The shards that hold articles (a search of an empty shard raises)."""
        live = [shard for shard, size in zip(self.shards, self._sizes(), strict=True) if size]
        if not live:
            raise IndexMissingError(str(self.path), f"The index at {self.path} has no articles")
        return live

    def query_statistics(
        self, text: str, options: SearchOptions | None = None
    ) -> CollectionStatistics:
        return summed(self._each("query_statistics", None, text, options))

    def _ranking(
        self, text: str, options: SearchOptions
    ) -> tuple[SearchOptions, CollectionStatistics]:
        """The options every shard ranks `text` with, and the statistics it scores with.
        With feedback, the first ranking is every shard's (`search.first_ranking`),
        merged by score and id; the expansion is learnt from its best articles read
        through all the shards at once (`_union`), and the shards are given it with the
        figures of the query it rescores with and each tier's last article the whole
        index rescores (`FieldStatistics.rescored`), so that they rescore the articles
        one index would."""
        plain = replace(options, feedback=False)
        stats = self.query_statistics(text, plain)
        if not options.feedback or options.sort != "relevance":
            return plain, stats
        answers = self._each("first_ranking", stats, text, plain)
        best = sorted((found for first, _ in answers for found in first), key=_by_score)
        tiers = [
            sorted((found for tier in parts for found in tier), key=_by_score)
            for parts in zip_longest(*(tiers for _, tiers in answers), fillvalue=[])
        ]
        ids = [article_id for _, article_id in best][: relevance_feedback.FEEDBACK_DOCS + 1]
        with self._union(ids, stats) as reader:
            more = feedback_expansion(reader, text, plain, ids)
        if more is None:
            return plain, stats
        given = FieldStatistics(0, 0, {}, {}, expansion=more)
        parts = self._each("query_statistics", given, text, options)
        bounds = tuple(
            tier[relevance_feedback.RESCORED - 1]
            if len(tier) >= relevance_feedback.RESCORED
            else None
            for tier in tiers
        )
        return options, replace(summed(parts), expansion=more, rescored=bounds)

    @contextmanager
    def _union(self, ids: list[str], stats: CollectionStatistics) -> Iterator[IndexReader]:
        """One reader on every shard's segments (for the articles `ids` and the terms that
        feedback reads: all the shards' figures at once); for shards on their workers'
        disks, a reader standing in for them (`feedback.stand_in`), scoring with `stats`."""
        if self.cluster is not None and self.manifest.on_workers:
            articles = [article for part in self._held(held_articles, ids) for article in part]

            def figures(terms: list[tuple[str, str]]) -> FieldStatistics:
                return summed(self._each("field_statistics", None, terms))

            with stand_in(articles, figures) as reader, statistics(stats):
                yield reader
            return
        with ExitStack() as stack:
            opened = [stack.enter_context(shard.reading()) for shard in self._searched()]
            yield MultiReader([leaf for reader in opened for leaf, _ in reader.leaf_readers()])

    def search(
        self,
        text: str,
        limit: int | None = 10,
        offset: int = 0,
        options: SearchOptions | None = None,
        all_copies: bool = False,
    ) -> Results:
        """As `Index.search`: near-duplicates collapse over every shard (the index's own
        story store), a hit lists its story's other copies that match in any shard, and a
        date sort ranks the all-terms matches of every shard first (`merging`)."""
        options, stats = self._ranking(text, options or SearchOptions())
        wanted = None if limit is None else offset + limit
        order = _hit_order(options.sort)

        def matching(ids: list[str]) -> dict[str, bool]:
            return merged_matches(self._each("matching_ids", None, text, ids, options))

        def ask(depth: int | None) -> tuple[list[Results], list[Hit]]:
            answers = self._each(
                "search", stats, text, limit=depth, options=options, all_copies=True
            )
            hits = [hit for answer in answers for hit in answer.hits]
            if options.sort == "relevance":
                return answers, sorted(hits, key=order)
            return answers, sorted(hits, key=tiered(order, matching([h.id for h in hits])))

        with shard_store(self.path) as store:
            stories = None if all_copies else store
            answers, hits = gathered(ask, stories, offset, wanted)
            if stories is not None:
                hits = with_copies(hits, stories, matching)
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
        """As `Index.iter_search`: the shards' exports merged (a date sort's all-terms
        matches first), each hit naming its story over every shard and listing the
        story's copies that match in any shard."""
        options, stats = self._ranking(text, options or SearchOptions())
        streams: list[Iterator[Hit]]
        if self.cluster is not None and self.manifest.on_workers:  # each shard's at once
            every = self._each("search", stats, text, limit=None, options=options, all_copies=True)
            streams = [iter(answer.hits) for answer in every]
        else:
            with statistics(stats):
                # Each shard's export copies the context now, statistics included.
                streams = [shard.iter_search(text, options) for shard in self._searched()]
        order = _hit_order(options.sort)

        def matching(ids: list[str]) -> dict[str, bool]:
            return merged_matches(self._each("matching_ids", None, text, ids, options))

        if options.sort == "relevance":
            merged = heapq.merge(*streams, key=order)
        else:
            tagged = [in_tiers(stream, matching) for stream in streams]
            merged = (hit for _, hit in heapq.merge(*tagged, key=lambda t: (t[0], *order(t[1]))))

        ranked = (replace(hit, rank=rank) for rank, hit in enumerate(merged, 1))
        return exported(ranked, self.path, matching)

    def run(
        self,
        topics: Iterable[Topic],
        limit: int = 1000,
        syntax: bool = False,
        feedback: bool = SearchOptions.feedback,
    ) -> list[RunRow]:
        rows: list[RunRow] = []
        for topic in topics:
            text = topic.query if syntax else as_text(topic.query)
            options, stats = self._ranking(text, SearchOptions(feedback=feedback))
            found = [
                row
                for part in self._each("run", stats, [topic], limit, syntax, options.feedback)
                for row in part
            ]
            found.sort(key=lambda row: (-row.score, row.docno))
            rows.extend(replace(row, rank=rank) for rank, row in enumerate(found[:limit], 1))
        return rows

    def show(self, article: str, query: str | None = None) -> ArticleView:
        """As `Index.show`: the article as its shard holds it (that of its id, or for a
        path, resolved here, any shard), with its story's copies in every shard."""
        views = self._held(_shown, article, os.path.abspath(article), query)
        view = views[shard_of(article, self.manifest.shards)] or next(filter(None, views), None)
        if view is None:
            self._searched()  # no articles at all: says so
            raise ArticleNotFoundError(article)
        with shard_store(self.path) as store:
            if store is None:
                return view
            article_id = view.article.id
            story = store.stories_of([article_id]).get(article_id)
            copies = store.story(story).copies if story else ()
        return replace(view, copies=tuple(c for c in copies if c.id != article_id))

    def similar(self, article: str, limit: int = 10, all_copies: bool = False) -> Results:
        """As `Index.similar`: the article's key terms and every shard's ranking by them
        use the figures of all the shards (`whoosh_scoring`); copies collapse over every
        shard, a hit listing its story's copies among the matches ranked for the page."""
        view = self.show(article)
        found = view.article
        text = likeness_text(found.headline, found.body)
        words = {word for _, word in body_terms(text)}
        fields = [(name, word) for word in sorted(words) for name in SIMILAR_FIELDS]
        stats = summed(self._each("field_statistics", None, fields))
        terms = key_terms(text, stats)
        left_out = [found.id] if all_copies else [found.id, *(c.id for c in view.copies)]

        def ask(depth: int | None) -> tuple[list[Results], list[Hit]]:
            answers = self._each("like", stats, terms, left_out, limit=depth)
            hits = [hit for answer in answers for hit in answer.hits]
            return answers, sorted(hits, key=_hit_order("relevance"))

        with shard_store(self.path) as store:
            stories = None if all_copies else store
            answers, hits = gathered(ask, stories, 0, limit)
            if stories is not None:
                ranked = {hit.id for answer in answers for hit in answer.hits}
                hits = with_copies(hits, stories, lambda ids: dict.fromkeys(ranked, True))
        return Results(
            query=f"similar:{found.id}",
            total=sum(answer.total for answer in answers),
            hits=tuple(replace(hit, rank=rank) for rank, hit in enumerate(hits, 1)),
        )

    def quotes(
        self,
        text: str | None = None,
        speaker: str | None = None,
        limit: int | None = 10,
        offset: int = 0,
        all_copies: bool = False,
    ) -> QuoteResults:
        """As `Index.quotes`: scored with the figures of all the shards (a speaker's quotes
        without words need none), a quote that copies of a story repeat in any shards
        listed once (unless `all_copies`)."""
        stats: CollectionStatistics | None = None
        order: Callable[[QuoteHit], tuple[Any, ...]] = newest_first
        if has_words(text):
            stats = summed(self._each("quote_statistics", None, text, speaker))
            order = quote_order
        else:
            speaker = asked_speaker(speaker)  # refused here, not by every shard
        answers = self._each("quotes", stats, text, speaker, limit=None, all_copies=True)
        found = sorted((quote for answer in answers for quote in answer.quotes), key=order)
        with shard_store(self.path) as store:
            if store is not None and not all_copies:
                found = once_per_story(found, store)
        return quote_page(found, text, speaker, limit, offset)

    def speakers(
        self, text: str | None = None, limit: int | None = 20, all_copies: bool = False
    ) -> tuple[SpeakerCount, ...]:
        """As `Index.speakers`: a quote that copies of a story repeat in any shards counts
        once (unless `all_copies`), at the copy one index counts it at (the first added,
        or about `text` the best ranked), and a name's forms merge over every shard."""
        with shard_store(self.path) as store:
            stories = None if all_copies else store
            added = added_order(stories) if stories is not None else {}
            if text:
                stats = summed(self._each("quote_statistics", None, text))
                answers = self._each("quotes", stats, text, limit=None, all_copies=True)
                found = [quote for answer in answers for quote in answer.quotes]
                found.sort(key=lambda q: (-q.score, added.get(q.article_id, 0)))
                said = [(q.article_id, q.text, q.speaker) for q in found]
            else:
                said = [quote for part in self._each("quotations", None) for quote in part]
                said.sort(key=lambda quote: added.get(quote[0], 0))
            return rank_speakers(said, limit, stories)

    def duplicates(self, min_size: int = 2) -> list[Story]:
        """Stories with at least `min_size` copies, largest first, over every shard."""
        self._sizes()
        with shard_store(self.path) as store:
            return [] if store is None else list(store.largest(min_size))

    def facet_names(self) -> tuple[str, ...]:
        """As `Index.facet_names`: the metadata keys of every shard."""
        return tuple(
            dict.fromkeys(name for part in self._each("facet_names", None) for name in part)
        )

    def stats(self) -> IndexStats:
        """As `Index.stats`: every shard's figures, each read where it lives, added up."""
        parts = [part for part in self._held(_stats) if part is not None]
        if not parts:
            raise IndexMissingError(str(self.path))
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


def call_shard(
    shard: Index, method: str | Callable[..., Any], args: tuple[Any, ...], kw: dict[str, Any]
) -> Any:
    """`shard.method(*args, **kw)`, or None for a shard holding no articles; a function
    `method` is `method(shard, *args, **kw)`, for every shard."""
    if callable(method):
        return method(shard, *args, **kw)
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


def _size(shard: Index) -> int | None:
    """The articles of `shard`, None when it is not written yet."""
    return len(shard) if shard.exists() else None


def _stats(shard: Index) -> IndexStats | None:
    """`shard.stats()`, None when it is not written yet."""
    return shard.stats() if shard.exists() else None


def _optimized(shard: Index) -> int:
    """`shard.optimize()`: the segments merged (none in a shard not written yet)."""
    return shard.optimize() if shard.exists() else 0


def _shown(shard: Index, article: str, path: str, query: str | None) -> ArticleView | None:
    """`shard.show(article, query)`, or of the article in the file at `path` (`article`
    as a path, resolved where the command runs); None when the shard holds neither."""
    for wanted in dict.fromkeys((article, path)) if len(shard) else ():
        try:
            return shard.show(wanted, query)
        except ArticleNotFoundError:
            continue
    return None


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


def _by_score(found: tuple[float, str]) -> tuple[float, str]:
    """The merge order of (score, id): by score, ties by id (`_hit_order`)."""
    return -found[0], found[1]


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
