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
from typing import TYPE_CHECKING, Any, TypeVar

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term
from whoosh.util.times import long_to_datetime
from whoosh.writing import SegmentWriter

from searcher.analysis import recording_words
from searcher.articles import show_article, similar_articles
from searcher.errors import IndexMissingError, QuerySyntaxError
from searcher.facets import FACETS, count_facets
from searcher.filestate import FileState, load_state, save_state
from searcher.indexfolder import (
    Snapshot,
    check_folder,
    commit_of,
    latest_generation,
    open_index,
    open_snapshot,
    read_commit,
    segment_damage,
    tidied,
    writes_to,
)
from searcher.models import (
    Article,
    ArticleView,
    Copy,
    Hit,
    IndexReport,
    IndexStats,
    Problem,
    Progress,
    QuoteResults,
    Results,
    RunRow,
    SearchOptions,
    SpeakerCount,
    Story,
    Topic,
)
from searcher.ordering import UNDATED, date_column
from searcher.querycheck import as_text
from searcher.quotesearch import count_speakers, search_quotes
from searcher.readerpool import ReaderPool
from searcher.schema import (
    AUTHORS_COLUMN,
    LIST_SEPARATOR,
    METADATA_FIELD,
    SOURCE_COLUMN,
    build_schema,
    metadata_keys,
    metadata_terms,
    weighting,
)
from searcher.search import iter_search, rank_documents, run_search
from searcher.sidecars import sidecar_damage
from searcher.stemtable import STEM_FILE, StemTable, record_stems
from searcher.stories import STORE_FILE, StoryStore, article_text, facts, open_store, signature
from searcher.writelock import write_lock

if TYPE_CHECKING:
    from searcher.corpus import Corpus

DEFAULT_INDEX = "index"
DEFAULT_COMMIT_EVERY = 50_000
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
        Nothing is written unless the whole run commits.
        """
        ours = check_folder(self.path)
        notes: list[str] = []
        with writes_to(self.path):
            storage = self._storage().create()
            with write_lock(storage, notes), tidied(self.path):
                ix = self._open() if ours else storage.create_index(build_schema())
                with sidecar_damage(self.path, STORE_FILE):
                    stories = StoryStore(self.path)
                added, replaced, problems = _write(ix, stories, articles, self.path)
        from searcher.corpus import Corpus  # the readers: not needed by searches

        if isinstance(articles, Corpus):
            problems = [*articles.problems, *problems]
            files_seen = articles.files_seen
        else:
            files_seen = 0
        return IndexReport(
            added=added,
            replaced=replaced,
            problems=tuple(problems),
            files_seen=files_seen,
            notes=tuple(notes),
        )

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
        read (unless rebuilding) and `DiskFullError` when the disk fills up.
        """
        from searcher import indexer  # worker pools and state: not needed by queries

        return indexer.update_index(
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
            segments = ix._segments()
            if len(segments) <= 1 and ix.doc_count() == ix.doc_count_all():
                return 0
            before = commit_of(ix.latest_generation(), segments)
            SegmentWriter(ix, _lk=False).commit(optimize=True)
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
            first_date=_utc(min(dates)) if dates else None,
            last_date=_utc(max(dates)) if dates else None,
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
        text: str,
        speaker: str | None = None,
        limit: int | None = 10,
        offset: int = 0,
        all_copies: bool = False,
    ) -> QuoteResults:
        """The quotations matching `text`, ranked, optionally only by `speaker`; a quote
        that copies of one story repeat is listed once, unless `all_copies`."""
        with self._articles() as ix, self._stories(all_copies) as store:
            return search_quotes(ix, text, speaker, limit=limit, offset=offset, stories=store)

    def speakers(self, text: str | None = None, limit: int | None = 20) -> tuple[SpeakerCount, ...]:
        """Who is quoted most, over every article or about `text`."""
        with self._articles() as ix:
            return count_speakers(ix, text, limit=limit)

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
        self, topics: Iterable[Topic], limit: int = RUN_LIMIT, syntax: bool = False
    ) -> list[RunRow]:
        """Rank the best `limit` articles for every topic through one open searcher.

        Topics are read as text (`querycheck.as_text`: a topic in capitals is no query
        syntax), or with `syntax` in the query syntax, where a malformed topic raises
        `QuerySyntaxError` naming it. Rows name articles by their collection's own id
        (`Article.docno`) where they have one, else by their id.
        """
        rows: list[RunRow] = []
        with self._articles() as ix, ix.searcher(weighting=weighting()) as searcher:
            for topic in topics:
                try:
                    text = topic.query if syntax else as_text(topic.query)
                    ranked = rank_documents(searcher, text, limit)
                except QuerySyntaxError as error:
                    raise QuerySyntaxError(
                        f"topic {topic.qid}: {error.message}", error.position, error.hint
                    ) from None
                for rank, (docnum, score) in enumerate(ranked, start=1):
                    stored = searcher.stored_fields(docnum)
                    docno = stored.get("docno") or stored["id"]
                    rows.append(RunRow(topic.qid, docno, rank, score))
        return rows


