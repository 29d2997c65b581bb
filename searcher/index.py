"""`Index`: the library's entry point. Opens or creates a Whoosh index and writes articles.

An index is a folder. `Index(path)` only remembers where it is: the folder is created by
the first write, and reading a folder that holds no index raises `IndexMissingError`.
Articles are stored as Whoosh documents keyed by their unique `id`, so adding an article
again replaces it. Quotes are extracted here, on the way in, unless the reader already set
them.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term
from whoosh.reading import IndexReader

from searcher.errors import IndexMissingError, QuerySyntaxError
from searcher.models import (
    Article,
    ArticleView,
    Copy,
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
from searcher.query.bm25f import CollectionStatistics
from searcher.query.facets import FACETS, count_facets
from searcher.query.quote_search import (
    Said,
    count_speakers,
    quotations,
    quote_statistics,
    search_quotes,
)
from searcher.query.related import articles_like, show_article, similar_articles
from searcher.query.search import (
    Bound,
    first_ranking,
    iter_search,
    matching_ids,
    query_statistics,
    rank_documents,
    run_search,
)
from searcher.query.syntax import as_text
from searcher.query.whoosh_scoring import FieldStatistics, field_statistics
from searcher.shards.manifest import is_sharded
from searcher.store import DEFAULT_COMMIT_EVERY
from searcher.store.documents import UNDATED, column_date, date_column
from searcher.store.filestate import FileState, load_state, save_state
from searcher.store.indexfolder import (
    Snapshot,
    commit_of,
    latest_generation,
    open_index,
    open_snapshot,
    read_commit,
    segment_damage,
    tidied,
    writes_to,
)
from searcher.store.readerpool import ReaderPool
from searcher.store.schema import (
    metadata_keys,
    weighting,
)
from searcher.store.sidecars import sidecar_damage
from searcher.store.stemtable import STEM_FILE, StemTable
from searcher.store.stories import (
    STORE_FILE,
    StoryStore,
    open_store,
)
from searcher.store.writelock import write_lock
from searcher.whoosh_internals import segments_of, unlocked_writer

if TYPE_CHECKING:
    from searcher.corpus import Corpus

DEFAULT_INDEX = "index"
RUN_LIMIT = 1000
T = TypeVar("T")


class Index:
    """A searchable index of news articles stored in the folder `path`.

    Threads may share one `Index` and search at once, also while another process commits:
    each call reads one commit through a reader no other call holds at the time
    (`readerpool`), and stems with the index's table for that call only (`stemtable`).
    Searches keep the readers they opened between calls (reopened after a new commit);
    `close()`, or leaving a `with Index(...) as ix:` block, closes them. Queries only read
    the folder, so an index on a read-only or full disk can be searched.
    """

    def __new__(cls, path: str | os.PathLike[str] = DEFAULT_INDEX) -> Index:
        """An `Index`, or for a folder holding a sharded index a `ShardedIndex`
        (`searcher.shards`), which answers every call as one index would."""
        if cls is Index and is_sharded(Path(path)):
            from searcher.shards.index import ShardedIndex

            return super().__new__(ShardedIndex)
        return super().__new__(cls)

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_INDEX) -> None:
        self.path = Path(path)
        self._readers = ReaderPool(partial(open_snapshot, self.path))
        self._stems = StemTable(self.path)

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the readers kept open between searches (a search still running closes
        its own when it ends). The index can still be used: it opens them again."""
        self._readers.close()

    def exists(self) -> bool:
        """True when the folder holds an index (possibly with no articles yet)."""
        return latest_generation(self.path) >= 0

    def _storage(self) -> FileStorage:
        # Without mmap Whoosh reads the files it needs instead of copying the whole
        # index into memory on open (DESIGN.md, "Whoosh, measured").
        return FileStorage(str(self.path), supports_mmap=False)

    def _open(self) -> whoosh_index.FileIndex:
        """The index for a writer (holding the write lock)."""
        return open_index(self.path)

    def __len__(self) -> int:
        """The number of articles in the index (0 when there is none yet)."""
        if not self.exists():
            return 0
        with self._readers.lend() as snapshot:
            return snapshot.doc_count()

    def add(self, articles: Iterable[Article]) -> IndexReport:
        """Index every article, replacing earlier versions with the same id.

        Problems met while reading a `Corpus` (see `read_corpus`) are part of the report.
        Nothing is written unless the whole run commits. The articles are written as
        `update` writes files (`writer.add_articles`): under the write lock, with the
        merge policy, and the file state kept in step; an id that an article of an indexed
        file holds stays that article's (the new one is reported as a duplicate).
        """
        from searcher.store import writer  # worker pools and state: not needed by queries

        report = writer.add_articles(self.path, articles)
        from searcher.corpus import Corpus  # the readers: not needed by searches

        if isinstance(articles, Corpus):
            report = replace(
                report,
                problems=(*articles.problems, *report.problems),
                files_seen=articles.files_seen,
            )
        return report

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
        """Bring the index up to date with the files of `corpus`, incrementally.

        Only new and changed files are read (by size, mtime and content hash); the articles
        of changed files are replaced and, unless `prune` is False, those of files gone from
        the corpus's folders removed. `workers` processes (default: every core) read and
        analyse; a commit follows about every `commit_every` articles, so a crash loses at
        most one batch. `rebuild` starts from scratch, without reading the old index (so it
        also repairs a damaged one). `on_progress` is called with a `Progress` as each phase
        of the run begins, and a few times a second while files are read and segments
        written. Raises `IndexLockedError` while another indexer runs, `NotAnIndexError` for
        a folder that is not an index of ours, `IndexDamagedError` for an index it cannot
        read (unless rebuilding), `DiskFullError` when the disk fills up and
        `WorkerLostError` when a worker process is killed (memory ran out).
        """
        from searcher.store import writer  # worker pools and state: not needed by queries

        return writer.update_index(
            self.path,
            corpus,
            workers=workers,
            commit_every=commit_every,
            prune=prune,
            rebuild=rebuild,
            on_progress=on_progress,
        )

    def optimize(self) -> int:
        """Merge every segment into one (faster queries), leaving out deleted articles;
        returns the segments merged, 0 when the index is one segment with nothing deleted
        (there is nothing to do)."""
        self._open()  # no lock is taken in a folder that holds no index of ours
        with writes_to(self.path), write_lock(self._storage(), []), tidied(self.path):
            ix = self._open()
            segments = segments_of(ix)
            if len(segments) <= 1 and ix.doc_count() == ix.doc_count_all():
                return 0
            before = commit_of(ix.latest_generation(), segments)
            unlocked_writer(ix).commit(optimize=True)
            saved = load_state(self.path)
            if saved.commit == before:  # the state still describes the index
                save_state(self.path, FileState(saved.files, read_commit(self.path)))
        return len(segments)

    def stats(self) -> IndexStats:
        """What the index holds: articles, sources, dates, languages, size, segments.

        Read from columns and term lists, not from the stored articles, so it stays quick
        at any size.
        """
        with (
            segment_damage(self.path),
            self._readers.lend() as snapshot,
            snapshot.searcher() as searcher,
        ):
            reader = searcher.reader()
            live = list(reader.all_doc_ids())
            sources = count_facets(searcher, live, ["source"])["source"]
            column = date_column(reader)
            dates = [value for value in (column[n] for n in live) if value != UNDATED]
            languages = [
                term.decode("utf-8")
                for term in reader.lexicon("language")
                if next(iter(searcher.docs_for_query(Term("language", term))), None) is not None
            ]
            articles = snapshot.doc_count()
        return IndexStats(
            articles=articles,
            sources=sources,
            first_date=column_date(min(dates)) if dates else None,
            last_date=column_date(max(dates)) if dates else None,
            languages=tuple(languages),
            size=_folder_size(self.path),
            segments=len(snapshot.segments),
            updated=datetime.fromtimestamp(snapshot.modified, tz=timezone.utc),
        )

    def facet_names(self) -> tuple[str, ...]:
        """The facets a search can count (`SearchOptions.facets`): source, year, author,
        country, language, section, then the index's metadata keys (topics, label, ...)."""
        with segment_damage(self.path), self._readers.lend() as snapshot:
            return (*FACETS, *metadata_keys(snapshot.reader))

    @contextmanager
    def _articles(self) -> Iterator[Snapshot]:
        """For a query: the newest commit, which must hold articles, through a reader no
        other call holds meanwhile (kept open for later calls while no commit follows:
        they then skip re-reading every segment's files), with the index's stem table
        and word list active in this thread (`StemTable.reading`); damage found on the
        way is reported as such."""
        with (
            sidecar_damage(self.path, STEM_FILE, STORE_FILE),
            segment_damage(self.path),
            self._readers.lend() as snapshot,
        ):
            if snapshot.doc_count() == 0:
                raise IndexMissingError(str(self.path), f"The index at {self.path} has no articles")
            with self._stems.reading():
                yield snapshot

    def search(
        self,
        text: str,
        limit: int | None = 10,
        offset: int = 0,
        options: SearchOptions | None = None,
        all_copies: bool = False,
    ) -> Results:
        """Rank the articles matching `text`; `limit=None` returns every match from
        `offset` on. `options` filter, sort and facet the search (see `SearchOptions`).

        Near-duplicates collapse into their best-ranked copy, which lists the others in
        `Hit.copies`; `all_copies=True` shows every article.
        """
        with self._articles() as ix, self._stories(all_copies) as store:
            return run_search(ix, text, limit=limit, offset=offset, options=options, stories=store)

    def query_statistics(
        self, text: str, options: SearchOptions | None = None
    ) -> CollectionStatistics:
        """What ranking `text` reads from this index (`search.query_statistics`): a
        sharded index sums its shards' and scores each shard with the sums."""
        with self._articles() as ix:
            return query_statistics(ix, text, options)

    # What a sharded index asks each shard (`shards.index`), beside the calls above.

    def matching_ids(
        self, text: str, ids: Iterable[str], options: SearchOptions | None = None
    ) -> dict[str, bool]:
        """Which of the articles `ids` match `text` (`search.matching_ids`)."""
        with self._articles() as ix:
            return matching_ids(ix, text, ids, options)

    def first_ranking(
        self, text: str, options: SearchOptions
    ) -> tuple[list[Bound], list[list[Bound]]]:
        """The best (score, id) before feedback (`search.first_ranking`)."""
        with self._articles() as ix:
            return first_ranking(ix, text, options)

    def quote_statistics(self, text: str, speaker: str | None = None) -> FieldStatistics:
        """What ranking the quotes of `text` reads (`quote_search.quote_statistics`)."""
        with self._articles() as ix:
            return quote_statistics(ix, text, speaker)

    def quotations(self, text: str | None = None) -> list[Said]:
        """The quotations `speakers` counts (`quote_search.quotations`), every copy's."""
        with self._articles() as ix:
            return quotations(ix, text)

    def field_statistics(self, terms: Iterable[tuple[str, str]]) -> FieldStatistics:
        """What Whoosh's ranking reads for `terms` (`whoosh_scoring.field_statistics`)."""
        with self._articles() as ix, ix.searcher() as searcher:
            return field_statistics(searcher, terms)

    @contextmanager
    def reading(self) -> Iterator[IndexReader]:
        """The reader of the newest commit (a sharded index reads the few articles and
        terms feedback learns from through all its shards' readers at once)."""
        with self._articles() as snapshot:
            yield snapshot.reader

    def like(
        self, terms: list[tuple[str, float]], left_out: Iterable[str], limit: int | None = 10
    ) -> Results:
        """The articles best matching the key `terms` of an article, less those of ids
        `left_out` (`related.articles_like`), every copy listed."""
        with self._articles() as ix:
            return articles_like(ix, terms, left_out, limit)

    @contextmanager
    def _stories(self, all_copies: bool) -> Iterator[StoryStore | None]:
        """The story store that collapses copies (None with `all_copies`, or for an index
        built before stories existed), opened for reading only."""
        with sidecar_damage(self.path, STORE_FILE):
            store = None if all_copies else open_store(self.path)
            try:
                yield store
            finally:
                if store is not None:
                    store.close()

    def duplicates(self, min_size: int = 2) -> list[Story]:
        """Stories with at least `min_size` copies, largest first."""
        with self._readers.lend(), self._stories(all_copies=False) as store:
            return [] if store is None else list(store.largest(min_size))

    def show(self, article: str, query: str | None = None) -> ArticleView:
        """The whole article `article` (its id, or the path of its file, absolute or
        relative to the current folder), with the words of `query` marked, and the other
        copies of its story."""
        with self._articles() as ix, self._stories(all_copies=False) as store:
            view = show_article(ix, article, query)
            article_id = view.article.id
            story = store.stories_of([article_id]).get(article_id) if store else None
            copies = _other_copies(store, story, article_id) if store and story else ()
        return replace(view, copies=copies)

    def similar(self, article: str, limit: int = 10, all_copies: bool = False) -> Results:
        """The articles most like `article` (an id or a path, as `show` takes), by
        more-like-this over body and headline. Near-duplicates collapse as in `search`
        (the article's own copies left out); `all_copies=True` shows every article."""
        with self._articles() as ix, self._stories(all_copies) as store:
            return similar_articles(ix, article, limit, stories=store)

    def quotes(
        self,
        text: str | None = None,
        speaker: str | None = None,
        limit: int | None = 10,
        offset: int = 0,
        all_copies: bool = False,
    ) -> QuoteResults:
        """The quotations matching `text`, ranked, optionally only by `speaker`; with no
        `text`, every quote of `speaker`, newest article first (undated last), scored 0.0
        as they are not ranked. A quote that copies of one story repeat is listed once,
        unless `all_copies`. Neither `text` nor `speaker`: a `FilterError`."""
        with self._articles() as ix, self._stories(all_copies) as store:
            return search_quotes(ix, text, speaker, limit=limit, offset=offset, stories=store)

    def speakers(
        self, text: str | None = None, limit: int | None = 20, all_copies: bool = False
    ) -> tuple[SpeakerCount, ...]:
        """Who is quoted most, over every article or about `text`; a quote that copies of
        one story repeat counts once, unless `all_copies`."""
        with self._articles() as ix, self._stories(all_copies) as store:
            return count_speakers(ix, text, limit=limit, stories=store)

    def iter_search(self, text: str, options: SearchOptions | None = None) -> Iterator[Hit]:
        """Every match of `text` in ranked order, one at a time (for export), each with its
        story and the story's other copies as `search` gives them (every copy is listed
        in its own place too). The export reads one commit to its end, while other calls
        move on to newer ones."""
        return _in_own_context(self._iter_search(text, options))

    def _iter_search(self, text: str, options: SearchOptions | None) -> Generator[Hit, None, None]:
        with self._articles() as ix, self._stories(all_copies=False) as store:
            yield from iter_search(ix, text, options=options, stories=store)

    def run(
        self,
        topics: Iterable[Topic],
        limit: int = RUN_LIMIT,
        syntax: bool = False,
        feedback: bool = SearchOptions.feedback,
    ) -> list[RunRow]:
        """Rank the best `limit` articles for every topic through one open searcher.

        Topics are read as text (`querycheck.as_text`: a topic in capitals is no query
        syntax), or with `syntax` in the query syntax, where a malformed topic raises
        `QuerySyntaxError` naming it; `feedback` reranks as `SearchOptions.feedback`
        does. Rows name articles by their collection's own id
        (`Article.docno`) where they have one, else by their id.
        """
        rows: list[RunRow] = []
        options = SearchOptions(feedback=feedback)
        with self._articles() as ix, ix.searcher(weighting=weighting()) as searcher:
            for topic in topics:
                try:
                    text = topic.query if syntax else as_text(topic.query)
                    ranked = rank_documents(searcher, text, limit, options)
                except QuerySyntaxError as error:
                    raise QuerySyntaxError(
                        f"topic {topic.qid}: {error.message}", error.position, error.hint
                    ) from None
                for rank, (docnum, score) in enumerate(ranked, start=1):
                    stored = searcher.stored_fields(docnum)
                    docno = stored.get("docno") or stored["id"]
                    rows.append(RunRow(topic.qid, docno, rank, score))
        return rows


def _in_own_context(items: Generator[T, None, None]) -> Iterator[T]:
    """The items of the generator `items`, each made in a copy of the caller's context
    as it is now (with the statistics a sharded index scores with): what it sets in
    context variables (the stem table of `StemTable.reading`) stays inside it, rather
    than reaching the caller's code between items."""
    return _each_in(contextvars.copy_context(), items)


def _each_in(context: contextvars.Context, items: Generator[T, None, None]) -> Iterator[T]:
    try:
        while True:
            try:
                item = context.run(next, items)
            except StopIteration:
                return
            yield item
    finally:
        context.run(items.close)


def _other_copies(store: StoryStore, story: str, article_id: str) -> tuple[Copy, ...]:
    """The copies of `story` other than `article_id`."""
    return tuple(c for c in store.story(story).copies if c.id != article_id)


def _folder_size(folder: Path) -> int:
    """The bytes of the files in `folder`, skipping those a writer removes meanwhile."""
    size = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            with suppress(FileNotFoundError):
                size += os.stat(os.path.join(parent, name)).st_size
    return size
