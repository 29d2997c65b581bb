"""An index that is read-only, damaged, foreign, on a full disk, or committed to while it
is searched (`searcher.store.indexfolder`, and how `Index` and the indexer use it)."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from whoosh import fields
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb.filestore import FileStorage

from searcher import (
    DiskFullError,
    Index,
    IndexDamagedError,
    IndexReadOnlyError,
    NotAnIndexError,
    WorkerLostError,
    read_corpus,
)
from searcher.cli import app
from searcher.corpus import FileRef
from searcher.store import commits, workers, writer
from searcher.store.filestate import STATE_FILE
from searcher.store.indexfolder import INDEX_NAME, TEMPORARY, latest_generation, read_commit
from searcher.store.stemtable import STEM_FILE
from searcher.store.stories import STORE_FILE

WORDS = ["oil", "prices", "market", "troops", "protest", "election", "budget", "storm"]
ARTICLES = 40  # 32 text files and 8 JSON Lines records


def write_corpus(folder: Path) -> None:
    """Plain-text articles (no date, source or author) and JSON Lines records with them."""
    folder.mkdir(parents=True)
    for n in range(32):
        body = " ".join(f"{WORDS[(n + k) % len(WORDS)]} w{n}x{k}" for k in range(30))
        (folder / f"a{n:03d}.txt").write_text(f"Story {n} headline\n\n{body}.\n")
    records = [
        {
            "id": f"r{n}",
            "title": f"Record {n // 2} on oil",  # two copies of each record
            "text": " ".join(f"copy{n // 2}w{k}" for k in range(30)),
            "date": f"2022-0{1 + n // 2}-15" if n // 2 % 2 else None,
            "source": "Reuters" if n % 3 else None,
            "author": "Ann Lee" if n % 4 else None,
        }
        for n in range(8)
    ]
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "news"
    write_corpus(folder)
    return folder


@pytest.fixture(scope="module")
def built(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index built the normal way: two workers, small batches, several segments."""
    index = tmp_path_factory.mktemp("built") / "ix"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer, "TASK_FILES", 4)
        Index(index).update(read_corpus(corpus), workers=2, commit_every=8)
    assert Index(index).stats().segments > 2
    return index


@pytest.fixture
def index(built: Path, tmp_path: Path) -> Path:
    """A copy of `built` for a test to damage."""
    copy = tmp_path / "ix"
    shutil.copytree(built, copy)
    return copy


def answers(ix: Index) -> tuple[int, int, int]:
    """What the queries of these tests see: matches, stories with copies, and articles."""
    return ix.search("oil", limit=None).total, len(ix.duplicates()), ix.stats().articles


def test_the_test_index_has_segments_and_copies(built: Path) -> None:
    assert answers(Index(built)) == (ARTICLES, 4, ARTICLES)