def _write(
    ix: whoosh_index.FileIndex, stories: StoryStore, articles: Iterable[Article], folder: Path
) -> tuple[int, int, list[Problem]]:
    """Write `articles` into `ix` (in `folder`) and their stories, in one commit of each
    (the write lock held), and their words into the stem table: the articles added, those
    replaced, and the problems met."""
    writer = SegmentWriter(ix, _lk=False)
    added = replaced = 0
    problems: list[Problem] = []
    words: dict[str, str] = {}  # indexed, with their stems
    try:
        with ix.searcher() as searcher, recording_words(words):
            seen: set[str] = set()
            for article in articles:
                problem = text_problem(article)
                if problem is not None:
                    problems.append(problem)
                    continue
                if article.id in seen or searcher.document_number(id=article.id) is not None:
                    replaced += 1
                else:
                    added += 1
                seen.add(article.id)
                writer.update_document(**to_document(article))
                stories.add(article.id, *story_fields(article))
        # Before the commit, as `update` does: a query of the commit before may meet
        # words it does not hold (they count nothing there), but never misses one.
        record_stems(folder, words)
        writer.commit()
        stories.commit()
    except BaseException:
        writer.cancel()
        stories.rollback()
        raise
    finally:
        stories.close()
    return added, replaced, problems


def _in_own_context(items: Generator[T, None, None]) -> Iterator[T]:
    """The items of the generator `items`, each made in a context of its own: what it sets
    in context variables (the stem table of `StemTable.reading`) stays inside it, rather
    than reaching the caller's code between items."""
    context = contextvars.copy_context()
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


def _utc(value: int) -> datetime:
    return long_to_datetime(value).replace(tzinfo=timezone.utc)


def story_fields(article: Article) -> tuple[bytes, str, str, bytes]:
    """What the story store keeps of an article: signature, source, headline and facts."""
    sig = signature(article_text(article.headline, article.body))
    return (
        sig,
        article.source,
        article.headline,
        facts(article.headline, article.body, article.date),
    )


def text_problem(article: Article) -> Problem | None:
    """Why an article cannot be indexed (it has no text), or None when it can."""
    if article.headline or article.body:
        return None
    # A record of a multi-article file is named by its id (`reut2-012.sgm#12793`).
    where = article.id if "#" in article.id or not article.path else article.path
    return Problem(where, "no text", kind="no-text")


def to_document(article: Article) -> dict[str, Any]:
    """The Whoosh fields of an article (quotes extracted when the reader left none)."""
    from searcher.quotes import extract_quotes  # needed by indexing only

    quotes = article.quotes or extract_quotes(article.body)
    speakers = dict.fromkeys(q.speaker for q in quotes if q.speaker)
    document: dict[str, Any] = {
        "id": article.id,
        "docno": article.docno,
        "path": article.path,
        "source": article.source,
        "source_key": article.source,
        "headline": article.headline,
        "byline": article.byline,
        "authors": LIST_SEPARATOR.join(article.authors),
        "body": article.body,
        "quotes": "\n\n".join(q.text for q in quotes),
        "quote_list": [(q.text, q.speaker, q.cue, q.start, q.end) for q in quotes],
        "speakers": LIST_SEPARATOR.join(speakers),
        "captions": "\n".join(article.captions),
        "url": article.url,
        "language": article.language,
        "country": article.country,
        "section": article.section,
        "metadata": {key: list(values) for key, values in article.metadata.items()},
        METADATA_FIELD: metadata_terms(article.metadata),
        SOURCE_COLUMN: article.source.encode(),
        AUTHORS_COLUMN: LIST_SEPARATOR.join(article.authors).encode(),
    }
    if article.date is not None:
        date = article.date
        if date.tzinfo is not None:
            date = date.astimezone(timezone.utc).replace(tzinfo=None)
        document["date"] = date
        document["date_iso"] = article.date.isoformat()
    return {key: value for key, value in document.items() if value not in ("", b"", [], {})}
