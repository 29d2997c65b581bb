"""Benchmark of sharded indexes: indexing throughput and query latency for 1, 2 and 4
shards, on this machine and on a Dask `LocalCluster`, side by side.

    python -m bench.scale                                       # BBC + Reuters, x1
    python -m bench.scale --corpus ../shared/corpora/bbc --corpus ../shared/corpora/reuters21578 \
        --scale 1 --scale 4 --shards 1 2 4 --workers 2 --repeat 3

`--corpus` (repeated; default BBC and Reuters-21578 from ../shared/corpora, archives
unpacked) and `--scale` (repeated: copies of the corpora, default 1) are those of
`bench.run`. For every scale and shard count an index is built from scratch twice, by
local processes (`--workers` at once) and by a `LocalCluster` of `--workers` worker
processes of one thread each, then updated again with nothing changed (each shard checks
its files), and every query of `bench.queries` is run `--repeat` times through each (the
first run warms the readers and is left out). A writer's articles per second (`w` of
bench/SCALE.md's model) is printed too. Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.queries import QUERIES
from bench.run import CORPORA, scaled_corpus, unpacked
from searcher import Index, create_shards, open_index, read_corpus

DEFAULT_CORPORA = [CORPORA / "bbc", CORPORA / "reuters21578"]


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _latencies(ix: Index, repeat: int) -> list[float]:
    for text in QUERIES:  # warm the readers (and the workers' open shards)
        ix.search(text)
    return [_timed(lambda t=text: ix.search(t)) for _ in range(repeat) for text in QUERIES]


def _measure(
    corpus: Path, folder: Path, shards: int, workers: int, repeat: int, scheduler: str | None
) -> dict[str, float]:
    shutil.rmtree(folder, ignore_errors=True)
    if shards > 1 or scheduler:
        create_shards(folder, shards)
    with open_index(folder, scheduler) as ix:
        seconds = _timed(lambda: ix.update(read_corpus(corpus), workers=workers))
        rerun = _timed(lambda: ix.update(read_corpus(corpus), workers=workers))
        articles = len(ix)
        latencies = _latencies(ix, repeat)
    writers = min(shards, workers)
    return {
        "articles": articles,
        "index_s": seconds,
        "articles_per_s": articles / seconds,
        "per_writer": articles / seconds / writers,
        "rerun_s": rerun,
        "query_median_ms": 1000 * statistics.median(latencies),
        "query_p95_ms": 1000 * statistics.quantiles(latencies, n=20)[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", help="default: BBC, Reuters")
    parser.add_argument("--scale", type=int, action="append", help="copies (default: 1)")
    parser.add_argument("--shards", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory(prefix="searcher-scale-") as scratch:
        root = Path(scratch)
        corpora = unpacked(args.corpus or DEFAULT_CORPORA, root)
        rows = []
        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1"
        ) as cluster:
            for copies in args.scale or [1]:
                corpus = scaled_corpus(corpora, copies, root)
                for shards in args.shards:
                    for where, scheduler in (
                        ("local", None),
                        ("cluster", cluster.scheduler_address),
                    ):
                        folder = root / f"{where}-x{copies}-{shards}"
                        found = _measure(
                            corpus, folder, shards, args.workers, args.repeat, scheduler
                        )
                        rows.append((copies, shards, where, found))
        print(
            "| scale | shards | where | articles | index s | articles/s | a writer's articles/s "
            "| re-run s | query median ms | p95 ms |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for copies, shards, where, found in rows:
            print(
                f"| x{copies} | {shards} | {where} | {found['articles']:.0f} "
                f"| {found['index_s']:.1f} | {found['articles_per_s']:.0f} "
                f"| {found['per_writer']:.0f} | {found['rerun_s']:.1f} "
                f"| {found['query_median_ms']:.1f} | {found['query_p95_ms']:.1f} |"
            )


if __name__ == "__main__":
    main()
