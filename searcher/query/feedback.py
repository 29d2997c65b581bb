"""Pseudo-relevance feedback, RM3-style (`SearchOptions.feedback`, `search query --feedback`).

The best `FEEDBACK_DOCS` articles of a first ranking stand for the relevant ones: each
word of their headline and lead (`LEAD_CHARS` of the body, analysed as the index
analyses them) weighs its share of the article's words times the article's share of
their scores (the relevance model of RM3); the likeliest words are weighed by rarity
(times ln(1 + N / df)), and the `FEEDBACK_TERMS` heaviest join the query in `FIELDS`,
boosted by `FEEDBACK_WEIGHT` times their weight over the heaviest's. They only rescore:
the articles that match stay those of the query as typed, so `total` is unchanged.
Feedback reranks a ranking by relevance that has more matches than `FEEDBACK_DOCS` (with
fewer, it would only reorder the best by their own words). It is off by default: it
lets a query's rare word lose to its common ones ("CSTO troops" ranks three articles about
troops above the one about the CSTO).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from whoosh import query
from whoosh.searching import Searcher

from searcher.store.schema import FIELD_WEIGHTS

FEEDBACK_DOCS = 10
FEEDBACK_TERMS = 15
FEEDBACK_WEIGHT = 1.0
# The words weighed by rarity: this many times FEEDBACK_TERMS, the most frequent first.
CANDIDATES = 5
# Characters of each article's body read, from its start (a news story's lead).
LEAD_CHARS = 600
# The fields the expansion terms are searched in.
FIELDS = ("headline", "body")


def feedback_query(searcher: Searcher, ranked: Sequence[tuple[int, float]]) -> query.Query | None:
    """The expansion terms of a first ranking `ranked` ((document, score), best first),
    as a query over the prose fields; None when there is nothing to learn from."""
    top = [(docnum, score) for docnum, score in ranked[:FEEDBACK_DOCS] if score > 0]
    total = sum(score for _, score in top)
    if not total:
        return None
    analyzer = searcher.schema["body"].analyzer
    reader = searcher.reader()
    model: dict[str, float] = {}
    for docnum, score in top:
        stored = reader.stored_fields(docnum)
        text = f"{stored.get('headline', '')}\n{stored.get('body', '')[:LEAD_CHARS]}"
        words = Counter(token.text for token in analyzer(text))
        length = sum(words.values()) or 1
        for word, count in words.items():
            model[word] = model.get(word, 0.0) + score / total * count / length
    likely = sorted(model, key=lambda word: -model[word])[: FEEDBACK_TERMS * CANDIDATES]
    live = searcher.doc_count()
    weighed = {
        word: model[word] * math.log(1 + live / (reader.doc_frequency("body", word) or 1))
        for word in likely
    }
    best = sorted(weighed.items(), key=lambda pair: -pair[1])[:FEEDBACK_TERMS]
    if not best:
        return None
    heaviest = best[0][1]
    return query.Or(
        [
            query.Term(field, word, boost=FEEDBACK_WEIGHT * weight / heaviest * field_weight)
            for word, weight in best
            for field, field_weight in FIELD_WEIGHTS.items()
            if field in FIELDS
        ]
    )
