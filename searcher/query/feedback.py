"""Pseudo-relevance feedback, RM3-style (`SearchOptions.feedback`), on by default.

The best `FEEDBACK_DOCS` articles of a first ranking stand for the relevant ones: each
word of their headline and lead (`schema.LEAD_CHARS` of the body, analysed as the index
analyses them: the words kept at indexing in the `lead_words` column, or on an index
written before it, analysed now) weighs its share of the article's words times the
article's share of their scores (the relevance model of RM3); the likeliest words are
weighed by rarity (times ln(1 + N / df), kept once a reader), and the `FEEDBACK_TERMS`
heaviest join the query in `FIELDS`. Words found in more than `COMMON_SHARE` of the
index's articles are left out, as RM3 leaves stopwords out: in news they are stopwords in
effect ("said"), and the longest postings to read. Their boosts add up to
`FEEDBACK_WEIGHT` times the query's own (the sum of its terms' boosts), as RM3
interpolates the expanded query with
the original, times how much of the query the best articles hold (the share of its
words' rarity, weighed by score): however many words the expansion brings, it never
outweighs the query, and best articles that lack the query's rare word make a light one,
so that word keeps its article first ("CSTO troops" ranks the one article about the CSTO
above the many about troops that share words with each other).

They only rescore: the articles that match stay those of the query as typed, so
`total` is unchanged, and only the first ranking's best `RESCORED` are rescored, which
bounds the cost of a query with many matches (the others keep their first score, below
every rescored one's). When one word of the query is far rarer than the others together
(`DOMINANCE`), only the articles holding it are rescored: the others keep their first
score, so that expansion words alone never lift an article lacking the word the query is
about above one holding it. Feedback reranks a ranking by relevance that has more matches
than `FEEDBACK_DOCS` (with fewer, it would only reorder the best by their own words).
It is on by default (`search query --no-feedback`, `SearchOptions(feedback=False)` and
the web's `feedback=0` rank by BM25F alone): it ranks better on both collections and
every kind of topic. Its cost grows with the index (mostly the postings of its words,
and scoring every match once for the first ranking): on the benchmark's four corpora
(50,248 articles) a warm query takes about 1.5 times the CPU of BM25F alone (p50; p95
1.4 times), 2.5 times before the rescoring scored only the expansion's words (search,
`bm25f.extended`) and 1.8 times (p50; p95 2 times) when it rescored the best 1000.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from whoosh import query
from whoosh.searching import Searcher

from searcher.query.bm25f import field_weight, query_terms, term_idfs
from searcher.query.docsets import Postings
from searcher.store.schema import LEAD_WORDS_FIELD, lead_text
from searcher.whoosh_internals import column_value, reader_memo

FEEDBACK_DOCS = 10
FEEDBACK_TERMS = 10
# The expansion's total boost, relative to the query's.
FEEDBACK_WEIGHT = 1.5
# The words weighed by rarity: this many times FEEDBACK_TERMS, the most frequent first.
CANDIDATES = 3
# The fields the expansion terms are searched in.
FIELDS = ("body",)
# The articles of the first ranking that the expansion rescores, best first. 1000 ranked
# no better (bench/RELEVANCE.md) and read more of the expansion's postings: warm CPU p95
# on the benchmark's four corpora 24.5 -> 18.0 ms (bench/queries.py).
RESCORED = 100
# Words found in more than this share of the index's articles are not expansion words:
# stopwords in effect ("said", in 41% of the benchmark's four corpora; RM3 leaves
# stopwords out), of little rarity, and the longest postings to read. At 0.2 and 0.3
# Cranfield's held-out half loses (its common words are the subject's: "boundary"); with
# RESCORED 100, 0.35 ranks as well (bench/RELEVANCE.md) and saves little more CPU.
COMMON_SHARE = 0.35
# A term of the query whose IDF is at least this many times the other terms' together is
# what the query is about: the expansion lifts only the articles holding it (`lifted`).
# No nDCG@10 or MAP changes on either collection (bench/RELEVANCE.md, "no drift guard");
# with "CSTO troops" on tests/test_feedback.py's index, the articles about troops keep
# their first score, 1.18 against the CSTO article's 2.40 (2.16 with the expansion; with
# K1 2.0, 1.69 against 1.74). At 1.0 the rarer of two words always dominates: BBC MAP
# 0.900 -> 0.892 ("why is the dollar so weak" loses the articles about a weak currency).
DOMINANCE = 2.0


def feedback_query(
    searcher: Searcher,
    ranked: Sequence[tuple[int, float]],
    original: query.Query,
    postings: Postings,
) -> query.Query | None:
    """The expansion terms of `original`'s first ranking `ranked` ((document, score),
    best first), as a query over `FIELDS`; None when there is nothing to learn from."""
    top = [(docnum, score) for docnum, score in ranked[:FEEDBACK_DOCS] if score > 0]
    total = sum(score for _, score in top)
    terms = query_terms(original)
    mass = sum(term.boost for term in terms.values())
    if not total or not mass:
        return None
    held = {term.text: tuple(term.fields) for term in terms.values() if not term.phrase}
    agreement = _agreement(searcher, postings, held, top, total)
    model: dict[str, float] = {}
    for docnum, score in top:
        words = _lead_words(searcher, docnum)
        length = sum(words.values()) or 1
        for word, count in words.items():
            model[word] = model.get(word, 0.0) + score / total * count / length
    # The likeliest words that are not common, the most likely first.
    floor = math.log(1 + 1 / COMMON_SHARE)  # the rarity of a word in that share
    ordered = sorted(model, key=model.__getitem__, reverse=True)
    uncommon = (word for word in ordered if _rarity(searcher, word) >= floor)
    likely = list(itertools.islice(uncommon, FEEDBACK_TERMS * CANDIDATES))
    weighed = {word: model[word] * _rarity(searcher, word) for word in likely}
    best = sorted(weighed.items(), key=lambda pair: -pair[1])[:FEEDBACK_TERMS]
    if not best:
        return None
    scale = FEEDBACK_WEIGHT * agreement * mass / sum(weight for _, weight in best)
    return query.Or(
        [
            query.Term(field, word, boost=scale * weight * field_weight(field))
            for word, weight in best
            for field in FIELDS
        ]
    )


def lifted(searcher: Searcher, q: query.Query, postings: Postings) -> AbstractSet[int] | None:
    """The articles the expansion of `q` may lift: when one term of `q` dominates it (its
    IDF at least `DOMINANCE` times the other terms' together), those holding that term;
    else every article (None). So an article lacking the word a query is about never
    rises above one holding it on expansion words alone: its first score stands."""
    idfs = sorted(term_idfs(searcher, q, postings), key=lambda pair: pair[0])
    if len(idfs) < 2:
        return None
    idf, holding = idfs[-1]
    return holding if idf >= DOMINANCE * sum(other for other, _ in idfs[:-1]) else None


def _lead_words(searcher: Searcher, docnum: int) -> Counter[str]:
    """The analysed words of the headline and lead of article `docnum`, with their
    counts: as kept at indexing, or (an index written before they were) analysed now."""
    reader = searcher.reader()
    words = column_value(reader, LEAD_WORDS_FIELD, docnum)
    if words is None:
        stored = reader.stored_fields(docnum)
        text = lead_text(stored.get("headline", ""), stored.get("body", ""))
        return Counter(token.text for token in searcher.schema["body"].analyzer(text))
    return Counter(words.decode().split())


def _agreement(
    searcher: Searcher,
    postings: Postings,
    words: dict[str, tuple[str, ...]],
    top: list[tuple[int, float]],
    total: float,
) -> float:
    """How much of the query the best articles `top` hold: the mean, weighed by score, of
    the share of the rarity of the query's `words` (each with its fields) each holds (1
    for a query of phrases alone)."""
    rarity = {word: _rarity(searcher, word) for word in words}
    whole = sum(rarity.values())
    if not whole:
        return 1.0
    held = 0.0
    for word, weight in rarity.items():
        found = [postings.weights(name, word) for name in words[word]]
        held += weight * sum(score for docnum, score in top if any(docnum in f for f in found))
    return held / (total * whole)


def _rarity(searcher: Searcher, word: str) -> float:
    """ln(1 + N / df) of `word` in the body field: the one place feedback reads a df,
    once a reader (common words are the likeliest of many queries)."""
    reader = searcher.reader()
    known = reader_memo(reader, "feedback_rarity")
    rarity = known.get(word)
    if rarity is None:
        df = reader.doc_frequency("body", word) or 1
        rarity = known[word] = math.log(1 + searcher.doc_count() / df)
    return rarity
