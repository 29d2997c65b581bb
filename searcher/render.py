"""Rich renderables and JSON documents for results. The only module that imports rich."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from searcher.models import Hit, IndexReport, IndexStats, Progress, Results, Snippet

MATCH_STYLE = "bold black on yellow"


def snippet_text(snippet: Snippet) -> Text:
    """A snippet with its matched spans styled."""
    text = Text(snippet.text)
    for start, end in snippet.spans:
        text.stylize(MATCH_STYLE, start, end)
    return text


def hit_renderable(hit: Hit) -> RenderableType:
    """One result: rank and headline, the metadata line, snippets, then id and path."""
    title = Text.assemble((f"{hit.rank}. ", "bold"), (hit.headline or "(no headline)", "bold cyan"))
    facts = [hit.source, hit.byline, hit.date.date().isoformat() if hit.date else ""]
    meta = Text(" · ".join(fact for fact in facts if fact), style="green")
    meta.append(f"  score {hit.score:.2f}", style="dim")
    lines: list[RenderableType] = [title, meta]
    lines += [Text("  ").append_text(snippet_text(s)) for s in hit.snippets]
    where = hit.id if hit.path in ("", hit.id) else f"{hit.id}  ({hit.path})"
    lines.append(Text(where, style="dim"))
    return Group(*lines)


def results_renderable(results: Results) -> RenderableType:
    """A page of results with a heading that says how many matched in all."""
    if not results.total:
        return Text(f"No articles match {results.query!r}.", style="yellow")
    shown = f"{results.hits[0].rank}-{results.hits[-1].rank}" if results.hits else "none"
    heading = Text(f"{results.total} articles match {results.query!r} (showing {shown})")
    blocks: list[RenderableType] = [heading]
    for hit in results:
        blocks += [Text(""), hit_renderable(hit)]
    return Group(*blocks)


def results_json(results: Results) -> dict[str, Any]:
    """The JSON document of DESIGN.md for a page of results."""
    return {
        "query": results.query,
        "total": results.total,
        "hits": [_hit_json(hit) for hit in results],
    }


def _hit_json(hit: Hit) -> dict[str, Any]:
    return {
        "rank": hit.rank,
        "id": hit.id,
        "score": hit.score,
        "headline": hit.headline,
        "source": hit.source,
        "byline": hit.byline,
        "date": hit.date.isoformat() if hit.date else None,
        "path": hit.path,
        "snippets": [
            {"text": s.text, "spans": [list(span) for span in s.spans]} for s in hit.snippets
        ],
    }


def report_summary(report: IndexReport, index_path: str) -> Text:
    """The one-line summary that ends `search index`."""
    if report.changed or not report.files_unchanged:
        counts = f"{report.added} new, {report.replaced} replaced"
        if report.removed:
            counts += f", {report.removed} removed"
        parts = [f"Indexed {report.indexed} articles ({counts})"]
        where = f"into {index_path}"
    else:
        parts = ["No changes: the index is up to date"]
        where = f"in {index_path}"
    if report.files_seen:
        unchanged = f" ({report.files_unchanged} unchanged)" if report.files_unchanged else ""
        parts.append(f"from {report.files_seen} files{unchanged}")
    line = Text(" ".join([*parts, where]))
    if report.problems:
        line.append(f"; skipped {len(report.problems)} (see above)", style="yellow")
    return line


def problem_lines(problems: Iterable[object]) -> Iterable[Text]:
    """One warning line per problem."""
    for problem in problems:
        yield Text(f"skipped {problem}", style="yellow")


class ProgressDisplay:
    """Shows an indexing run's `Progress`: a live bar on a terminal, else a line every
    `interval` seconds; nothing when not `enabled`. Use as a context manager; call it
    with each `Progress`. The bar (and its refresh thread) starts at the first call."""

    def __init__(self, console: Console, enabled: bool = True, interval: float = 10.0) -> None:
        self._console = console
        self._enabled = enabled
        self._interval = interval
        self._started = self._last_line = time.monotonic()
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, progress: Progress) -> None:
        if not self._enabled:
            return
        if progress.files_done == 0:
            self._started = time.monotonic()
        rate = f"{progress.articles / max(time.monotonic() - self._started, 1e-6):,.0f}/s"
        if self._console.is_terminal:
            if self._bar is None:
                self._bar = RichProgress(
                    TextColumn("Indexing"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("files · {task.fields[articles]} articles · {task.fields[rate]}"),
                    TimeRemainingColumn(),
                    console=self._console,
                    transient=True,
                )
                self._bar.start()
                self._task = self._bar.add_task("", total=progress.files_total, articles=0, rate="")
            assert self._task is not None
            self._bar.update(
                self._task, completed=progress.files_done, articles=progress.articles, rate=rate
            )
        elif (
            time.monotonic() - self._last_line >= self._interval
            or progress.files_done == progress.files_total
        ):
            self._last_line = time.monotonic()
            self._console.print(
                f"indexed {progress.files_done}/{progress.files_total} files, "
                f"{progress.articles} articles, {rate}"
            )


def stats_renderable(stats: IndexStats, index_path: str) -> RenderableType:
    """The facts of `search stats` as a two-column table."""
    table = Table(show_header=False, box=None, title=f"Index {index_path}", title_justify="left")
    for name, value in stats_json(stats).items():
        shown = ", ".join(value) if isinstance(value, list) else value
        table.add_row(name.replace("_", " "), "—" if shown in (None, "") else str(shown))
    return table


def stats_json(stats: IndexStats) -> dict[str, Any]:
    """The facts of `search stats` as one JSON document."""
    return {
        "articles": stats.articles,
        "sources": stats.sources,
        "first_date": stats.first_date.isoformat() if stats.first_date else None,
        "last_date": stats.last_date.isoformat() if stats.last_date else None,
        "languages": list(stats.languages),
        "size_bytes": stats.size,
        "segments": stats.segments,
        "updated": stats.updated.isoformat() if stats.updated else None,
    }
