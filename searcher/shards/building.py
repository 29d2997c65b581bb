"""Writing a sharded index: articles routed to their shards (`manifest.shard_of`), each
shard written by a process of its own (or a cluster's worker), one writer each, and the
shards' stories merged into the index's story store (`stories.merge_stories`).

Imported only when writing: searches need neither the readers nor the writer.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from searcher.corpus import Corpus
from searcher.index import Index
from searcher.models import Article, IndexReport, Progress
from searcher.shards.manifest import Manifest, shard_of
from searcher.shards.stories import merge_stories
from searcher.store import DEFAULT_COMMIT_EVERY

if TYPE_CHECKING:
    from searcher.shards.cluster import Cluster


def add_articles(path: Path, manifest: Manifest, articles: Iterable[Article]) -> IndexReport:
    """Index every article into its shard, one shard after the other (see `Index.add`)."""
    items = list(articles)
    routed = route(items, manifest.shards)
    folders = manifest.folders(path)
    reports = [Index(folder).add(part) for folder, part in zip(folders, routed, strict=True)]
    merge_stories(path, folders, {a.id: n for n, a in enumerate(items)})
    report = merge_reports(reports)
    if isinstance(articles, Corpus):
        report = replace(report, problems=tuple(articles.problems), files_seen=articles.files_seen)
    return report


def update_shards(
    path: Path,
    manifest: Manifest,
    corpus: Corpus,
    *,
    cluster: Cluster | None = None,
    workers: int | None = None,
    commit_every: int = DEFAULT_COMMIT_EVERY,
    prune: bool = True,
    rebuild: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
) -> IndexReport:
    """Write every shard in a process of its own (at most `workers` at once), which
    reads `corpus` and indexes the articles routed to its shard. Each run reads every
    file again: the shards replace the articles they hold by id; `prune` and
    `commit_every` do not apply (articles of files gone from the corpus stay until a
    `rebuild`, which starts every shard afresh)."""
    folders = manifest.folders(path)
    if rebuild:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    if on_progress is not None:
        on_progress(Progress(0, 0, 0, "reading"))
    shards = manifest.shards
    processes = max(1, min(shards, workers or os.cpu_count() or 1))
    jobs = [(folder, corpus, n, shards) for n, folder in enumerate(folders)]
    if cluster is not None:
        written = cluster.build(write_shard, jobs)
    elif processes == 1:
        written = [write_shard(*job) for job in jobs]
    else:
        with ProcessPoolExecutor(processes) as pool:
            written = list(pool.map(write_shard, *zip(*jobs, strict=True)))
    reports = [report for report, _ in written]
    if on_progress is not None:
        on_progress(Progress(reports[0].files_seen, reports[0].files_seen, 0, "committing"))
    merge_stories(path, folders, {k: v for _, found in written for k, v in found.items()})
    # Every shard read the whole corpus: its problems and files are the first's.
    return replace(
        merge_reports(reports),
        problems=reports[0].problems,
        files_seen=reports[0].files_seen,
    )


def route(articles: Iterable[Article], shards: int) -> list[list[Article]]:
    """`articles` split by shard (`shard_of` their id), in their order."""
    routed: list[list[Article]] = [[] for _ in range(shards)]
    for article in articles:
        routed[shard_of(article.id, shards)].append(article)
    return routed


def write_shard(
    folder: Path, corpus: Corpus, shard: int, shards: int
) -> tuple[IndexReport, dict[str, int]]:
    """Index the articles of `corpus` that `shard` of `shards` holds into `folder` (in a
    process of its own): the report, naming every problem and file of the corpus, and
    where in the corpus each article written came."""
    position: dict[str, int] = {}

    def routed() -> Iterator[Article]:
        for n, article in enumerate(corpus):
            if shard_of(article.id, shards) == shard:
                position[article.id] = n
                yield article

    report = Index(folder).add(routed())
    report = replace(report, problems=tuple(corpus.problems), files_seen=corpus.files_seen)
    return report, position


def merge_reports(reports: Sequence[IndexReport]) -> IndexReport:
    """The shards' reports as one."""
    return IndexReport(
        added=sum(report.added for report in reports),
        replaced=sum(report.replaced for report in reports),
        removed=sum(report.removed for report in reports),
        notes=tuple(note for report in reports for note in report.notes),
    )
