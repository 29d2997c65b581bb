"""`search run` and `search eval`: TREC runs over topics, and scoring them against qrels."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TextIO

import typer

from searcher import (
    DEFAULT_INDEX,
    DEFAULT_MEASURES,
    DEFAULT_RUN_ID,
    RUN_LIMIT,
    check_measures,
    evaluate,
    evaluation_json,
    open_index,
    read_topics,
    write_run,
)
from searcher.cli.app import (
    FeedbackOption,
    IndexOption,
    ReplicasOption,
    SchedulerOption,
    _echo_json,
    _stdout,
    _user_errors,
    console,
)
from searcher.errors import BadInputError
from searcher.models import RunRow, SearchOptions

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


SyntaxOption = Annotated[
    bool,
    typer.Option(
        "--syntax", help="Read topics in the query syntax (AND, quotes, fields), not as text."
    ),
]


def run_command(
    topics: TopicsArgument,
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: RunLimitOption = RUN_LIMIT,
    syntax: SyntaxOption = False,
    feedback: FeedbackOption = SearchOptions.feedback,
    run_id: Annotated[str, typer.Option("--run-id", help="Run name, last column.")] = (
        DEFAULT_RUN_ID
    ),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the run here instead of to stdout."),
    ] = None,
    scheduler: SchedulerOption = None,
    replicas: ReplicasOption = 1,
) -> None:
    """Run every topic and write a TREC run file (qid Q0 docno rank score run_id).

    Articles are named by their collection's own id (Cranfield .I, TREC DOCNO), else by id.

    Example: search run topics.tsv --index cran-index --output run.txt
    """
    with _user_errors():
        with open_index(index, scheduler, replicas) as ix:
            rows = ix.run(read_topics(topics), limit=limit, syntax=syntax, feedback=feedback)
        if output is None:
            _write_to_stdout(rows, run_id)
        else:
            with _writable(output) as out:
                write_run(rows, out, run_id)


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
    syntax: SyntaxOption = False,
    feedback: FeedbackOption = SearchOptions.feedback,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    scheduler: SchedulerOption = None,
    replicas: ReplicasOption = 1,
) -> None:
    """Run every topic and score the run against QRELS (needs ir-measures, the eval extra).

    Measures default to AP (MAP), nDCG@10, P@10, R@100 and RR (MRR), each the mean over the
    judged topics; a judged topic with no results counts as 0.

    Example: search eval topics.tsv qrels.txt --measures "AP,nDCG@10,P@5" --per-query
    """
    from searcher.cli.render_stats import evaluation_table  # rich: not imported by a query

    with _user_errors():
        chosen = [name for name in re.split(r"[\s,]+", measures) if name]
        check_measures(chosen)
        run_topics = read_topics(topics)
        with open_index(index, scheduler, replicas) as ix:
            rows = ix.run(run_topics, limit=limit, syntax=syntax, feedback=feedback)
        evaluation = evaluate(rows, qrels, chosen, topics=run_topics)
    if as_json:
        _echo_json(evaluation_json(evaluation, per_query))
    else:
        console().print(evaluation_table(evaluation, per_query))


def _write_to_stdout(rows: list[RunRow], run_id: str) -> None:
    """Write the run to stdout; a reader that stops early (`| head`) is no error."""
    with _stdout() as out:
        write_run(rows, out, run_id)


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