def leftovers(folder: Path) -> set[str]:
    """Files in the index folder that its last commit and sidecars do not account for."""
    _, segments = read_commit(folder)
    expected = {f"{segment}.seg" for segment in segments}
    expected |= {f"_{INDEX_NAME}_{latest_generation(folder)}.toc", f"{INDEX_NAME}_WRITELOCK"}
    expected |= {STATE_FILE, STEM_FILE, STORE_FILE, f"{STORE_FILE}-wal", f"{STORE_FILE}-shm"}
    return set(os.listdir(folder)) - expected


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextmanager
def read_only(folder: Path, view: Path) -> Iterator[Path]:
    """`folder` as a program that cannot write it sees it: through a read-only bind mount
    when running as root (root ignores permissions), else with write permissions removed."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")]}
        for path in modes:
            path.chmod(path.stat().st_mode & ~0o222)
        try:
            yield folder
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    view.mkdir()
    bound = _mount("--bind", str(folder), str(view))
    if not (bound and _mount("-o", "remount,bind,ro", str(view))):
        subprocess.run(["umount", str(view)], capture_output=True)
        pytest.skip("running as root where no read-only bind mount can be made")
    try:
        with pytest.raises(OSError):
            (view / "probe").write_text("")
        yield view
    finally:
        subprocess.run(["umount", "--lazy", str(view)], check=True)  # readers may be open


def test_an_index_on_a_read_only_disk_answers_every_query(index: Path, tmp_path: Path) -> None:
    expected = answers(Index(index))
    before = sorted(os.listdir(index))
    with read_only(index, tmp_path / "view") as view:
        ix = Index(view)
        assert answers(ix) == expected
        assert ix.show("news/a001.txt", "oil").article.headline == "Story 1 headline"
        assert ix.similar("news/feed.jsonl#r0", all_copies=True).hits[0].id.endswith("#r1")
        assert ix.search("pric*").total > 0 and ix.search("marekt~").total > 0
        assert ix.quotes("oil").total == 0 and ix.speakers() == ()
        with pytest.raises(IndexReadOnlyError, match="cannot be written"):
            ix.update(read_corpus(index.parent), workers=1)
        with pytest.raises(IndexReadOnlyError):
            ix.optimize()
    assert sorted(os.listdir(index)) == before


# Each file of the index, cut to half its size or with bytes inverted at its start.
DAMAGED_FILES = ["toc", "segment", STEM_FILE, STORE_FILE, STATE_FILE]


def _file_of(index: Path, which: str) -> Path:
    if which == "toc":
        return index / f"_{INDEX_NAME}_{latest_generation(index)}.toc"
    if which == "segment":
        return next(index.glob(f"{INDEX_NAME}_*.seg"))
    return index / which


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    else:
        data[8:24] = bytes(b ^ 0xFF for b in data[8:24])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["truncated", "flipped"])
@pytest.mark.parametrize("which", DAMAGED_FILES)
def test_a_damaged_file_says_so_and_rebuild_always_repairs_it(
    index: Path, corpus: Path, which: str, how: str
) -> None:
    expected = answers(Index(index))
    damaged = _file_of(index, which)
    _damage(damaged, how)
    for attempt in (lambda: answers(Index(index)), lambda: Index(index).show("news/a001.txt")):
        try:
            attempt()
        except IndexDamagedError as error:
            assert error.file in (damaged.name, "a segment file")
            assert f"is damaged: {error.file}" in str(error)
    try:
        Index(index).update(read_corpus(corpus), workers=1)
    except IndexDamagedError as error:
        assert error.file == damaged.name
    report = Index(index).update(read_corpus(corpus), workers=1, rebuild=True)
    assert report.added == ARTICLES
    assert answers(Index(index)) == expected
    assert not leftovers(index)


def test_damaged_postings_headers_are_reported_as_damage(index: Path, corpus: Path) -> None:
    expected = answers(Index(index))
    for segment in index.glob(f"{INDEX_NAME}_*.seg"):
        data = segment.read_bytes()
        assert WHOOSH3_HEADER_MAGIC in data
        segment.write_bytes(data.replace(WHOOSH3_HEADER_MAGIC, b"\0" * len(WHOOSH3_HEADER_MAGIC)))
    with pytest.raises(IndexDamagedError, match="is damaged: a segment file"):
        answers(Index(index))
    Index(index).update(read_corpus(corpus), workers=1, rebuild=True)
    assert answers(Index(index)) == expected


def test_a_lost_table_of_contents_is_rebuilt_not_taken_for_up_to_date(
    index: Path, corpus: Path
) -> None:
    expected = answers(Index(index))
    for toc in index.glob(f"_{INDEX_NAME}_*.toc"):
        toc.unlink()
    with pytest.raises(IndexDamagedError, match=r"_MAIN_<n>\.toc is missing"):
        Index(index).search("oil")
    report = Index(index).update(read_corpus(corpus), workers=1)
    assert report.added == ARTICLES and report.files_unchanged == 0
    assert any("lost its table of contents" in note for note in report.notes)
    assert answers(Index(index)) == expected
    assert not leftovers(index)  # the old segments went


def test_a_file_state_saved_with_another_commit_is_checked_against_the_index(
    index: Path, corpus: Path, tmp_path: Path
) -> None:
    ix = Index(index)
    assert ix.optimize() > 1
    again = ix.update(read_corpus(corpus), workers=1)  # the state followed the merge
    assert not again.changed and again.files_unchanged == 33
    old_state = (index / STATE_FILE).read_text()
    kept = tmp_path / "a000.txt"
    (corpus / "a000.txt").rename(kept)  # same size and time when it comes back
    try:
        assert ix.update(read_corpus(corpus), workers=1).removed == 1
    finally:
        kept.rename(corpus / "a000.txt")
    # The old state claims a000.txt, whose articles the index no longer holds.
    (index / STATE_FILE).write_text(old_state)
    report = ix.update(read_corpus(corpus), workers=1)
    assert (report.added, report.files_unchanged) == (1, 32)
    assert ix.search("headline", limit=None).total == 32


def _not_an_index(kind: str, path: Path) -> str:
    """Make at `path` something that is not our index; what the error says about it."""
    if kind == "file":
        path.write_text("mine")
        return "a file, not a folder"
    path.mkdir()
    if kind == "other files":
        (path / "notes.txt").write_text("mine")
        return "other files"
    ix = whoosh_index.create_in(str(path), fields.Schema(title=fields.TEXT(stored=True)))
    with ix.writer() as writer:
        writer.add_document(title="oil")
    return "made by another program"


def _contents(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {path.name: path.read_bytes()}
    return {item.name: item.read_bytes() for item in sorted(path.iterdir())}


@pytest.mark.parametrize("kind", ["foreign index", "other files", "file"])
def test_what_is_not_our_index_is_refused_and_left_untouched(
    kind: str, tmp_path: Path, corpus: Path
) -> None:
    path = tmp_path / "ix"
    says = _not_an_index(kind, path)
    before = _contents(path)
    ix = Index(path)
    with pytest.raises(NotAnIndexError, match=says):
        ix.update(read_corpus(corpus), workers=1)
    with pytest.raises(NotAnIndexError, match=says):
        ix.update(read_corpus(corpus), workers=1, rebuild=True)
    with pytest.raises(NotAnIndexError, match=says):
        ix.add([])
    if kind == "foreign index":
        with pytest.raises(NotAnIndexError, match=says):
            ix.search("oil")
        with pytest.raises(NotAnIndexError, match=says):
            ix.optimize()
    assert _contents(path) == before


def _failing_commit(count: int) -> Callable[..., None]:
    """A replacement for Whoosh's TOC.write that runs out of space at call `count`."""
    original = whoosh_index.TOC.write
    calls = []

    def write(toc: whoosh_index.TOC, storage: FileStorage, indexname: str) -> None:
        calls.append(toc)
        if len(calls) == count:
            with open(os.path.join(storage.folder, f"_{indexname}_partial.toc.1.2"), "wb") as f:
                f.write(b"half a table of contents")
            raise OSError(errno.ENOSPC, "No space left on device")
        original(toc, storage, indexname)

    return write


