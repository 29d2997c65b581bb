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

from searcher.corpus import FORMATS, parse_fields, read_corpus
from searcher.errors import SearcherError
from searcher.index import DEFAULT_INDEX, Index
from searcher.problems import count_problems, write_problems
from searcher.render import (
    problem_lines,
    problem_summary,
    report_summary,
    results_json,
    results_renderable,
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
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help=f"Read every file as this format: {', '.join(FORMATS)} (default: by content).",
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
    errors_file: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Write every skipped file and record to FILE as JSON Lines.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Index the articles in PATH (files or folders), adding to or updating the index.

    Re-indexing an article replaces it. Formats are recognised by content and extension
    (also inside .gz); bad files and records are skipped and reported. The run ends with a
    summary of files seen, articles indexed and what was skipped, by reason.

    Example: search index corpus/ --index index

    Example: search index feeds/ --format jsonl --field headline=heading --errors bad.jsonl
    """
    with _user_errors():
        corpus = read_corpus(*paths, format=format, fields=parse_fields(field or []))
        report = Index(index).add(corpus)
        if errors_file is not None:
            write_problems(report.problems, errors_file)
    for line in problem_lines(report.problems):
        errors.print(line, soft_wrap=True)
    console.print(report_summary(report, str(index)))
    if skipped := problem_summary(count_problems(report.problems)):
        console.print(skipped)
    if strict and report.problems:
        raise typer.Exit(EXIT_SKIPPED)


@app.command("query")
def query_command(
    text: Annotated[str, typer.Argument(help="What to look for.", show_default=False)],
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Results to show.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Rank the indexed articles for TEXT and show highlighted snippets.

    Articles containing every word rank above those containing some. Words are stemmed,
    so "troops" also finds "troop". Put phrases in double quotes.

    Example: search query "CSTO troops" --limit 5
    """
    with _user_errors():
        results = Index(index).search(text, limit=limit)
    if as_json:
        typer.echo(json.dumps(results_json(results), ensure_ascii=False))
    else:
        console.print(results_renderable(results))
