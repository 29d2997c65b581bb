"""Benchmark of sharded indexes: indexing throughput and query latency for 1, 2 and 4
shards, on this machine and on a Dask `LocalCluster`, side by side.

    python -m bench.scale [--corpus PATH ...] [--shards 1 2 4] [--workers 2] [--repeat 3]

The corpus defaults to BBC and Reuters-21578 (../shared/corpora). For every shard count an
index is built from scratch twice, by local processes (`--workers` at once) and by a
`LocalCluster` of `--workers` worker processes of one thread each, and every query of
`bench.queries` is run `--repeat` times through each (the first run warms the readers and
is left out). Per shard, the cost of writing and of a query is printed too: what
bench/SCALE.md projects to larger archives from. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.queries import QUERIES
from searcher import Index, create_shards, open_index, read_corpus

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def _default_corpus(scratch: Path) -> list[Path]:
    reuters = scratch / "reuters"
    with tarfile.open(SHARED / "reuters21578" / "reuters21578.tar.gz") as tar:
        members = [m for m in tar.getmembers() if m.name.endswith(".sgm")]
        tar.extractall(reuters, members=members, filter="data")
    return [SHARED / "bbc", reuters]


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _latencies(ix: Index, repeat: int) -> list[float]:
    for text in QUERIES:  # warm the readers (and the workers' open shards)
        ix.search(text)
    return [_timed(lambda t=text: ix.search(t)) for _ in range(repeat) for text in QUERIES]


def _measure(
    corpus: list[Path], folder: Path, shards: int, workers: int, repeat: int, scheduler: str | None
) -> dict[str, float]:
    shutil.rmtree(folder, ignore_errors=True)
    if shards > 1 or scheduler:
        create_shards(folder, shards)
    with open_index(folder, scheduler) as ix:
        seconds = _timed(lambda: ix.update(read_corpus(*corpus), workers=workers))
        articles = len(ix)
        latencies = _latencies(ix, repeat)
    return {
        "articles": articles,
        "index_s": seconds,
        "articles_per_s": articles / seconds,
        "query_median_ms": 1000 * statistics.median(latencies),
        "query_p95_ms": 1000 * statistics.quantiles(latencies, n=20)[-1],
        "write_s_per_shard": seconds * min(shards, workers) / shards,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, nargs="*")
    parser.add_argument("--shards", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory(prefix="searcher-scale-") as scratch:
        root = Path(scratch)
        corpus = args.corpus or _default_corpus(root)
        rows = []
        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1"
        ) as cluster:
            for shards in args.shards:
                for where, scheduler in (("local", None), ("cluster", cluster.scheduler_address)):
                    folder = root / f"{where}-{shards}"
                    found = _measure(corpus, folder, shards, args.workers, args.repeat, scheduler)
                    rows.append((shards, where, found))
        print("| shards | where | articles | index s | articles/s | query median ms | p95 ms |")
        print("|---|---|---|---|---|---|---|")
        for shards, where, found in rows:
            print(
                f"| {shards} | {where} | {found['articles']:.0f} | {found['index_s']:.1f} "
                f"| {found['articles_per_s']:.0f} | {found['query_median_ms']:.1f} "
                f"| {found['query_p95_ms']:.1f} |"
            )


if __name__ == "__main__":
    main()
