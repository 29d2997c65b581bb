"""`search show`, `search stats` and `search duplicates`: an article, the index, its stories."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from searcher import DEFAULT_INDEX, article_json, open_index, stats_json, stories_json
from searcher.cli.app import (
    ArticleArgument,
    IndexOption,
    JsonOption,
    SchedulerOption,
    _echo_json,
    _print,
    _user_errors,
)


def show_command(
    article_id: ArticleArgument,
    index: IndexOption = Path(DEFAULT_INDEX),
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Highlight the words of this query.")
    ] = None,
    as_json: JsonOption = False,
    scheduler: SchedulerOption = None,
) -> None:
    """Show the whole ARTICLE for reading: metadata, body and its quotes with speakers.

    Ids and paths are shown under each result of search query.

    Example: search show corpus/000_c62dc9544255aea0.txt --query "CSTO troops"
    """
    from searcher.cli.render_articles import (
        article_lines,
        article_renderable,
    )  # rich: not imported by a query

    with _user_errors(), open_index(index, scheduler) as ix:
        view = ix.show(article_id, query)
    if as_json:
        _echo_json(article_json(view))
    else:
        _print(article_renderable(view), article_lines(view))


def stats_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    as_json: JsonOption = False,
    scheduler: SchedulerOption = None,
) -> None:
    """Show what the index holds: articles, sources, date range, languages, size on disk,
    segments and the time of the last update.

    Example: search stats --json
    """
    from searcher.cli.render_stats import (
        stats_lines,
        stats_renderable,
    )  # rich: not imported by a query

    with _user_errors(), open_index(index, scheduler) as ix:
        stats = ix.stats()
    if as_json:
        _echo_json(stats_json(stats))
    else:
        _print(stats_renderable(stats, str(index)), stats_lines(stats))


def duplicates_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    min_size: Annotated[
        int, typer.Option("--min-size", min=2, help="Only stories with this many copies.")
    ] = 2,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Stories to show.")] = 20,
    as_json: JsonOption = False,
    scheduler: SchedulerOption = None,
) -> None:
    """List the stories printed more than once (near-duplicate articles), largest first.

    Example: search duplicates --min-size 3
    """
    from searcher.cli.render_articles import (
        stories_lines,
        stories_renderable,
    )  # rich: not imported by a query

    with _user_errors(), open_index(index, scheduler) as ix:
        stories = ix.duplicates(min_size)[:limit]
    if as_json:
        _echo_json(stories_json(stories))
    else:
        _print(stories_renderable(stories), stories_lines(stories))
