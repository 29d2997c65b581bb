"""The `search` command line: parse options, call the library, render, map errors to exit codes.

Exit codes: 0 success (also when nothing matched), 1 input skipped under --strict,
2 usage or query error, index missing or locked, 3 an unexpected internal error.
"""

from __future__ import annotations

import csv
import os
import re
import socket
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console, RenderableType
from rich.text import Text
from typer.core import TyperCommand, TyperOption

from searcher import (
    CSV_COLUMNS,
    DATE_FORMS,
    DEFAULT_COMMIT_EVERY,
    DEFAULT_INDEX,
    DEFAULT_MEASURES,
    DEFAULT_RUN_ID,
    FACETS,
    READER_FORMATS,
    RUN_LIMIT,
    SORTS,
    Index,
    article_json,
    check_measures,
    clean,
    create_shards,
    evaluate,
    evaluation_json,
    hit_json,
    hit_row,
    json_text,
    open_index,
    parse_date_bound,
    quotes_json,
    read_topics,
    results_json,
    speakers_json,
    stats_json,
    stories_json,
    write_run,
)
from searcher.cli.problems import count_problems, write_problems
from searcher.cli.render import (
    ProgressDisplay,
    article_lines,
    article_renderable,
    evaluation_table,
    filters_note,
    problem_lines,
    problem_summary,
    quotes_heading,
    quotes_lines,
    quotes_renderable,
    report_summary,
    result_notes,
    results_heading,
    results_lines,
    results_renderable,
    speakers_heading,
    speakers_lines,
    speakers_renderable,
    stats_lines,
    stats_renderable,
    stories_lines,
    stories_renderable,
    undated_note,
)
from searcher.errors import (
    ArticleNotFoundError,
    BadInputError,
    DiskFullError,
    FilterError,
    IndexDamagedError,
    IndexMissingError,
    IndexOutdatedError,
    IndexReadOnlyError,
    NotAnIndexError,
    SearcherError,
)
from searcher.models import Results, RunRow, SearchOptions

EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

