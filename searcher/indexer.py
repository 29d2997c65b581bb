"""Incremental, parallel, crash-safe indexing of a `Corpus` into a Whoosh index.

Parts:
- `plan()`: walks the corpus and compares every file with the state of the last run
  (size and mtime, then the content hash): which files to read, which are unchanged.
- `_RunPool`: Whoosh's posting pool with cheaper spilled runs, so a small memory limit
  costs little.
- `SegmentBuilder`: in a worker process, reads files (`Corpus.read_file`), extracts quotes,
  analyses the text and writes the articles into a Whoosh segment of its own.
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
import heapq
import multiprocessing
import os
import pickle
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import groupby, islice
from multiprocessing.pool import AsyncResult, Pool
from operator import itemgetter
from pathlib import Path
from typing import Any

from whoosh import writing
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.query import Term
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import PostingPool

from searcher.analysis import recording_words
from searcher.corpus import Corpus, FileRef
from searcher.errors import IndexOutdatedError
from searcher.filestate import FileSignature, content_hash, load_state, read_signature, save_state
from searcher.index import (
    DEFAULT_COMMIT_EVERY,
    check_schema,
    story_fields,
    text_problem,
    to_document,
)
from searcher.models import Article, IndexReport, Problem, Progress
from searcher.schema import build_schema
from searcher.stemtable import record_stems
from searcher.stories import StoryStore, remove_store
from searcher.writelock import write_lock

# Memory of each worker's posting pool before it spills a sorted run to disk.
WRITER_LIMIT_MB = 32
# Postings written or read at a time in a spilled run.
RUN_BLOCK = 10_000
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
    """What a worker did with one file: its signature, the ids it indexed, its problems,
    and for each article indexed what the story store keeps (id, text signature, source,
    headline, facts)."""

    file_id: str
    signature: FileSignature | None
    ids: tuple[str, ...]
    problems: tuple[Problem, ...]
    stories: tuple[tuple[str, bytes, str, str, bytes], ...] = ()


@dataclass
class Plan:
    """The files of a run: to read, unchanged (with refreshed signatures), and problems."""

    to_read: list[tuple[FileRef, int]] = field(default_factory=list)  # with their sizes
    unchanged: dict[str, FileSignature] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    listing_failed: bool = False
    files_seen: int = 0


def plan(corpus: Corpus, state: dict[str, FileSignature]) -> Plan:
    """Sort the corpus's files into those to read and those unchanged since `state`."""
    result = Plan()
    for item in corpus.files():
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


def _same_content(path: Path, stat: os.stat_result, known: FileSignature) -> bool:
    """True when a touched file still holds what was indexed. A file remembered without a
    hash (one that was skipped) is read again."""
    return bool(known.sha1) and known.size == stat.st_size and known.sha1 == content_hash(path)


_TERM = itemgetter(0, 1)  # a posting's field name and term


