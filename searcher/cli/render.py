"""What the CLI prints: rich renderables for a terminal, plain lines for a pipe or a file
(the JSON documents and export records are `jsondocs`'). The only module that imports rich.

Everything taken from the data passes through `clean` (no control sequence reaches the
terminal) and into rich as `Text`, never as markup. Plain lines are records of fields
separated by tabs, one record a line, the first field naming the kind of record (README,
"Output to a pipe or a file").
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.table import Column, Table
from rich.text import Text

from searcher import clean
from searcher.cli.problems import REPAIRED, ProblemCounts
from searcher.models import (
    ArticleView,
    Copy,
    Evaluation,
    Hit,
    IndexReport,
    IndexStats,
    Problem,
    Progress,
    QuoteHit,
    QuoteResults,
    Results,
    Snippet,
    Span,
    SpeakerCount,
    Story,
)

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID

MATCH_STYLE = "bold black on yellow"
_MATCH = Style.parse(MATCH_STYLE)

FACET_ROWS = 10  # labels shown per facet in the terminal (JSON has them all)


def plural(count: int, noun: str, nouns: str = "") -> str:
    """ "1 article", "2 articles": the count and the noun, plural (`nouns`, by default the
    noun and an s) unless the count is 1."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def record(*fields: object) -> str:
    """One plain output line: the fields, cleaned, tabs and line breaks in them made
    spaces, separated by tabs."""
    return "\t".join(_one_line(str(field)) for field in fields)


def _one_line(text: str) -> str:
    return clean(text).replace("\t", " ").replace("\n", " ")


def marked(text: str, spans: Iterable[Span], style: str = "") -> Text:
    """`text`, cleaned, in `style` with the character ranges `spans` styled as matches."""
    styled = Text(clean(text), style=style)
    for start, end in spans:
        styled.stylize(MATCH_STYLE, start, end)
    return styled


def _data(text: str, style: str = "") -> Text:
    """Text from the data for rich: cleaned, never read as markup."""
    return Text(clean(text), style=style)


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
    meta = _data(" · ".join(fact for fact in facts if fact), style="green")
    meta.append(f"  score {hit.score:.2f}", style="dim")
    lines: list[RenderableType] = [title, meta]
    lines += [Text("  ").append_text(snippet_text(s)) for s in hit.snippets]
    if hit.copies:
        lines.append(_data(f"  {copies_line(hit.copies)}", style="magenta"))
    lines.append(_data(_where(hit.id, hit.path), style="dim"))
    return Group(*lines)


def _where(article_id: str, path: str) -> str:
    return article_id if path in ("", article_id) else f"{article_id}  ({path})"


def copies_line(copies: Sequence[Copy], shown: int = 3) -> str:
    """ "Also in 2 other copies: “Rates rise” (AP, w/2), …" for a story's other articles."""
    named = [_copy_name(c) for c in copies[:shown]]
    more = f" and {len(copies) - shown} more" if len(copies) > shown else ""
    copies_count = plural(len(copies), "other copy", "other copies")
    return f"Also in {copies_count}: {', '.join(named)}{more}"


def _copy_name(copy: Copy) -> str:
    """A copy as its headline, then its source and id (or its id, then its source)."""
    if not copy.headline:
        return f"{copy.id} ({copy.source})" if copy.source else copy.id
    return f"“{copy.headline}” ({', '.join(filter(None, (copy.source, copy.id)))})"


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


def facet_table(name: str, counts: Mapping[str, int]) -> Table:
    """The most frequent labels of one facet with their article counts."""
    table = Table(title=f"by {name}", title_justify="left", show_header=False, box=None)
    table.add_column(name)
    table.add_column("articles", justify="right")
    for label, count in list(counts.items())[:FACET_ROWS]:
        table.add_row(_data(label), str(count))
    if len(counts) > FACET_ROWS:
        table.add_row(f"… {len(counts) - FACET_ROWS} more", "", style="dim")
    return table


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


