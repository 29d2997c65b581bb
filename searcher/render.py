"""Rich renderables and JSON documents for results. The only module that imports rich."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from searcher.models import Evaluation, Hit, IndexReport, Results, Snippet

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
    parts = [f"Indexed {report.indexed} articles ({report.added} new, {report.replaced} replaced)"]
    if report.files_seen:
        parts.append(f"from {report.files_seen} files")
    line = Text(" ".join(parts) + f" into {index_path}")
    if report.problems:
        line.append(f"; skipped {len(report.problems)} (see above)", style="yellow")
    return line


def problem_lines(problems: Iterable[object]) -> Iterable[Text]:
    """One warning line per problem."""
    for problem in problems:
        yield Text(f"skipped {problem}", style="yellow")


def evaluation_table(evaluation: Evaluation, per_query: bool = False) -> Table:
    """The measures as a table: one row for the mean, and one a topic when asked."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("topic")
    for name in evaluation.measures:
        table.add_column(name, justify="right")
    if per_query:
        for qid, values in evaluation.per_query.items():
            table.add_row(qid, *(f"{values[name]:.4f}" for name in evaluation.measures))
        table.add_section()
    mean = f"mean ({len(evaluation.per_query)})"
    table.add_row(mean, *(f"{evaluation.overall[n]:.4f}" for n in evaluation.measures))
    return table


def evaluation_json(evaluation: Evaluation, per_query: bool = False) -> dict[str, Any]:
    """The measures as one JSON document: `topics` judged, `measures` their means."""
    document: dict[str, Any] = {
        "topics": len(evaluation.per_query),
        "measures": dict(evaluation.overall),
    }
    if per_query:
        document["per_query"] = {qid: dict(v) for qid, v in evaluation.per_query.items()}
    return document