app = typer.Typer(
    help="Full-text search for news corpora: index articles, then query them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Results go to stdout: drawn by rich on a terminal, else plain records, one a line.
console = Console(highlight=False)
# Errors, notes, progress and summaries go to stderr, one line per message.
errors = Console(stderr=True, highlight=False, soft_wrap=True)

IndexOption = Annotated[
    Path,
    typer.Option(
        "--index",
        envvar="SEARCHER_INDEX",
        help="Index folder (default ./index, or $SEARCHER_INDEX).",
        show_default=False,
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="SEARCHER_SCHEDULER",
        help="A Dask scheduler (tcp://HOST:PORT, or $SEARCHER_SCHEDULER) whose workers "
        "write and search the shards of a sharded index.",
        show_default=False,
    ),
]
ReplicasOption = Annotated[
    int,
    typer.Option(
        "--replicas",
        min=1,
        help="With --scheduler: workers serving each shard (a query moves to the next "
        "when one is lost).",
    ),
]


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
AllCopiesOption = Annotated[
    bool, typer.Option("--all-copies", help="Show every copy of a story, not only the best one.")
]


class Format(str, Enum):
    """How `search query` prints its results."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn library errors into one line on stderr and an exit code; never a traceback."""
    try:
        yield
    except SearcherError as error:
        errors.print(Text.assemble(("Error:", "red"), " ", clean(str(error))))
        if hint := _hint(error):
            errors.print(Text(clean(hint), style="dim"))
        raise typer.Exit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        errors.print("Interrupted; the index keeps its last commit.")
        raise typer.Exit(130) from None
    except Exception as error:  # a bug: still one line, but with a way to see more
        if os.environ.get("SEARCHER_DEBUG"):
            raise
        message = f"{type(error).__name__}: {clean(str(error))}"
        errors.print(Text.assemble(("Internal error:", "red"), " ", message))
        errors.print("Set SEARCHER_DEBUG=1 to see the traceback, and please report it.")
        raise typer.Exit(EXIT_INTERNAL) from None


def _hint(error: SearcherError) -> str:
    """The next step after `error`, naming the command and flags that take it; else the
    library's own hint."""
    if isinstance(error, (IndexDamagedError, IndexOutdatedError)):
        return f"Rebuild it from the articles: search index PATH --rebuild --index {error.folder}"
    if isinstance(error, IndexMissingError):
        return f"Build one first with: search index PATH --index {error.folder}"
    if isinstance(error, ArticleNotFoundError):
        return "Article ids are shown under each result of: search query TEXT"
    if isinstance(error, NotAnIndexError):
        return "Give --index a folder of its own: a new or empty one, or a searcher index."
    if isinstance(error, DiskFullError):
        return "Free some space, then run the command again: indexing goes on from the last commit."
    if isinstance(error, IndexReadOnlyError):
        return "It can still be searched; to index, copy it to a writable place (--index DIR)."
    return error.hint


def _print(terminal: RenderableType, lines: Iterable[str], heading: Text | None = None) -> None:
    """Results: `terminal` drawn on a terminal; else the plain `lines` on stdout and their
    `heading` on stderr."""
    if console.is_terminal:
        console.print(terminal)
        return
    if heading is not None:
        errors.print(heading)
    with _stdout() as out:
        for line in lines:
            out.write(line + "\n")


def _echo_json(document: object) -> None:
    """One JSON document on stdout."""
    with _stdout() as out:
        out.write(json_text(document) + "\n")


@contextmanager
def _stdout() -> Iterator[TextIO]:
    """stdout to write records to; a reader that stops early (`| head`) is no error."""
    try:
        yield sys.stdout
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again when flushing stdout at exit: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class DashedText(TyperCommand):
    """A command whose TEXT may start with a dash: `search query -oil` is the query
    "-oil" (articles without oil), not an unknown option. Options keep their meaning."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _dashed_text_last(self, args))


def _dashed_text_last(command: TyperCommand, args: list[str]) -> list[str]:
    """`args` with a word that starts with one dash and is no option of `command` moved
    after `--`, where it is read as an argument."""
    options = [param for param in command.params if isinstance(param, TyperOption)]
    names = {name for option in options for name in (*option.opts, *option.secondary_opts)}
    takes_value = {
        name for option in options if not (option.is_flag or option.count) for name in option.opts
    }
    kept: list[str] = []
    texts: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            texts += rest
        elif arg in takes_value:
            kept += [arg, *islice(rest, 1)]  # its value, whatever it looks like
        elif re.match(r"-[^\W\d]", arg) and not _option(arg, names, takes_value):
            texts.append(arg)
        else:
            kept.append(arg)
    return [*kept, "--", *texts] if texts else kept


def _option(arg: str, names: set[str], takes_value: set[str]) -> bool:
    """Whether `arg` is an option: one of `names`, or a short one with its number attached
    (`-n5`)."""
    return arg in names or (arg[:2] in takes_value and arg[2:].isdigit())


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
) -> None:
    """Index the articles in PATH (files or folders), adding to or updating the index.

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
    from searcher import parse_fields, read_corpus  # the readers: only indexing needs them

    with _user_errors(), ProgressDisplay(errors, enabled=not quiet) as progress:
        if shards is not None:
            create_shards(index, shards)
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
        errors.print(Text(clean(note)))
    for line in problem_lines(report.problems):
        errors.print(line)
    errors.print(report_summary(report, str(index)))
    if skipped := problem_summary(count_problems(report.problems)):
        errors.print(skipped)
    if strict and report.problems:
        raise typer.Exit(EXIT_SKIPPED)


@app.command("query", cls=DashedText)
def query_command(
    text: Annotated[str, typer.Argument(help="What to look for.", show_default=False)],
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Results to show.")] = 10,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Results to skip first.")] = 0,
    output: Annotated[
        Format,
        typer.Option(
            "--format",
            help="table, json (one document), or jsonl/csv: every match, streamed for export.",
        ),
    ] = Format.table,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this publication (repeatable).")
    ] = None,
    author: Annotated[
        list[str] | None, typer.Option("--author", help="Only this author (repeatable).")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option("--country", help="Only this country (repeatable).")
    ] = None,
    language: Annotated[
        list[str] | None, typer.Option("--language", help="Only this language code (repeatable).")
    ] = None,
    section: Annotated[
        list[str] | None,
        typer.Option("--section", help="Only this section, e.g. sport (repeatable)."),
    ] = None,
    meta: Annotated[
        list[str] | None,
        typer.Option(
            "--meta",
            help="KEY=VALUE: only articles with this metadata value, e.g. topics=crude "
            "(repeatable; any value of a key, every key).",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help=f"Dated on or after: {', '.join(DATE_FORMS)}."),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Dated on or before (same forms as --since).")
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help=f"One of {', '.join(SORTS)}: by relevance, or by date, newest or oldest first.",
        ),
    ] = SORTS[0],
    recent: Annotated[
        float | None,
        typer.Option("--recent", min=0.001, help="Weigh relevance by recency: half-life in days."),
    ] = None,
    facets: Annotated[
        str | None,
        typer.Option(
            "--facets",
            help=f"Count all matches by: {','.join(FACETS)}, "
            "or metadata keys such as topics,places,label.",
        ),
    ] = None,
    all_copies: AllCopiesOption = False,
    feedback: FeedbackOption = SearchOptions.feedback,
    scheduler: SchedulerOption = None,
    replicas: ReplicasOption = 1,
) -> None:
    """Rank the indexed articles for TEXT and show highlighted snippets.

    The same story printed several times (near-duplicate articles) is shown once, with
    its other copies listed; --all-copies shows them all, as jsonl/csv exports do.

    Articles are ranked by BM25F over headline, quotes, body and captions; --feedback
    reranks with words of the best ten. Words are stemmed, so "troops" also finds "troop".
    A query all in capitals is words (its AND is "and"); "what did X say about Y" also
    ranks articles quoting X higher. Syntax: "exact phrase", "oil prices"~5 (words within
    5 of each other), AND, OR, NOT or -word, (brackets), headline: quote: speaker: source:
    author: section: fields, metadata keys (topics:crude, label:2), protest* and kaz?khstan
    wildcards, kazakstan~ (fuzzy, ~2 for two edits),
    date:2022-01, date:[2022-01 to 2022-06], date:>2022-07 (from July 2022 on).

    Example: search query '"oil prices" -opec' --since 2022-01 --sort newest --facets source
    """
    options = SearchOptions(
        sources=tuple(source or ()),
        authors=tuple(author or ()),
        countries=tuple(country or ()),
        languages=tuple(language or ()),
        sections=tuple(section or ()),
        metadata=_metadata_option(meta or []),
        since=_date_option(since),
        until=_date_option(until, end=True),
        sort=sort,
        recent=recent,
        facets=tuple(name.strip() for name in facets.split(",") if name.strip()) if facets else (),
        feedback=feedback,
    )
    with _user_errors():
        if as_json and output not in (Format.table, Format.json):
            raise SearcherError(
                f"--json and --format {output.value} ask for two formats",
                f"Give one of them: --json (the same as --format json) or --format {output.value}.",
            )
        output = Format.json if as_json else output
        if output in (Format.jsonl, Format.csv):
            _export(Index(index), text, options, output)
            return
        with open_index(index, scheduler, replicas) as ix:
            results = ix.search(
                text, limit=limit, offset=offset, options=options, all_copies=all_copies
            )
    _print_results(results, as_json=output is Format.json)


