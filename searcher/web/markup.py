"""What the pages' templates call: article text with its matches marked, dates, and the
links to an article, a speaker or an article's own web address.

Text from the articles reaches pages escaped; `marked` makes the only markup from data,
the `<mark>` around a match.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from searcher.models import Span


def marked(text: str, spans: Iterable[Span]) -> Markup:
    """`text` escaped, with the character ranges `spans` in `<mark>`."""
    parts: list[Markup] = []
    at = 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        parts += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end])]
        parts.append(Markup("</mark>"))
        at = end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


def article_url(article_id: str, query: str = "") -> str:
    """The page of an article, with the words of `query` marked."""
    url = "/articles/" + quote(article_id, safe="/")
    return f"{url}?{urlencode({'q': query})}" if query else url


def speaker_url(name: str, query: str = "") -> str:
    """Where a speaker's name leads: their quotes about `query`, or with no query all
    their quotes."""
    return "/quotes?" + urlencode({"q": query, "speaker": name} if query else {"speaker": name})


def web_link(url: str) -> str:
    """`url` when it is a web address a page may link to, else "" (`javascript:` and the
    like stay text)."""
    return url if url.lower().startswith(("http://", "https://")) else ""


def day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""
