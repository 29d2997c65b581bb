"""Rendering search results: hits with snippets and copies, the heading, facets, notes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from searcher import clean
from searcher.cli.render import (
    _data,
    _day,
    _where,
    copies_line,
    facet_table,
    marked,
    plural,
    record,
    snippet_text,
)
from searcher.models import Hit, Results


def hit_renderable(hit: Hit) -> RenderableType:
    """One result: rank and headline, the metadata line, snippets, then id and path."""
    headline = marked(hit.headline or "(no headline)", hit.headline_spans, "bold cyan")
    title = Text(f"{hit.rank}. ", style="bold").append_text(headline)
    facts = [hit.source, hit.byline, _day(hit)]
    meta = _data(" · ".join(fact for fact in facts if fact), style="green")
    meta.append(f"  score {hit.score:.2f}", style="dim")
    lines: list[RenderableType] = [title, meta]
    lines += [Text("  ").append_text(snippet_text(s)) for s in hit.snippets]
    if hit.copies:
        lines.append(_data(f"  {copies_line(hit.copies)}", style="magenta"))
    lines.append(_data(_where(hit.id, hit.path), style="dim"))
    return Group(*lines)


def results_heading(results: Results) -> Text:
    """How many articles matched in all, and which ranks are shown."""
    if not results.total:
        return _data(f"No articles match {results.query!r}.", style="yellow")
    shown = f"{results.hits[0].rank}-{results.hits[-1].rank}" if results.hits else "none"
    match = "matches" if results.total == 1 else "match"
    return _data(f"{plural(results.total, 'article')} {match} {results.query!r} (showing {shown})")


def results_renderable(results: Results) -> RenderableType:
    """A page of results under its heading, then the facets."""
    blocks: list[RenderableType] = [results_heading(results)]
    for hit in results:
        blocks += [Text(""), hit_renderable(hit)]
    for name, counts in results.facets.items():
        blocks += [Text(""), facet_table(name, counts)]
    return Group(*blocks)


def results_lines(results: Results) -> Iterator[str]:
    """A page of results as plain records: per hit a `hit` line (rank, score, id, date,
    source, byline, headline), a `snippet` line per snippet and a `copy` line per other
    copy (rank, id, then the snippet, or the copy's id, source and headline); then a
    `facet` line per label (facet, label, articles)."""
    for hit in results:
        headline = hit.headline or "(no headline)"
        yield record(
            "hit", hit.rank, f"{hit.score:.2f}", hit.id, _day(hit), hit.source, hit.byline, headline
        )
        for snippet in hit.snippets:
            yield record("snippet", hit.rank, hit.id, snippet.text)
        for copy in hit.copies:
            yield record("copy", hit.rank, hit.id, copy.id, copy.source, copy.headline)
    for name, counts in results.facets.items():
        for label, count in counts.items():
            yield record("facet", name, label, count)


def result_notes(results: Results) -> list[str]:
    """What the user should know besides the hits: undated articles left out, a spelling."""
    lines = []
    if results.undated_excluded:
        lines.append(undated_note(results.undated_excluded))
    if results.emptied_by:
        lines.append(filters_note(results.emptied_by))
    if results.suggestion:
        lines.append(f"Did you mean: {clean(results.suggestion)}")
    return lines


_FILTER_FLAGS = {"sources": "--source", "authors": "--author", "countries": "--country"}
_FILTER_FLAGS |= {"languages": "--language", "sections": "--section"}
_FILTER_FLAGS |= {"since": "--since", "until": "--until"}


def filters_note(filters: Sequence[str]) -> str:
    """Says that the query matches articles but the filters `filters` (`Results.emptied_by`)
    left none."""
    flags = " and ".join(
        _FILTER_FLAGS.get(name, name.replace("meta:", "--meta ", 1)) for name in filters
    )
    return f"The query matches articles, but none of them passes {flags}."


def undated_note(count: int) -> str:
    """Says how many matches a date filter left out for having no date."""
    verbs = "has no date and was" if count == 1 else "have no date and were"
    return f"{plural(count, 'matching article')} {verbs} left out by the date filter."