class _RunPool(PostingPool):
    """Whoosh's posting pool, with cheaper spilled runs: written and read as one pickle
    a block of postings instead of one a posting, and merged a term at a time. (A run holds
    the postings of consecutive documents, so for any term the runs never interleave:
    merging the runs' term groups, ordered by term and first document, is the sort.)"""

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        postings = iter(items)
        while block := list(islice(postings, RUN_BLOCK)):
            pickle.dump(block, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    block = pickle.load(f)
                except EOFError:
                    return
                yield from block
        finally:
            f.close()
            self._remove_run(path)

    def _merge_runs(self, paths: Iterable[str]) -> Iterator[Any]:
        groups = [
            ((term, postings[0][2], postings) for term, postings in self._term_groups(path))
            for path in paths
        ]
        for _, _, postings in heapq.merge(*groups):
            yield from postings

    def _term_groups(self, path: str) -> Iterator[tuple[tuple[str, bytes], list[Any]]]:
        for term, postings in groupby(self._read_run(path), key=_TERM):
            yield term, list(postings)


def _segment_writer(ix: FileIndex) -> writing.SegmentWriter:
    """A writer of a new segment of `ix` (without the index's lock) whose posting pool
    is a `_RunPool` of `WRITER_LIMIT_MB`."""
    writer = writing.SegmentWriter(ix, _lk=False)
    writer.pool = _RunPool(writer.temp_storage(), writer.newsegment, limitmb=WRITER_LIMIT_MB)
    return writer


class SegmentBuilder:
    """Reads files and writes their articles into a new segment of the index in `folder`."""

    def __init__(
        self, folder: Path, corpus: Corpus, on_article: Callable[[], None] | None = None
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
        ids, problems, stories = [], [], []
        for record in self._corpus.read_file(ref):
            problem = record if isinstance(record, Problem) else text_problem(record)
            if problem is not None:
                problems.append(problem)
            elif isinstance(record, Article):
                self._add({**to_document(record), "file": ref.id})
                ids.append(record.id)
                stories.append((record.id, *story_fields(record)))
        # A file skipped for what it holds is remembered with its problems (not read again
        # until it changes); one the system would not read is tried again on the next run.
        sig = None
        if ids or not any(problem.kind == "unreadable" for problem in problems):
            with contextlib.suppress(OSError):
                sig = read_signature(ref.path, before, hashed=bool(ids))
            if sig is not None and not ids:
                sig = replace(sig, problems=tuple(problems))
        return FileResult(ref.id, sig, tuple(ids), tuple(problems), tuple(stories))

    def _add(self, document: dict[str, Any]) -> None:
        """Analyse and write one article into the current segment, started when needed."""
        if self._writer is None:
            ix = FileStorage(str(self._folder), supports_mmap=False).open_index()
            self._writer = _segment_writer(ix)
        with recording_words(self._words):
            self._writer.add_document(**document)
        if self._on_article is not None:
            self._on_article()

    def finish(self) -> tuple[Segment | None, dict[str, str]]:
        """Write out the current segment (None when nothing was added) and start afresh;
        with the words indexed since the last call and their stems, for the index's stem
        table."""
        writer, self._writer = self._writer, None
        segment = writer._finalize_segment() if writer is not None else None
        words, self._words = self._words, {}
        return segment, words


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
    finished = _builder.finish()
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
            tasks = self._pool.map_async(_worker_finish, range(self.count), chunksize=1)
            finished = _wait(tasks, report)
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
    added: int = 0
    replaced: int = 0
    removed: int = 0
    problems: list[Problem] = field(default_factory=list)

    def commit(self, results: list[FileResult], segments: list[Segment], gone: list[str]) -> None:
        """One atomic commit: old versions and gone files out, the new segments in."""
        ix = FileStorage(str(self.folder), supports_mmap=False).open_index()
        writer = writing.SegmentWriter(ix, _lk=False)
        try:
            old_ids: set[str] = set()
            if not self.fresh:
                with writer.searcher() as searcher:
                    deleted: set[int] = set()
                    for file_id in gone:
                        old_ids |= _delete(writer, searcher, Term("file", file_id), deleted)
                    for result in results:
                        if result.ids:
                            queries = [Term("file", result.file_id)]
                            queries += [Term("id", article_id) for article_id in result.ids]
                            for query in queries:
                                old_ids |= _delete(writer, searcher, query, deleted)
            policy = writing.CLEAR if self.clear_first else writing.NO_MERGE
            remaining = writer._merge_segments(policy, None, None)
            writer._close_segment()
            writer._commit_toc(remaining + segments)
        except BaseException:
            writer.cancel()
            raise
        writer._finish()
        new_ids = {article_id for result in results for article_id in result.ids}
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
        save_state(self.folder, self.state)


def _update_stories(
    folder: Path, results: list[FileResult], removed: set[str], clear: bool
) -> None:
    """After a commit, the same change in the story store: removed articles out, the
    new ones in their stories. A crash before this leaves the files it concerns out of
    the saved state, so the next run reads them again."""
    if clear:  # whatever its layout: a store of an older version is replaced too
        remove_store(folder)
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


def _gone_files(ix: FileIndex, corpus: Corpus, seen: set[str]) -> list[str]:
    """Files with articles in the index, under the corpus's roots, no longer there."""
    folders = tuple(f"{root.label}/" for root in corpus.roots if root.path.is_dir())
    files = {f"{root.label}/{root.path.name}" for root in corpus.roots if not root.path.is_dir()}
    with ix.searcher() as searcher:
        candidates = [
            file_id
            for file_id in (term.decode("utf-8") for term in searcher.reader().lexicon("file"))
            if (file_id.startswith(folders) or file_id in files) and file_id not in seen
        ]
        # The lexicon keeps the terms of deleted documents until their segment is merged.
        return [f for f in candidates if _has_live_documents(searcher, Term("file", f))]


def _has_live_documents(searcher: Searcher, query: Term) -> bool:
    return next(iter(searcher.docs_for_query(query)), None) is not None


def _open_or_create(storage: FileStorage, folder: Path, rebuild: bool) -> FileIndex:
    """The index in `storage`, created when there is none; an index of an older version is
    refused (`IndexOutdatedError`), or with `rebuild` replaced by an empty one."""
    if storage.index_exists():
        ix = storage.open_index()
        try:
            check_schema(ix, folder)
            return ix
        except IndexOutdatedError:
            if not rebuild:
                raise
    return storage.create_index(build_schema())


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
    """Bring the index in `folder` up to date with `corpus`; see the module docstring."""
    storage = FileStorage(str(folder), supports_mmap=False).create()
    notes: list[str] = []
    with write_lock(storage, notes) as lock_fd:
        ix = _open_or_create(storage, folder, rebuild)
        if not rebuild:
            StoryStore(folder).close()  # an outdated store stops the run before any work
        # Workers first: before the state and the plan, which a forked worker would
        # inherit (its resident memory counts every inherited page), and before a progress
        # display may start a thread (forking with threads risks copying a held lock).
        pool = _Workers(folder, corpus, max(1, workers or os.cpu_count() or 1), lock_fd)
        report = _Reporter(on_progress, pool.articles)
        try:
            report("scanning")
            state = {} if rebuild else load_state(folder)
            found = plan(corpus, state)
            fresh = rebuild or ix.doc_count_all() == 0
            gone = []
            if prune and not fresh and not found.listing_failed:
                gone = _gone_files(ix, corpus, found.seen)
            run = _Run(folder, {**state, **found.unchanged}, fresh, clear_first=rebuild)
            run.problems += found.problems
            _index_files(run, pool, found.to_read, gone, commit_every, report)
        finally:
            pool.close()
        if run.state != state:
            save_state(folder, run.state)
        _merge_if_many_segments(storage, report)
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


def _merge_if_many_segments(storage: FileStorage, report: _Reporter) -> None:
    """Merge the smallest segments into one when there are more than `MAX_SEGMENTS`."""
    ix = storage.open_index()
    if len(ix._segments()) > MAX_SEGMENTS:
        report("merging")
        _segment_writer(ix).commit(mergetype=_merge_smallest)


def _merge_smallest(writer: writing.SegmentWriter, segments: list[Segment]) -> list[Segment]:
    """A Whoosh merge policy: the smallest segments go into the writer's new one, leaving
    `MAX_SEGMENTS` in all. (Whoosh's own policy never merges segments of equal size, which
    is what parallel batches make.)"""
    ordered = sorted(segments, key=lambda segment: segment.doc_count_all())
    excess = len(segments) - MAX_SEGMENTS + 1
    for segment in ordered[:excess]:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return ordered[excess:]
