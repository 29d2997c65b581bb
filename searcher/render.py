"""Rich renderables and JSON documents for results. The only module that imports rich."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from searcher.models import (
    ArticleView,
    Copy,
    Evaluation,
    Hit,
    IndexReport,
    IndexStats,
    Progress,
    QuoteHit,
    QuoteResults,
    Results,
    Snippet,
    Span,
    SpeakerCount,
    Story,
)
from searcher.problems import ProblemCounts

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

MATCH_STYLE = "bold black on yellow"


CSV_COLUMNS = ("rank", "id", "score", "date", "source", "headline", "byline", "path", "snippet")
FACET_ROWS = 10  # labels shown per facet in the terminal (JSON has them all)


def marked(text: str, spans: Iterable[Span], style: str = "") -> Text:
    """`text` in `style` with the character ranges `spans` styled as matches."""
    styled = Text(text, style=style)
    for start, end in spans:
        styled.stylize(MATCH_STYLE, start, end)
    return styled


def snippet_text(snippet: Snippet) -> Text:
    """A snippet with its matched spans styled."""
    return marked(snippet.text, snippet.spans)


def _day(hit: Hit | QuoteHit) -> str:
    return _as_day(hit.date)


def _as_day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def hit_renderable(hit: Hit) -> RenderableType:
    """One result: rank and headline, the metadata line, snippets, then id and path."""
    headline = marked(hit.headline or "(no headline)", hit.headline_spans, "bold cyan")
    title = Text(f"{hit.rank}. ", style="bold").append_text(headline)
    facts = [hit.source, hit.byline, _day(hit)]
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
    """A page of results with a heading that says how many matched in all, then the
    facets, the articles a date filter left out for having no date, and any suggestion."""
    blocks: list[RenderableType] = []
    if not results.total:
        blocks.append(Text(f"No articles match {results.query!r}.", style="yellow"))
    else:
        shown = f"{results.hits[0].rank}-{results.hits[-1].rank}" if results.hits else "none"
        blocks.append(Text(f"{results.total} articles match {results.query!r} (showing {shown})"))
        for hit in results:
            blocks += [Text(""), hit_renderable(hit)]
    for name, counts in results.facets.items():
        blocks += [Text(""), facet_table(name, counts)]
    lines = _notes(results)
    if lines:
        blocks += [Text(""), *(Text(line, style="yellow") for line in lines)]
    return Group(*blocks)


def _notes(results: Results) -> list[str]:
    """What the user should know besides the hits: undated articles left out, a spelling."""
    lines = []
    if results.undated_excluded:
        lines.append(undated_note(results.undated_excluded))
    if results.suggestion:
        lines.append(f"Did you mean: {results.suggestion}")
    return lines


def undated_note(count: int) -> str:
    """Says how many matches a date filter left out for having no date."""
    return f"{count} matching articles have no date and were left out by the date filter."


def facet_table(name: str, counts: Mapping[str, int]) -> Table:
    """The most frequent labels of one facet with their article counts."""
    table = Table(title=f"by {name}", title_justify="left", show_header=False, box=None)
    table.add_column(name)
    table.add_column("articles", justify="right")
    for label, count in list(counts.items())[:FACET_ROWS]:
        table.add_row(label, str(count))
    if len(counts) > FACET_ROWS:
        table.add_row(f"… {len(counts) - FACET_ROWS} more", "", style="dim")
    return table


def results_json(results: Results) -> dict[str, Any]:
    """The JSON document of DESIGN.md for a page of results, with facets and suggestion."""
    return {
        "query": results.query,
        "total": results.total,
        "hits": [hit_json(hit) for hit in results],
        "facets": {name: dict(counts) for name, counts in results.facets.items()},
        "suggestion": results.suggestion,
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    """One hit as in the JSON document (also one line of --format jsonl)."""
    return {
        "rank": hit.rank,
        "id": hit.id,
        "score": hit.score,
        "headline": hit.headline,
        "headline_spans": [list(span) for span in hit.headline_spans],
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


def hit_row(hit: Hit) -> tuple[object, ...]:
    """One hit as a CSV row of `CSV_COLUMNS` (the first snippet only)."""
    snippet = hit.snippets[0].text if hit.snippets else ""
    return (
        hit.rank,
        hit.id,
        hit.score,
        hit.date.isoformat() if hit.date else "",
        hit.source,
        hit.headline,
        hit.byline,
        hit.path,
        snippet,
    )


def article_renderable(view: ArticleView) -> RenderableType:
    """A whole article for reading: headline, metadata, body with matches marked, quotes."""
    article = view.article
    headline = marked(article.headline or "(no headline)", view.headline_spans)
    headline.stylize("bold cyan")
    facts = [article.source, article.byline, article.date.isoformat() if article.date else ""]
    facts += [article.country, article.language, article.url]
    # What queries can name: section:sport, topics:crude.
    labels: dict[str, tuple[str, ...]] = {"section": (article.section,)} if article.section else {}
    labels.update(article.metadata)
    terms = " · ".join(f"{key}: {', '.join(values)}" for key, values in labels.items())
    blocks: list[RenderableType] = [
        headline,
        Text(" · ".join(fact for fact in facts if fact), style="green"),
        *([Text(terms, style="green")] if terms else []),
        Text(
            article.id if article.path in ("", article.id) else f"{article.id}  ({article.path})",
            style="dim",
        ),
        Text(""),
        marked(article.body, view.body_spans),
    ]
    if article.captions:
        blocks += [Text(""), Text("Captions", style="bold")]
        blocks += [Text(f"  {caption}", style="italic") for caption in article.captions]
    if view.copies:
        blocks += [Text(""), Text(copies_line(view.copies), style="magenta")]
        blocks += [Text(f"  {c.id}  {c.headline}", style="dim") for c in view.copies]
    if article.quotes:
        blocks += [Text(""), Text(f"Quotes ({len(article.quotes)})", style="bold")]
        for quote in article.quotes:
            who = f"{quote.speaker} ({quote.cue})" if quote.cue else quote.speaker
            blocks.append(
                Text.assemble(f"  “{quote.text}” ", ("— " + (who or "unattributed"), "green"))
            )
    return Group(*blocks)


def article_json(view: ArticleView) -> dict[str, Any]:
    """A whole article as JSON, with the spans of the query's matches."""
    article = view.article
    return {
        "id": article.id,
        "path": article.path,
        "source": article.source,
        "headline": article.headline,
        "byline": article.byline,
        "authors": list(article.authors),
        "date": article.date.isoformat() if article.date else None,
        "url": article.url,
        "language": article.language,
        "country": article.country,
        "section": article.section,
        "metadata": {key: list(values) for key, values in article.metadata.items()},
        "body": article.body,
        "captions": list(article.captions),
        "quotes": [
            {"text": q.text, "speaker": q.speaker, "cue": q.cue, "start": q.start, "end": q.end}
            for q in article.quotes
        ],
        "headline_spans": [list(span) for span in view.headline_spans],
        "body_spans": [list(span) for span in view.body_spans],
        "copies": [_copy_json(c) for c in view.copies],
    }


