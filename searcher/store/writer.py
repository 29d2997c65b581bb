"""Incremental, parallel, crash-safe indexing of a `Corpus` into a Whoosh index.

Parts:
- `plan()`: walks the corpus and compares every file with the state of the last run
  (size and mtime, then the content hash): which files to read, which are unchanged.
- The workers (`workers.py`): each reads files, enriches, analyses and writes their
  articles into a Whoosh segment of its own; each commit (`commits.py`) replaces the older
  versions and checks ids, and the merge policy keeps the segments few.
- `add_articles()`: `Index.add`, the same way: articles that come from no file go into
  one segment and one commit (which also merges, by the same policy), under the same lock
  and rules, with the file state moved on to the new commit.
- `update_index()`: hands the files to be read to `workers` processes and commits about
  every `commit_every` articles: deletes the older versions of the files read and the
  articles of files that are gone, adds the workers' segments to the index in one commit,
  then writes the file state. A file's articles always land in the same commit, and the
  state is written after that commit, so a crash loses at most one batch and the next run
  reads again whatever the state does not vouch for. The first files go to the workers
  as the corpus is walked. Results are taken as the workers finish them and committed in
  the order the files were found; each worker writes its segment once it has read its
  last file of a batch (sending the words it stemmed first, recorded meanwhile), and while
  a batch is committed, the workers read the next batch's first files into their next
  segments. In a fresh run the story store takes a batch's articles as its results come
  in, in the order the files were found (`IndexingRun.take`), so little of it is left once
  the batch is read.

Whoosh's own multi-process writer parallelises the analysis only, and dropped documents in
Whoosh 2.7; here the workers also read and parse, and every segment they return is
accounted for before the commit.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term
from whoosh.searching import Searcher

from searcher.corpus import Corpus, FileRef
from searcher.errors import IndexDamagedError, IndexOutdatedError
from searcher.models import Article, IndexReport, Problem
from searcher.store import DEFAULT_COMMIT_EVERY
from searcher.store.commits import IndexingRun, merge_if_many_segments
from searcher.store.filestate import (
    FileFingerprint,
    FileState,
    content_hash,
    load_state,
    save_state,
)
from searcher.store.indexfolder import (
    TEMPORARY,
    Snapshot,
    check_folder,
    latest_generation,
    open_index,
    open_snapshot,
    reset,
    tidied,
    tidy,
    writes_to,
)
from searcher.store.schema import build_schema
from searcher.store.sidecars import damage, sidecar_damage
from searcher.store.stemtable import STEM_FILE, record_stems
from searcher.store.stories import STORE_FILE, StoryStore
from searcher.store.workers import (
    FileResult,
    ProgressCallback,
    Reporter,
    SegmentBuilder,
    Workers,
)
from searcher.store.writelock import write_lock

# Files handed to a worker at a time: large enough to amortise the hand-over, small
# enough to keep every core busy until the end of a batch.
TASK_FILES = 32
TASK_BYTES = 1 << 20
# While a batch is committed, the workers read the next batch's first files, this share of
# the batch in bytes: the main process's part of a commit (the story store) would
# otherwise leave them idle once their segments are written.
READ_AHEAD = 0.25
# Tasks handed out and not yet collected, a worker: always up to `TASKS_AHEAD_MIN`, and up
# to `TASKS_AHEAD` while they hold at most `BYTES_AHEAD` a worker and fewer files than the
# batch's articles still to come (a batch goes little beyond `commit_every`). The workers
# then stay busy while the main process takes a run of results into the story store (a
# slow task holds back the results after it, which are then taken at once). At x1, the
# machine's idle core-seconds of a run: 3.9-4.3 with 2 tasks a worker, 3.4-3.5 with 6, 2.2
# with 12.
TASKS_AHEAD_MIN = 2
TASKS_AHEAD = 12
BYTES_AHEAD = 2 * TASK_BYTES


@dataclass
class Plan:
    """The files of a run: to read, unchanged (with refreshed signatures), and problems."""

    to_read: list[tuple[FileRef, int]] = field(default_factory=list)  # with their sizes
    unchanged: dict[str, FileFingerprint] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    listing_failed: bool = False
    files_seen: int = 0


def plan(
    corpus: Corpus,
    state: dict[str, FileFingerprint],
    index: Path | None = None,
    on_read: Callable[[FileRef, int], None] | None = None,
) -> Plan:
    """Sort the corpus's files into those to read and those unchanged since `state`.
    Files inside the `index` folder are passed over. `on_read` is called with each file
    to read (and its size) as it is found."""
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
                touched = FileFingerprint(stat.st_size, stat.st_mtime_ns, known.sha1)
                result.unchanged[item.id] = touched
            else:
                result.to_read.append((item, stat.st_size))
                if on_read is not None:
                    on_read(item, stat.st_size)
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


def _same_content(path: Path, stat: os.stat_result, known: FileFingerprint) -> bool:
    """True when a touched file still holds what was indexed. A file remembered without a
    hash (one that was skipped) is read again."""
    return bool(known.sha1) and known.size == stat.st_size and known.sha1 == content_hash(path)


def _tasks(files: list[tuple[FileRef, int]]) -> Iterator[tuple[list[FileRef], int]]:
    """Group files into tasks of a few files or about a megabyte, with their size, taking
    them out of `files` as they go: a task handed out is then the workers' alone to keep
    (a corpus of many small files holds about 700 bytes a file)."""
    task: list[FileRef] = []
    size = 0
    files.reverse()
    while files:
        ref, file_size = files.pop()
        task.append(ref)
        size += file_size
        if _task_full(task, size):
            yield task, size
            task, size = [], 0
    if task:
        yield task, size


def _task_full(task: list[FileRef], size: int) -> bool:
    return len(task) >= TASK_FILES or size >= TASK_BYTES


class _EarlyTasks:
    """The first tasks of a run, handed out to worker processes as the corpus is walked
    (`plan`'s `on_read`): as many as `_too_far_ahead` allows at the start of a batch of
    `room` articles. They take the first files to read, grouped as `_tasks` groups them."""

    def __init__(self, pool: Workers, room: int) -> None:
        self._pool = pool
        self._room = room
        self.ahead: dict[int, tuple[int, int]] = {}  # as in `_index_files`
        self.files = 0  # the files handed out
        self._task: list[FileRef] = []
        self._size = 0
        self._full = False

    def __call__(self, ref: FileRef, size: int) -> None:
        if self._full:
            return
        self._task.append(ref)
        self._size += size
        if _task_full(self._task, self._size):
            self.ahead[self._pool.submit(self._task)] = len(self._task), self._size
            self.files += len(self._task)
            self._task, self._size = [], 0
            self._full = _too_far_ahead(self.ahead, self._pool.count, self._room)


def _too_far_ahead(ahead: dict[int, tuple[int, int]], workers: int, room: int) -> bool:
    """True when the tasks handed out and not yet collected (the files and bytes of each in
    `ahead`) are enough for `workers`, the batch having `room` articles to go."""
    if len(ahead) <= TASKS_AHEAD_MIN * workers:
        return False
    if len(ahead) > TASKS_AHEAD * workers:
        return True
    files, size = map(sum, zip(*ahead.values(), strict=True))
    return size > BYTES_AHEAD * workers or files >= room


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


def _trusted(saved: FileState, snapshot: Snapshot) -> dict[str, FileFingerprint]:
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


def _forget_stories_not_indexed(folder: Path, snapshot: Snapshot) -> None:
    """Take out of the story store the articles the index does not hold. A run killed
    between a commit of the index and the same change in the store left there the
    articles that commit removed; the state, saved after both, then names an earlier
    commit (the articles that commit added are read again: see `_trusted`)."""
    with sidecar_damage(folder, STORE_FILE):
        store = StoryStore(folder)
        try:
            with snapshot.searcher() as searcher:
                store.remove(
                    id for id in store.ids() if not _has_live_documents(searcher, Term("id", id))
                )
            store.commit()
        finally:
            store.close()


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


@contextmanager
def _writing(
    folder: Path, rebuild: bool, notes: list[str]
) -> Iterator[tuple[FileStorage, int, bool]]:
    """The index in `folder` ready to write to, the write lock held and what killed runs
    left tidied: its storage, the lock's file descriptor, and whether the run starts it
    over (see `_prepare`)."""
    ours = check_folder(folder)
    with writes_to(folder):
        storage = FileStorage(str(folder), supports_mmap=False).create()
        with write_lock(storage, notes) as lock_fd, tidied(folder):
            rebuild = _prepare(folder, ours, rebuild, notes)
            tidy(folder)  # what a killed run left
            yield storage, lock_fd, rebuild
            # The writers' scratch folder, which the workers shared with the commits.
            shutil.rmtree(folder / TEMPORARY, ignore_errors=True)


def add_articles(folder: Path, articles: Iterable[Article]) -> IndexReport:
    """Write `articles`, which come from no file, into the index in `folder` (created when
    missing) in one commit, replacing the articles of no file that have their ids; an id
    held by an article of an indexed file stays that article's, the new one is reported as
    a duplicate (as two files with one id are). The file state is saved with the new
    commit, so it goes on vouching for the files it lists."""
    notes: list[str] = []
    with _writing(folder, rebuild=False, notes=notes):
        saved = load_state(folder)
        builder = SegmentBuilder(folder, None)
        result = builder.index_records(articles, "", "")
        segment, stems = builder.finish()
        record_stems(folder, stems)
        run = IndexingRun(folder, dict(saved.files), fresh=False, clear_first=False, merge=True)
        run.commit([result], [] if segment is None else [segment], [])
    return run.report(notes)


def update_index(
    folder: Path,
    corpus: Corpus,
    *,
    workers: int | None = None,
    commit_every: int = DEFAULT_COMMIT_EVERY,
    prune: bool = True,
    rebuild: bool = False,
    on_progress: ProgressCallback | None = None,
    keep: Callable[[str], bool] | None = None,
    on_commit: Callable[[list[FileResult]], None] | None = None,
) -> IndexReport:
    """Bring the index in `folder` up to date with `corpus`; see the module docstring.
    With `keep`, only the articles whose id it keeps (a shard's); `on_commit` is called
    with the files of each commit once it is done.

    Raises `NotAnIndexError` for a folder that is not ours, `IndexDamagedError` for an
    index that cannot be read (unless rebuilt), `DiskFullError` when the disk fills up,
    `WorkerLostError` when a worker process ends (killed: memory ran out); a failed run
    leaves the last commit and no temporary files.
    """
    notes: list[str] = []
    with _writing(folder, rebuild, notes) as (storage, lock_fd, rebuild):
        # Workers first: before the state and the plan, which a forked worker would
        # inherit (its resident memory counts every inherited page), and before a
        # progress display may start a thread (forking with threads risks copying a
        # held lock).
        # The schema is read here, once: the run's commits replace the TOC it is read from.
        schema = storage.open_index().schema
        count = max(1, workers or os.cpu_count() or 1)
        pool = Workers(folder, schema, corpus, count, lock_fd, keep)
        report = Reporter(on_progress, pool.articles)
        try:
            report("scanning")
            saved = FileState() if rebuild else load_state(folder)
            snapshot = open_snapshot(folder)
            try:
                state = _trusted(saved, snapshot)
                if not rebuild and saved.commit != snapshot.commit:
                    _forget_stories_not_indexed(folder, snapshot)
                # Worker processes start reading while the corpus is walked.
                early = _EarlyTasks(pool, commit_every) if pool.count > 1 else None
                found = plan(corpus, state, folder, early)
                fresh = rebuild or snapshot.reader.doc_count_all() == 0
                gone = []
                if prune and not fresh and not found.listing_failed:
                    gone = _gone_files(snapshot, corpus, found.seen)
            finally:
                snapshot.close()
            run = IndexingRun(
                folder, {**state, **found.unchanged}, fresh, rebuild, on_commit=on_commit
            )
            run.problems += found.problems
            _index_files(run, pool, found.to_read, gone, commit_every, report, early)
        finally:
            pool.close()
        merged = merge_if_many_segments(storage, report)
        if merged or not run.commit_done:  # else the run's last commit saved the state
            commit = merged or snapshot.commit
            if run.state != saved.files or commit != saved.commit:
                save_state(folder, FileState(run.state, commit))
    return run.report(notes, files_seen=found.files_seen, files_unchanged=len(found.unchanged))


def _index_files(
    run: IndexingRun,
    pool: Workers,
    files: list[tuple[FileRef, int]],
    gone: list[str],
    commit_every: int,
    report: Reporter,
    early: _EarlyTasks | None = None,
) -> None:
    """Read `files` on the workers, committing a batch about every `commit_every` articles;
    the first ones were handed out already when `early` is given."""
    if not files:
        if gone or run.clear_first:
            run.commit([], [], gone)
        return
    report.files_total = len(files)
    report()
    pool.report = report
    batch: list[tuple[int, list[FileResult]]] = []  # with their tasks' numbers
    batch_articles = 0  # the articles of `batch`, counted as results come in
    # each task handed out and not yet collected: its files and bytes
    ahead: dict[int, tuple[int, int]] = {} if early is None else early.ahead
    batch_bytes = sum(size for _, size in ahead.values())  # of the files handed out
    if early is not None:
        del files[: early.files]
    tasks = _tasks(files)
    done: dict[int, list[FileResult]] = {}  # results not yet taken by the run, by task
    taken = 0  # the number of the next task whose results the run takes

    def collect() -> None:
        nonlocal batch_articles, taken
        number, results = pool.next_done(report)
        del ahead[number]
        batch.append((number, results))
        batch_articles += sum(len(result.ids) for result in results)
        report.files_done += len(results)
        report()
        done[number] = results
        while taken in done:  # in the order the files were found
            run.take(done.pop(taken))
            taken += 1

    def submit(task: tuple[list[FileRef], int]) -> None:
        nonlocal batch_bytes
        ahead[pool.submit(task[0])] = len(task[0]), task[1]
        batch_bytes += task[1]

    def commit() -> None:
        nonlocal gone, batch_articles, batch_bytes
        # Each worker writes its segment once it has read its last file of the batch,
        # while this process still takes the batch's results in.
        written = pool.finish(partial(report, "writing"))
        while pool.in_flight:
            collect()
        report("writing")
        # The next batch's first files are read while this one is committed (their
        # articles go to the workers' next segments).
        ahead, batch_bytes = batch_bytes * READ_AHEAD if pool.count > 1 else 0, 0
        while batch_bytes < ahead and (task := next(tasks, None)) is not None:
            submit(task)

        def segments() -> list[Segment]:  # the story store is changed while workers write
            record_stems(run.folder, written.stems())  # and the stems recorded
            found = written.segments()
            report("committing")
            return found

        # In the order the files were found, whatever order the workers finished them in
        # (the first of two articles with one id keeps it).
        batch.sort(key=lambda task: task[0])
        results = [result for _, results in batch for result in results]
        batch.clear()
        batch_articles = 0
        run.commit(results, segments, gone)
        gone = []

    def handed_out() -> None:  # what follows each task handed out
        while _too_far_ahead(ahead, pool.count, commit_every - batch_articles) or pool.has_done():
            collect()
        if batch_articles >= commit_every:
            commit()

    try:
        if ahead:  # the tasks handed out as the corpus was walked
            handed_out()
        for task in tasks:
            submit(task)
            handed_out()
        if batch or pool.in_flight:  # else the last task filled a batch, committed already
            commit()
    except BaseException:
        run.abandon()
        raise
