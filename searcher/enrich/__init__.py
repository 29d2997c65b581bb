"""Stage 2, enrichment: an Article gains what is computed from its text alone, without
Whoosh or the store (`enrich`: its quotes, found by `quotes.extract_quotes`)."""

from __future__ import annotations

from searcher.enrich.quotes import extract_quotes
from searcher.models import Article


def enrich(article: Article) -> Article:
    """`article` with its quotes, extracted from the body when the reader set none."""
    if article.quotes:
        return article
    quotes = extract_quotes(article.body)
    # as `dataclasses.replace`, at two thirds of its cost
    return Article(**{**vars(article), "quotes": quotes}) if quotes else article
