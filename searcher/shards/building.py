"""Writing a sharded index: articles routed to their shards (`manifest.shard_of`), each
shard written by a process of its own (or a cluster's worker), one writer each, and the
shards' stories merged into the index's story store (`stories.merge_stories`).

Imported only when writing: searches need neither the readers nor the writer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from searcher.corpus import Corpus
from searcher.errors import ShardsOnWorkersError
from searcher.index import Index
from searcher.models import Article, IndexReport, Problem, Progress
from searcher.shards.manifest import Manifest, shard_of, write_manifest
from searcher.shards.stories import ChangesOf, local_changes, merge_stories, shard_changes
from searcher.store import DEFAULT_COMMIT_EVERY

if TYPE_CHECKING:
    from searcher.shards.cluster import Cluster
    from searcher.store.workers import FileResult


def add_articles(path: Path, manifest: Manifest, articles: Iterable[Article]) -> IndexReport:
    """Index every article into its shard, one shard after the other (see `Index.add`)."""
    if manifest.on_workers:
        raise ShardsOnWorkersError(str(path))
    items = list(articles)
    routed = route(items, manifest.shards)
    folders = manifest.folders(path)
    reports = [Index(folder).add(part) for folder, part in zip(folders, routed, strict=True)]
    positions = {article.id: n for n, article in enumerate(items)}
    merge_stories(
        path, manifest.shards, local_changes(folders), lambda id: (positions.get(id, len(items)), 0)
    )
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
    """Bring every shard up to date with `corpus`, each in a process of its own (at most
    `workers` at once) or on the cluster's workers: each is an ordinary incremental run
    (`Index.update`) that indexes only the articles routed to its shard, keeping its own
    file state, so a shard reads only the files new or changed since its last run, prunes
    the articles of files gone and commits about every `commit_every` articles. Then the
    index's story store takes the shards' changes. A run that fails leaves every shard at
    its last commit and the story store as it was: the next run catches up. Shards on
    their workers' disks are written by the worker holding each, or when it is gone by
    another, from scratch; the manifest then records where each one was written."""
    if manifest.on_workers and cluster is None:
        raise ShardsOnWorkersError(str(path))
    folders = manifest.folders(path)
    if on_progress is not None:
        on_progress(Progress(0, 0, 0, "reading"))
    shards = manifest.shards
    cores = max(1, workers or os.cpu_count() or 1)
    processes = min(shards, cores)
    # A cluster's worker runs one shard at a time, reading in its own process.
    each = 1 if cluster is not None else max(1, cores // shards)
    jobs = [
        (folder, corpus, ShardRun(n, shards, commit_every, prune, rebuild, each))
        for n, folder in enumerate(folders)
    ]
    changes = local_changes(folders)
    if cluster is not None:
        written, where = cluster.build(write_shard, jobs)
        if manifest.on_workers:
            _record_workers(path, manifest, cluster, where)
            changes = _changes_on(cluster, folders)
    elif processes == 1:
        written = [write_shard(*job) for job in jobs]
    else:
        with ProcessPoolExecutor(processes) as pool:
            written = list(pool.map(write_shard, *zip(*jobs, strict=True)))
    reports = [report for report, _ in written]
    if on_progress is not None:
        on_progress(Progress(reports[0].files_seen, reports[0].files_seen, 0, "committing"))
    placed = {key: value for _, found in written for key, value in found.items()}
    merge_stories(path, shards, changes, corpus_order(corpus, placed), rebuild)
    return merge_reports(reports)


def _record_workers(path: Path, manifest: Manifest, cluster: Cluster, where: list[str]) -> None:
    """Record in the manifest the worker that holds each shard (the one that wrote it),
    and send the shards' next tasks there."""
    if tuple(where) != manifest.workers:
        write_manifest(path, replace(manifest, workers=tuple(where)))
    cluster.placed = where


def _changes_on(cluster: Cluster, folders: Sequence[Path]) -> ChangesOf:
    """The changes of the shards in `folders`, each read by the worker holding it."""
    return lambda held: cluster.build(shard_changes, list(zip(folders, held, strict=True)))[0]


@dataclass(frozen=True)
class ShardRun:
    """What a shard's writer is asked: shard `shard` of `shards`, and the run's options."""

    shard: int
    shards: int
    commit_every: int = DEFAULT_COMMIT_EVERY
    prune: bool = True
    rebuild: bool = False
    workers: int = 1  # the shard's writer's reading processes

    def keeps(self, article_id: str) -> bool:
        """True for the articles this shard holds."""
        return shard_of(article_id, self.shards) == self.shard


# Where an article came from: its file's id and the number of its record in the file.
Place = tuple[str, int]


def write_shard(
    folder: Path, corpus: Corpus, run: ShardRun
) -> tuple[IndexReport, dict[str, Place]]:
    """Bring the shard in `folder` up to date with the articles of `corpus` it holds (in
    a process of its own): its report, and
    where each article it wrote came from."""
    from searcher.store.writer import update_index

    placed: dict[str, Place] = {}

    def committed(results: list[FileResult]) -> None:
        for result in results:
            places = zip(result.ids, result.records, strict=True)
            placed.update((id, (result.file_id, n)) for id, n in places)

    report = update_index(
        folder,
        corpus,
        workers=run.workers,
        commit_every=run.commit_every,
        prune=run.prune,
        rebuild=run.rebuild,
        keep=run.keeps,
        on_commit=committed,
    )
    return report, placed


def corpus_order(corpus: Corpus, placed: Mapping[str, Place]) -> Callable[[str], tuple[int, int]]:
    """The place of an article in the order `corpus` reads them, that of one index's run
    over the same files: its file's in the listing of the corpus (listed, not read, when
    first needed) and its record's in the file. An article not written by this run (by a
    run that failed) is placed by its id, which starts with its file's (`Article`), or for
    a member of an archive with the archive's and a folder's, first in its file."""
    files: dict[str, int] = {}

    def order(article_id: str) -> tuple[int, int]:
        if not files:
            listed = (item for item in corpus.files() if not isinstance(item, Problem))
            files.update((item.id, n) for n, item in enumerate(listed))
        file, record = placed.get(article_id, (article_id.rpartition("#")[0] or article_id, 0))
        while file not in files and "/" in file:  # an archive's member: the archive's place
            file = file.rpartition("/")[0]
        return files.get(file, len(files)), record

    return order


def route(articles: Iterable[Article], shards: int) -> list[list[Article]]:
    """`articles` split by shard (`shard_of` their id), in their order."""
    routed: list[list[Article]] = [[] for _ in range(shards)]
    for article in articles:
        routed[shard_of(article.id, shards)].append(article)
    return routed


def merge_reports(reports: Sequence[IndexReport]) -> IndexReport:
    """The shards' reports as one: every shard lists the corpus's files, and reports the
    problems of those it reads (each once here); a file is unchanged when no shard read it."""
    return IndexReport(
        added=sum(report.added for report in reports),
        replaced=sum(report.replaced for report in reports),
        removed=sum(report.removed for report in reports),
        problems=tuple(dict.fromkeys(p for report in reports for p in report.problems)),
        files_seen=max(report.files_seen for report in reports),
        files_unchanged=min(report.files_unchanged for report in reports),
        notes=tuple(dict.fromkeys(note for report in reports for note in report.notes)),
    )
