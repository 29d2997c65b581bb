"""HTML article pages: main text, headline, author, date and site found by trafilatura.

trafilatura (and the lxml and dateparser stack behind it) is imported on the first HTML file
read, so reading other formats or querying never pays for it. It is asked to favour
precision (menus, cookie notices and footers left out); a page where it finds no article text,
or fewer than `MIN_BODY_WORDS` words of it, is refused with a reason.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from typing import Any

from searcher.corpus.base import Reader, ReadError, Source, normalise_space
from searcher.corpus.dates import parse_date
from searcher.corpus.newspaper import authors as byline_authors
from searcher.models import Article, Problem

NAME = "html"
EXTENSIONS = (".html", ".htm", ".xhtml")
MIN_BODY_WORDS = 10

_SIGNATURE = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)


def sniff(head: str) -> bool:
    """An HTML doctype or `<html>` element near the start."""
    return bool(_SIGNATURE.search(head))


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield the page's article."""
    page = _extract(source.read_text())
    title = normalise_space(page.get("title") or "")
    lines = [normalise_space(line) for line in (page.get("text") or "").splitlines()]
    lines = [line for line in lines if line]
    if lines and lines[0] == title:
        lines.pop(0)
    if sum(len(line.split()) for line in lines) < MIN_BODY_WORDS:
        raise ReadError("HTML page without article text", kind="no-text")
    byline = normalise_space((page.get("author") or "").replace(";", ","))
    yield Article(
        id=source.id,
        path=source.path,
        source=normalise_space(page.get("sitename") or page.get("hostname") or "")
        or source.default_source,
        section=source.section,
        headline=title,
        byline=byline,
        authors=byline_authors(byline),
        date=parse_date(page.get("date") or ""),
        body="\n\n".join(lines),
        url=page.get("url") or "",
        language=page.get("language") or "",
    )


def _extract(text: str) -> dict[str, Any]:
    """trafilatura's findings for a page, as a dict (empty when it finds nothing)."""
    import trafilatura  # the HTML stack is heavy: imported on the first page only

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = trafilatura.bare_extraction(
                text, with_metadata=True, as_dict=True, favor_precision=True
            )
        except ValueError as error:  # lxml refuses some documents outright
            raise ReadError(f"cannot parse HTML: {error}", kind="bad-format") from error
    return found if isinstance(found, dict) else {}


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
