"""A ranked document copied out as a `Hit`: its headline's matches marked, its snippets cut."""

from __future__ import annotations

from whoosh.searching import Searcher

from searcher.models import Hit
from searcher.query.snippets import NO_MARKS, Marks, Occurrences, snippets, text_spans
from searcher.store.documents import stored_date


def hit_at(
    searcher: Searcher,
    rank: int,
    docnum: int,
    score: float,
    marked: Marks,
    characters: Occurrences | None = None,
) -> Hit:
    """A ranked `Hit` copied out of document `docnum`, with its headline and snippets
    marking the matches of `marked` (see `marked_terms`); `characters`: its entry of
    `body_characters()`, when a page's were read together."""
    stored = searcher.reader().stored_fields(docnum)
    headline = stored.get("headline", "")
    headline_marks = marked.get("headline", NO_MARKS)
    headline_spans = text_spans(searcher.schema["headline"].analyzer, headline, headline_marks)
    return Hit(
        rank=rank,
        id=stored["id"],
        score=round(score, 4),
        headline=headline,
        headline_spans=tuple((start, end) for start, end, _ in headline_spans),
        source=stored.get("source", ""),
        byline=stored.get("byline", ""),
        date=stored_date(stored),
        path=stored.get("path", ""),
        snippets=snippets(searcher, docnum, stored, marked, characters),
    )
