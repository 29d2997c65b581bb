"""One article at a time: read it back whole (`show_article`) and find its likes
(`similar_articles`).

Parts:
- `show_article()`: the article with the ranges of a query's matches marked in its
  headline and body (words after stemming, phrases where the phrase is, as the search
  matches them; snippets mark the same).
- `similar_articles()`: more-like-this: the most distinctive terms of the article's
  headline and body together (Whoosh's Bo1 key terms), each weighted by its key-term
  score and searched in the body and the headline. On the BBC corpus, 82% of the ten most
  similar articles share the article's category (40 articles; the headline-boosted
  variant scored 68%, Whoosh's own `more_like` on the body 70%). Copies collapse as in
  a search. A sharded index does the same in steps: the key terms from every shard's
  frequencies (`key_terms`), then each shard's likes (`articles_like`), scored with
  every shard's figures (`whoosh_scoring`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import cast

from whoosh import classify, query
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from searcher.errors import ArticleNotFoundError
from searcher.models import ArticleView, Results, Span
from searcher.query.copies import collapse, story_documents, with_copies
from searcher.query.hits import hit_at
from searcher.query.parsing import parse_query
from searcher.query.search import Searchable
from searcher.query.snippets import NO_MARKS, FieldMarks, body_marks, marked_terms, text_spans
from searcher.query.spelling import expand_variants
from searcher.query.whoosh_scoring import FieldStatistics, field_key, weighting
from searcher.store.analysis import news_analyzer
from searcher.store.documents import stored_article
from searcher.store.schema import build_schema
from searcher.store.stories import StoryStore

SIMILAR_TERMS = 25  # key terms of an article that describe it
SIMILAR_FIELDS = ("body", "headline")


def _docnum(searcher: Searcher, wanted: str) -> int:
    """The document of the article `wanted`: its id, else the path of its file (absolute,
    or relative to the current folder) when that file holds one article."""
    docnum = searcher.document_number(id=wanted)
    if docnum is not None:
        return int(docnum)
    in_file = query.Term("path", os.path.abspath(wanted))
    found = list(islice(searcher.docs_for_query(in_file), 2))
    if len(found) == 1:
        return int(found[0])
    if found:
        example = searcher.reader().stored_fields(found[0])["id"]
        raise ArticleNotFoundError(
            wanted, f"{wanted} holds several articles: give the id of one, such as {example}"
        )
    raise ArticleNotFoundError(wanted)


def show_article(ix: Searchable, wanted: str, text: str | None = None) -> ArticleView:
    """The article `wanted` (an id or a path, see `_docnum`), with the words of the query
    `text` marked."""
    with ix.searcher() as searcher:
        article = stored_article(searcher.stored_fields(_docnum(searcher, wanted)))
        if not text:
            return ArticleView(article)
        strict, _ = parse_query(text, searcher.schema, searcher.reader())
        marks = marked_terms(expand_variants(strict, searcher.reader()))
    return ArticleView(
        article,
        headline_spans=marked_spans(article.headline, marks.get("headline", NO_MARKS)),
        body_spans=marked_spans(article.body, body_marks(marks)),
    )


def marked_spans(text: str, marks: FieldMarks) -> tuple[Span, ...]:
    """Character ranges of the matches of `marks` in the prose `text`."""
    return tuple((start, end) for start, end, _ in text_spans(news_analyzer(), text, marks))


def similar_articles(
    ix: Searchable, wanted: str, limit: int = 10, stories: StoryStore | None = None
) -> Results:
    """The articles most like `wanted` (an id or a path, see `_docnum`), best first (the
    article itself left out).

    With `stories`, near-duplicates collapse as in a search: each story shows once, at its
    best copy, which lists the others in `Hit.copies`; the article's own copies are left
    out with it.
    """
    with ix.searcher(weighting=weighting()) as searcher:
        docnum = _docnum(searcher, wanted)
        stored = searcher.stored_fields(docnum)
        terms = searcher.key_terms_from_text(
            "body", likeness_text(stored.get("headline", ""), stored.get("body", "")), SIMILAR_TERMS
        )
        left_out = {docnum}
        if stories is not None:
            left_out |= story_documents(searcher, stories, stored["id"])
        return _alike(searcher, terms, left_out, limit, stories, f"similar:{stored['id']}")


def likeness_text(headline: str, body: str) -> str:
    """The text whose key terms describe an article: its headline and body."""
    return headline + "\n" + body


def key_terms(text: str, stats: FieldStatistics) -> list[tuple[str, float]]:
    """The key terms of `text` (word, weight) among the documents `stats` counts (the
    body terms of `text`, with their collection frequencies), as `similar_articles`
    finds them in one index."""
    collection = cast(IndexReader, _Collection(stats))
    expander = classify.Expander(collection, "body", model=classify.Bo1Model)
    expander.add_text(text)
    return expander.expanded_terms(SIMILAR_TERMS)


def body_terms(text: str) -> list[tuple[str, str]]:
    """The (field, word) terms of `text` analysed as the body."""
    body = build_schema()["body"]
    return [("body", body.from_bytes(word)) for word, _, _, _ in body.index(text)]


def articles_like(
    ix: Searchable,
    terms: Sequence[tuple[str, float]],
    left_out: Iterable[str],
    limit: int | None = 10,
    label: str = "",
) -> Results:
    """The articles best matching the key `terms` (word, weight), as `similar_articles`
    ranks them, less the articles of ids `left_out` (every copy listed)."""
    with ix.searcher(weighting=weighting()) as searcher:
        found = (searcher.document_number(id=article_id) for article_id in left_out)
        docnums = {docnum for docnum in found if docnum is not None}
        return _alike(searcher, terms, docnums, limit, None, label)


def _alike(
    searcher: Searcher,
    terms: Sequence[tuple[str, float]],
    left_out: set[int],
    limit: int | None,
    stories: StoryStore | None,
    label: str,
) -> Results:
    """The articles best matching the key `terms`, less the documents `left_out`."""
    likeness = query.Or(
        [
            query.Term(field, word, boost=weight)
            for word, weight in terms
            for field in SIMILAR_FIELDS
        ]
    )
    matched = set(searcher.docs_for_query(likeness)) - left_out

    def ranked(depth: int | None) -> list[tuple[int, float]]:
        found = searcher.search(likeness, limit=depth, mask=left_out, terms=True)
        return [(hit.docnum, float(hit.score or 0.0)) for hit in found]

    marks = marked_terms(likeness)
    if stories is None:
        page = [("", found, score) for found, score in ranked(limit)]
    else:
        page = collapse(searcher, ranked, stories, limit, len(matched))
    hits = []
    for rank, (story, found, score) in enumerate(page, start=1):
        hit = hit_at(searcher, rank, found, score, marks)
        hits.append(hit if stories is None else with_copies(searcher, hit, stories, story, matched))
    return Results(query=label, total=len(matched), hits=tuple(hits))


class _Collection:
    """What key terms read of an index (`classify.Expander`), from `FieldStatistics`."""

    def __init__(self, stats: FieldStatistics) -> None:
        self.schema = build_schema()
        self.stats = stats

    def doc_count_all(self) -> int:
        return self.stats.documents

    def field_length(self, name: str) -> int:
        return self.stats.lengths.get(name, 0)

    def __contains__(self, term: tuple[str, bytes]) -> bool:
        return field_key(*term) in self.stats.cf

    def frequency(self, name: str, text: bytes) -> float:
        return self.stats.cf[field_key(name, text)]
