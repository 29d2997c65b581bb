"""The `search` command line: parse options, call the library, render, map errors to exit codes.

Exit codes: 0 success (also when nothing matched), 1 input skipped under --strict,
2 usage or query error, index missing or locked, 3 an unexpected internal error.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console

from searcher.corpus import read_corpus
from searcher.errors import BadInputError, SearcherError
from searcher.evaluation import DEFAULT_MEASURES, DEFAULT_RUN_ID, evaluate, read_topics, write_run
from searcher.index import DEFAULT_INDEX, RUN_LIMIT, Index
from searcher.models import RunRow
from searcher.render import (
    evaluation_json,
    evaluation_table,
    problem_lines,
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


TopicsArgument = Annotated[
    Path,
    typer.Argument(
        help="Topics: a TSV file (qid<TAB>query) or a TREC topic file (<top><num>…<title>…).",
        show_default=False,
    ),
]
RunLimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=1, help="Articles ranked per topic.")
]


@app.command("run")
def run_command(
    topics: TopicsArgument,
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: RunLimitOption = RUN_LIMIT,
    run_id: Annotated[str, typer.Option("--run-id", help="Run name, last column.")] = (
        DEFAULT_RUN_ID
    ),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the run here instead of to stdout."),
    ] = None,
) -> None:
    """Run every topic and write a TREC run file (qid Q0 docno rank score run_id).

    Articles are named by their collection's own id (Cranfield .I, TREC DOCNO), else by id.

    Example: search run topics.tsv --index cran-index --output run.txt
    """
    with _user_errors():
        rows = Index(index).run(read_topics(topics), limit=limit)
        if output is None:
            _write_to_stdout(rows, run_id)
        else:
            with _writable(output) as out:
                write_run(rows, out, run_id)


@app.command("eval")
def eval_command(
    topics: TopicsArgument,
    qrels: Annotated[
        Path,
        typer.Argument(help="TREC qrels: qid 0 docno grade (graded allowed).", show_default=False),
    ],
    index: IndexOption = Path(DEFAULT_INDEX),
    measures: Annotated[
        str,
        typer.Option(
            "--measures",
            "-m",
            help="Measures in ir-measures names, separated by commas or spaces.",
        ),
    ] = ",".join(DEFAULT_MEASURES),
    per_query: Annotated[
        bool, typer.Option("--per-query", help="Also show each topic's values.")
    ] = False,
    limit: RunLimitOption = RUN_LIMIT,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Run every topic and score the run against QRELS (needs ir-measures, the eval extra).

    Measures default to AP (MAP), nDCG@10, P@10, R@100 and RR (MRR), each the mean over the
    judged topics; a judged topic with no results counts as 0.

    Example: search eval topics.tsv qrels.txt --measures "AP,nDCG@10,P@5" --per-query
    """
    with _user_errors():
        chosen = [name for name in re.split(r"[\s,]+", measures) if name]
        run_topics = read_topics(topics)
        rows = Index(index).run(run_topics, limit=limit)
        evaluation = evaluate(rows, qrels, chosen, topics=run_topics)
    if as_json:
        typer.echo(json.dumps(evaluation_json(evaluation, per_query)))
    else:
        console.print(evaluation_table(evaluation, per_query))


def _write_to_stdout(rows: list[RunRow], run_id: str) -> None:
    """Write the run to stdout; a reader that stops early (`| head`) is no error."""
    try:
        write_run(rows, sys.stdout, run_id)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again when flushing at exit: point stdout at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@contextmanager
def _writable(path: Path) -> Iterator[TextIO]:
    """`path` opened for writing, or `BadInputError` saying why it cannot be."""
    try:
        out = path.open("w", encoding="utf-8")
    except OSError as error:
        raise BadInputError(
            f"cannot write {path}: {error.strerror or error}", "Choose another --output file."
        ) from None
    with out:
        yield out
