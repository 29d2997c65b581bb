"""`search query` (with its filters and the jsonl/csv export) and `search similar`."""

from __future__ import annotations

import csv
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from searcher import (
    CSV_COLUMNS,
    DATE_FORMS,
    DEFAULT_INDEX,
    FACETS,
    SORTS,
    Index,
    hit_json,
    hit_row,
    json_text,
    open_index,
    parse_date_bound,
    results_json,
)
from searcher.cli.app import (
    AllCopiesOption,
    ArticleArgument,
    FeedbackOption,
    IndexOption,
    JsonOption,
    ReplicasOption,
    SchedulerOption,
    _echo_json,
    _print,
    _stdout,
    _user_errors,
    errors,
)
from searcher.errors import FilterError, SearcherError
from searcher.models import Results, SearchOptions


class Format(str, Enum):
    """How `search query` prints its results."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


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

    Articles are ranked by BM25F over headline, quotes, body and captions, reranked
    with words of the best ten (feedback; --no-feedback ranks by BM25F alone). Words
    are stemmed, so "troops" also finds "troop". A query all in capitals is words (its
    AND is "and"); "what did X say about Y" also ranks articles quoting X higher.
    Syntax: "exact phrase", "oil prices"~5 (words within 5 of each other), AND, OR, NOT
    or -word, (brackets), headline: quote: speaker: source: author: section: fields,
    metadata keys (topics:crude, label:2), protest* and kaz?khstan wildcards,
    kazakstan~ (fuzzy, ~2 for two edits), date:2022-01, date:[2022-01 to 2022-06],
    date:>2022-07 (from July 2022 on).

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
            with open_index(index, scheduler, replicas) as ix:
                _export(ix, text, options, output)
            return
        with open_index(index, scheduler, replicas) as ix:
            results = ix.search(
                text, limit=limit, offset=offset, options=options, all_copies=all_copies
            )
    _print_results(results, as_json=output is Format.json)


def _print_results(results: Results, as_json: bool) -> None:
    """A page of results as JSON, drawn or as records; its notes on stderr."""
    if as_json:
        _echo_json(results_json(results))
        if not (results.undated_excluded or results.emptied_by):
            return  # no note to print: the query never imports rich
    from rich.text import Text

    from searcher.cli import render_results as render

    if as_json:  # the document has the suggestion, not the undated count or the filters
        notes = [render.undated_note(results.undated_excluded)] if results.undated_excluded else []
        notes += [render.filters_note(results.emptied_by)] if results.emptied_by else []
    else:
        _print(
            render.results_renderable(results),
            render.results_lines(results),
            render.results_heading(results),
        )
        notes = render.result_notes(results)
    for note in notes:
        errors().print(Text(note, style="yellow"))


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
            from searcher.cli.render_results import undated_note

            errors().print(undated_note(undated))


def similar_command(
    article_id: ArticleArgument,
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Results to show.")] = 10,
    as_json: JsonOption = False,
    all_copies: AllCopiesOption = False,
    scheduler: SchedulerOption = None,
    replicas: ReplicasOption = 1,
) -> None:
    """List the articles most like ARTICLE (its most distinctive words, body and headline);
    copies of one story show once, as in query.

    Example: search similar corpus/000_c62dc9544255aea0.txt --limit 5
    """
    with _user_errors(), open_index(index, scheduler, replicas) as ix:
        results = ix.similar(article_id, limit=limit, all_copies=all_copies)
    _print_results(results, as_json)
