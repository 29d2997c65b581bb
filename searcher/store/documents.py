"""The stored document: an `Article` as the Whoosh document the index keeps, and back.

The one place that knows how an article is laid out in the index:
- `to_document()`: the Whoosh fields of an (enriched) article; `text_problem()`: why an
  article cannot be indexed.
- `stored_article()`, `stored_date()`: an article, or its date, read back from the stored
  fields of a document.
- Dates: the index keeps them as naive UTC (`index_time()`) in the `date` field, and the
  article's own timezone in `date_iso`, which is what is read back. The `date` column
  holds `UNDATED` for an article with no date (`date_column()`, `column_date()`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from whoosh.util.times import long_to_datetime

from searcher.models import Article, Problem, Quote
from searcher.store.analysis import analysed_words
from searcher.store.schema import (
    AUTHORS_COLUMN,
    LEAD_WORDS_FIELD,
    LIST_SEPARATOR,
    METADATA_FIELD,
    SOURCE_COLUMN,
    lead_words,
    metadata_terms,
)
from searcher.whoosh_internals import column_values

UNDATED = 2**64 - 1  # what the date column holds for an article with no date


def index_time(moment: datetime) -> datetime:
    """The naive UTC datetime the index stores for `moment`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def date_column(reader: Any) -> Any:
    """The raw date column of an index reader, indexed by the reader's docnums (read once
    a reader)."""
    return column_values(reader, "date")


def column_date(raw: int) -> datetime | None:
    """The UTC datetime of a raw value of the date column, None for `UNDATED`."""
    return None if raw == UNDATED else long_to_datetime(raw).replace(tzinfo=timezone.utc)


def text_problem(article: Article) -> Problem | None:
    """Why an article cannot be indexed (it has no text), or None when it can."""
    if article.headline or article.body:
        return None
    # A record of a multi-article file is named by its id (`reut2-012.sgm#12793`).
    where = article.id if "#" in article.id or not article.path else article.path
    return Problem(where, "no text", kind="no-text")


def to_document(
    article: Article, analyse: Callable[[str, int | None], list[str]] = analysed_words
) -> dict[str, Any]:
    """The Whoosh fields of an article, enriched (its quotes found) beforehand; `analyse`
    gives the terms of the start of a text, for its lead words (see `schema.lead_words`)."""
    quotes = article.quotes
    speakers = dict.fromkeys(q.speaker for q in quotes if q.speaker)
    document: dict[str, Any] = {
        "id": article.id,
        "docno": article.docno,
        "path": article.path,
        "source": article.source,
        "source_key": article.source,
        "headline": article.headline,
        "byline": article.byline,
        "authors": LIST_SEPARATOR.join(article.authors),
        "body": article.body,
        "quotes": "\n\n".join(q.text for q in quotes),
        "quote_list": [(q.text, q.speaker, q.cue, q.start, q.end) for q in quotes],
        "speakers": LIST_SEPARATOR.join(speakers),
        "captions": "\n".join(article.captions),
        "url": article.url,
        "language": article.language,
        "country": article.country,
        "section": article.section,
        "metadata": {key: list(values) for key, values in article.metadata.items()},
        METADATA_FIELD: metadata_terms(article.metadata),
        SOURCE_COLUMN: article.source.encode(),
        AUTHORS_COLUMN: LIST_SEPARATOR.join(article.authors).encode(),
        LEAD_WORDS_FIELD: lead_words(article.headline, article.body, analyse),
    }
    if article.date is not None:
        document["date"] = index_time(article.date)
        document["date_iso"] = article.date.isoformat()
    return {key: value for key, value in document.items() if value}  # not "", b"", [], {}


def stored_date(stored: dict[str, Any]) -> datetime | None:
    """The date of a stored document, in the article's own timezone (None: no date)."""
    date = stored.get("date_iso")
    return datetime.fromisoformat(date) if date else None


def stored_article(stored: dict[str, Any]) -> Article:
    """The `Article` whose stored fields are `stored`."""
    return Article(
        id=stored["id"],
        path=stored.get("path", ""),
        source=stored.get("source", ""),
        headline=stored.get("headline", ""),
        byline=stored.get("byline", ""),
        authors=tuple(filter(None, stored.get("authors", "").split(LIST_SEPARATOR))),
        date=stored_date(stored),
        body=stored.get("body", ""),
        captions=tuple(filter(None, stored.get("captions", "").split("\n"))),
        url=stored.get("url", ""),
        language=stored.get("language", ""),
        country=stored.get("country", ""),
        quotes=tuple(Quote(*quote) for quote in stored.get("quote_list", ())),
        docno=stored.get("docno", ""),
        section=stored.get("section", ""),
        metadata={key: tuple(values) for key, values in stored.get("metadata", {}).items()},
    )