def test_a_full_disk_keeps_the_last_commit_and_leaves_no_temporary_files(
    index: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = Index(index)
    expected = answers(ix)
    original_write = whoosh_index.TOC.write
    monkeypatch.setattr(writer, "TASK_FILES", 4)
    monkeypatch.setattr(whoosh_index.TOC, "write", _failing_commit(2))
    with pytest.raises(DiskFullError, match="disk is full"):
        ix.update(read_corpus(corpus), workers=2, commit_every=8, rebuild=True)
    committed = ix.stats().articles
    assert 0 < committed < ARTICLES  # the first batch
    assert not leftovers(index) and not (index / TEMPORARY).exists()
    monkeypatch.setattr(whoosh_index.TOC, "write", original_write)
    report = ix.update(read_corpus(corpus), workers=2)
    assert report.added == ARTICLES - committed
    assert answers(ix) == expected


@contextmanager
def _within(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, when the block takes longer than `seconds`."""

    def late(*_: object) -> None:
        raise TimeoutError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, late)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _killed_reading_once_committed(flags: Path, refs: list[FileRef]) -> list[workers.FileResult]:
    """A worker's task that kills its process (as the kernel does when memory runs out):
    the task of feed.jsonl, the corpus's last file, once a batch is committed
    (`flags`/"committed"). The first batch never reaches it: a batch of 8 articles takes
    in at most 7 tasks of 4 files."""
    if any(ref.path.name == "feed.jsonl" for ref in refs):
        deadline = time.monotonic() + 30
        while not (flags / "committed").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGKILL)
    return _worker_index(refs)


def _first(flag: Path) -> bool:
    """True for the first process to call this with `flag`, which it creates."""
    try:
        os.close(os.open(flag, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


_worker_index = workers._worker_index


def test_a_worker_killed_reading_stops_the_run_and_keeps_the_last_commit(
    index: Path, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process killed in the middle of a task takes the task with it: the run
    stops with `WorkerLostError` instead of waiting for it for ever, keeps what the
    batches before committed, and a rerun goes on from there."""
    ix = Index(index)
    expected = answers(ix)
    commit = commits.IndexingRun.commit

    def commit_and_flag(run: commits.IndexingRun, *args: Any, **kwargs: Any) -> None:
        commit(run, *args, **kwargs)
        (tmp_path / "committed").touch()

    monkeypatch.setattr(writer, "TASK_FILES", 4)
    monkeypatch.setattr(commits.IndexingRun, "commit", commit_and_flag)
    monkeypatch.setattr(workers, "_worker_index", partial(_killed_reading_once_committed, tmp_path))
    with _within(60), pytest.raises(WorkerLostError, match="killed by SIGKILL"):
        ix.update(read_corpus(corpus), workers=2, commit_every=8, rebuild=True)
    committed = ix.stats().articles
    assert 0 < committed < ARTICLES
    assert not leftovers(index) and not (index / TEMPORARY).exists()
    monkeypatch.undo()
    report = ix.update(read_corpus(corpus), workers=2)
    assert report.added == ARTICLES - committed
    assert answers(ix) == expected


def _killed_finishing_once(flag: Path, number: int) -> object:
    """A worker's finish task that kills the first process to take one (`flag` marks it)."""
    if _first(flag):
        os.kill(os.getpid(), signal.SIGKILL)
    return _worker_finish(number)


_worker_finish = workers._worker_finish


def test_a_worker_killed_writing_its_segment_is_exit_2_and_loses_nothing(
    index: Path, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed as it writes its segment loses that segment's articles: nothing of
    the batch is committed, the command says so in one line with a hint (exit code 2),
    and the next run indexes them."""
    more = tmp_path / "more"
    more.mkdir()
    for n in range(6):
        (more / f"new{n}.txt").write_text(f"Flood {n} headline\n\nRivers rose in town {n}.\n")
    expected = answers(Index(index))
    monkeypatch.setattr(workers, "_worker_finish", partial(_killed_finishing_once, tmp_path / "k"))
    with _within(60):
        result = CliRunner().invoke(app, ["index", str(more), "--index", str(index), "-j", "2"])
    assert result.exit_code == 2, result.output
    assert "An indexing worker process ended in the middle of the run (killed by SIGKILL)" in (
        result.stderr
    )
    assert "fewer --workers" in result.stderr and "Traceback" not in result.output
    assert answers(Index(index)) == expected
    assert not leftovers(index) and not (index / TEMPORARY).exists()
    monkeypatch.undo()
    assert Index(index).update(read_corpus(more), workers=2).added == 6
    assert Index(index).search("rivers", limit=None).total == 6


def _fill(disk: Path) -> None:
    """Take whatever space is left on `disk`."""
    filler = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(filler, bytes(1 << 16)):
            pass
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(filler)


def test_on_a_real_full_disk_indexing_says_so_and_queries_still_work(
    corpus: Path, tmp_path: Path
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)):
        pytest.skip("needs root and a small tmpfs to fill")
    try:
        ix = Index(disk / "ix")
        ix.update(read_corpus(corpus / "feed.jsonl"), workers=1)
        expected = ix.search("oil", limit=None).total
        _fill(disk)
        os.truncate(disk / "filler", (disk / "filler").stat().st_size - 64 * 1024)
        with pytest.raises(DiskFullError):
            ix.update(read_corpus(corpus), workers=2, commit_every=4)
        assert not leftovers(disk / "ix") and not (disk / "ix" / TEMPORARY).exists()
        _fill(disk)
        fresh = Index(disk / "ix")
        assert fresh.search("oil", limit=None).total == expected
        assert fresh.show("news/feed.jsonl#r3").article.headline == "Record 1 on oil"
        assert len(fresh.duplicates()) == 4
        (disk / "filler").unlink()
        ix.update(read_corpus(corpus), workers=2)
        assert answers(ix)[2] == ARTICLES
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=True)


def test_a_search_opens_the_newest_commit_when_one_lands_meanwhile(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = Index(index).search("oil", limit=None).total
    latest = whoosh_index.TOC._latest_generation
    commits: list[int] = []

    def then_commit(storage: FileStorage, indexname: str) -> int:
        generation = latest(storage, indexname)
        if not commits:  # between finding the newest commit and opening it
            commits.append(generation)
            Index(index).optimize()  # which deletes that commit's files
        return int(generation)

    monkeypatch.setattr(whoosh_index.TOC, "_latest_generation", then_commit)
    assert Index(index).search("oil", limit=None).total == expected
    assert latest_generation(index) > commits[0]


def test_searches_never_fail_while_another_process_indexes_optimizes_and_rebuilds(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "news"
    write_corpus(folder)
    for n in range(32, 160):
        (folder / f"a{n:03d}.txt").write_text(f"Story {n} headline\n\noil prices {n}\n")
    index = tmp_path / "ix"
    Index(index).update(read_corpus(folder / "a000.txt"), workers=1)
    search = "from searcher.cli import app; app()"
    steps = [
        ["index", str(folder), "--commit-every", "10", "--workers", "2"],
        ["optimize"],
        ["index", str(folder), "--commit-every", "10", "--workers", "2", "--rebuild"],
        ["optimize"],
    ]
    script = " && ".join(
        " ".join([sys.executable, "-c", f"'{search}'", *step, "--index", str(index)])
        for step in steps
    )
    writer = subprocess.Popen(script, shell=True, stdout=subprocess.DEVNULL)
    kept = Index(index)
    done, failed = 0, []
    while writer.poll() is None:
        for query in (
            lambda: kept.search("oil prices", limit=3),
            lambda: Index(index).search("headline", limit=3),
            lambda: Index(index).stats(),
            lambda: kept.show("news/a000.txt", "oil"),
        ):
            try:
                query()
                done += 1
            except Exception as error:
                failed.append(f"{type(error).__name__}: {error}")
    assert writer.returncode == 0
    assert not failed
    assert done > 200
    assert Index(index).search("headline", limit=None).total == 160


def test_an_export_reads_on_from_its_commit_while_others_move_on(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searcher.query import search as search_module

    monkeypatch.setattr(search_module, "EXPORT_BATCH", 2)
    ix = Index(index)
    expected = [hit.id for hit in ix.iter_search("oil")]
    hits = ix.iter_search("oil")
    first = next(hits)
    Index(index).optimize()  # a commit: the files the export reads are deleted
    assert ix.search("oil", limit=None).total == len(expected)  # on the new commit
    assert [first.id, *(hit.id for hit in hits)] == expected
