"""The `search` command line: parse options, call the library, render, map errors to exit codes.

Exit codes: 0 success (also when nothing matched), 1 input skipped under --strict,
2 usage or query error, index missing or locked, 3 an unexpected internal error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from searcher.corpus import read_corpus
from searcher.errors import SearcherError
from searcher.index import DEFAULT_INDEX, Index
from searcher.render import (
    problem_lines,
    report_summary,
    results_json,
    results_renderable,
    stories_json,
    stories_renderable,
)

EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

app = typer.Typer(
    help="Full-text search for news corpora: index articles, then query them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

IndexOption = Annotated[
    Path,
    typer.Option(
        "--index",
        envvar="SEARCHER_INDEX",
        help="Index folder (default ./index, or $SEARCHER_INDEX).",
        show_default=False,
    ),
]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn library errors into one line on stderr and an exit code; never a traceback."""
    try:
        yield
    except SearcherError as error:
        errors.print(f"[red]Error:[/red] {error}", markup=True)
        if error.hint:
            errors.print(error.hint, style="dim")
        raise typer.Exit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        errors.print("Interrupted; the index keeps its last commit.")
        raise typer.Exit(130) from None
    except Exception as error:  # a bug: still one line, but with a way to see more
        if os.environ.get("SEARCHER_DEBUG"):
            raise
        errors.print(f"[red]Internal error:[/red] {type(error).__name__}: {error}", markup=True)
        errors.print("Set SEARCHER_DEBUG=1 to see the traceback, and please report it.")
        raise typer.Exit(EXIT_INTERNAL) from None


@app.command("index")
def index_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of articles.")],
    index: IndexOption = Path(DEFAULT_INDEX),
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit with code 1 if any input was skipped.")
    ] = False,
) -> None:
    """Index the articles in PATH (files or folders), adding to or updating the index.

    Re-indexing an article replaces it. The run ends with a one-line summary.

    Example: search index corpus/ --index index
    """
    with _user_errors():
        report = Index(index).add(read_corpus(*paths))
    for line in problem_lines(report.problems):
        errors.print(line)
    console.print(report_summary(report, str(index)))
    if strict and report.problems:
        raise typer.Exit(EXIT_SKIPPED)


@app.command("query")
def query_command(
    text: Annotated[str, typer.Argument(help="What to look for.", show_default=False)],
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Results to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    all_copies: Annotated[
        bool,
        typer.Option("--all-copies", help="Show every copy of a story, not only the best one."),
    ] = False,
) -> None:
    """Rank the indexed articles for TEXT and show highlighted snippets.

    Near-duplicate articles (the same story printed by several papers) are shown once,
    with their other copies listed; --all-copies shows them all.

    Articles containing every word rank above those containing some. Words are stemmed,
    so "troops" also finds "troop". Put phrases in double quotes.

    Example: search query "CSTO troops" --limit 5
    """
    with _user_errors():
        results = Index(index).search(text, limit=limit, all_copies=all_copies)
    if as_json:
        typer.echo(json.dumps(results_json(results), ensure_ascii=False))
    else:
        console.print(results_renderable(results))


@app.command("duplicates")
def duplicates_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    min_size: Annotated[
        int, typer.Option("--min-size", min=2, help="Only stories with this many copies.")
    ] = 2,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Stories to show.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """List the stories printed more than once (near-duplicate articles), largest first.

    Example: search duplicates --min-size 3
    """
    with _user_errors():
        stories = Index(index).duplicates(min_size)[:limit]
    if as_json:
        typer.echo(json.dumps(stories_json(stories), ensure_ascii=False))
    else:
        console.print(stories_renderable(stories))
