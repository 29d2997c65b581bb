"""Sharded indexes on a real Dask `LocalCluster` (two worker processes on loopback)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from searcher import Index, ShardUnavailableError, create_shards, open_index, read_corpus
from searcher.shards import cluster as cluster_module
from tests.conftest import NEWSROOM

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
    create_shards(tmp_path / "sharded", 2)
    client = _client(local_cluster)
    try:
        _wait_for_workers(client, 2)
        pids = _worker_pids(client)
        killed: list[str] = []

        def kill_a_busy_worker() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy and busy[0] in pids:
                    time.sleep(0.2)  # inside the shard's writing
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(busy[0])
                time.sleep(0.05)

        killer = threading.Thread(target=kill_a_busy_worker)
        killer.start()
        with open_index(tmp_path / "sharded", local_cluster.scheduler_address) as sharded:
            report = sharded.update(read_corpus(corpus))
        killer.join()
        assert killed
        assert report.indexed == len(ARTICLES) * 100
        assert len(Index(tmp_path / "sharded")) == len(ARTICLES) * 100
        _wait_for_workers(client, 2)
    finally:
        client.close()


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
    from typer.testing import CliRunner

    from searcher.cli import app
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
