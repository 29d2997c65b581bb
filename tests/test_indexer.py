"""Incremental, parallel and crash-safe indexing (`Index.update`, `searcher.store.writer`)."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from functools import partial
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path
from typer.testing import CliRunner
from whoosh.filedb.filestore import FileStorage

from searcher import Article, Index, IndexOutdatedError, read_corpus
from searcher.cli import app
from searcher.corpus import Corpus, FileRef
from searcher.models import Problem, Progress
from searcher.store import commits, filestate, writer
from searcher.store import workers as workers_module
from searcher.store.filestate import STATE_FILE, load_state
from searcher.store.indexfolder import latest_generation
from searcher.store.schema import build_schema
from searcher.store.stemtable import STEM_FILE
from searcher.store.workers import FileResult
from searcher.store.writelock import HOLDER_FILE
from searcher.whoosh_internals import SpillingPool

WORDS = [
    "oil",
    "prices",
    "rise",
    "market",
    "troops",
    "protest",
    "election",
    "budget",
    "storm",
    "vaccine",
]


def write_articles(folder: Path, count: int, start: int = 0) -> None:
    """`count` small plain-text articles, `a00000.txt`..., each with a findable word."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(start, start + count):
        body = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(40))
        (folder / f"a{n:05d}.txt").write_text(f"Story number{n} headline\n\n{body}.\n")


def ids(ix: Index) -> set[str]:
    return {hit.id for hit in ix.search("headline", limit=None, all_copies=True)}


def test_second_run_is_a_no_op_then_add_change_delete_are_picked_up(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    write_articles(folder, 5)
    ix = Index(tmp_path / "ix")
    first = ix.update(read_corpus(folder), workers=1)
    assert (first.added, first.replaced, first.removed) == (5, 0, 0)
    again = ix.update(read_corpus(folder), workers=1)
    assert not again.changed and again.files_unchanged == 5

    write_articles(folder, 1, start=5)  # added
    (folder / "a00001.txt").write_text("Changed headline\n\nnew words about zebras\n")
    (folder / "a00002.txt").unlink()
    os.utime(folder / "a00003.txt")  # touched, same content: not read again
    report = ix.update(read_corpus(folder), workers=1)
    assert (report.added, report.replaced, report.removed) == (1, 1, 1)
    assert report.files_unchanged == 3
    assert ids(ix) == {f"news/a{n:05d}.txt" for n in (0, 1, 3, 4, 5)}
    assert [hit.id for hit in ix.search("zebras")] == ["news/a00001.txt"]
    assert not ix.update(read_corpus(folder), workers=1).changed


def test_no_prune_keeps_articles_of_deleted_files(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    write_articles(folder, 3)
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(folder), workers=1)
    (folder / "a00000.txt").unlink()
    assert ix.update(read_corpus(folder), workers=1, prune=False).removed == 0
    assert len(ix) == 3
    assert ix.update(read_corpus(folder), workers=1).removed == 1
    assert len(ix) == 2
    generation = ix._open().latest_generation()
    assert not ix.update(read_corpus(folder), workers=1).changed
    assert ix._open().latest_generation() == generation  # nothing was written


def test_pruning_stays_inside_the_folders_being_indexed(tmp_path: Path) -> None:
    write_articles(tmp_path / "one", 2)
    write_articles(tmp_path / "two", 2)
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(tmp_path / "one", tmp_path / "two"), workers=1)
    report = ix.update(read_corpus(tmp_path / "two"), workers=1)
    assert report.removed == 0 and len(ix) == 4
    # A single file as the root prunes nothing beside it.
    (tmp_path / "two" / "a00000.txt").unlink()
    assert ix.update(read_corpus(tmp_path / "two" / "a00001.txt"), workers=1).removed == 0
    assert len(ix) == 4


