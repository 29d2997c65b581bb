"""Rendering quotations and the most quoted speakers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from searcher.cli.render import _data, _day, marked, plural, record
from searcher.models import QuoteResults, SpeakerCount


def quotes_heading(results: QuoteResults) -> Text:
    """How many quotations matched, by whom: "3 quotes match 'corruption'", "12 quotes by
    Tony Blair" (no words asked for), "No quotes by Tokayev match 'corruption'."."""
    by = f" by {results.speaker}" if results.speaker else ""
    verb = "matches" if results.total == 1 else "match"
    about = "" if results.query is None else f" {verb} {results.query!r}"
    if not results.total:
        return _data(f"No quotes{by}{about}.", style="yellow")
    return _data(f"{plural(results.total, 'quote')}{by}{about}")


def quotes_renderable(results: QuoteResults) -> RenderableType:
    """A page of quotations: the words with matches marked, speaker, cue, score (unless
    listed without words, so unranked) and article."""
    ranked = results.query is not None
    blocks: list[RenderableType] = [quotes_heading(results)]
    for quote in results:
        blocks += [
            Text(""),
            Text("“").append_text(marked(quote.text, quote.spans)).append("”"),
            Text.assemble(
                _data(f"— {quote.speaker or 'unattributed'}", "bold green"),
                _data(f" ({quote.cue})" if quote.cue else "", "green"),
                f"  score {quote.score:.2f}" if ranked else "",
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
