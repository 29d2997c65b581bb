"""A sharded index on Dask distributed: shards written and searched by a cluster's workers.

Imported only when a scheduler is given (`open_index(path, scheduler=...)`), so searching
without one never imports Dask. The shards live on a file system every worker reads (the
manifest's folders); shard n is served by the n-th worker (in address order, modulo the
workers), replica r by the worker r places on, each worker keeping the shards it serves
open between queries (`_served`). Shards on their workers' own disks (`placed`: the worker
of each) are written and served by that worker alone, without replicas. Writing a shard is
a task the scheduler runs again elsewhere when its worker is lost. A query whose shard's
worker is lost moves to that shard's next replica, or fails with `ShardUnavailableError`
naming the shard: never a partial answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from searcher.errors import ShardUnavailableError
from searcher.index import Index
from searcher.query.bm25f import CollectionStatistics, statistics
from searcher.shards.index import call_shard

# How often a waiting query checks that the workers serving it are alive, and how often
# it looks for answers (seconds).
WATCH_EVERY = 0.2
POLL_EVERY = 0.002


class Cluster:
    """The Dask cluster at `scheduler`, serving the shards in `folders` with `replicas`
    workers each (at most the cluster's workers), or each by its worker in `placed`."""

    def __init__(
        self,
        scheduler: str,
        folders: Sequence[Path],
        replicas: int = 1,
        placed: Sequence[str] = (),
    ) -> None:
        from distributed import Client

        self.scheduler = scheduler
        self.folders = list(folders)
        self.replicas = 1 if placed else max(1, replicas)
        self.placed = list(placed)
        try:
            self.client = Client(scheduler, timeout="10s", set_as_default=False)
        except OSError as error:
            raise ShardUnavailableError(str(folders[0].parent), None, "", scheduler) from error

    def close(self) -> None:
        self.client.close()

    def _workers(self) -> list[str]:
        return sorted(self.client.scheduler_info(n_workers=-1)["workers"])

    def build(
        self, task: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]
    ) -> tuple[list[Any], list[str]]:
        """`task(*job)` for every job (of shard n: on its worker in `placed`, if alive),
        and the worker each ran on; a job whose worker is lost runs again on another (the
        scheduler's own recovery)."""
        futures = [
            self.client.submit(task, *job, pure=False, **self._restricted(n))
            for n, job in enumerate(jobs)
        ]
        results = list(self.client.gather(futures))
        held = self.client.who_has(futures)
        return results, [next(iter(held[future.key]), "") for future in futures]

    def _restricted(self, shard: int) -> dict[str, Any]:
        """Where a write of `shard` must run: on the worker holding it, or (gone) any."""
        if shard >= len(self.placed) or not self.placed[shard]:
            return {}
        return {"workers": [self.placed[shard]], "allow_other_workers": True}

    def each(
        self,
        method: str | Callable[..., Any],
        stats: CollectionStatistics | None,
        *args: Any,
        **kwargs: Any,
    ) -> list[Any]:
        """`Index.method(*args, **kwargs)` of every shard (`call_shard`), in shard order,
        each on a worker serving it (scoring with `stats` when given)."""
        workers = self._workers()
        if not workers:
            raise ShardUnavailableError(str(self.folders[0].parent), 0, "", self.scheduler)
        pending: dict[Any, tuple[int, int, str]] = {}

        def submit(shard: int, replica: int) -> None:
            placed = self.placed[shard] if self.placed else ""
            worker = placed or workers[(shard + replica) % len(workers)]
            future = self.client.submit(
                _served,
                str(self.folders[shard]),
                method,
                stats,
                args,
                kwargs,
                workers=[worker],
                allow_other_workers=False,
                pure=False,
            )
            pending[future] = (shard, replica, worker)

        for shard in range(len(self.folders)):
            submit(shard, 0)
        answers: dict[int, Any] = {}
        replicas = min(self.replicas, len(workers))
        checked = time.monotonic()
        while pending:
            for future in [f for f in pending if f.done()]:
                shard, replica, worker = pending.pop(future)
                if future.status == "finished":
                    answers[shard] = future.result()
                elif replica + 1 < replicas and _lost(future):
                    submit(shard, replica + 1)
                elif _lost(future):
                    self._fail(pending, shard, worker)
                else:
                    self._cancel(pending)
                    future.result()  # the library's own error, raised here
            if not pending:
                break
            if time.monotonic() - checked < WATCH_EVERY:
                time.sleep(POLL_EVERY)
                continue
            checked = time.monotonic()
            alive = set(self._workers())
            for future, (shard, replica, worker) in list(pending.items()):
                if worker in alive:
                    continue
                del pending[future]
                future.cancel()
                if replica + 1 < replicas:
                    submit(shard, replica + 1)
                else:
                    self._fail(pending, shard, worker)
        return [answers[shard] for shard in range(len(self.folders))]

    def _cancel(self, pending: dict[Any, tuple[int, int, str]]) -> None:
        for future in pending:
            future.cancel()

    def _fail(self, pending: dict[Any, tuple[int, int, str]], shard: int, worker: str) -> None:
        self._cancel(pending)
        folder = str(self.folders[shard].parent)
        raise ShardUnavailableError(folder, shard, worker, self.scheduler)


def _lost(future: Any) -> bool:
    """True when `future` failed because its worker died (not by an error of ours)."""
    from distributed.scheduler import KilledWorker

    return isinstance(future.exception(), KilledWorker)


def _served(
    folder: str,
    method: str | Callable[..., Any],
    stats: CollectionStatistics | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """On a worker: `Index(folder).method(...)` through the `Index` this worker keeps open
    for the shard (its readers stay open between queries)."""
    from distributed import get_worker

    worker = get_worker()
    served: dict[str, Index] = worker.__dict__.setdefault("searcher_shards", {})
    index = served.get(folder) or served.setdefault(folder, Index(folder))
    if stats is None:
        return call_shard(index, method, args, kwargs)
    with statistics(stats):
        return call_shard(index, method, args, kwargs)
