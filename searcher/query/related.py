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
  a search.
"""

from __future__ import annotations

import os
from itertools import islice

from whoosh import query
from whoosh.searching import Searcher

from searcher.errors import ArticleNotFoundError
from searcher.models import ArticleView, Results, Span
from searcher.query.copies import collapse, story_documents, with_copies
from searcher.query.hits import hit_at
from searcher.query.parsing import parse_query
from searcher.query.search import Searchable
from searcher.query.snippets import NO_MARKS, FieldMarks, body_marks, marked_terms, text_spans
from searcher.query.spelling import expand_variants
from searcher.store.analysis import news_analyzer
from searcher.store.documents import stored_article
from searcher.store.schema import weighting
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
        text = stored.get("headline", "") + "\n" + stored.get("body", "")
        terms = [
            query.Term(field, word, boost=weight)
            for word, weight in searcher.key_terms_from_text("body", text, SIMILAR_TERMS)
            for field in SIMILAR_FIELDS
        ]
        likeness = query.Or(terms)
        left_out = {docnum}
        if stories is not None:
            left_out |= story_documents(searcher, stories, stored["id"])
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
            hits.append(
                hit if stories is None else with_copies(searcher, hit, stories, story, matched)
            )
    return Results(query=f"similar:{stored['id']}", total=len(matched), hits=tuple(hits))
