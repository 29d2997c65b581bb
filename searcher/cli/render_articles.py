"""Rendering whole articles for reading (long bodies wrapped in linear time) and the
stories printed more than once."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from searcher import clean
from searcher.cli.render import MATCH_STYLE, _data, _where, copies_line, marked, plural, record
from searcher.models import ArticleView, Span, Story

_MATCH = Style.parse(MATCH_STYLE)


def stories_renderable(stories: Sequence[Story]) -> RenderableType:
    """The largest stories: size, headline, sources, and the ids of the copies."""
    if not stories:
        return Text("No near-duplicate articles in the index.", style="yellow")
    blocks: list[RenderableType] = []
    for n, story in enumerate(stories, start=1):
        first = story.copies[0]
        blocks.append(
            Text.assemble(
                (f"{n}. ", "bold"),
                _data(first.headline or story.id, "bold cyan"),
                (f"  {plural(story.size, 'copy', 'copies')}", "magenta"),
                _data(f"  {_sources(story)}" if _sources(story) else "", "green"),
            )
        )
        blocks += [_data(f"   {c.id}", style="dim") for c in story.copies]
    return Group(*blocks)


def _sources(story: Story) -> str:
    return ", ".join(dict.fromkeys(c.source for c in story.copies if c.source))


def stories_lines(stories: Sequence[Story]) -> Iterator[str]:
    """The stories as plain records: a `story` line (number, copies, story id, sources,
    headline), then a `copy` line per article (number, id, source, headline)."""
    for n, story in enumerate(stories, start=1):
        headline = story.copies[0].headline or story.id
        yield record("story", n, story.size, story.id, _sources(story), headline)
        for copy in story.copies:
            yield record("copy", n, copy.id, copy.source, copy.headline)


def article_renderable(view: ArticleView) -> RenderableType:
    """A whole article for reading: headline, metadata, body with matches marked, quotes."""
    article = view.article
    headline = marked(article.headline or "(no headline)", view.headline_spans)
    headline.stylize("bold cyan")
    terms = " · ".join(f"{key}: {', '.join(values)}" for key, values in _labels(view).items())
    blocks: list[RenderableType] = [
        headline,
        _data(" · ".join(fact for fact in _facts(view) if fact), style="green"),
        *([_data(terms, style="green")] if terms else []),
        _data(_where(article.id, article.path), style="dim"),
        Text(""),
        WrappedText(article.body, view.body_spans),
    ]
    if article.captions:
        blocks += [Text(""), Text("Captions", style="bold")]
        blocks += [_data(f"  {caption}", style="italic") for caption in article.captions]
    if view.copies:
        blocks += [Text(""), _data(copies_line(view.copies), style="magenta")]
        blocks += [_data(f"  {c.id}  {c.headline}", style="dim") for c in view.copies]
    if article.quotes:
        blocks += [Text(""), Text(f"Quotes ({len(article.quotes)})", style="bold")]
        for quote in article.quotes:
            blocks.append(
                Text.assemble("  “", _data(quote.text), "” ", _data("— " + _who(quote), "green"))
            )
    return Group(*blocks)


def _facts(view: ArticleView) -> list[str]:
    article = view.article
    date = article.date.isoformat() if article.date else ""
    return [article.source, article.byline, date, article.country, article.language, article.url]


def _labels(view: ArticleView) -> dict[str, tuple[str, ...]]:
    """What queries can name: section:sport, topics:crude."""
    article = view.article
    labels: dict[str, tuple[str, ...]] = {"section": (article.section,)} if article.section else {}
    labels.update(article.metadata)
    return labels


def _who(quote: Any) -> str:
    return (f"{quote.speaker} ({quote.cue})" if quote.cue else quote.speaker) or "unattributed"


def article_lines(view: ArticleView) -> Iterator[str]:
    """A whole article as plain records: a line per field that has a value (`id`, `path`,
    `headline`, `source`, `byline`, `date`, `country`, `language`, `url`), a `body` line
    per non-empty line of the body, a `caption` line per caption, a `copy` line per other
    copy (id, source, headline) and a `quote` line per quote (speaker, cue, text). A
    `label` line (name, values) precedes the body for the section and each metadata key."""
    article = view.article
    fields = {"id": article.id, "path": article.path, "headline": article.headline}
    fields |= {"source": article.source, "byline": article.byline}
    fields["date"] = article.date.isoformat() if article.date else ""
    fields |= {"country": article.country, "language": article.language, "url": article.url}
    for name, value in fields.items():
        if value:
            yield record(name, value)
    for key, values in _labels(view).items():
        yield record("label", key, ", ".join(values))
    for line in article.body.split("\n"):
        if line.strip():
            yield record("body", line)
    for caption in article.captions:
        yield record("caption", caption)
    for copy in view.copies:
        yield record("copy", copy.id, copy.source, copy.headline)
    for quote in article.quotes:
        yield record("quote", quote.speaker, quote.cue, quote.text)


class WrappedText:
    """A long text with spans marked, wrapped by whole words to the console's width in
    time linear in its length (rich's wrapping of one long `Text` is not: a 15 MB article
    took minutes). Lines holding characters that are not one cell wide are left to rich."""

    def __init__(self, text: str, spans: Sequence[Span] = ()) -> None:
        self.text = clean(text)
        self.spans = sorted(spans)
        self._first = 0  # the first span not yet passed while rendering

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width, 1)
        self._first = 0
        start = 0
        for line in self.text.split("\n"):
            end = start + len(line)
            if cell_len(line) != len(line):
                shifted = [(a - start, b - start) for a, b in self._within(start, end)]
                yield from console.render(marked(line, shifted), options)
            else:
                for a, b in list(_rows(line, width)) or [(0, 0)]:
                    yield from _segments(
                        self.text, start + a, start + b, self._within(start + a, start + b)
                    )
                    yield Segment.line()
            start = end + 1

    def _within(self, start: int, end: int) -> list[Span]:
        """The spans, or their parts, between `start` and `end`; rows come in order."""
        spans = self.spans
        while self._first < len(spans) and spans[self._first][1] <= start:
            self._first += 1
        found = []
        at = self._first
        while at < len(spans) and spans[at][0] < end:
            span_start, span_end = max(spans[at][0], start), min(spans[at][1], end)
            if span_start < span_end:
                found.append((span_start, span_end))
            at += 1
        return found


def _segments(text: str, start: int, end: int, marks: list[Span]) -> Iterator[Segment]:
    """The row `text[start:end]` as segments, the ranges `marks` in the match style."""
    at = start
    for mark_start, mark_end in marks:
        if mark_start > at:
            yield Segment(text[at:mark_start])
        yield Segment(text[mark_start:mark_end], _MATCH)
        at = mark_end
    if end > at:
        yield Segment(text[at:end])


@lru_cache(maxsize=8)
def _row_pattern(width: int) -> re.Pattern[str]:
    # As many characters as fit, up to a space or the end; else a word cut at the width.
    return re.compile(f"(.{{1,{width}}})(?: |$)|.{{{width}}}")


def _rows(line: str, width: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each row of `line` wrapped at spaces into `width` columns."""
    for match in _row_pattern(width).finditer(line):
        yield match.start(), match.end(1) if match.group(1) is not None else match.end()