def _print_results(results: Results, as_json: bool) -> None:
    """A page of results as JSON, drawn or as records; its notes on stderr."""
    if as_json:  # the document has the suggestion, not the undated count or the filters
        _echo_json(results_json(results))
        notes = [undated_note(results.undated_excluded)] if results.undated_excluded else []
        notes += [filters_note(results.emptied_by)] if results.emptied_by else []
    else:
        _print(results_renderable(results), results_lines(results), results_heading(results))
        notes = result_notes(results)
    for note in notes:
        errors.print(Text(note, style="yellow"))


def _metadata_option(pairs: list[str]) -> dict[str, tuple[str, ...]]:
    """--meta KEY=VALUE options as {key: values}."""
    found: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not (sep and key.strip() and value.strip()):
            with _user_errors():
                raise FilterError(
                    f"--meta {pair!r} is not KEY=VALUE", hint="For example: --meta topics=crude"
                )
        found[key.strip()] = (*found.get(key.strip(), ()), value.strip())
    return found


def _date_option(value: str | None, end: bool = False) -> datetime | None:
    """A --since/--until value as a datetime (the end of its period with `end`)."""
    if value is None:
        return None
    with _user_errors():
        return parse_date_bound(value, end=end)


def _export(ix: Index, text: str, options: SearchOptions, output: Format) -> None:
    """Stream every match to stdout, one hit at a time; stop quietly when the reader
    (say `head`) closes the pipe."""
    with _stdout() as out:
        if output is Format.csv:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for hit in ix.iter_search(text, options):
                writer.writerow(hit_row(hit))
        else:
            for hit in ix.iter_search(text, options):
                out.write(json_text(hit_json(hit)) + "\n")
    if options.since or options.until:
        undated = ix.search(text, limit=1, options=options).undated_excluded
        if undated:
            errors.print(undated_note(undated))