def report_summary(report: IndexReport, index_path: str) -> Text:
    """The one-line summary that ends `search index`."""
    if report.changed or not report.files_unchanged:
        counts = f"{report.added} new, {report.replaced} replaced"
        if report.removed:
            counts += f", {report.removed} removed"
        parts = [f"Indexed {plural(report.indexed, 'article')} ({counts})"]
        where = f"into {index_path}"
    else:
        parts = ["No changes: the index is up to date"]
        where = f"in {index_path}"
    if report.files_seen:
        unchanged = f" ({report.files_unchanged} unchanged)" if report.files_unchanged else ""
        parts.append(f"from {plural(report.files_seen, 'file')}{unchanged}")
    line = _data(" ".join([*parts, where]))
    repaired = sum(1 for problem in report.problems if problem.kind in REPAIRED)
    problems = [
        f"{verb} {count}"
        for verb, count in (("skipped", len(report.problems) - repaired), ("repaired", repaired))
        if count
    ]
    if problems:
        line.append(f"; {', '.join(problems)} (see above)", style="yellow")
    return line


def problem_lines(problems: Iterable[Problem]) -> Iterable[Text]:
    """One warning line per problem."""
    for problem in problems:
        verb = "repaired" if problem.kind in REPAIRED else "skipped"
        yield _data(f"{verb} {_one_line(str(problem))}", style="yellow")


def problem_summary(counts: ProblemCounts) -> Text | None:
    """A line like: Skipped 2 files (1 binary, 1 empty) and 3 records (3 bad-record);
    repaired 1 (1 bad-text)."""
    parts = [
        f"{plural(total, noun)} ({_by_kind(counter)})"
        for noun, counter in (("file", counts.files), ("record", counts.records))
        if (total := sum(counter.values()))
    ]
    sentences = ["skipped " + " and ".join(parts)] if parts else []
    if repaired := sum(counts.repaired.values()):
        sentences.append(f"repaired {repaired} ({_by_kind(counts.repaired)})")
    line = "; ".join(sentences)
    return Text(line[:1].upper() + line[1:], style="yellow") if line else None


def _by_kind(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counter.most_common())


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


def quotes_heading(results: QuoteResults) -> Text:
    """How many quotations matched."""
    if not results.total:
        return _data(f"No quotes match {results.query!r}.", style="yellow")
    match = "matches" if results.total == 1 else "match"
    return _data(f"{plural(results.total, 'quote')} {match} {results.query!r}")


def quotes_renderable(results: QuoteResults) -> RenderableType:
    """A page of quotations: the words with matches marked, speaker, cue and article."""
    blocks: list[RenderableType] = [quotes_heading(results)]
    for quote in results:
        blocks += [
            Text(""),
            Text("“").append_text(marked(quote.text, quote.spans)).append("”"),
            Text.assemble(
                _data(f"— {quote.speaker or 'unattributed'}", "bold green"),
                _data(f" ({quote.cue})" if quote.cue else "", "green"),
                f"  score {quote.score:.2f}",
            ),
            _data(
                " · ".join(fact for fact in (quote.headline, quote.source, _day(quote)) if fact),
                style="cyan",
            ),
            _data(quote.article_id, style="dim"),
        ]
    return Group(*blocks)


def quotes_lines(results: QuoteResults, offset: int = 0) -> Iterator[str]:
    """The quotations as plain records: `quote`, rank, score, article id, date, source,
    speaker, cue, the quoted words."""
    for rank, q in enumerate(results, start=offset + 1):
        yield record(
            "quote",
            rank,
            f"{q.score:.2f}",
            q.article_id,
            _day(q),
            q.source,
            q.speaker,
            q.cue,
            q.text,
        )


def speakers_heading(speakers: Sequence[SpeakerCount], about: str | None) -> Text:
    """Who the list is of."""
    if not speakers:
        return _data("Nobody is quoted" + (f" about {about!r}." if about else "."), style="yellow")
    return _data("Most quoted" + (f" about {about!r}" if about else ""))


def speakers_renderable(speakers: Sequence[SpeakerCount], about: str | None) -> RenderableType:
    """Who is quoted most, as a table."""
    if not speakers:
        return speakers_heading(speakers, about)
    table = Table(title=speakers_heading(speakers, about), title_justify="left")
    table.add_column("speaker")
    table.add_column("quotes", justify="right")
    table.add_column("articles", justify="right")
    for speaker in speakers:
        table.add_row(_data(speaker.name), str(speaker.quotes), str(speaker.articles))
    return table


