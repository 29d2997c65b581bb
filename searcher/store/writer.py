"""Incremental, parallel, crash-safe indexing of a `Corpus` into a Whoosh index.

Parts:
- `plan()`: walks the corpus and compares every file with the state of the last run
  (size and mtime, then the content hash): which files to read, which are unchanged.
- `SegmentBuilder`: in a worker process, reads files (`Corpus.read_file`), extracts quotes,
  analyses the text and writes the articles into a Whoosh segment of its own.
- `add_articles()`: `Index.add`, the same way: articles that come from no file go into
  one segment and one commit (which also merges, by the same policy), under the same lock
  and rules, with the file state moved on to the new commit.
- `update_index()`: hands the files to be read to `workers` processes and commits about
  every `commit_every` articles: deletes the older versions of the files read and the
  articles of files that are gone, adds the workers' segments to the index in one commit,
  then writes the file state. A file's articles always land in the same commit, and the
  state is written after that commit, so a crash loses at most one batch and the next run
  reads again whatever the state does not vouch for.

Whoosh's own multi-process writer parallelises the analysis only, and dropped documents in
Whoosh 2.7; here the workers also read and parse, and every segment they return is
accounted for before the commit.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import compress
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

from whoosh import writing
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.query import And, Term
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from searcher.corpus import Corpus, FileRef
from searcher.enrich import enrich
from searcher.errors import IndexDamagedError, IndexOutdatedError
from searcher.models import Article, IndexReport, Problem, Progress
from searcher.store import DEFAULT_COMMIT_EVERY
from searcher.store.analysis import recording_words
from searcher.store.documents import text_problem, to_document
from searcher.store.filestate import (
    Commit,
    FileSignature,
    FileState,
    content_hash,
    load_state,
    read_signature,
    save_state,
)
from searcher.store.indexfolder import (
    Snapshot,
    check_folder,
    commit_of,
    latest_generation,
    open_index,
    open_snapshot,
    read_commit,
    reset,
    tidied,
    tidy,
    writes_to,
)
from searcher.store.schema import build_schema
from searcher.store.sidecars import damage, sidecar_damage
from searcher.store.stemtable import STEM_FILE, record_stems
from searcher.store.stories import STORE_FILE, StoryStore, remove_store, story_fields
from searcher.store.writelock import write_lock
from searcher.whoosh_internals import (
    commit_segments,
    finish_segment,
    release_writer,
    segment_writer,
    segments_of,
    unlocked_writer,
)

# Memory of each worker's posting pool before it spills sorted postings to disk.
WRITER_LIMIT_MB = 32
# Files handed to a worker at a time: large enough to amortise the hand-over, small
# enough to keep every core busy until the end of a batch.
TASK_FILES = 32
TASK_BYTES = 1 << 20
# After a run, the smallest segments are merged once there are more than this many: each
# segment costs every query a little, and each merge costs the indexer.
MAX_SEGMENTS = 12
_BARRIER_TIMEOUT = 600.0
# Seconds between progress reports within a phase, and between looks at the workers.
REPORT_EVERY = 0.25

ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class FileResult:
    """What a worker did with one file: its signature, the ids it indexed (and the number
    of each one's record in the file), its problems, and for each article indexed what the
    story store keeps (id, text signature, source, headline, facts)."""

    file_id: str
    signature: FileSignature | None
    ids: tuple[str, ...]
    problems: tuple[Problem, ...]
    stories: tuple[tuple[str, bytes, str, str, bytes], ...] = ()
    path: str = ""
    records: tuple[int, ...] = ()


@dataclass
class Plan:
    """The files of a run: to read, unchanged (with refreshed signatures), and problems."""

    to_read: list[tuple[FileRef, int]] = field(default_factory=list)  # with their sizes
    unchanged: dict[str, FileSignature] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    listing_failed: bool = False
    files_seen: int = 0


def plan(corpus: Corpus, state: dict[str, FileSignature], index: Path | None = None) -> Plan:
    """Sort the corpus's files into those to read and those unchanged since `state`.
    Files inside the `index` folder are passed over."""
    result = Plan()
    inside = _inside(corpus, index) if index is not None else None
    for item in corpus.files():
        if inside is not None and inside(item.path):
            continue
        result.files_seen += 1
        if isinstance(item, Problem):
            result.problems.append(item)
            result.listing_failed |= os.path.isdir(item.path)
            continue
        result.seen.add(item.id)
        known = state.get(item.id)
        try:
            stat = item.path.stat()
            if known and known.same_stat(stat):
                result.unchanged[item.id] = known
                result.problems += known.problems  # a skipped file is still skipped
            elif known and _same_content(item.path, stat, known):
                touched = FileSignature(stat.st_size, stat.st_mtime_ns, known.sha1)
                result.unchanged[item.id] = touched
            else:
                result.to_read.append((item, stat.st_size))
        except OSError as error:
            result.problems.append(
                Problem(item.shown, f"cannot read: {error.strerror}", kind="unreadable")
            )
    return result


def _inside(corpus: Corpus, folder: Path) -> Callable[[str | Path], bool] | None:
    """A test for paths inside `folder`, or None when no root of the corpus holds it."""
    prefix = os.path.join(os.path.realpath(folder), "")
    roots = [os.path.join(os.path.realpath(root.path), "") for root in corpus.roots]
    if not any(prefix.startswith(root) for root in roots):
        return None
    return lambda path: os.path.realpath(path).startswith(prefix)


def _same_content(path: Path, stat: os.stat_result, known: FileSignature) -> bool:
    """True when a touched file still holds what was indexed. A file remembered without a
    hash (one that was skipped) is read again."""
    return bool(known.sha1) and known.size == stat.st_size and known.sha1 == content_hash(path)


class SegmentBuilder:
    """Reads files and writes their articles into a new segment of the index in `folder`."""

    def __init__(
        self, folder: Path, corpus: Corpus | None, on_article: Callable[[], None] | None = None
    ) -> None:
        self._folder = folder
        self._corpus = corpus
        self._on_article = on_article  # called as each article is analysed
        self._writer: writing.SegmentWriter | None = None
        self._words: dict[str, str] = {}  # indexed since the last `finish()`, with their stems

    def index_files(self, refs: Iterable[FileRef]) -> list[FileResult]:
        """Read and analyse the files; their articles go to the current segment."""
        return [self._index_file(ref) for ref in refs]

    def _index_file(self, ref: FileRef) -> FileResult:
        try:
            before = ref.path.stat()
        except OSError as error:
            unreadable = Problem(ref.shown, f"cannot read: {error.strerror}", kind="unreadable")
            return FileResult(ref.id, None, (), (unreadable,))
        assert self._corpus is not None
        result = self.index_records(self._corpus.read_file(ref), ref.id, ref.shown)
        ids, problems = result.ids, list(result.problems)
        # A file skipped for what it holds is remembered with its problems (not read again
        # until it changes); one the system would not read is tried again on the next run.
        sig = None
        if ids or not any(problem.kind == "unreadable" for problem in problems):
            with contextlib.suppress(OSError):
                sig = read_signature(ref.path, before, hashed=bool(ids))
            if sig is not None and not ids:
                sig = replace(sig, problems=tuple(problems))
        return replace(result, signature=sig, problems=tuple(problems))

    def index_records(
        self, records: Iterable[Article | Problem], file_id: str, shown: str
    ) -> FileResult:
        """Analyse the articles of one file (`file_id`, shown as `shown`), or with no
        `file_id` those given to `Index.add`, into the current segment. Within them, the
        first article with an id keeps it."""
        ids, problems, stories, numbers = [], [], [], []
        seen: set[str] = set()
        filed = {"file": file_id} if file_id else {}
        for number, record in enumerate(records, start=1):
            if isinstance(record, Problem):
                problems.append(record)
            elif (problem := text_problem(record)) is not None:
                problems.append(problem)
            elif record.id in seen:
                earlier = f"an earlier record of {'this file' if file_id else 'the same call'}"
                where = shown or record.path or record.id
                problems.append(_duplicate(where, file_id, record.id, number, earlier))
            else:
                self._add({**to_document(enrich(record)), **filed})
                seen.add(record.id)
                ids.append(record.id)
                stories.append((record.id, *story_fields(record)))
                numbers.append(number)
        return FileResult(
            file_id, None, tuple(ids), tuple(problems), tuple(stories), shown, tuple(numbers)
        )

    def _add(self, document: dict[str, Any]) -> None:
        """Analyse and write one article into the current segment, started when needed."""
        if self._writer is None:
            ix = FileStorage(str(self._folder), supports_mmap=False).open_index()
            self._writer = segment_writer(ix, WRITER_LIMIT_MB)
        with recording_words(self._words):
            self._writer.add_document(**document)
        if self._on_article is not None:
            self._on_article()

    def finish(self) -> tuple[Segment | None, dict[str, str]]:
        """Write out the current segment (None when nothing was added) and start afresh;
        with the words indexed since the last call and their stems, for the index's stem
        table."""
        writer, self._writer = self._writer, None
        segment = finish_segment(writer) if writer is not None else None
        words, self._words = self._words, {}
        return segment, words


def _duplicate(path: str, file_id: str, article_id: str, record: int, owner: str) -> Problem:
    """The problem of an article left out because `owner` has its id (ids are unique)."""
    return Problem(
        path,
        f"duplicate id {article_id}: already the id of {owner}, which is kept",
        line=record if article_id != file_id else 0,  # a record of a file holding many
        kind="duplicate-id",
    )


# Worker processes: one builder each, set up by the pool's initializer.
_builder: SegmentBuilder | None = None
_barrier: Any = None


def _start_worker(folder: Path, corpus: Corpus, barrier: Any, lock_fd: int, articles: Any) -> None:
    global _builder, _barrier
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    with contextlib.suppress(OSError):
        os.close(lock_fd)  # the parent's write lock must die with the parent
    _builder, _barrier = SegmentBuilder(folder, corpus, partial(_count, articles)), barrier


def _count(articles: Any) -> None:
    """Add one to a count shared by the processes (a `multiprocessing.Value`)."""
    with articles.get_lock():
        articles.value += 1


def _worker_index(refs: list[FileRef]) -> list[FileResult]:
    assert _builder is not None
    return _builder.index_files(refs)


def _worker_finish(_: int) -> tuple[Segment | None, dict[str, str]]:
    assert _builder is not None
    try:
        finished = _builder.finish()
    except BaseException:
        _barrier.abort()  # the others must not wait for this one (a full disk, say)
        raise
    # Every worker takes exactly one finish task: none may take a second while the
    # others have not yet taken theirs.
    _barrier.wait(_BARRIER_TIMEOUT)
    return finished


class _Workers:
    """The builders: in this process when `workers` is 1, else one per worker process.
    They count the articles they analyse in `articles`; in this process, `report` is
    called as they do."""

    def __init__(self, folder: Path, corpus: Corpus, workers: int, lock_fd: int) -> None:
        self.count = workers
        self._local: SegmentBuilder | None = None
        self._pool: Pool | None = None
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.articles = context.Value("q", 0)
        self.report: Callable[[], None] = lambda: None
        if workers == 1:
            self._local = SegmentBuilder(folder, corpus, self._counted)
        else:
            barrier = context.Barrier(workers)
            initargs = (folder, corpus, barrier, lock_fd, self.articles)
            self._pool = context.Pool(workers, _start_worker, initargs)

    def _counted(self) -> None:
        _count(self.articles)
        self.report()

    def submit(self, refs: list[FileRef]) -> AsyncResult[list[FileResult]] | list[FileResult]:
        if self._pool is None:
            assert self._local is not None
            return self._local.index_files(refs)
        return self._pool.apply_async(_worker_index, (refs,))

    def finish(self, report: Callable[[], None]) -> tuple[list[Segment], dict[str, str]]:
        """Every builder's segment, and the words they stemmed; `report` is called while
        the workers write them."""
        if self._pool is None:
            assert self._local is not None
            finished = [self._local.finish()]
        else:
            tasks = [self._pool.apply_async(_worker_finish, (n,)) for n in range(self.count)]
            finished = [_finished(task, tasks, report) for task in tasks]
        stems = {word: stem for _, new in finished for word, stem in new.items()}
        return [segment for segment, _ in finished if segment is not None], stems

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


def _wait(task: AsyncResult[Any], report: Callable[[], None]) -> Any:
    """The task's result, calling `report` every `REPORT_EVERY` seconds until it is ready."""
    while not task.ready():
        task.wait(REPORT_EVERY)
        report()
    return task.get()


def _finished(
    task: AsyncResult[tuple[Segment | None, dict[str, str]]],
    tasks: list[AsyncResult[tuple[Segment | None, dict[str, str]]]],
    report: Callable[[], None],
) -> tuple[Segment | None, dict[str, str]]:
    """The result of a worker's finish task; when one failed, the error of the worker
    that failed first rather than that of the others, whose barrier it broke."""
    try:
        return _wait(task, report)
    except threading.BrokenBarrierError:
        for other in tasks:
            other.wait()
            if not other.successful():
                with contextlib.suppress(threading.BrokenBarrierError):
                    other.get()  # raises the first worker's own error
        raise


class _Reporter:
    """Tells `on_progress` how far a run is: at once when the phase changes, else at most
    every `REPORT_EVERY` seconds."""

    def __init__(self, on_progress: ProgressCallback | None, articles: Any) -> None:
        self._on_progress = on_progress
        self._articles = articles  # the builders' shared count
        self.files_done = self.files_total = 0
        self._phase = ""
        self._last = 0.0

    def __call__(self, phase: str = "reading") -> None:
        now = time.monotonic()
        if self._on_progress and (phase != self._phase or now - self._last >= REPORT_EVERY):
            self._phase, self._last = phase, now
            done, total, articles = self.files_done, self.files_total, self._articles.value
            self._on_progress(Progress(done, total, articles, phase))


def _tasks(files: list[tuple[FileRef, int]]) -> Iterator[list[FileRef]]:
    """Group files into tasks of a few files or about a megabyte."""
    task: list[FileRef] = []
    size = 0
    for ref, file_size in files:
        task.append(ref)
        size += file_size
        if len(task) >= TASK_FILES or size >= TASK_BYTES:
            yield task
            task, size = [], 0
    if task:
        yield task


@dataclass
class _Run:
    """The counts of a run and the state it has committed so far."""

    folder: Path
    state: dict[str, FileSignature]
    fresh: bool
    clear_first: bool
    merge: bool = False  # merge the smallest segments in the commit, past `MAX_SEGMENTS`
    added: int = 0
    replaced: int = 0
    removed: int = 0
    problems: list[Problem] = field(default_factory=list)
    commit_done: Commit | None = None  # the last commit of this run
    # Hashes of the ids a fresh run has committed: which ids an earlier batch may hold.
    committed: set[int] = field(default_factory=set)

    def commit(self, results: list[FileResult], segments: list[Segment], gone: list[str]) -> None:
        """One atomic commit: old versions and gone files out, the new segments in, less
        the articles whose id is taken (see `_unique`)."""
        ix = FileStorage(str(self.folder), supports_mmap=False).open_index()
        writer = unlocked_writer(ix)
        try:
            old_ids: set[str] = set()
            with writer.searcher() as searcher:
                deleted: set[int] = set()
                if not self.fresh:
                    for file_id in gone:
                        old_ids |= _delete(writer, searcher, Term("file", file_id), deleted)
                    for result in results:
                        if result.ids and result.file_id:  # a file read again
                            query = Term("file", result.file_id)
                            old_ids |= _delete(writer, searcher, query, deleted)
                results, refused = self._unique(results, writer, searcher, deleted, old_ids)
            if refused:
                _drop(writer, segments, refused)
            policy: Callable[..., list[Segment]] = writing.NO_MERGE
            if self.clear_first:
                policy = writing.CLEAR
            elif self.merge:
                policy = partial(_merge_smallest, new=len(segments))
            remaining = commit_segments(writer, policy, segments)
        except BaseException:
            writer.cancel()
            raise
        release_writer(writer)
        self.commit_done = commit_of(writer.generation, remaining + segments)
        new_ids = {article_id for result in results for article_id in result.ids}
        if self.fresh:
            self.committed.update(map(hash, new_ids))
        _update_stories(self.folder, results, old_ids - new_ids, clear=self.clear_first)
        self.clear_first = False
        self.replaced += len(new_ids & old_ids)
        self.added += len(new_ids - old_ids)
        self.removed += len(old_ids - new_ids)
        for file_id in gone:
            self.state.pop(file_id, None)
        for result in results:
            self.problems += result.problems
            if result.signature is not None:
                self.state[result.file_id] = result.signature
        save_state(self.folder, FileState(self.state, self.commit_done))

    def _unique(
        self,
        results: list[FileResult],
        writer: writing.SegmentWriter,
        searcher: Searcher,
        deleted: set[int],
        old_ids: set[str],
    ) -> tuple[list[FileResult], list[tuple[str, str]]]:
        """`results` without the articles whose id is taken, each reported, and their
        (file id, article id). An id is taken by a live article of another file, or by an
        earlier article of this commit: the first one keeps it."""
        owners: dict[str, str] = {}  # article id -> the path of the file that has it
        index = _IndexIds(writer, searcher, deleted, old_ids)
        refused: list[tuple[str, str]] = []
        unique = []
        for result in results:
            kept = [True] * len(result.ids)
            problems = list(result.problems)
            for i, article_id in enumerate(result.ids):
                owner = owners.get(article_id)
                if owner is None and (not self.fresh or hash(article_id) in self.committed):
                    owner = index.owner(article_id)
                if owner is None:
                    owners[article_id] = result.path
                    continue
                kept[i] = False
                refused.append((result.file_id, article_id))
                problems.append(
                    _duplicate(
                        result.path or article_id,
                        result.file_id,
                        article_id,
                        result.records[i],
                        f"an article of {owner}",
                    )
                )
            unique.append(
                result
                if all(kept)
                else replace(
                    result,
                    ids=tuple(compress(result.ids, kept)),
                    records=tuple(compress(result.records, kept)),
                    stories=tuple(compress(result.stories, kept)),
                    problems=tuple(problems),
                    signature=None,  # read again next time: the clash may be gone
                )
            )
        return unique, refused


@dataclass
class _IndexIds:
    """Who holds an id in the index, while a commit deletes old versions."""

    writer: writing.SegmentWriter
    searcher: Searcher
    deleted: set[int]  # documents the commit deletes
    old_ids: set[str]  # and their ids
    filed: set[int] | None = None  # documents indexed from a file, once needed

    def owner(self, article_id: str) -> str | None:
        """The path of the file whose live article has `article_id`, or None. An article
        with the id but no file (written by `Index.add`) is deleted: the new one replaces it.
        """
        for docnum in self.searcher.docs_for_query(Term("id", article_id)):
            if docnum in self.deleted:
                continue
            if self.filed is None:
                self.filed = _filed_documents(self.searcher)
            if docnum in self.filed:
                stored = self.searcher.reader().stored_fields(docnum)
                return str(stored.get("path") or "another file")
            self.deleted.add(docnum)
            self.writer.delete_document(docnum)
            self.old_ids.add(article_id)
        return None


def _filed_documents(searcher: Searcher) -> set[int]:
    """The live documents indexed from a file: all but those `Index.add` wrote."""
    files = (term.decode("utf-8") for term in searcher.reader().lexicon("file"))
    return {docnum for file in files for docnum in searcher.docs_for_query(Term("file", file))}


def _drop(
    writer: writing.SegmentWriter, segments: list[Segment], refused: list[tuple[str, str]]
) -> None:
    """Delete the (file id, article id) articles from the new segments before they are
    committed."""
    for segment in segments:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        with Searcher(reader) as searcher:
            for file_id, article_id in refused:
                # Articles of no file (`Index.add`) have their segment to themselves.
                query = (
                    And([Term("id", article_id), Term("file", file_id)])
                    if file_id
                    else Term("id", article_id)
                )
                for docnum in searcher.docs_for_query(query):
                    segment.delete_document(docnum)


def _update_stories(
    folder: Path, results: list[FileResult], removed: set[str], clear: bool
) -> None:
    """After a commit, the same change in the story store: removed articles out, the
    new ones in their stories. A crash before this leaves the files it concerns out of
    the saved state, so the next run reads them again."""
    if clear:  # whatever its layout or damage: the store of an older index is replaced
        remove_store(folder)
    with sidecar_damage(folder, STORE_FILE):
        store = StoryStore(folder)
        try:
            store.remove(removed)
            for result in results:
                for article_id, sig, source, headline, facts in result.stories:
                    store.add(article_id, sig, source, headline, facts)
            store.commit()
        finally:
            store.close()


def _delete(
    writer: writing.SegmentWriter, searcher: Searcher, query: Term, deleted: set[int]
) -> set[str]:
    """Delete the documents matching `query`; return their article ids."""
    ids = set()
    for docnum in searcher.docs_for_query(query, for_deletion=True):
        if docnum not in deleted:
            deleted.add(docnum)
            ids.add(searcher.reader().stored_fields(docnum)["id"])
            writer.delete_document(docnum)
    return ids


def _gone_files(snapshot: Snapshot, corpus: Corpus, seen: set[str]) -> list[str]:
    """Files with articles in the index, under the corpus's roots, no longer there."""
    folders = tuple(f"{root.label}/" for root in corpus.roots if root.path.is_dir())
    files = {f"{root.label}/{root.path.name}" for root in corpus.roots if not root.path.is_dir()}
    with snapshot.searcher() as searcher:
        candidates = [
            file_id
            for file_id in (term.decode("utf-8") for term in searcher.reader().lexicon("file"))
            if (file_id.startswith(folders) or file_id in files) and file_id not in seen
        ]
        # The lexicon keeps the terms of deleted documents until their segment is merged.
        return [f for f in candidates if _has_live_documents(searcher, Term("file", f))]


def _has_live_documents(searcher: Searcher, query: Term) -> bool:
    return next(iter(searcher.docs_for_query(query)), None) is not None


def _trusted(saved: FileState, snapshot: Snapshot) -> dict[str, FileSignature]:
    """The saved state's files, less those it says have articles (hashed ones) that the
    index does not hold, unless the state was saved with the commit the index is at (see
    `searcher.store.filestate`)."""
    if saved.commit == snapshot.commit:
        return saved.files
    with snapshot.searcher() as searcher:
        return {
            file_id: sig
            for file_id, sig in saved.files.items()
            if not sig.sha1 or _has_live_documents(searcher, Term("file", file_id))
        }


def _prepare(folder: Path, ours: bool, rebuild: bool, notes: list[str]) -> bool:
    """Make `folder` hold an index to write to (the write lock held); return whether the
    run starts it over. An index is started over without reading it when it is rebuilt
    and cannot be read or is an older version's, and when its table of contents is lost."""
    if not ours:
        FileStorage(str(folder)).create_index(build_schema())
        return rebuild
    if latest_generation(folder) < 0:
        reset(folder)
        notes.append(
            f"The index at {folder} had lost its table of contents: it is rebuilt from the files."
        )
        return True
    if rebuild:
        try:
            open_index(folder)
        except (IndexDamagedError, IndexOutdatedError):
            reset(folder)
        if damage(folder / STEM_FILE):  # a cache: its words are recorded again
            (folder / STEM_FILE).unlink()
        return True
    open_index(folder)  # damage stops the run before any work
    with sidecar_damage(folder, STORE_FILE):
        StoryStore(folder).close()  # so does a damaged or outdated story store
    return False


def add_articles(folder: Path, articles: Iterable[Article]) -> IndexReport:
    """Write `articles`, which come from no file, into the index in `folder` (created when
    missing) in one commit, replacing the articles of no file that have their ids; an id
    held by an article of an indexed file stays that article's, the new one is reported as
    a duplicate (as two files with one id are). The file state is saved with the new
    commit, so it goes on vouching for the files it lists."""
    ours = check_folder(folder)
    notes: list[str] = []
    with writes_to(folder):
        storage = FileStorage(str(folder), supports_mmap=False).create()
        with write_lock(storage, notes), tidied(folder):
            _prepare(folder, ours, rebuild=False, notes=notes)
            tidy(folder)  # what a killed run left
            saved = load_state(folder)
            builder = SegmentBuilder(folder, None)
            result = builder.index_records(articles, "", "")
            segment, stems = builder.finish()
            record_stems(folder, stems)
            run = _Run(folder, dict(saved.files), fresh=False, clear_first=False, merge=True)
            run.commit([result], [] if segment is None else [segment], [])
    return IndexReport(
        added=run.added,
        replaced=run.replaced,
        problems=tuple(run.problems),
        notes=tuple(notes),
    )


def update_index(
    folder: Path,
    corpus: Corpus,
    *,
    workers: int | None = None,
    commit_every: int = DEFAULT_COMMIT_EVERY,
    prune: bool = True,
    rebuild: bool = False,
    on_progress: ProgressCallback | None = None,
) -> IndexReport:
    """Bring the index in `folder` up to date with `corpus`; see the module docstring.

    Raises `NotAnIndexError` for a folder that is not ours, `IndexDamagedError` for an
    index that cannot be read (unless rebuilt), `DiskFullError` when the disk fills up;
    a failed run leaves the last commit and no temporary files.
    """
    ours = check_folder(folder)
    notes: list[str] = []
    with writes_to(folder):
        storage = FileStorage(str(folder), supports_mmap=False).create()
        with write_lock(storage, notes) as lock_fd, tidied(folder):
            rebuild = _prepare(folder, ours, rebuild, notes)
            tidy(folder)  # what a killed run left
            # Workers first: before the state and the plan, which a forked worker would
            # inherit (its resident memory counts every inherited page), and before a
            # progress display may start a thread (forking with threads risks copying a
            # held lock).
            pool = _Workers(folder, corpus, max(1, workers or os.cpu_count() or 1), lock_fd)
            report = _Reporter(on_progress, pool.articles)
            try:
                report("scanning")
                saved = FileState() if rebuild else load_state(folder)
                snapshot = open_snapshot(folder)
                try:
                    state = _trusted(saved, snapshot)
                    found = plan(corpus, state, folder)
                    fresh = rebuild or snapshot.reader.doc_count_all() == 0
                    gone = []
                    if prune and not fresh and not found.listing_failed:
                        gone = _gone_files(snapshot, corpus, found.seen)
                finally:
                    snapshot.close()
                run = _Run(folder, {**state, **found.unchanged}, fresh, clear_first=rebuild)
                run.problems += found.problems
                _index_files(run, pool, found.to_read, gone, commit_every, report)
            finally:
                pool.close()
            merged = _merge_if_many_segments(storage, report)
            commit = merged or run.commit_done or snapshot.commit
            if run.state != saved.files or commit != saved.commit:
                save_state(folder, FileState(run.state, commit))
    return IndexReport(
        added=run.added,
        replaced=run.replaced,
        removed=run.removed,
        problems=tuple(run.problems),
        files_seen=found.files_seen,
        files_unchanged=len(found.unchanged),
        notes=tuple(notes),
    )


def _index_files(
    run: _Run,
    pool: _Workers,
    files: list[tuple[FileRef, int]],
    gone: list[str],
    commit_every: int,
    report: _Reporter,
) -> None:
    """Read `files` on the workers, committing a batch about every `commit_every` articles."""
    if not files:
        if gone or run.clear_first:
            run.commit([], [], gone)
        return
    report.files_total = len(files)
    report()
    pool.report = report
    batch: list[FileResult] = []
    pending: deque[AsyncResult[list[FileResult]] | list[FileResult]] = deque()

    def collect() -> None:
        task = pending.popleft()
        results = task if isinstance(task, list) else _wait(task, report)
        batch.extend(results)
        report.files_done += len(results)
        report()

    def commit() -> None:
        nonlocal gone
        while pending:
            collect()
        report("writing")
        segments, stems = pool.finish(partial(report, "writing"))
        record_stems(run.folder, stems)
        report("committing")
        run.commit(batch, segments, gone)
        batch.clear()
        gone = []

    for task in _tasks(files):
        pending.append(pool.submit(task))
        while len(pending) > 2 * pool.count or (pending and isinstance(pending[0], list)):
            collect()
        if sum(len(result.ids) for result in batch) >= commit_every:
            commit()
    commit()


def _merge_if_many_segments(storage: FileStorage, report: _Reporter) -> Commit | None:
    """Merge the smallest segments into one when there are more than `MAX_SEGMENTS`;
    the commit this makes, if any."""
    ix = storage.open_index()
    if len(segments_of(ix)) <= MAX_SEGMENTS:
        return None
    report("merging")
    segment_writer(ix, WRITER_LIMIT_MB).commit(mergetype=_merge_smallest)
    return read_commit(Path(storage.folder))


def _merge_smallest(
    writer: writing.SegmentWriter, segments: list[Segment], new: int = 0
) -> list[Segment]:
    """A Whoosh merge policy: the smallest segments go into the writer's new one, leaving
    `MAX_SEGMENTS` in all, counting `new` segments the commit adds. (Whoosh's own policy
    never merges segments of equal size, which is what parallel batches make.)"""
    ordered = sorted(segments, key=lambda segment: segment.doc_count_all())
    excess = len(segments) + new - MAX_SEGMENTS + 1
    if excess < 2:  # nothing to merge with
        return segments
    for segment in ordered[:excess]:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return ordered[excess:]
