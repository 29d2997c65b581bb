"""Rich renderables and JSON documents for results. The only module that imports rich."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from searcher.models import Copy, Hit, IndexReport, Results, Snippet, Story

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
    if hit.copies:
        lines.append(Text(f"  {copies_line(hit.copies)}", style="magenta"))
    where = hit.id if hit.path in ("", hit.id) else f"{hit.id}  ({hit.path})"
    lines.append(Text(where, style="dim"))
    return Group(*lines)


def copies_line(copies: Sequence[Copy], shown: int = 4) -> str:
    """ "Also in 3 other copies: Reuters, AP, ..." for a story's other articles."""
    sources = list(dict.fromkeys(c.source or c.id for c in copies))
    more = f" and {len(sources) - shown} more" if len(sources) > shown else ""
    noun = "copy" if len(copies) == 1 else "copies"
    return f"Also in {len(copies)} other {noun}: {', '.join(sources[:shown])}{more}"


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
        "story": hit.story or None,
        "copies": [_copy_json(c) for c in hit.copies],
        "snippets": [
            {"text": s.text, "spans": [list(span) for span in s.spans]} for s in hit.snippets
        ],
    }


def _copy_json(copy: Copy) -> dict[str, str]:
    return {"id": copy.id, "source": copy.source, "headline": copy.headline}


def stories_renderable(stories: Sequence[Story]) -> RenderableType:
    """The largest stories: size, headline, sources, and the ids of the copies."""
    if not stories:
        return Text("No near-duplicate articles in the index.", style="yellow")
    blocks: list[RenderableType] = []
    for n, story in enumerate(stories, start=1):
        first = story.copies[0]
        sources = ", ".join(dict.fromkeys(c.source for c in story.copies if c.source))
        blocks.append(
            Text.assemble(
                (f"{n}. ", "bold"),
                (first.headline or story.id, "bold cyan"),
                (f"  {story.size} copies", "magenta"),
                (f"  {sources}" if sources else "", "green"),
            )
        )
        blocks += [Text(f"   {c.id}", style="dim") for c in story.copies]
    return Group(*blocks)


def stories_json(stories: Sequence[Story]) -> dict[str, Any]:
    """The JSON document of `search duplicates`."""
    return {
        "stories": [
            {"story": s.id, "size": s.size, "copies": [_copy_json(c) for c in s.copies]}
            for s in stories
        ]
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
