"""What the CLI prints: rich renderables for a terminal, plain lines for a pipe or a file
(the JSON documents and export records are `jsondocs`'). This module holds what the
`render_*` modules share (records, marked matches, copies, facet tables).

Everything taken from the data passes through `clean` (no control sequence reaches the
terminal) and into rich as `Text`, never as markup. Plain lines are records of fields
separated by tabs, one record a line, the first field naming the kind of record (README,
"Output to a pipe or a file").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from rich.table import Table
from rich.text import Text

from searcher import clean
from searcher.models import Copy, Hit, QuoteHit, Snippet, Span

MATCH_STYLE = "bold black on yellow"

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
