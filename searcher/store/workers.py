"""The indexing workers: each reads files (`Corpus.read_file`), enriches their articles,
analyses them and writes them into a Whoosh segment of its own (`SegmentBuilder`, through a
`SegmentInverter`), in this process or one worker process each (`Workers`); `FileResult`
is what it did with a file.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

from whoosh.codec.base import Segment
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage

from searcher.corpus import Corpus, FileRef
from searcher.enrich import enrich
from searcher.enrich.duplicates import WordHashes, article_text, story_fields_of, word_hashes
from searcher.errors import WorkerLostError
from searcher.models import Article, Problem, Progress
from searcher.store.analysis import ProseTerms
from searcher.store.documents import text_problem, to_document
from searcher.store.filestate import (
    FileFingerprint,
    read_fingerprint,
)
from searcher.store.inverter import SegmentInverter

# Memory of each worker's postings before it writes them to a run file.
INVERTER_LIMIT_MB = 64
# Articles whose story fields are taken at once (of one file or of the files of a task):
# their words hashed together, their signatures' bins as arrays over all of them
STORY_BATCH = 256
# Seconds between progress reports within a phase, and between looks at the workers.
REPORT_EVERY = 0.25

ProgressCallback = Callable[[Progress], None]
# What the story store keeps of an article: id, signature, source, headline, facts.
Story = tuple[str, bytes, str, str, bytes]


@dataclass(frozen=True)
class FileResult:
    """What a worker did with one file: its fingerprint, the ids it indexed (and the number
    of each one's record in the file), its problems, and for each article indexed what the
    story store keeps (id, MinHash signature, source, headline, facts)."""

    file_id: str
    fingerprint: FileFingerprint | None
    ids: tuple[str, ...]
    problems: tuple[Problem, ...]
    stories: tuple[tuple[str, bytes, str, str, bytes], ...] = ()
    path: str = ""
    records: tuple[int, ...] = ()
    elsewhere: int = 0  # articles of the file left to another index (`keep`)


class SegmentBuilder:
    """Reads files and writes their articles into a new segment of the index in `folder`.
    Given `keep` (a test of article ids), only the articles it keeps: the others, counted
    in `FileResult.elsewhere`, belong to another index (a shard of a sharded index) and
    make their file one that was read, as if they had been indexed.

    `schema` is the index's. A worker process is given it: the table of contents it
    would read it from may be replaced meanwhile by a commit of the main process. Else it
    is read from the index as the first segment starts."""

    def __init__(
        self,
        folder: Path,
        corpus: Corpus | None,
        on_article: Callable[[], None] | None = None,
        keep: Callable[[str], bool] | None = None,
        schema: Schema | None = None,
    ) -> None:
        self._folder = folder
        self._schema = schema
        self._corpus = corpus
        self._keep = keep
        self._on_article = on_article  # called as each article is analysed
        self._inverter: SegmentInverter | None = None
        # Its word cache serves every segment of the builder, and the story signatures: it
        # keeps each word's hashes, and the analysis of a text gives its words' (`_note`).
        self._prose = ProseTerms(word_hashes)
        self._word_hashes = WordHashes()

    def index_files(self, refs: Iterable[FileRef]) -> list[FileResult]:
        """Read and analyse the files; their articles go to the current segment. The story
        fields of the articles of all the files are taken together (most files hold one)."""
        stories = _StoryFields(self._word_hashes)
        results = [self._index_file(ref, stories) for ref in refs]
        taken = iter(stories.taken())
        return [
            replace(result, stories=tuple(islice(taken, len(result.ids)))) if result.ids else result
            for result in results
        ]

    def _index_file(self, ref: FileRef, stories: _StoryFields) -> FileResult:
        try:
            before = ref.path.stat()
        except OSError as error:
            unreadable = Problem(ref.shown, f"cannot read: {error.strerror}", kind="unreadable")
            return FileResult(ref.id, None, (), (unreadable,))
        assert self._corpus is not None
        whole: list[bytes] = []  # the file's bytes, when read at once: hashed, not read again
        records = self._corpus.read_file(ref, whole.append)
        result = self.index_records(records, ref.id, ref.shown, stories)
        read = bool(result.ids or result.elsewhere)
        # A file skipped for what it holds is remembered with its problems (not read again
        # until it changes); one the system would not read is tried again on the next run.
        sig = None
        if read or not any(problem.kind == "unreadable" for problem in result.problems):
            with contextlib.suppress(OSError):
                sig = read_fingerprint(ref.path, before, read, whole[0] if whole else None)
            if sig is not None and not read:
                sig = replace(sig, problems=result.problems)
        return replace(result, fingerprint=sig)

    def index_records(
        self,
        records: Iterable[Article | Problem],
        file_id: str,
        shown: str,
        stories: _StoryFields | None = None,
    ) -> FileResult:
        """Analyse the articles of one file (`file_id`, shown as `shown`), or with no
        `file_id` those given to `Index.add`, into the current segment. Within them, the
        first article with an id keeps it. Given `stories`, their story fields are left to
        it (taken with those of other files) and the result holds none."""
        ids, problems, numbers = [], [], []
        fields = _StoryFields(self._word_hashes) if stories is None else stories
        elsewhere = 0
        seen: set[str] = set()
        filed = {"file": file_id} if file_id else {}
        for number, record in enumerate(records, start=1):
            if isinstance(record, Problem):
                problems.append(record)
            elif self._keep is not None and not self._keep(record.id):
                elsewhere += 1
            elif (problem := text_problem(record)) is not None:
                problems.append(problem)
            elif record.id in seen:
                earlier = f"an earlier record of {'this file' if file_id else 'the same call'}"
                where = shown or record.path or record.id
                problems.append(duplicate_problem(where, file_id, record.id, number, earlier))
            else:
                self._add({**to_document(enrich(record), self._prose.analysed), **filed})
                self._note(record)
                seen.add(record.id)
                ids.append(record.id)
                numbers.append(number)
                fields.add(record)
        return FileResult(
            file_id,
            None,
            tuple(ids),
            tuple(problems),
            () if stories is not None else tuple(fields.taken()),
            shown,
            tuple(numbers),
            elsewhere,
        )

    def _add(self, document: dict[str, Any]) -> None:
        """Analyse one article into the current segment, started when needed."""
        if self._inverter is None:
            storage = FileStorage(str(self._folder), supports_mmap=False)
            if self._schema is None:
                self._schema = storage.open_index().schema
            self._inverter = SegmentInverter(storage, self._schema, INVERTER_LIMIT_MB, self._prose)
        self._inverter.add(document)
        if self._on_article is not None:
            self._on_article()

    def _note(self, article: Article) -> None:
        """Note the hashes of the words of the text of `article`'s signature, which its
        analysis has just read, for its story fields."""
        text = article_text(article.headline, article.body)
        hashes = self._prose.hashes(text)
        if hashes is not None:
            self._word_hashes.note(text, hashes)

    def finish(self) -> tuple[Segment | None, dict[str, str]]:
        """Write out the current segment (None when nothing was added) and start afresh;
        with the words indexed since the last call and their stems (`words`)."""
        inverter, self._inverter = self._inverter, None
        segment = inverter.finish() if inverter is not None else None
        return segment, self.words()

    def words(self) -> dict[str, str]:
        """The words indexed since the last call (or `finish`) and their stems, for the
        index's stem table."""
        return self._prose.words()


class _StoryFields:
    """What the story store keeps of articles, taken `STORY_BATCH` at a time."""

    def __init__(self, hashes: WordHashes) -> None:
        self._hashes = hashes
        self._pending: list[Article] = []  # articles whose story fields are still to take
        self._taken: list[Story] = []

    def add(self, article: Article) -> None:
        self._pending.append(article)
        if len(self._pending) == STORY_BATCH:
            self._taken += _stories(self._pending, self._hashes)

    def taken(self) -> list[Story]:
        """The story fields of the articles added, in their order, each after its id."""
        self._taken += _stories(self._pending, self._hashes)
        return self._taken


def _stories(articles: list[Article], hashes: WordHashes) -> list[Story]:
    """What the story store keeps of `articles`, each after its id, taken at once; empties
    the list."""
    found = story_fields_of(articles, hashes)
    stories = [(article.id, *fields) for article, fields in zip(articles, found, strict=True)]
    articles.clear()
    return stories


def duplicate_problem(path: str, file_id: str, article_id: str, record: int, owner: str) -> Problem:
    """The problem of an article left out because `owner` has its id (ids are unique)."""
    return Problem(
        path,
        f"duplicate id {article_id}: already the id of {owner}, which is kept",
        line=record if article_id != file_id else 0,  # a record of a file holding many
        kind="duplicate-id",
    )


# What every worker would import on its first files, imported as it starts instead, while
# the main process walks the corpus: NLTK's stemmer (~0.1 CPU-s, 0.7 with SciPy installed,
# which NLTK then imports too).
_WORKER_MODULES = ("nltk.stem.snowball",)
# Worker processes: one builder each, set up by the pool's initializer, with the queue of
# the words they stemmed, and whether the cycles of its last segment are still to collect.
_builder: SegmentBuilder | None = None
_barrier: Any = None
_stems: Any = None
_collect = False


def _start_worker(
    folder: Path,
    schema: Schema,
    corpus: Corpus,
    barrier: Any,
    stems: Any,
    lock_fd: int,
    articles: Any,
    keep: Callable[[str], bool] | None,
) -> None:
    global _builder, _barrier, _stems
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    with contextlib.suppress(OSError):
        os.close(lock_fd)  # the parent's write lock must die with the parent
    _builder = SegmentBuilder(folder, corpus, partial(_count, articles), keep, schema)
    _barrier = barrier
    _stems = stems
    # What the worker inherited lives as long as it does: the collector leaves it alone.
    gc.freeze()
    # A worker makes many objects that live until its segment is written (postings), which
    # the collector would traverse again and again (at x1, with a first threshold of 50,000:
    # some 15 collections and 0.5-0.8 CPU-s a worker), and few cycles (a few hundred to
    # 36,000 objects a worker at x1): they are collected once a segment is written, when
    # the worker next reads (not at the end of a run, nor while the other workers wait).
    gc.disable()
    for module in _WORKER_MODULES:  # while the main process walks the corpus
        importlib.import_module(module)


def _count(articles: Any) -> None:
    """Add one to a count shared by the processes (a `multiprocessing.Value`)."""
    with articles.get_lock():
        articles.value += 1


def _worker_index(refs: list[FileRef]) -> list[FileResult]:
    global _collect
    assert _builder is not None
    if _collect:  # the cycles of the last segment (see `_start_worker`)
        gc.collect()
        _collect = False
    return _builder.index_files(refs)


def _worker_finish(_: int) -> Segment | None:
    global _collect
    assert _builder is not None
    try:
        # The words first: the main process records them while the segment is written (the
        # queue's thread sends them meanwhile).
        _stems.put(_builder.words())
        segment = _builder.finish()[0]
    except BaseException:
        _barrier.abort()  # the others must not wait for this one (a full disk, say)
        raise
    _collect = True
    # Every worker takes exactly one finish task: none may take a second while the
    # others have not yet taken theirs. The tasks handed out before the finish tasks have
    # all been taken: the wait is for the others' last task and segment. A worker that
    # dies meanwhile leaves the others waiting until the main process, which sees it
    # (`Workers`), ends the pool.
    _barrier.wait()
    return segment


class Workers:
    """The builders of segments of the index in `folder`, whose schema is `schema`: in
    this process when `workers` is 1, else one per worker process. They count the
    articles they analyse in `articles`; in this process, `report` is called as they do.
    `keep`: see `SegmentBuilder`.

    Tasks are numbered as they are submitted and their results taken as they come
    (`next_done`), whichever finishes first: a worker is not left waiting while the
    other reads a large file.

    A worker process that ends (killed by the kernel when memory runs out) takes with it
    its task and the articles of its segment: waiting for results or segments then raises
    `WorkerLostError`, before anything of the batch is committed."""

    def __init__(
        self,
        folder: Path,
        schema: Schema,
        corpus: Corpus,
        workers: int,
        lock_fd: int,
        keep: Callable[[str], bool] | None = None,
    ) -> None:
        self.count = workers
        self._folder = folder
        self._local: SegmentBuilder | None = None
        self._pool: _Pool | None = None
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.articles = context.Value("q", 0)
        self.report: Callable[[], None] = lambda: None
        self._submitted = 0
        self._running: dict[int, AsyncResult[list[FileResult]] | list[FileResult]] = {}
        self._done: queue.SimpleQueue[int] = queue.SimpleQueue()  # numbers, as they finish
        self._stems: Any = None  # the words each worker process stemmed, as it finishes
        if workers == 1:
            self._local = SegmentBuilder(folder, corpus, self._counted, keep, schema)
        else:
            barrier = context.Barrier(workers)
            self._stems = context.Queue()
            initargs = (folder, schema, corpus, barrier, self._stems, lock_fd, self.articles, keep)
            self._pool = _Pool(workers, _start_worker, initargs, context=context)

    def _counted(self) -> None:
        _count(self.articles)
        self.report()

    @property
    def in_flight(self) -> int:
        """The tasks submitted whose results `next_done` has not yet given."""
        return len(self._running)

    def has_done(self) -> bool:
        """True when `next_done` would not wait."""
        return not self._done.empty()

    def submit(self, refs: list[FileRef]) -> int:
        """Hand `refs` to a builder (in this process: read them now); the task's number."""
        number = self._submitted
        self._submitted += 1
        if self._pool is None:
            assert self._local is not None
            self._running[number] = self._local.index_files(refs)
            self._done.put(number)
        else:
            done = partial(_put, self._done, number)  # called on success and on failure
            self._running[number] = self._pool.apply_async(
                _worker_index, (refs,), callback=done, error_callback=done
            )
        return number

    def next_done(self, report: Callable[[], None]) -> tuple[int, list[FileResult]]:
        """The number and results of a task that is done, waiting for one if need be
        (calling `report` every `REPORT_EVERY` seconds meanwhile); raises a task's error."""
        assert self._running, "no task to wait for"
        while True:
            try:
                number = self._done.get(timeout=REPORT_EVERY)
            except queue.Empty:
                self._watch(report)
                continue
            task = self._running.pop(number)
            return number, task if isinstance(task, list) else task.get()

    def _watch(self, report: Callable[[], None]) -> None:
        """Call `report`; raise `WorkerLostError` when a worker process has ended."""
        report()
        if self._pool is not None and (exit_code := self._pool.ended()) is not None:
            raise WorkerLostError(str(self._folder), exit_code)

    def finish(self, report: Callable[[], None]) -> Finishing:
        """Start writing out every builder's segment, with the tasks submitted so far. Each
        worker process writes its segment once it is done with those tasks, while this
        process goes on (taking their results); it sends the words it stemmed first."""
        if self._pool is None:
            assert self._local is not None
            segment, stems = self._local.finish()
            return Finishing(lambda: stems, lambda: [] if segment is None else [segment])
        tasks = [self._pool.apply_async(_worker_finish, (n,)) for n in range(self.count)]
        watch = partial(self._watch, report)
        return Finishing(
            partial(self._stemmed, tasks, watch), partial(self._segments, tasks, watch)
        )

    def _segments(
        self, tasks: list[AsyncResult[Segment | None]], watch: Callable[[], None]
    ) -> list[Segment]:
        """The segments the worker processes wrote (calling `watch` meanwhile), once each
        has; raises the error of a finish task that failed, and `WorkerLostError` when a
        worker ended before it wrote its segment (its replacement wrote an empty one)."""
        segments = [s for task in tasks if (s := _finished(task, tasks, watch)) is not None]
        watch()
        return segments

    def _stemmed(
        self, tasks: list[AsyncResult[Segment | None]], watch: Callable[[], None]
    ) -> dict[str, str]:
        """The words the workers stemmed, as each starts writing its segment (calling
        `watch` meanwhile); raises the error of a finish task that failed."""
        stems: dict[str, str] = {}
        for _ in tasks:
            while True:
                try:
                    stems.update(self._stems.get(timeout=REPORT_EVERY))
                    break
                except queue.Empty:
                    watch()
                    for task in tasks:
                        if task.ready() and not task.successful():
                            _finished(task, tasks, watch)  # raises its error
        return stems

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


class _Pool(Pool):
    """A process pool whose thread that looks after the workers sleeps until a worker exits
    or the pool changes. Python's (3.8 to 3.13) also wakes it while results wait to be read
    from the workers, so it spins until the thread that reads them has: measured at x1,
    10,000 wake-ups on Reuters alone and 0.7 CPU-s of the main process, not counting the
    interpreter lock taken from the threads that do the work.

    It tells when one of the worker processes it started with has ended (`ended`): it
    starts another in its place, but the task that one was doing is never done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._started: list[Any] = list(self._pool)  # type: ignore[attr-defined]

    def _get_sentinels(self) -> list[Any]:
        return [self._change_notifier._reader]  # type: ignore[attr-defined]

    def ended(self) -> int | None:
        """The exit code of a worker process that has ended, if one has."""
        return next((p.exitcode for p in self._started if p.exitcode is not None), None)


def _put(done: queue.SimpleQueue[int], number: int, _: object) -> None:
    done.put(number)


@dataclass(frozen=True)
class Finishing:
    """The builders writing out their segments (`Workers.finish`): `stems()` waits for the
    words they stemmed, `segments()` for their segments (None for a builder that had no
    article)."""

    stems: Callable[[], dict[str, str]]
    segments: Callable[[], list[Segment]]


def wait_reporting(task: AsyncResult[Any], report: Callable[[], None]) -> Any:
    """The task's result, calling `report` every `REPORT_EVERY` seconds until it is ready."""
    while not task.ready():
        task.wait(REPORT_EVERY)
        report()
    return task.get()


def _finished(
    task: AsyncResult[Segment | None],
    tasks: list[AsyncResult[Segment | None]],
    report: Callable[[], None],
) -> Segment | None:
    """The result of a worker's finish task; when one failed, the error of the worker
    that failed first rather than that of the others, whose barrier it broke."""
    try:
        return wait_reporting(task, report)
    except threading.BrokenBarrierError:
        for other in tasks:
            other.wait()
            if not other.successful():
                with contextlib.suppress(threading.BrokenBarrierError):
                    other.get()  # raises the first worker's own error
        raise


class Reporter:
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
            # The count is read without its lock, which a worker killed while it held it
            # would never let go of (see `Workers`).
            articles = self._articles.get_obj().value
            self._on_progress(Progress(self.files_done, self.files_total, articles, phase))
