"""Top-k ranking that scores only the documents a query matches.

Whoosh ranks by stepping its matcher tree through the postings of every term, which in
pure Python costs far more than the scoring itself. For the shapes a plain query parses
to (terms joined by And, Or, AndNot and Not), `top_documents()` instead:

1. finds the matching documents by set operations over the postings (`docsets`);
2. estimates each one's score from the term weights read a block at a time, with the
   scorers Whoosh itself would use;
3. scores the best estimates (and every estimate within rounding of the last one) with
   Whoosh's own matcher, skipping straight to each document.

The result is the ranking Whoosh's top-k search gives, same scores to the bit and ties
broken the same way (lower document number first). Other shapes, and weightings with a
per-document final step (recency), return None: the caller asks Whoosh.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import Any

from whoosh import query, scoring
from whoosh.searching import Searcher

from searcher.query.docsets import Postings, matching_docs
from searcher.whoosh_internals import field_lengths, score_function

# Estimates differ from Whoosh's sums by rounding only; anything this close to the last
# estimate that makes the cut is scored exactly too.
_TOLERANCE = 1e-9


def top_documents(
    searcher: Searcher,
    q: query.Query,
    limit: int,
    allowed: set[int] | None = None,
    excluded: set[int] | None = None,
    postings: Postings | None = None,
) -> list[tuple[int, float]] | None:
    """The best `limit` (document number, score) of `q` among `allowed` (None: every
    document) less `excluded`, best first, as a Whoosh search with `terms=True` ranks
    them; None when `q` or the weighting is not one this shortcut handles. `postings`:
    terms already read in this searcher."""
    terms = _scored_terms(q)
    if terms is None or searcher.weighting.use_final or limit < 1:
        return None
    postings = postings or Postings(searcher)
    candidates = matching_docs(searcher, q, postings)
    if allowed is not None:
        candidates &= allowed
    if excluded:
        candidates -= excluded
    if len(candidates) <= limit:
        chosen = candidates
    else:
        estimates = _estimates(searcher, terms, candidates, postings)
        if estimates is None:
            return None
        ordered = sorted(estimates.values(), reverse=True)
        cut = ordered[limit - 1]
        cut -= _TOLERANCE * max(1.0, abs(cut))
        chosen = {docnum for docnum, score in estimates.items() if score >= cut}
    scores = _exact_scores(searcher, q, chosen)
    if scores is None:
        return None
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _scored_terms(q: query.Query) -> list[query.Term] | None:
    """The terms whose scores add up to a document's score, or None for a shape whose
    scoring is not a plain sum of its terms'."""
    if isinstance(q, query.Term):
        return [q]
    if isinstance(q, type(query.NullQuery)):
        return []
    if getattr(q, "boost", 1.0) != 1.0:
        return None
    if isinstance(q, query.AndNot):
        return _scored_terms(q.a)
    if type(q) is query.Or and not (q.minmatch or q.scale):
        subs = q.subqueries
    elif type(q) is query.And:
        subs = [sub for sub in q.subqueries if not isinstance(sub, query.Not)]
    else:
        return None
    found: list[query.Term] = []
    for sub in subs:
        terms = _scored_terms(sub)
        if terms is None:
            return None
        found += terms
    return found


def _estimates(
    searcher: Searcher, terms: list[query.Term], candidates: set[int], postings: Postings
) -> dict[int, float] | None:
    """Each candidate's score, summed term by term from the postings' weights with the
    scorers Whoosh builds for each segment."""
    estimates: dict[int, float] = dict.fromkeys(candidates, 0.0)
    leaves = searcher.leaf_searchers()
    bounds = [offset for _, offset in leaves] + [searcher.doc_count_all()]
    for term in terms:
        weights = postings.weights(term.fieldname, term.text)
        found = sorted(candidates.intersection(weights))
        for leaf, (subsearcher, offset) in enumerate(leaves):
            start = bisect_left(found, offset)
            end = bisect_left(found, bounds[leaf + 1], start)
            if start == end:
                continue
            scorer = _scorer(searcher, subsearcher, term)
            if scorer is None:
                return None
            score, lengths = scorer
            boost = term.boost
            for docnum in found[start:end]:
                estimates[docnum] += score(weights[docnum], lengths(docnum - offset)) * boost
    return estimates


def _scorer(
    searcher: Searcher, subsearcher: Searcher, term: query.Term
) -> tuple[Callable[[float, Any], float], Callable[[int], Any]] | None:
    """The score function of `term` in a segment and the document lengths it takes, as
    Whoosh's scorer reads them; None for a scorer that is not weight and length alone."""
    text = subsearcher.schema[term.fieldname].to_bytes(term.text)
    scorer = searcher.weighting.scorer(subsearcher, term.fieldname, text)
    if not isinstance(scorer, scoring.WeightLengthScorer):
        return None
    lengths = field_lengths(subsearcher.reader(), term.fieldname)
    return score_function(scorer), lengths or scorer.dfl


def _exact_scores(searcher: Searcher, q: query.Query, docs: set[int]) -> dict[int, float] | None:
    """Whoosh's own scores of `docs`, from the matcher a search would build."""
    scores: dict[int, float] = {}
    wanted = sorted(docs)
    context = searcher.context(needs_current=True)
    for subsearcher, offset in searcher.leaf_searchers():
        end = offset + subsearcher.doc_count_all()
        local = [docnum - offset for docnum in wanted if offset <= docnum < end]
        if not local:
            continue
        matcher = q.matcher(subsearcher, context)
        for docnum in local:
            if matcher.is_active() and matcher.id() < docnum:
                matcher.skip_to(docnum)
            if not matcher.is_active() or matcher.id() != docnum:
                return None
            scores[docnum + offset] = matcher.score()
    return scores
