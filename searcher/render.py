"""Rich renderables and JSON documents for results. The only module that imports rich."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from searcher.models import Hit, IndexReport, Results, Snippet
from searcher.problems import ProblemCounts

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


def problem_summary(counts: ProblemCounts) -> Text | None:
    """A line like: Skipped 2 files (1 binary, 1 empty) and 3 records (3 bad-record)."""
    parts = [
        f"{total} {noun if total == 1 else noun + 's'} ({_by_kind(counter)})"
        for noun, counter in (("file", counts.files), ("record", counts.records))
        if (total := sum(counter.values()))
    ]
    return Text("Skipped " + " and ".join(parts), style="yellow") if parts else None


def _by_kind(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counter.most_common())
