"""`search index` and `search optimize`: build, update and merge the index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from searcher import (
    DEFAULT_COMMIT_EVERY,
    DEFAULT_INDEX,
    READER_FORMATS,
    clean,
    create_shards,
    open_index,
)
from searcher.cli.app import EXIT_SKIPPED, IndexOption, SchedulerOption, _user_errors, errors


def index_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of articles.")],
    index: IndexOption = Path(DEFAULT_INDEX),
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with code 1 if any input was skipped.")
    ] = False,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"Read every file as this format: {', '.join(READER_FORMATS)} "
            "(default: by content).",
            show_default=False,
        ),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            help="FIELD=KEY: take an article field from this JSON key or CSV column "
            "(repeatable), e.g. headline=title_col.",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="The publication of articles that name none (default: the folder's "
            ".searcher-source file).",
            show_default=False,
        ),
    ] = "",
    errors_file: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Write every skipped file and record to FILE as JSON Lines.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", "-j", min=1, help="Processes that read and analyse (default: all cores)."
        ),
    ] = None,
    commit_every: Annotated[
        int,
        typer.Option("--commit-every", min=1, help="Commit after about this many articles."),
    ] = DEFAULT_COMMIT_EVERY,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune/--no-prune", help="Remove the articles of files gone from the folders."
        ),
    ] = True,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Start the index from scratch.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress; only the summary line.")
    ] = False,
    scheduler: SchedulerOption = None,
    shards: Annotated[
        int | None,
        typer.Option(
            "--shards",
            min=1,
            help="Split a new index into N shards, written by a process each and searched "
            "as one index.",
            show_default=False,
        ),
    ] = None,
    on_workers: Annotated[
        Path | None,
        typer.Option(
            "--on-workers",
            help="With --shards and --scheduler: keep each shard in DIR (absolute) on the "
            "disk of the worker that writes it, which alone serves it (default: inside "
            "--index, which every worker must see).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Index the articles in PATH (files, folders, or .tar.gz, .tgz, .tar.bz2, .tar.xz,
    .tar and .zip archives, read in place), adding to or updating the index.

    Only new and changed files are read; articles of changed files are replaced and those
    of deleted files removed. Formats are recognised by content and extension (also inside
    .gz); bad files and records are skipped and reported. Work is spread over all cores and
    committed in batches, so an interrupted run keeps what it committed and the next run
    completes it. The run ends with a summary of files seen, articles indexed and what was
    skipped, by reason.

    Example: search index corpus/ --index index

    Example: search index feeds/ --format jsonl --field headline=heading --errors bad.jsonl

    Example: search index archive/ --workers 2 --commit-every 5000

    Example: search index bbc/ --source "BBC News"

    Example: search index archive/ --index big --shards 4
    """
    from rich.text import Text

    from searcher import parse_fields, read_corpus  # the readers: only indexing needs them
    from searcher.cli.problems import count_problems, write_problems
    from searcher.cli.render_progress import (  # rich: not imported by a query
        ProgressDisplay,
        problem_lines,
        problem_summary,
        report_summary,
    )

    if on_workers is not None and shards is None:
        raise typer.BadParameter("it needs --shards", param_hint="--on-workers")
    with _user_errors(), ProgressDisplay(errors(), enabled=not quiet) as progress:
        if shards is not None:
            create_shards(index, shards, on_workers)
        fields = parse_fields(field or [])
        corpus = read_corpus(*paths, format=format, fields=fields, source=source)
        report = open_index(index, scheduler).update(
            corpus,
            workers=workers,
            commit_every=commit_every,
            prune=prune,
            rebuild=rebuild,
            on_progress=progress,
        )
        if errors_file is not None:
            write_problems(report.problems, errors_file)
    for note in report.notes:
        errors().print(Text(clean(note)))
    for line in problem_lines(report.problems):
        errors().print(line)
    errors().print(report_summary(report, str(index)))
    if skipped := problem_summary(count_problems(report.problems)):
        errors().print(skipped)
    if strict and report.problems:
        raise typer.Exit(EXIT_SKIPPED)


def optimize_command(
    index: IndexOption = Path(DEFAULT_INDEX), scheduler: SchedulerOption = None
) -> None:
    """Merge the index's segments into one, which makes queries faster.

    Indexing merges small segments by itself; run this after large updates.

    Example: search optimize --index index
    """
    from rich.text import Text

    with _user_errors(), errors().status("Merging segments"), open_index(index, scheduler) as ix:
        merged = ix.optimize()
    if merged == 0:
        message = f"Nothing to do: {index} is one segment already"
    elif merged == 1:
        message = f"Rewrote the one segment of {index} without its deleted articles"
    else:
        message = f"Merged {merged} segments into 1 in {index}"
    errors().print(Text(clean(message)))