def speakers_lines(speakers: Iterable[SpeakerCount]) -> Iterator[str]:
    """Speakers as plain records: `speaker`, name, quotes, articles."""
    for s in speakers:
        yield record("speaker", s.name, s.quotes, s.articles)


# What each phase of an indexing run (`Progress.phase`) is called while it lasts.
PHASES = {
    "scanning": "Scanning files",
    "reading": "Reading",
    "writing": "Writing segments",
    "committing": "Committing",
    "merging": "Merging segments",
}


class ProgressDisplay:
    """Shows an indexing run's `Progress`: on a terminal a live line (phase, bar, files,
    articles, rate, elapsed time) that moves on its own while a phase lasts, and stays
    when the run ends; elsewhere, once a run has lasted `interval` seconds, a plain line
    at each new phase and every `interval` seconds, and one at the end. Nothing when not
    `enabled`. The rate is articles over the time since the run began, so it counts the
    writing and committing too. Use as a context manager; call it with each `Progress`.
    The live line (and its refresh thread) starts at the first call."""

    def __init__(self, console: Console, enabled: bool = True, interval: float = 10.0) -> None:
        self._console = console
        self._enabled = enabled
        self._interval = interval
        self._started = self._last_line = time.monotonic()
        self._latest: Progress | None = None
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._latest is None:
            return
        if self._bar is not None:
            self._update(self._latest, "Indexed")
            self._bar.stop()
        elif self._last_line > self._started:  # lines were printed: end them
            self._console.print(self._line(self._latest, "indexed"), soft_wrap=True)

    def __call__(self, progress: Progress) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if self._latest is None:
            self._started = self._last_line = now
        new_phase = self._latest is None or progress.phase != self._latest.phase
        self._latest = progress
        if self._console.is_terminal:
            self._update(progress, PHASES.get(progress.phase, progress.phase))
        elif now - self._last_line >= self._interval or (
            new_phase and now - self._started >= self._interval
        ):
            self._last_line = now
            label = PHASES.get(progress.phase, progress.phase).lower()
            self._console.print(self._line(progress, label), soft_wrap=True)

    def _line(self, progress: Progress, label: str) -> str:
        elapsed = time.monotonic() - self._started
        counts = "" if progress.phase == "scanning" else f" {_counts(progress, elapsed)},"
        return f"{label}:{counts} {elapsed:.0f} s"

    def _update(self, progress: Progress, label: str) -> None:
        if self._bar is None:
            self._bar = _live_bar(self._console)
            self._bar.start()
            self._task = self._bar.add_task(label, total=None, progress=progress)
        assert self._task is not None
        # A bar that fills as files are read; else one that pulses.
        counted = progress.phase == "reading" and progress.files_total > 1
        self._bar.update(
            self._task,
            description=label,
            completed=progress.files_done if counted else 0,
            total=progress.files_total if counted else None,
            progress=progress,
            refresh=True,
        )
        if label == "Indexed":
            self._bar.update(self._task, completed=1, total=1)


def _counts(progress: Progress, elapsed: float) -> str:
    """ "files 3/30, 1,234 articles, 410/s" (no rate before the first article)."""
    files = f"files {progress.files_done}/{progress.files_total}"
    articles = f"{progress.articles:,} article{'' if progress.articles == 1 else 's'}"
    rate = f", {progress.articles / max(elapsed, 1e-6):,.0f}/s" if progress.articles else ""
    return f"{files}, {articles}{rate}"


def _live_bar(console: Console) -> RichProgress:
    """rich's live progress line for `ProgressDisplay` (imported here: rich's progress
    machinery is for indexing runs only)."""
    from rich.progress import (
        BarColumn,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as RichProgress

    class CountsColumn(ProgressColumn):
        """Files, articles and the rate, recomputed at every refresh."""

        def render(self, task: Task) -> Text:
            progress = task.fields["progress"]
            if progress.phase == "scanning":
                return Text("")
            counts = _counts(progress, task.elapsed or 0.0).replace(", ", " · ")
            return Text(counts)

    return RichProgress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=None, table_column=Column(ratio=1)),  # what the rest leave
        CountsColumn(table_column=Column(no_wrap=True)),
        TimeElapsedColumn(),
        console=console,
        expand=True,
    )


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