def quotes_renderable(results: QuoteResults) -> RenderableType:
    """A page of quotations: the words with matches marked, speaker, cue and article."""
    if not results.total:
        return Text(f"No quotes match {results.query!r}.", style="yellow")
    blocks: list[RenderableType] = [Text(f"{results.total} quotes match {results.query!r}")]
    for quote in results:
        who = quote.speaker or "unattributed"
        blocks += [
            Text(""),
            Text("“").append_text(marked(quote.text, quote.spans)).append("”"),
            Text.assemble(
                (f"— {who}", "bold green"),
                (f" ({quote.cue})" if quote.cue else "", "green"),
                f"  score {quote.score:.2f}",
            ),
            Text(
                " · ".join(fact for fact in (quote.headline, quote.source, _day(quote)) if fact),
                style="cyan",
            ),
            Text(quote.article_id, style="dim"),
        ]
    return Group(*blocks)


def quotes_json(results: QuoteResults) -> dict[str, Any]:
    """The `search quotes --json` document."""
    return {
        "query": results.query,
        "total": results.total,
        "quotes": [
            {
                "text": q.text,
                "speaker": q.speaker,
                "cue": q.cue,
                "score": q.score,
                "article": {
                    "id": q.article_id,
                    "headline": q.headline,
                    "source": q.source,
                    "date": q.date.isoformat() if q.date else None,
                },
            }
            for q in results
        ],
    }


def speakers_renderable(speakers: Iterable[SpeakerCount], about: str | None) -> RenderableType:
    """Who is quoted most, as a table."""
    speakers = list(speakers)
    if not speakers:
        return Text("Nobody is quoted" + (f" about {about!r}." if about else "."), style="yellow")
    title = "Most quoted" + (f" about {about!r}" if about else "")
    table = Table(title=title, title_justify="left")
    table.add_column("speaker")
    table.add_column("quotes", justify="right")
    table.add_column("articles", justify="right")
    for speaker in speakers:
        table.add_row(speaker.name, str(speaker.quotes), str(speaker.articles))
    return table


def speakers_json(speakers: Iterable[SpeakerCount]) -> list[dict[str, Any]]:
    """Speakers as JSON: name, quotes, articles."""
    return [{"name": s.name, "quotes": s.quotes, "articles": s.articles} for s in speakers]


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
                # Imported here: rich's progress machinery is for indexing runs only.
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    TextColumn,
                    TimeRemainingColumn,
                )
                from rich.progress import Progress as RichProgress

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
    """The facts of `search stats` as a two-column table, dates as days, then the articles
    of each source."""
    table = Table(show_header=False, box=None, title=f"Index {index_path}", title_justify="left")
    rows = {
        "articles": str(stats.articles),
        "first date": _as_day(stats.first_date),
        "last date": _as_day(stats.last_date),
        "languages": ", ".join(stats.languages),
        "size bytes": str(stats.size),
        "segments": str(stats.segments),
        "updated": stats.updated.strftime("%Y-%m-%d %H:%M %Z") if stats.updated else "",
    }
    for name, value in rows.items():
        table.add_row(name, value or "—")
    if not stats.sources:
        return table
    return Group(table, Text(""), facet_table("source", stats.sources))


def stats_json(stats: IndexStats) -> dict[str, Any]:
    """The facts of `search stats` as one JSON document."""
    return {
        "articles": stats.articles,
        "sources": dict(stats.sources),
        "first_date": stats.first_date.isoformat() if stats.first_date else None,
        "last_date": stats.last_date.isoformat() if stats.last_date else None,
        "languages": list(stats.languages),
        "size_bytes": stats.size,
        "segments": stats.segments,
        "updated": stats.updated.isoformat() if stats.updated else None,
    }


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
