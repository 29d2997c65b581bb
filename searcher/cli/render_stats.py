"""Rendering what the index holds (`search stats`) and evaluation measures (`search eval`)."""

from __future__ import annotations

from collections.abc import Iterator

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from searcher.cli.render import _as_day, _data, facet_table, record
from searcher.models import Evaluation, IndexStats


def stats_renderable(stats: IndexStats, index_path: str) -> RenderableType:
    """The facts of `search stats` as a two-column table, dates as days, then the articles
    of each source."""
    title = _data(f"Index {index_path}")
    table = Table(show_header=False, box=None, title=title, title_justify="left")
    for name, value in _stats_rows(stats).items():
        table.add_row(name.replace("_", " "), _data(value or "—"))
    if not stats.sources:
        return table
    return Group(table, Text(""), facet_table("source", stats.sources))


def stats_lines(stats: IndexStats) -> Iterator[str]:
    """The facts of `search stats` as plain records: name (as in the JSON) and value, for
    those with a value; then `source`, name, articles for each source."""
    for name, value in _stats_rows(stats).items():
        if value:
            yield record(name, value)
    for source, count in stats.sources.items():
        yield record("source", source, count)


def _stats_rows(stats: IndexStats) -> dict[str, str]:
    """The facts of `search stats` but the sources, by their JSON names, dates as days."""
    return {
        "articles": str(stats.articles),
        "first_date": _as_day(stats.first_date),
        "last_date": _as_day(stats.last_date),
        "languages": ", ".join(stats.languages),
        "size_bytes": str(stats.size),
        "segments": str(stats.segments),
        "updated": stats.updated.strftime("%Y-%m-%d %H:%M %Z") if stats.updated else "",
    }


def evaluation_table(evaluation: Evaluation, per_query: bool = False) -> Table:
    """The measures as a table: one row for the mean, and one a topic when asked."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("topic")
    for name in evaluation.measures:
        table.add_column(name, justify="right")
    if per_query:
        for qid, values in evaluation.per_query.items():
            table.add_row(_data(qid), *(f"{values[name]:.4f}" for name in evaluation.measures))
        table.add_section()
    mean = f"mean ({len(evaluation.per_query)})"
    table.add_row(mean, *(f"{evaluation.overall[n]:.4f}" for n in evaluation.measures))
    return table
