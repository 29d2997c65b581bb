"""Sharded indexes on a real Dask `LocalCluster` (two worker processes on loopback)."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from bench.queries import QUERIES
from searcher import (
    Index,
    SearchOptions,
    ShardUnavailableError,
    create_shards,
    open_index,
    read_corpus,
)
from searcher.cli import app
from searcher.errors import ShardsOnWorkersError
from searcher.shards import cluster as cluster_module
from searcher.shards.manifest import read_manifest
from searcher.store.filestate import STATE_FILE
from searcher.store.writelock import HOLDER_FILE
from tests.conftest import NEWSROOM, _desk_records, shared_path
from tests.test_shards import assert_same_answers

distributed = pytest.importorskip("distributed")

COPIES = tuple(replace(NEWSROOM[1], id=f"wire/oil-{n}", source=f"Wire {n}") for n in range(4))
ARTICLES = (*NEWSROOM, *COPIES)


@pytest.fixture(scope="module")
def local_cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    ) as cluster:
        yield cluster


def _client(local_cluster: Any) -> Any:
    return distributed.Client(local_cluster.scheduler_address, set_as_default=False)


def _write_corpus(folder: Path, articles: tuple[Any, ...], repeat: int = 1) -> Path:
    folder.mkdir()
    for n in range(repeat):
        for m, article in enumerate(articles):
            (folder / f"{n}-{m}.json").write_text(
                json.dumps(
                    {
                        "id": f"{article.id}-{n}",
                        "headline": article.headline,
                        "body": article.body,
                        "source": article.source,
                    }
                ),
                encoding="utf-8",
            )
    return folder


def _worker_pids(client: Any) -> dict[str, int]:
    return dict(client.run(os.getpid))


def _wait_for_workers(client: Any, count: int) -> None:
    client.wait_for_workers(count, timeout=60)


def test_shards_written_and_searched_on_the_cluster(local_cluster: Any, tmp_path: Path) -> None:
    corpus = _write_corpus(tmp_path / "corpus", ARTICLES)
    one = Index(tmp_path / "one")
    one.add(read_corpus(corpus))
    create_shards(tmp_path / "sharded", 3)
    with open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded:
        report = sharded.update(read_corpus(corpus))
        assert report.indexed == len(ARTICLES)
        for text in ("oil prices", "protests", "kazakhstan OR corruption"):
            a, b = one.search(text), sharded.search(text)
            assert a.total == b.total
            assert [(h.id, round(h.score, 6)) for h in a.hits] == [
                (h.id, round(h.score, 6)) for h in b.hits
            ]
        assert sharded.speakers(all_copies=True) == one.speakers(all_copies=True)


def test_a_worker_lost_while_indexing_has_its_shard_written_elsewhere(
    local_cluster: Any, tmp_path: Path
) -> None:
    corpus = _write_corpus(tmp_path / "corpus", ARTICLES, repeat=100)
    folders = create_shards(tmp_path / "sharded", 2).folders(tmp_path / "sharded")
    client = _client(local_cluster)
    try:
        _wait_for_workers(client, 2)
        pids = set(_worker_pids(client).values())
        killed: list[int] = []

        def kill_a_worker_mid_build() -> None:
            """Kill a worker while it writes a shard: it holds the shard's write lock
            (the lock's holder file names it) and has not committed (no file state yet).
            It is stopped first, so it cannot finish between the look and the kill."""
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                for holder in (tmp_path / "sharded").glob(f"shard-*/{HOLDER_FILE}"):
                    pid = _pid_in(holder)
                    if pid not in pids:
                        continue
                    os.kill(pid, signal.SIGSTOP)
                    if holder.exists() and not (holder.parent / STATE_FILE).exists():
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
                    os.kill(pid, signal.SIGCONT)  # finished meanwhile: look again
                time.sleep(0.01)

        killer = threading.Thread(target=kill_a_worker_mid_build, daemon=True)
        killer.start()
        with open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded:
            report = _within(120, lambda: sharded.update(read_corpus(corpus)))
        killer.join(60)
        assert killed, "no worker was caught writing a shard"
        # The shard was written again by the other worker, which found the lock of the
        # killed one (so the kill came mid-build), and nothing is missing.
        assert any(f"indexer process {killed[0]}" in note for note in report.notes)
        assert report.indexed == len(ARTICLES) * 100
        assert len(Index(tmp_path / "sharded")) == len(ARTICLES) * 100
        assert all((folder / STATE_FILE).exists() for folder in folders)
        _wait_for_workers(client, 2)
    finally:
        client.close()


def _pid_in(holder: Path) -> int | None:
    try:
        return int(holder.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # gone, or being written
        return None


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """`call()`, failing the test when it takes longer than `seconds` (a hang)."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(call).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)


def test_a_worker_lost_during_a_query_fails_it_or_moves_to_a_replica(
    local_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_shards(tmp_path / "sharded", 2)
    Index(tmp_path / "sharded").add(ARTICLES)
    expected = [hit.id for hit in Index(tmp_path / "sharded").search("oil prices").hits]
    client = _client(local_cluster)
    try:
        _wait_for_workers(client, 2)
        real = cluster_module.Cluster._workers

        def lose_one_when_assigned(self: Any) -> list[str]:
            """The workers as the query assigns them, the first of which then dies."""
            workers = real(self)
            if not getattr(self, "lost", False):
                self.lost = True
                os.kill(_worker_pids(client)[workers[0]], signal.SIGKILL)
            return workers

        monkeypatch.setattr(cluster_module.Cluster, "_workers", lose_one_when_assigned)
        with (
            open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded,
            pytest.raises(ShardUnavailableError) as lost,
        ):
            sharded.search("oil prices")
        assert lost.value.shard == 0
        assert "shard 0" in str(lost.value)
        _wait_for_workers(client, 2)
        with open_index(tmp_path / "sharded", local_cluster.scheduler_address, 2) as sharded:
            assert [hit.id for hit in sharded.search("oil prices").hits] == expected
        _wait_for_workers(client, 2)
    finally:
        client.close()


def test_every_command_reading_an_index_takes_the_scheduler(
    local_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from searcher.web import create_app

    corpus = _write_corpus(tmp_path / "corpus", ARTICLES)
    create_shards(tmp_path / "sharded", 2)
    with Index(tmp_path / "sharded") as sharded:
        sharded.update(read_corpus(corpus))
        article = sharded.search("oil prices").hits[0].id
    index = str(tmp_path / "sharded")
    topics = tmp_path / "topics.tsv"
    topics.write_text("1\toil prices\n2\tprotests\n", encoding="utf-8")
    runner = CliRunner()
    address = local_cluster.scheduler_address
    commands = [
        ["show", article],
        ["similar", article, "--json"],
        ["quotes", "prices", "--json"],
        ["speakers", "--json"],
        ["duplicates", "--json"],
        ["stats", "--json"],
        ["run", str(topics)],
        ["query", "oil prices", "--format", "jsonl"],
        ["query", "oil prices", "--sort", "newest", "--json"],
        ["query", "oil prices", "--feedback", "--json"],
    ]
    alone = {}
    for args in commands:
        alone[args[0]] = runner.invoke(app, [*args, "--index", index])
        assert alone[args[0]].exit_code == 0, (args, alone[args[0]].output)
        served = runner.invoke(app, [*args, "--index", index, "--scheduler", address])
        assert served.exit_code == 0, (args, served.output)
        assert served.stdout == alone[args[0]].stdout, args
    monkeypatch.setenv("SEARCHER_SCHEDULER", address)
    replicated = runner.invoke(app, ["speakers", "--index", index, "--json", "--replicas", "2"])
    assert replicated.exit_code == 0 and replicated.stdout == alone["speakers"].stdout
    one = tmp_path / "one"
    Index(one).add(read_corpus(corpus))
    refused = runner.invoke(app, ["stats", "--index", str(one)])
    assert refused.exit_code == 2 and "not sharded" in refused.output
    monkeypatch.delenv("SEARCHER_SCHEDULER")
    with TestClient(create_app(index, address)) as client:
        answer = client.get(f"/api/similar/{quote(article)}")
        assert answer.status_code == 200, answer.text
        assert answer.json()["hits"]


def test_shards_on_workers_disks_are_written_and_searched_by_their_workers(
    local_cluster: Any, tmp_path: Path
) -> None:
    corpus = _write_corpus(tmp_path / "corpus", ARTICLES)
    one = Index(tmp_path / "one")
    one.update(read_corpus(corpus))
    disks = tmp_path / "worker-disk"  # one machine: every worker's "own" disk is this one
    create_shards(tmp_path / "sharded", 2, on_workers=disks)
    with pytest.raises(ShardsOnWorkersError):  # written by the cluster only
        Index(tmp_path / "sharded").update(read_corpus(corpus))
    client = _client(local_cluster)
    try:
        _wait_for_workers(client, 2)
        with open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded:
            report = _within(120, lambda: sharded.update(read_corpus(corpus)))
            assert report.indexed == len(ARTICLES)
        placed = read_manifest(tmp_path / "sharded").workers
        assert set(placed) <= set(_worker_pids(client))
        with open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded:
            for text in ("oil prices", "protests"):
                a, b = one.search(text, all_copies=True), sharded.search(text, all_copies=True)
                assert [(h.id, round(h.score, 6)) for h in a.hits] == [
                    (h.id, round(h.score, 6)) for h in b.hits
                ]
            assert sharded.search("oil prices").hits[0].copies  # the stories were merged
            # Each shard was searched by the worker holding it, and by no other.
            opened = client.run(
                lambda dask_worker: list(vars(dask_worker).get("searcher_shards", {}))
            )
            for shard, worker in enumerate(placed):
                folder = str(disks / f"shard-{shard:03d}")
                assert [w for w, folders in opened.items() if folder in folders] == [worker]
            again = _within(120, lambda: sharded.update(read_corpus(corpus)))
            assert (again.indexed, again.files_unchanged) == (0, len(ARTICLES))
        with pytest.raises(ShardsOnWorkersError):  # not searched here, partly or at all
            Index(tmp_path / "sharded").search("oil prices")
        # The worker of shard 0 is lost: its queries fail, naming it, until it is
        # written again elsewhere (by the next run), which the manifest records.
        os.kill(_worker_pids(client)[placed[0]], signal.SIGKILL)
        with (
            open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded,
            pytest.raises(ShardUnavailableError) as lost,
        ):
            _within(60, lambda: sharded.search("oil prices"))
        assert lost.value.shard == 0
        _wait_for_workers(client, 2)
        with open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded:
            _within(120, lambda: sharded.update(read_corpus(corpus)))
            moved = read_manifest(tmp_path / "sharded").workers
            assert moved[0] != placed[0] and moved[0] in _worker_pids(client)
            assert len(sharded.search("oil prices", limit=None, all_copies=True).hits) == len(
                one.search("oil prices", limit=None, all_copies=True).hits
            )
    finally:
        client.close()


def test_the_command_line_places_shards_on_the_workers(local_cluster: Any, tmp_path: Path) -> None:
    corpus = _write_corpus(tmp_path / "corpus", NEWSROOM)
    index = str(tmp_path / "sharded")
    scheduler = ["--scheduler", local_cluster.scheduler_address]
    runner = CliRunner()
    alone = runner.invoke(app, ["index", str(corpus), "--index", index, "--on-workers", "/x"])
    assert alone.exit_code == 2 and "--shards" in alone.output
    placed = ["--shards", "2", "--on-workers", str(tmp_path / "disk")]
    built = runner.invoke(app, ["index", str(corpus), "--index", index, *placed, *scheduler])
    assert built.exit_code == 0, built.output
    assert all(read_manifest(tmp_path / "sharded").workers)
    here = runner.invoke(app, ["query", "oil", "--index", index, "--json"])
    assert here.exit_code == 2
    assert "live on its workers' disks" in here.output and "--scheduler" in here.output
    found = runner.invoke(app, ["query", "oil", "--index", index, "--json", *scheduler])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)["total"] == 3


def test_a_never_written_index_on_workers_disks_is_no_index_as_here(
    local_cluster: Any, tmp_path: Path
) -> None:
    """Shards not written yet answer as a sharded index in a shared folder does: "No
    index", exit code 2, whether the workers or this process would read them."""
    shared, placed = tmp_path / "shared", tmp_path / "placed"
    create_shards(shared, 2)
    create_shards(placed, 2, on_workers=tmp_path / "worker-disk")
    scheduler = ["--scheduler", local_cluster.scheduler_address]
    runner = CliRunner()
    for args in (["query", "oil", "--json"], ["quotes", "prices"], ["speakers"], ["stats"]):
        alone = runner.invoke(app, [*args, "--index", str(shared)])
        served = runner.invoke(app, [*args, "--index", str(placed), *scheduler])
        assert (alone.exit_code, served.exit_code) == (2, 2), (args, served.output)
        assert f"No index at {shared}" in alone.output, args
        assert _same(served.output, str(placed)) == _same(alone.output, str(shared)), args


# While a test sets it, opening anything under this folder in the test's own process (the
# client's side) is an error: the folder stands for the workers' own disks.
_WORKERS_ONLY: list[Path] = []
_OPENED_HERE: list[str] = []
_FILE_EVENTS = {"open", "os.listdir", "os.scandir", "sqlite3.connect", "mmap.__new__"}


def _no_client_reads(event: str, args: tuple[Any, ...]) -> None:
    if not _WORKERS_ONLY or event not in _FILE_EVENTS or not args:
        return
    target = args[0]
    if not isinstance(target, str | bytes | os.PathLike):
        return
    path = os.path.abspath(os.fsdecode(target))
    if any(path.startswith(str(folder)) for folder in _WORKERS_ONLY):
        _OPENED_HERE.append(f"{event} {path}")
        raise PermissionError(f"the client read a worker's disk: {path}")


sys.addaudithook(_no_client_reads)


def test_every_command_reads_shards_on_workers_disks_through_their_workers(
    local_cluster: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shards kept on the workers' own disks answer every command through the workers
    holding them, exactly as a sharded index in a shared folder answers it: the client
    never opens a file of theirs (an audit hook fails any such read here)."""
    from starlette.testclient import TestClient

    from searcher.web import create_app

    corpus = tmp_path / "desk"
    for name, record in _desk_records().items():
        folder = corpus / ("wire" if name.startswith("oil") else "papers")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    address = local_cluster.scheduler_address
    shared, placed, disks = tmp_path / "shared", tmp_path / "placed", tmp_path / "worker-disk"
    create_shards(shared, 2)
    create_shards(placed, 2, on_workers=disks)
    for index in (shared, placed):
        with open_index(index, address) as sharded:
            report = _within(120, lambda: sharded.update(read_corpus(corpus), commit_every=8))
            assert report.added == len(_desk_records()) and not report.problems
    assert all(read_manifest(placed).workers)
    article = "desk/papers/opec-reuters.json"
    with Index(shared) as ix:
        article = ix.search("opec output").hits[0].id
        assert ix.search("oil prices", options=SearchOptions(feedback=True)).total > 10
    topics = tmp_path / "topics.tsv"
    topics.write_text("1\toil prices\n2\topec output cut\n", encoding="utf-8")
    commands = [
        ["query", "oil prices", "--json", "--facets", "source,year,topics"],
        ["query", "oil prices", "--feedback", "--json"],
        ["query", "oil output", "--sort", "newest", "--json", "--limit", "20"],
        ["query", "oil prices", "--no-feedback", "--format", "jsonl"],
        ["query", "oil prices", "--format", "jsonl"],  # feedback on by default
        ["query", "oil output", "--sort", "oldest", "--format", "csv"],
        ["show", article, "--query", "oil output"],
        ["show", article, "--json"],
        ["show", "desk/papers/opec-ap.json", "--json"],  # a path, from here (not the workers')
        ["similar", article, "--json"],
        ["quotes", "prices", "--json"],
        ["speakers", "--json"],
        ["duplicates", "--json"],
        ["run", str(topics)],
        ["run", str(topics), "--feedback"],
        ["stats", "--json"],
        ["optimize"],
        ["query", "oil prices", "--json"],
        ["stats", "--json"],
    ]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outputs: dict[str, str] = {}
    _WORKERS_ONLY.append(disks)
    try:
        here = runner.invoke(app, ["stats", "--index", str(placed)])
        assert here.exit_code == 2 and "--scheduler" in here.output
        for args in commands:
            alone = runner.invoke(app, [*args, "--index", str(shared)])
            assert alone.exit_code == 0, (args, alone.output)
            served = runner.invoke(app, [*args, "--index", str(placed), "--scheduler", address])
            assert served.exit_code == 0, (args, served.output)
            assert _same(served.stdout, str(placed)) == _same(alone.stdout, str(shared)), args
            outputs[" ".join(args)] = served.stdout
            if args[0] == "optimize":
                assert _same(served.output, str(placed)) == _same(alone.output, str(shared))
                assert "Merged" in served.output
        pages = ["/?q=oil+prices", f"/articles/{quote(article)}", "/api/stats"]
        pages += ["/api/search?q=oil+prices&feedback=true", "/api/export?q=oil", "/speakers"]
        pages += [f"/api/similar/{quote(article)}", "/api/quotes?q=prices"]
        with (
            TestClient(create_app(shared)) as alone_site,
            TestClient(create_app(placed, address)) as served_site,
        ):
            assert served_site.get("/stats").status_code == 200  # its size and date differ
            for page in pages:
                a, b = alone_site.get(page), served_site.get(page)
                assert a.status_code == b.status_code == 200, (page, b.text)
                assert _same(b.text, str(placed)) == _same(a.text, str(shared)), page
    finally:
        _WORKERS_ONLY.clear()
    assert not _OPENED_HERE, _OPENED_HERE[:5]
    # Feedback reranked (what it learnt from the workers' articles made a difference).
    feedback = outputs["query oil prices --format jsonl"]
    assert feedback != outputs["query oil prices --no-feedback --format jsonl"]


def _same(output: str, index: str) -> str:
    """`output` without what differs between two indexes of the same articles: their
    folders, when they were last written, and their size on disk."""
    output = output.replace(index, "INDEX")
    if '"size_bytes"' not in output:
        return output
    data = json.loads(output)  # stats
    assert data.pop("size_bytes") > 0 and data.pop("updated")
    return json.dumps(data)


@pytest.mark.corpora
def test_bbc_and_reuters_built_on_the_cluster_rank_as_one_index(
    local_cluster: Any, bbc_reuters_shards: tuple[Index, Index], tmp_path: Path
) -> None:
    one, _ = bbc_reuters_shards
    corpora = (shared_path("corpora", "bbc"), one.path.parent / "reuters")
    create_shards(tmp_path / "sharded", 2)
    with open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded:
        report = sharded.update(read_corpus(*corpora))
        assert report.indexed == len(one) == len(sharded)
        for text in QUERIES:
            assert_same_answers(one, sharded, text)
        assert sharded.duplicates() == one.duplicates()