ArticleArgument = Annotated[
    str,
    typer.Argument(
        metavar="ARTICLE",
        help="The article's id, or the path of its file (absolute or relative).",
        show_default=False,
    ),
]


@app.command("show")
def show_command(
    article_id: ArticleArgument,
    index: IndexOption = Path(DEFAULT_INDEX),
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Highlight the words of this query.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the whole ARTICLE for reading: metadata, body and its quotes with speakers.

    Ids and paths are shown under each result of search query.

    Example: search show corpus/000_c62dc9544255aea0.txt --query "CSTO troops"
    """
    with _user_errors():
        view = Index(index).show(article_id, query)
    if as_json:
        _echo_json(article_json(view))
    else:
        _print(article_renderable(view), article_lines(view))


@app.command("similar")
def similar_command(
    article_id: ArticleArgument,
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Results to show.")] = 10,
    as_json: JsonOption = False,
    all_copies: AllCopiesOption = False,
) -> None:
    """List the articles most like ARTICLE (its most distinctive words, body and headline);
    copies of one story show once, as in query.

    Example: search similar corpus/000_c62dc9544255aea0.txt --limit 5
    """
    with _user_errors():
        results = Index(index).similar(article_id, limit=limit, all_copies=all_copies)
    _print_results(results, as_json)


@app.command("quotes", cls=DashedText)
def quotes_command(
    text: Annotated[str, typer.Argument(help="What the quotes are about.", show_default=False)],
    index: IndexOption = Path(DEFAULT_INDEX),
    speaker: Annotated[
        str | None,
        typer.Option("--speaker", help="Only quotes by this person (words of the name)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Quotes to show.")] = 10,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Quotes to skip first.")] = 0,
    as_json: JsonOption = False,
    all_copies: AllCopiesOption = False,
) -> None:
    """Find quotations about TEXT: who said it, how, and in which article. Ranked, highlighted;
    a quote that copies of one story repeat is listed once.

    Example: search quotes corruption --speaker Shekenova
    """
    with _user_errors():
        results = Index(index).quotes(
            text, speaker=speaker, limit=limit, offset=offset, all_copies=all_copies
        )
    if as_json:
        _echo_json(quotes_json(results))
    else:
        _print(quotes_renderable(results), quotes_lines(results, offset), quotes_heading(results))


@app.command("speakers", cls=DashedText)
def speakers_command(
    text: Annotated[
        str | None, typer.Argument(help="Only quotes about this (optional).", show_default=False)
    ] = None,
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Speakers to show.")] = 20,
    as_json: JsonOption = False,
    all_copies: AllCopiesOption = False,
) -> None:
    """List who is quoted most, over the whole index or in quotes about TEXT; a person
    counts once whatever the form of the name, a quote that copies repeat once.

    Example: search speakers protests --limit 5
    """
    with _user_errors():
        speakers = Index(index).speakers(text, limit=limit, all_copies=all_copies)
    if as_json:
        _echo_json(speakers_json(speakers))
    else:
        heading = speakers_heading(speakers, text)
        _print(speakers_renderable(speakers, text), speakers_lines(speakers), heading)


@app.command("stats")
def stats_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    as_json: JsonOption = False,
) -> None:
    """Show what the index holds: articles, sources, date range, languages, size on disk,
    segments and the time of the last update.

    Example: search stats --json
    """
    with _user_errors():
        stats = Index(index).stats()
    if as_json:
        _echo_json(stats_json(stats))
    else:
        _print(stats_renderable(stats, str(index)), stats_lines(stats))


@app.command("serve")
def serve_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
) -> None:
    """Serve a search page and a JSON API over the index (read-only) until Ctrl+C.

    Pages: search with facets, articles, quotes, speakers, stats; the API under /api
    (described at /api/openapi.json) gives the documents of --json.

    Example: search serve --index bbc-index --port 8080
    """
    import uvicorn  # the web stack: only this command needs it

    from searcher.web import create_app

    with _user_errors():
        web_app = create_app(index)
        try:
            sock = socket.create_server((host, port))
        except OSError as error:
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise SearcherError(
                f"Cannot listen on {host}:{port}: {reason}",
                "Choose another --port, or stop what listens there.",
            ) from None
    errors.print(Text(clean(f"Serving {index} at http://{host}:{port}/ (Ctrl+C stops)")))
    server = uvicorn.Server(uvicorn.Config(web_app, log_level="warning"))
    server.run(sockets=[sock])


@app.command("optimize")
def optimize_command(index: IndexOption = Path(DEFAULT_INDEX)) -> None:
    """Merge the index's segments into one, which makes queries faster.

    Indexing merges small segments by itself; run this after large updates.

    Example: search optimize --index index
    """
    with _user_errors(), errors.status("Merging segments"):
        merged = Index(index).optimize()
    if merged == 0:
        message = f"Nothing to do: {index} is one segment already"
    elif merged == 1:
        message = f"Rewrote the one segment of {index} without its deleted articles"
    else:
        message = f"Merged {merged} segments into 1 in {index}"
    errors.print(Text(clean(message)))


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
FeedbackOption = Annotated[
    bool,
    typer.Option(
        "--feedback/--no-feedback",
        help="Rerank with words of the best articles (pseudo-relevance feedback).",
    ),
]
SyntaxOption = Annotated[
    bool,
    typer.Option(
        "--syntax", help="Read topics in the query syntax (AND, quotes, fields), not as text."
    ),
]


@app.command("run")
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
) -> None:
    """Run every topic and write a TREC run file (qid Q0 docno rank score run_id).

    Articles are named by their collection's own id (Cranfield .I, TREC DOCNO), else by id.

    Example: search run topics.tsv --index cran-index --output run.txt
    """
    with _user_errors():
        rows = Index(index).run(read_topics(topics), limit=limit, syntax=syntax, feedback=feedback)
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
    syntax: SyntaxOption = False,
    feedback: FeedbackOption = SearchOptions.feedback,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Run every topic and score the run against QRELS (needs ir-measures, the eval extra).

    Measures default to AP (MAP), nDCG@10, P@10, R@100 and RR (MRR), each the mean over the
    judged topics; a judged topic with no results counts as 0.

    Example: search eval topics.tsv qrels.txt --measures "AP,nDCG@10,P@5" --per-query
    """
    with _user_errors():
        chosen = [name for name in re.split(r"[\s,]+", measures) if name]
        check_measures(chosen)
        run_topics = read_topics(topics)
        rows = Index(index).run(run_topics, limit=limit, syntax=syntax, feedback=feedback)
        evaluation = evaluate(rows, qrels, chosen, topics=run_topics)
    if as_json:
        _echo_json(evaluation_json(evaluation, per_query))
    else:
        console.print(evaluation_table(evaluation, per_query))


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


@app.command("duplicates")
def duplicates_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    min_size: Annotated[
        int, typer.Option("--min-size", min=2, help="Only stories with this many copies.")
    ] = 2,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Stories to show.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """List the stories printed more than once (near-duplicate articles), largest first.

    Example: search duplicates --min-size 3
    """
    with _user_errors():
        stories = Index(index).duplicates(min_size)[:limit]
    if as_json:
        _echo_json(stories_json(stories))
    else:
        _print(stories_renderable(stories), stories_lines(stories))