def test_rebuild_starts_from_scratch(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    write_articles(folder, 3)
    ix = Index(tmp_path / "ix")
    ix.add(read_corpus(tmp_path / "news"))  # made by the plain writer: no file state
    report = ix.update(read_corpus(folder), workers=1, rebuild=True)
    assert (report.added, report.replaced) == (3, 0)
    assert len(ix) == 3


def test_an_index_made_without_file_state_is_updated_without_duplicates(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    write_articles(folder, 3)
    ix = Index(tmp_path / "ix")
    ix.add(read_corpus(folder))
    report = ix.update(read_corpus(folder), workers=1)
    assert (report.added, report.replaced) == (0, 3)
    assert len(ix) == 3


def test_several_workers_and_small_batches_keep_every_document(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    write_articles(folder, 600)
    seen: list[Progress] = []
    ix = Index(tmp_path / "ix")
    report = ix.update(read_corpus(folder), workers=3, commit_every=1, on_progress=seen.append)
    assert report.added == 600 and len(ix) == 600
    assert ids(ix) == {f"news/a{n:05d}.txt" for n in range(600)}
    reading = [p for p in seen if p.phase == "reading"]
    assert seen[0].phase == "scanning" and reading[0].files_done == 0  # workers may have
    assert reading[0].files_total == 600  # read some articles while the corpus was walked
    last = seen[-1]
    assert (last.files_done, last.files_total, last.articles) == (600, 600, 600)
    assert [p.files_done for p in seen] == sorted(p.files_done for p in seen)
    assert [p.articles for p in seen] == sorted(p.articles for p in seen)


def test_many_segments_are_merged_down_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commits, "MAX_SEGMENTS", 4)
    folder = tmp_path / "news"
    write_articles(folder, 300)
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(folder), workers=1, commit_every=1)  # a segment per task of 32
    assert ix.stats().segments == 4
    assert ids(ix) == {f"news/a{n:05d}.txt" for n in range(300)}


def test_several_workers_keep_every_bbc_article(tmp_path: Path) -> None:
    bbc = shared_path("corpora", "bbc")
    expected = sum(1 for _ in read_corpus(bbc))
    ix = Index(tmp_path / "ix")
    report = ix.update(read_corpus(bbc), workers=2, commit_every=700)
    assert report.added == expected == len(ix)
    assert ix.search("oil prices", limit=5).hits[0].id.startswith("bbc/business/")


def _index_in_subprocess(folder: Path, index: Path, *options: str) -> subprocess.Popen[bytes]:
    command = "from searcher.cli import app; app()"
    args = ["index", str(folder), "--index", str(index), "--quiet", *options]
    return subprocess.Popen(
        [sys.executable, "-c", command, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # Python leaves Ctrl-C ignored if its parent ignored it (a background CI job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_for(
    condition: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the indexer ended before the test could act"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus") / "news"
    write_articles(folder, 4000)
    return folder


def test_a_killed_indexer_leaves_a_usable_index_and_a_rerun_completes(
    tmp_path: Path, big_folder: Path
) -> None:
    index = tmp_path / "ix"
    process = _index_in_subprocess(big_folder, index, "--commit-every", "300", "--workers", "2")
    _wait_for(lambda: (index / STATE_FILE).exists(), process)  # the first batch committed
    os.kill(process.pid, signal.SIGKILL)  # the indexer only; its workers must follow
    process.wait()
    ix = Index(index)
    committed = len(ix)
    assert 0 < committed < 4000
    assert ix.search("oil").total == committed  # answers from its last commit
    report = ix.update(read_corpus(big_folder), workers=2)
    assert any(f"indexer process {process.pid}" in note for note in report.notes)
    assert len(ix) == 4000
    assert ids(ix) == {f"news/a{n:05d}.txt" for n in range(4000)}


def test_queries_keep_working_while_an_indexer_runs(tmp_path: Path, big_folder: Path) -> None:
    index = tmp_path / "ix"
    Index(index).update(read_corpus(big_folder / "a00000.txt"), workers=1)
    process = _index_in_subprocess(big_folder, index, "--commit-every", "500", "--workers", "2")
    totals = []
    while process.poll() is None:
        totals.append(Index(index).search("oil", limit=3).total)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    totals.append(Index(index).search("oil", limit=3).total)
    assert len(set(totals)) > 1 and totals == sorted(totals)
    assert totals[-1] == 4000


def test_locked_index_in_the_cli_is_one_line_and_exit_2(tmp_path: Path, big_folder: Path) -> None:
    index = tmp_path / "ix"
    first = _index_in_subprocess(big_folder, index, "--workers", "1")
    _wait_for(lambda: (index / HOLDER_FILE).exists(), first)
    second = _index_in_subprocess(big_folder, index)
    _, stderr = second.communicate(timeout=60)
    first.kill()
    first.wait()
    message = " ".join(stderr.decode().split())  # unwrap rich's line breaks
    assert second.returncode == 2
    assert f"is being written by indexer process {first.pid}" in message
    assert "Traceback" not in message


def test_an_index_of_the_previous_format_is_refused_until_rebuilt(tmp_path: Path) -> None:
    from whoosh.filedb.filestore import FileStorage

    from searcher.store.schema import METADATA_FIELD, build_schema

    old = build_schema()  # the schema before sections and searchable metadata
    old.remove("section")
    old.remove(METADATA_FIELD)
    FileStorage(str(tmp_path / "ix")).create().create_index(old)
    folder = tmp_path / "news"
    write_articles(folder, 2)
    ix = Index(tmp_path / "ix")
    with pytest.raises(IndexOutdatedError, match="built by an older version") as error:
        ix.update(read_corpus(folder), workers=1)
    assert error.value.folder == str(tmp_path / "ix") and "Rebuild" in error.value.hint
    assert latest_generation(tmp_path / "ix") == 0  # nothing was written
    assert not (tmp_path / "ix" / STATE_FILE).exists()
    with pytest.raises(IndexOutdatedError):
        ix.search("headline")
    refused = CliRunner().invoke(app, ["query", "headline", "--index", str(tmp_path / "ix")])
    assert refused.exit_code == 2
    assert f"search index PATH --rebuild --index {tmp_path / 'ix'}" in refused.stderr
    assert ix.update(read_corpus(folder), workers=1, rebuild=True).added == 2
    assert ix.search("headline").total == 2
    assert not ix.update(read_corpus(folder), workers=1).changed


def test_ctrl_c_keeps_the_last_commit_and_says_so(tmp_path: Path, big_folder: Path) -> None:
    index = tmp_path / "ix"
    process = _index_in_subprocess(big_folder, index, "--commit-every", "300")
    _wait_for(lambda: (index / STATE_FILE).exists(), process)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Interrupted; the index keeps its last commit." in stderr.decode()
    assert not (index / HOLDER_FILE).exists()
    assert 0 < len(Index(index)) < 4000
    report = Index(index).update(read_corpus(big_folder), workers=2)
    assert not report.notes and len(Index(index)) == 4000


def test_spilled_runs_come_back_in_posting_order(tmp_path: Path) -> None:
    from whoosh.filedb.filestore import FileStorage

    # Postings as the writer adds them: document by document, terms in any order.
    postings = [
        (
            field,
            f"{WORDS[(doc * 7 + k) % len(WORDS)]}{k % 3}".encode(),
            doc,
            1.0,
            bytes([doc % 256]),
        )
        for doc in range(150)
        for field in ("body", "headline")
        for k in range(doc % 5, doc % 5 + 4)
    ]
    storage = FileStorage(str(tmp_path)).create()
    pool = SpillingPool(storage, None, limitmb=0)  # every posting spills a run
    for posting in postings:
        pool.add(posting)
    assert len(pool.runs) > 128  # more than Whoosh opens at once: runs are merged first
    assert list(pool.iter_postings()) == sorted(postings)


def test_records_sharing_an_id_keep_the_first_and_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    records = [{"id": "same", "title": f"Version {n}", "text": f"alpha {n}"} for n in (1, 2, 3)]
    (folder / "same.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    ix = Index(tmp_path / "ix")
    report = ix.update(read_corpus(folder), workers=1)
    assert report.added == 1
    assert [(p.path, p.line, p.kind) for p in report.problems] == [
        (str(folder / "same.jsonl"), 2, "duplicate-id"),
        (str(folder / "same.jsonl"), 3, "duplicate-id"),
    ]
    assert "duplicate id d/same.jsonl#same" in report.problems[0].reason
    [hit] = ix.search("alpha", limit=None, all_copies=True).hits
    assert (hit.id, hit.headline) == ("d/same.jsonl#same", "Version 1")


CLASH = "d/feed.jsonl#3.txt"  # the id of record 3.txt of feed.jsonl, and of a file so named


def test_a_file_named_like_a_record_of_another_does_not_replace_it(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "feed.jsonl").write_text(
        '{"title": "First record", "text": "beta one"}\n'
        '{"id": "3.txt", "title": "Record 3.txt", "text": "beta three"}\n'
    )
    clash = folder / "feed.jsonl#3.txt"
    clash.write_text("A text file\n\nbeta text\n")
    ix = Index(tmp_path / "ix")

    def headlines() -> dict[str, str]:
        hits = ix.search("beta", limit=None, all_copies=True).hits
        return {hit.id: hit.headline for hit in hits}

    for workers in (2, 1):
        report = ix.update(read_corpus(folder), workers=workers, rebuild=True)
        [problem] = report.problems
        assert (problem.path, problem.kind) == (str(clash), "duplicate-id")
        assert f"an article of {folder / 'feed.jsonl'}" in problem.reason
        assert headlines() == {"d/feed.jsonl#1": "First record", CLASH: "Record 3.txt"}
    clash.write_text("A text file, changed\n\nbeta text\n")  # read again: still refused
    assert [p.kind for p in ix.update(read_corpus(folder), workers=1).problems] == ["duplicate-id"]
    (folder / "feed.jsonl").write_text('{"title": "First record", "text": "beta one"}\n')
    ix.update(read_corpus(folder), workers=1)  # the record is gone: the file takes the id
    assert headlines() == {"d/feed.jsonl#1": "First record", CLASH: "A text file, changed"}


def test_the_index_folder_inside_the_indexed_folder_is_passed_over_silently(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "news"
    write_articles(folder, 3)
    ix = Index(folder / "index")
    first = ix.update(read_corpus(folder), workers=1)
    assert (first.added, first.problems, first.files_seen) == (3, (), 3)
    again = ix.update(read_corpus(folder), workers=1)
    assert not again.changed and again.problems == () and again.files_seen == 3


def hashed_files(monkeypatch: pytest.MonkeyPatch, *modules: Any) -> list[str]:
    """The names of the files `content_hash` reads from now on, as the `modules` call it."""
    hashed: list[str] = []
    real_hash = filestate.content_hash

    def spy(path: Path) -> str:
        hashed.append(path.name)
        return real_hash(path)

    for module in modules:
        monkeypatch.setattr(module, "content_hash", spy)
    return hashed


def test_a_skipped_file_is_not_read_or_hashed_again_but_still_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "news"
    write_articles(folder, 2)
    sparse = folder / "sparse.txt"
    with sparse.open("wb") as out:  # 4 GB of NUL bytes that take no disk space
        out.truncate(4 << 30)
    hashed = hashed_files(monkeypatch, filestate, writer)
    ix = Index(tmp_path / "ix")
    first = ix.update(read_corpus(folder), workers=1)
    assert first.added == 2
    assert [(p.path, p.kind) for p in first.problems] == [(str(sparse), "binary")]
    read: list[str] = []
    real_read = Corpus.read_file
    monkeypatch.setattr(
        Corpus,
        "read_file",
        lambda self, ref, *rest: read.append(ref.id) or real_read(self, ref, *rest),
    )
    os.utime(folder / "a00000.txt")  # touched: hashed to see that it is unchanged
    again = ix.update(read_corpus(folder), workers=1)
    assert (again.changed, again.files_unchanged, read) == (False, 3, [])
    assert [(p.path, p.kind) for p in again.problems] == [(str(sparse), "binary")]
    assert "sparse.txt" not in hashed and "a00000.txt" in hashed
    os.utime(sparse)  # touched: a skipped file has no hash to compare, so it is read again
    assert ix.update(read_corpus(folder), workers=1).problems[0].kind == "binary"
    assert read == ["news/sparse.txt"] and "sparse.txt" not in hashed


def test_files_are_hashed_as_read_and_only_those_read_in_pieces_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small uncompressed file is hashed from the bytes its reading took; a compressed or
    large one (read as a stream) is read again: the same fingerprints either way."""
    folder = tmp_path / "news"
    write_articles(folder, 2)
    (folder / "packed.txt.gz").write_bytes(gzip.compress(b"Packed headline\n\nPacked body.\n"))
    (folder / "large.txt").write_text("Large headline\n\n" + "word " * 20_000)
    hashed = hashed_files(monkeypatch, filestate)
    Index(tmp_path / "ix").update(read_corpus(folder), workers=1)
    assert sorted(hashed) == ["large.txt", "packed.txt.gz"]
    state = load_state(tmp_path / "ix").files
    assert len(state) == 4
    for file_id, sig in state.items():
        assert sig == filestate.fingerprint(folder / file_id.removeprefix("news/"))


def test_a_state_of_another_commit_keeps_skipped_files_and_rereads_what_lacks_articles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "news"
    write_articles(folder, 2)
    (folder / "empty.txt").write_text("")
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(folder), workers=1)
    generation = latest_generation(tmp_path / "ix")
    ix.add([Article(id="other/1", headline="Another writer's article", body="x")])
    assert latest_generation(tmp_path / "ix") > generation  # a commit the state does not name
    with ix._open().writer() as writer:  # and one that loses the articles of a00001.txt
        writer.delete_by_term("id", "news/a00001.txt")
    read: list[str] = []
    real_read = Corpus.read_file
    monkeypatch.setattr(
        Corpus,
        "read_file",
        lambda self, ref, *rest: read.append(ref.id) or real_read(self, ref, *rest),
    )
    report = ix.update(read_corpus(folder), workers=1)
    assert read == ["news/a00001.txt"] and report.added == 1
    assert [(p.path, p.kind) for p in report.problems] == [(str(folder / "empty.txt"), "empty")]
    assert ids(ix) == {"news/a00000.txt", "news/a00001.txt"}


def test_files_handed_to_the_workers_are_let_go_of(tmp_path: Path) -> None:
    """The run keeps no list of every file it reads: each task's files leave the plan's
    list as the task is made, so only the workers hold them."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(writer.TASK_FILES + 3):
        (corpus / f"{n:03d}.txt").write_text(f"Headline {n}\n\nBody {n}.")
    found = writer.plan(read_corpus(corpus), {})
    files = found.to_read
    tasks = writer._tasks(files)
    first, size = next(tasks)
    assert len(first) == writer.TASK_FILES and len(files) == 3
    assert size == sum(ref.path.stat().st_size for ref in first)
    assert [len(task) for task, _ in tasks] == [3] and files == []
    assert [ref.path.name for ref in first][:2] == ["000.txt", "001.txt"]


def _read_when_flagged(refs: list[FileRef]) -> list[FileResult]:
    """A worker's task that waits, for a file named `slow`, until a `flag` file is beside it."""
    for ref in refs:
        deadline = time.monotonic() + 30
        while ref.path.name == "slow" and not (ref.path.parent / "flag").exists():
            assert time.monotonic() < deadline
            time.sleep(0.01)
    return [FileResult(ref.id, None, (), ()) for ref in refs]


def test_workers_give_the_results_of_tasks_as_they_finish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker goes on with later tasks while the other reads a large file: the results
    come in the order the tasks finish."""
    monkeypatch.setattr(workers_module, "_worker_index", _read_when_flagged)
    refs = [FileRef(tmp_path / name, f"d/{name}") for name in ("slow", "quick")]
    with open(tmp_path / "lock", "w") as lock:
        pool = workers_module.Workers(
            tmp_path, build_schema(), read_corpus(tmp_path), 2, lock.fileno()
        )
        try:
            slow, quick = pool.submit(refs[:1]), pool.submit(refs[1:])
            number, [result] = pool.next_done(lambda: None)
            assert (number, result.file_id, pool.in_flight) == (quick, "d/quick", 1)
            (tmp_path / "flag").touch()
            number, [result] = pool.next_done(lambda: None)
            assert (number, result.file_id, pool.in_flight) == (slow, "d/slow", 0)
        finally:
            pool.close()


def test_worker_processes_do_not_read_the_table_of_contents_commits_replace(
    tmp_path: Path,
) -> None:
    """A worker process is given the index's schema: a commit of the main process, which
    replaces the table of contents, may come between a worker's finding the latest one
    and its reading it. Here there is none at all while the workers read and write."""
    folder, news = tmp_path / "ix", tmp_path / "news"
    Index(folder).add([Article(id="a", headline="Rates up", body="The bank raised rates.")])
    news.mkdir()
    for name in ("one", "two"):
        (news / name).write_text(f"Floods in {name}\n\nRivers rose in the night.\n")
    schema = FileStorage(str(folder)).open_index().schema
    toc = next(folder.glob("_MAIN_*.toc"))
    toc.rename(tmp_path / toc.name)
    refs = sorted((ref for ref in read_corpus(news).files() if isinstance(ref, FileRef)), key=str)
    with open(tmp_path / "lock", "w") as lock:
        pool = workers_module.Workers(folder, schema, read_corpus(news), 2, lock.fileno())
        try:
            for ref in refs:
                pool.submit([ref])
            results = [pool.next_done(lambda: None)[1][0] for _ in refs]
            segments = pool.finish(lambda: None).segments()
        finally:
            pool.close()
    assert sorted(result.ids for result in results) == [("news/one",), ("news/two",)]
    assert sum(segment.doc_count_all() for segment in segments) == 2


def test_a_worker_writes_its_segment_while_another_reads_the_batch_s_last_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker done with the batch's files writes its segment at once, not once every
    result is in: here the last file is read only once a segment is written."""
    finish = workers_module.SegmentBuilder.finish

    def finish_and_flag(builder: workers_module.SegmentBuilder) -> Any:
        (tmp_path / "news" / "flag").touch()
        return finish(builder)

    monkeypatch.setattr(workers_module, "_worker_index", _read_when_flagged)
    monkeypatch.setattr(workers_module.SegmentBuilder, "finish", finish_and_flag)
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    (tmp_path / "news").mkdir()
    for name in ("slow", "quick"):
        (tmp_path / "news" / name).write_text(f"{name}\n\nA body.\n")
    report = Index(tmp_path / "ix").update(read_corpus(tmp_path / "news"), workers=2)
    assert report.files_seen == 2


def test_the_words_stemmed_are_recorded_while_the_workers_write_their_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker sends the words it stemmed before it writes its segment, and the main
    process records them meanwhile: here a segment is written only once they are."""
    finish = workers_module.SegmentBuilder.finish
    table = tmp_path / "ix" / STEM_FILE

    def finish_once_recorded(builder: workers_module.SegmentBuilder) -> Any:
        deadline = time.monotonic() + 30
        while not _words_recorded(table) and time.monotonic() < deadline:
            time.sleep(0.01)
        (tmp_path / "marks" / f"{os.getpid()}-{_words_recorded(table)}").touch()
        return finish(builder)

    monkeypatch.setattr(workers_module.SegmentBuilder, "finish", finish_once_recorded)
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    write_articles(tmp_path / "news", 4)
    (tmp_path / "marks").mkdir()
    assert Index(tmp_path / "ix").update(read_corpus(tmp_path / "news"), workers=2).added == 4
    marks = [mark.name for mark in (tmp_path / "marks").iterdir()]
    assert marks and all(mark.endswith("-True") for mark in marks)


def _words_recorded(table: Path) -> bool:
    if not table.exists():  # (connecting would make it)
        return False
    try:
        with closing(sqlite3.connect(table)) as db:
            return bool(db.execute("SELECT count(*) FROM stems").fetchone()[0])
    except sqlite3.Error:  # no table yet
        return False


def test_the_first_file_keeps_an_id_when_a_later_one_is_read_sooner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are committed in the order they were found, whichever worker finished first."""
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    folder = tmp_path / "d"
    folder.mkdir()
    records = [{"title": f"Record {n}", "text": f"gamma {n}"} for n in range(1500)]
    records.append({"id": "3.txt", "title": "Record 3.txt", "text": "gamma three"})
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "feed.jsonl#3.txt").write_text("A text file\n\ngamma text\n")  # read sooner
    report = Index(tmp_path / "ix").update(read_corpus(folder), workers=2)
    [problem] = report.problems
    assert (problem.path, problem.kind) == (str(folder / "feed.jsonl#3.txt"), "duplicate-id")
    assert report.added == 1501


def test_the_pool_does_not_spin_while_results_wait_to_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The thread that looks after the worker processes wakes when one exits or the pool
    changes, not again and again while a large result is read (Python's own pool does)."""
    wakes = []
    maintain = Pool._maintain_pool

    def counted(*args: object) -> None:
        wakes.append(1)
        maintain(*args)

    monkeypatch.setattr(Pool, "_maintain_pool", staticmethod(counted))
    folder = tmp_path / "in"
    folder.mkdir()
    body = "Body of the feed, long enough to make a large result. " * 3
    records = ({"id": str(n), "title": f"Headline {n}", "text": body} for n in range(2000))
    (folder / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert Index(tmp_path / "ix").update(read_corpus(folder), workers=2).added == 2000
    assert len(wakes) < 20  # measured: 3 here, 300 to 600 with Python's pool


_index_task = workers_module._worker_index


def _index_and_mark(refs: list[FileRef]) -> list[FileResult]:
    """A worker's task that leaves a `<name>.read` file in the `marks` folder per file read."""
    results = _index_task(refs)
    for ref in refs:
        (ref.path.parent.parent / "marks" / f"{ref.path.name}.read").touch()
    return results


def test_workers_read_the_next_batch_while_a_batch_is_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workers_module, "_worker_index", _index_and_mark)
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    write_articles(tmp_path / "news", 12)
    (tmp_path / "marks").mkdir()
    committed: set[str] = set()
    read_meanwhile: list[bool] = []
    commit = commits.IndexingRun.commit

    def commit_when_more_is_read(run: commits.IndexingRun, results: list, *args: Any) -> None:
        committed.update(result.file_id for result in results)
        if len(committed) < 12:  # a file of the next batch is read before this one is in
            deadline = time.monotonic() + 30
            while not (later := _marked(tmp_path / "marks") - committed):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            read_meanwhile.append(bool(later))
        commit(run, results, *args)

    monkeypatch.setattr(commits.IndexingRun, "commit", commit_when_more_is_read)
    corpus = read_corpus(tmp_path / "news")
    report = Index(tmp_path / "ix").update(corpus, workers=2, commit_every=4)
    assert report.added == 12 and read_meanwhile and all(read_meanwhile)


def test_workers_start_reading_while_the_corpus_is_walked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first files found are handed out before the walk ends: here the walk goes on
    only once the first file is read."""
    monkeypatch.setattr(workers_module, "_worker_index", _index_and_mark)
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    write_articles(tmp_path / "news", 6)
    (tmp_path / "marks").mkdir()
    files = Corpus.files
    read_meanwhile: list[bool] = []

    def walk_once_one_is_read(corpus: Corpus) -> Iterator[FileRef | Problem]:
        for number, item in enumerate(files(corpus)):
            if number == 1:
                deadline = time.monotonic() + 30
                while not _marked(tmp_path / "marks") and time.monotonic() < deadline:
                    time.sleep(0.01)
                read_meanwhile.append(bool(_marked(tmp_path / "marks")))
            yield item

    monkeypatch.setattr(Corpus, "files", walk_once_one_is_read)
    report = Index(tmp_path / "ix").update(read_corpus(tmp_path / "news"), workers=2)
    assert report.added == 6 and read_meanwhile == [True]


def _marked(folder: Path) -> set[str]:
    return {f"news/{mark.stem}" for mark in folder.iterdir()}


def test_the_file_state_is_saved_once_a_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each commit saves the state; the end of the run saves it again only after a merge."""
    saved: dict[str, list[filestate.FileState]] = {"commits": [], "writer": []}
    for module, calls in ((commits, saved["commits"]), (writer, saved["writer"])):
        monkeypatch.setattr(module, "save_state", partial(_saving, calls, module.save_state))
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    write_articles(tmp_path / "news", 6)
    Index(tmp_path / "ix").update(read_corpus(tmp_path / "news"), workers=2, commit_every=3)
    assert saved["commits"] and not saved["writer"]
    assert filestate.load_state(tmp_path / "ix") == saved["commits"][-1]
    assert len(saved["commits"][-1].files) == 6


def test_a_run_whose_last_task_fills_a_batch_ends_with_that_batch_s_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No empty commit after the last batch (a Whoosh commit and a state save of nothing)."""
    batches: list[int] = []
    commit = commits.IndexingRun.commit

    def counted(run: commits.IndexingRun, results: list[FileResult], *args: Any) -> None:
        batches.append(len(results))
        commit(run, results, *args)

    monkeypatch.setattr(commits.IndexingRun, "commit", counted)
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    write_articles(tmp_path / "news", 4)
    ix = Index(tmp_path / "ix")
    assert ix.update(read_corpus(tmp_path / "news"), workers=1, commit_every=2).added == 4
    assert batches == [2, 2]
    assert len(ids(ix)) == 4
    assert len(filestate.load_state(tmp_path / "ix").files) == 4


def _saving(
    calls: list[filestate.FileState],
    save: Callable[[Path, filestate.FileState], None],
    folder: Path,
    state: filestate.FileState,
) -> None:
    calls.append(state)
    save(folder, state)


@pytest.mark.skipif(sys.platform == "win32", reason="the workers' set-up is inherited by fork")
def test_workers_read_with_the_collector_off_and_collect_once_a_segment_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The collection of a segment's cycles waits for the worker's next task: none at the
    end of a run, nor while the other workers wait for it to write its segment."""
    import gc

    from searcher.store import workers

    log = tmp_path / "log"
    index_records, finish, collect = (
        workers.SegmentBuilder.index_records,
        workers.SegmentBuilder.finish,
        gc.collect,
    )

    def logged(line: str) -> None:
        with log.open("a") as out:
            out.write(f"{os.getpid()} {line}\n")

    def reading(self: workers.SegmentBuilder, *args: object) -> workers.FileResult:
        logged(f"reading collector {'on' if gc.isenabled() else 'off'}")
        return index_records(self, *args)  # type: ignore[arg-type]

    def finishing(self: workers.SegmentBuilder) -> Any:
        logged("finish")
        return finish(self)

    def collecting(*args: int) -> int:
        logged("collect")
        return collect(*args)

    monkeypatch.setattr(workers.SegmentBuilder, "index_records", reading)
    monkeypatch.setattr(workers.SegmentBuilder, "finish", finishing)
    monkeypatch.setattr(gc, "collect", collecting)
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    corpus = tmp_path / "in"
    corpus.mkdir()
    # A batch of 4 articles takes in the tasks in flight when it fills (up to 5 more, on a
    # loaded machine): 16 files make two batches at least, whatever the timing.
    for n in range(16):
        (corpus / f"{n}.txt").write_text(f"Headline {n}\n\nBody {n} about oil prices.\n")
    Index(tmp_path / "ix").update(read_corpus(corpus), workers=2, commit_every=4)
    lines = [line.split(" ", 1) for line in log.read_text().splitlines()]
    workers_seen = {pid for pid, _ in lines if pid != str(os.getpid())}
    assert len(workers_seen) == 2
    read_again = 0
    for pid in workers_seen:
        said = [what for who, what in lines if who == pid]
        assert "reading collector on" not in said
        assert said[-1] == "finish"  # no collection at the end of the run
        for before, after in itertools.pairwise(said):
            if before == "finish" and after != "finish":
                assert after == "collect"  # before it reads again
                read_again += 1
    assert read_again  # a worker read the second batch after writing its first segment


def test_workers_get_many_small_tasks_ahead_but_few_large_ones_or_past_the_batch() -> None:
    small = {number: (32, 100_000) for number in range(24)}  # 32 files, 100 KB each
    assert not writer._too_far_ahead(small, 2, room=50_000)  # 12 a worker
    assert writer._too_far_ahead({**small, 24: (32, 100_000)}, 2, room=50_000)
    large = {number: (1, writer.TASK_BYTES) for number in range(5)}  # 5 MB for 2 workers
    assert writer._too_far_ahead(large, 2, room=50_000)
    assert not writer._too_far_ahead(dict(list(large.items())[:4]), 2, room=50_000)
    assert writer._too_far_ahead(dict(list(small.items())[:5]), 2, room=160)  # batch full
    assert not writer._too_far_ahead(dict(list(small.items())[:4]), 2, room=0)  # 2 a worker
