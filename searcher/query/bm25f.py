"""BM25F, the default ranking (Robertson, Zaragoza and Taylor, 2004).

A term of the query is a word or a phrase; the query's Term (or Phrase) clauses with the
same text in several fields are that one term's fields. In each field its frequency is
normalised by the field's length, weighted, and the weighted frequencies are summed into
one pseudo-frequency, saturated once and multiplied by one IDF:

    score(d) = sum over terms t of  q(t) * idf(t) * tf(t, d) / (K1 + tf(t, d))
    tf(t, d) = sum over fields f of  w(f) * tf(t, f, d) / (1 - b(f) + b(f) * len(f, d) / avglen(f))
    idf(t)   = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5))

with `w(f)` the field's weight (`schema.FIELD_WEIGHTS`, `SPEAKERS_WEIGHT`), `b(f)` its
length normalisation (`FIELD_B`), `df(t)` the live articles holding the term in any of
its fields, `N` the live articles, and `q(t)` the user's boost (`oil^2`). So a quoted
word, which is in both the body and the quotes field, counts once, more for being quoted,
and never saturates twice. Whoosh's own `BM25F` is per-field BM25 added up: not this.

Lengths are Whoosh's (one byte a field and article, exact up to about 40 words), the
average over the whole index, so an article scores the same in every segment layout.
Clauses that are neither terms nor phrases (date ranges, `Every`) select without
scoring; terms under `Not` do not score. `scores()` scores given candidates from the
postings (a rescoring pass); `extended()` scores them for a query with more terms given
their scores without (feedback's rescoring: the same sums, only the added terms read,
each in the postings blocks that may hold the candidates); `top()` ranks the best k of
them without scoring the documents that cannot reach them (MaxScore over each term's
bound, from the largest frequency and shortest length of each postings block), so its
top k is the exhaustive ranking's first k, scores included.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from whoosh import query
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from searcher.query.docsets import Postings
from searcher.store.schema import FIELD_WEIGHTS
from searcher.whoosh_internals import field_length_bytes, reader_memo

# The textbook value. Measured against 2.0 (bench/RELEVANCE.md, the robustness protocol of
# bench/relevance.py): with the quotes weight 1.0, BBC nDCG@10 0.890 -> 0.902 (half A
# 0.894 -> 0.912, half B 0.887 -> 0.892, short 0.869 -> 0.883, long 0.928 -> 0.936),
# Cranfield held-out 0.402 -> 0.402, tune 0.420 -> 0.417; 1.0 and 1.4 score 0.893 and 0.900.
K1 = 1.2
# Length normalisation of each field (1: a field twice the average length counts a
# word half as much; 0: length ignored); others take DEFAULT_B.
FIELD_B: dict[str, float] = {"headline": 0.75, "quotes": 0.75, "body": 0.5, "captions": 0.75}
DEFAULT_B = 0.75
# The weight of the speakers field (a question's "what did X say" searches X there).
SPEAKERS_WEIGHT = 1.0


@dataclass(frozen=True)
class CollectionStatistics:
    """What BM25F reads from the collection, for scoring one part of it (a shard) as if
    it were the whole: `live` articles, `documents` (with the deleted, Whoosh's divisor
    of the average lengths), each field's total `lengths` and each term's `df`
    (by `term_key`). A term it does not list counts its own documents."""

    live: int
    documents: int
    lengths: Mapping[str, int]
    df: Mapping[Any, int]

    def average(self, name: str) -> float:
        return self.lengths.get(name, 0) / (self.documents or 1)


# The field length each length byte stands for; no recorded length (byte 0): one word.
_LENGTHS = tuple(byte_to_length(byte) or 1 for byte in range(256))

# The statistics scores() uses in this context instead of its searcher's (None: its own).
_STATISTICS: ContextVar[CollectionStatistics | None] = ContextVar("bm25f_statistics", default=None)


@contextmanager
def statistics(stats: CollectionStatistics) -> Iterator[None]:
    """Score with `stats` instead of the searcher's own figures inside the block."""
    token = _STATISTICS.set(stats)
    try:
        yield
    finally:
        _STATISTICS.reset(token)


@dataclass
class _Term:
    """One term of the query: its text, boost and each field's weight."""

    text: Any
    boost: float = 0.0
    fields: dict[str, float] = field(default_factory=dict)  # field -> weight
    phrase: tuple[str, ...] | None = None  # the words, for a phrase
    slop: int = 1  # for a phrase: how far apart its words may be


def field_weight(name: str) -> float:
    """The BM25F weight of a field."""
    if name == "speakers":
        return SPEAKERS_WEIGHT
    return FIELD_WEIGHTS.get(name, 1.0)


def query_terms(q: query.Query) -> dict[Any, _Term]:
    """The scoring terms of `q`, keyed by their text (a phrase by its words and slop)."""
    terms: dict[Any, _Term] = {}
    _collect(q, 1.0, terms)
    return terms


def _collect(q: query.Query, boost: float, terms: dict[Any, _Term]) -> None:
    boost *= getattr(q, "boost", 1.0)
    if isinstance(q, query.Not):
        return
    if isinstance(q, (query.Term, query.Phrase)):
        if isinstance(q, query.Phrase):
            text, phrase, slop = None, tuple(q.words), q.slop
            key: Any = (phrase, slop)
        else:
            text, phrase, slop = q.text, None, 1
            key = text
        weight = field_weight(q.fieldname)
        term = terms.setdefault(key, _Term(text, phrase=phrase, slop=slop))
        term.fields[q.fieldname] = weight
        term.boost = max(term.boost, boost / weight)
        return
    if isinstance(q, query.AndNot):
        _collect(q.a, boost, terms)
        return
    if isinstance(q, query.BinaryQuery):
        _collect(q.a, boost, terms)
        _collect(q.b, boost, terms)
        return
    for sub in getattr(q, "subqueries", ()):
        _collect(sub, boost, terms)


def term_key(key: Any, term: _Term) -> Any:
    """A term of `query_terms` as `CollectionStatistics.df` names it: with its fields."""
    return (key, tuple(sorted(term.fields)))


def local_statistics(
    searcher: Searcher, queries: Iterable[query.Query], postings: Postings
) -> CollectionStatistics:
    """The figures of `searcher`'s collection that scoring `queries` reads."""
    schema = searcher.schema
    df: dict[Any, int] = {}
    for q in queries:
        for key, term in query_terms(q).items():
            holding: set[int] = set()
            for name in term.fields:
                holding.update(_frequencies(searcher, postings, name, term))
            df[term_key(key, term)] = len(holding)
    return CollectionStatistics(
        live=searcher.doc_count(),
        documents=searcher.doc_count_all(),
        lengths={
            name: searcher.field_length(name) for name in schema.names() if schema[name].scorable
        },
        df=df,
    )


def scores(
    searcher: Searcher,
    q: query.Query,
    candidates: Iterable[int],
    postings: Postings,
) -> dict[int, float]:
    """The BM25F score of each of `candidates` (global document numbers) for `q`."""
    wanted = set(candidates)
    if not wanted:
        return {}
    return _scored(_weighed(searcher, q, postings, bounded=False), wanted)


def extended(
    searcher: Searcher,
    q: query.Query,
    more: query.Query,
    first: Mapping[int, float],
    postings: Postings,
) -> dict[int, float]:
    """The scores for `query.AndMaybe(q, more)` of the documents of `first`, given their
    scores for `q`: the sums `scores` makes, with only the terms `more` adds scored
    (all of them when `more` changes one of `q`'s: its boost or its fields)."""
    both = query.AndMaybe(q, more)
    own, terms = query_terms(q), query_terms(both)
    if any(terms[key] != term for key, term in own.items()):
        return scores(searcher, both, first, postings)
    added = [(key, term) for key, term in terms.items() if key not in own]
    wanted = set(first)
    return _scored(_weighed_terms(searcher, added, postings, False, wanted), wanted, first)


def top(
    searcher: Searcher,
    q: query.Query,
    candidates: set[int],
    postings: Postings,
    limit: int | None,
) -> list[tuple[int, float]]:
    """The best `limit` of `candidates` (all with None) by BM25F score for `q`, ties by
    document number: the first `limit` of the exhaustive ranking, with the same scores.

    MaxScore: the documents holding every term, scored first, give a score the `limit`th
    best document reaches at least; the terms whose bounds (`_Weighed.bound`) add up to
    less than it, the rarest last, cannot bring a document holding only them into the
    top, so only the documents holding one of the other terms are scored."""
    if not candidates:
        return []
    terms = _weighed(searcher, q, postings)
    scored = _scored(terms, candidates) if limit is None else _pruned(terms, candidates, limit)
    return best(scored, limit)


def best(scored: Mapping[int, float], limit: int | None) -> list[tuple[int, float]]:
    """The best `limit` (all with None) of {document: score}, ties by document number:
    those scoring at least the `limit`th best score, sorted."""
    if limit is None or limit >= len(scored):
        return sorted(scored.items(), key=_rank)
    if limit <= 0:
        return []
    least = kth_largest(scored.values(), limit)
    return sorted(((d, score) for d, score in scored.items() if score >= least), key=_rank)[:limit]


def kth_largest(values: Collection[float], k: int) -> float:
    """The `k`th largest of `values` (1 <= k <= len(values))."""
    if k * 8 < len(values):  # few: a heap of k
        return heapq.nlargest(k, values)[-1]
    return sorted(values, reverse=True)[k - 1]


def _rank(item: tuple[int, float]) -> tuple[float, int]:
    return -item[1], item[0]


@dataclass
class _Weighed:
    """One term of a query ready to score: its IDF (with the boost), each field's
    {document: frequency} with the field's scale by length byte and the documents'
    length bytes, the documents holding it, and a bound on its score in any document."""

    idf: float
    fields: list[tuple[dict[int, float], list[float], bytes]]
    holding: AbstractSet[int]
    bound: float


def _weighed(
    searcher: Searcher, q: query.Query, postings: Postings, bounded: bool = True
) -> list[_Weighed]:
    """The terms of `q` ready to score; without `bounded`, each term's bound is its IDF
    (looser, read from no block: for scoring given documents, which reads none)."""
    return _weighed_terms(searcher, query_terms(q).items(), postings, bounded)


def _weighed_terms(
    searcher: Searcher,
    terms: Iterable[tuple[Any, _Term]],
    postings: Postings,
    bounded: bool,
    among: AbstractSet[int] | None = None,
) -> list[_Weighed]:
    """The `terms` (key, term) of a query ready to score, as `_weighed`: with `among`,
    to score only those documents, a word of one field (a feedback term) is read only
    in the postings blocks that may hold them."""
    stats = _STATISTICS.get()
    live = max(searcher.doc_count() if stats is None else stats.live, 1)
    weighed = []
    for key, term in terms:
        fields = []
        peak = 0.0  # the largest weighted, normalised frequency a document can have
        held = None  # how many documents hold it, when only some of them are read
        for name, weight in term.fields.items():
            if among is not None and len(term.fields) == 1 and term.phrase is None:
                found, held = postings.among(name, term.text, among)
            else:
                found = _frequencies(searcher, postings, name, term)
            if not found:
                continue
            scale, lengths, norm = _scaled_lengths(searcher, name, weight, stats)
            fields.append((found, scale, lengths))
            if term.phrase is None and bounded:
                peak += max(
                    top * norm(length or 1) for top, length in postings.peaks(name, term.text)
                )
            else:
                peak = math.inf
        # One field's documents as they are (a feedback term's), not copied into a set.
        found_in = [found for found, _, _ in fields]
        holding = found_in[0].keys() if len(found_in) == 1 else set().union(*found_in)
        held = len(holding) if held is None else held
        df = held if stats is None else stats.df.get(term_key(key, term), held)
        idf = term.boost * math.log(1 + (live - df + 0.5) / (df + 0.5))
        bound = idf * peak / (K1 + peak) if peak < math.inf else idf  # tf / (K1 + tf) < 1
        weighed.append(_Weighed(idf, fields, holding, bound))
    return weighed


def _scored(
    terms: list[_Weighed], wanted: set[int], start: Mapping[int, float] | None = None
) -> dict[int, float]:
    """The score of each of `wanted`: its `start` score (0 without) plus its terms'."""
    total = dict.fromkeys(wanted, 0.0) if start is None else {d: start[d] for d in wanted}
    for term in terms:
        fields = [_weighted(found, scale, lengths, wanted) for found, scale, lengths in term.fields]
        pseudo = max(fields, key=len, default={})
        # The documents in other fields than the largest sum theirs in the fields' order.
        for docnum in set().union(*(other.keys() for other in fields if other is not pseudo)):
            tf = 0.0
            for weighted in fields:
                if docnum in weighted:
                    tf += weighted[docnum]
            pseudo[docnum] = tf
        idf = term.idf
        for docnum, tf in pseudo.items():
            total[docnum] += idf * tf / (K1 + tf)
    return total


def _weighted(
    found: dict[int, float], scale: list[float], lengths: bytes, wanted: AbstractSet[int]
) -> dict[int, float]:
    """{document: frequency times its length's scale} of those of `wanted` in `found`,
    walking the smaller of the two."""
    if len(found) <= len(wanted):
        return {d: tf * scale[lengths[d]] for d, tf in found.items() if d in wanted}
    get = found.get
    return {d: tf * scale[lengths[d]] for d in wanted if (tf := get(d)) is not None}


# How much a bound must stay below the score to beat, against rounding.
_BOUND_MARGIN = 1e-9


def _pruned(terms: list[_Weighed], candidates: set[int], limit: int) -> dict[int, float]:
    """The scores of the `candidates` that can rank in the best `limit` (see `top`)."""
    terms = [term for term in terms if term.holding]
    if len(terms) < 2 or any(term.bound < 0 for term in terms):
        return _scored(terms, candidates)
    every = candidates.intersection(*(term.holding for term in terms))
    scored = _scored(terms, every) if len(every) >= limit else {}
    floor = min(heapq.nlargest(limit, scored.values()), default=0.0)
    if floor <= 0:
        return _scored(terms, candidates)
    essential = sorted(terms, key=lambda term: term.bound)
    below = 0.0
    while essential and below + essential[0].bound < floor * (1 - _BOUND_MARGIN):
        below += essential.pop(0).bound
    if not essential:  # cannot happen: a document holding every term scores above
        return _scored(terms, candidates)
    rest = candidates.intersection(set().union(*(term.holding for term in essential))) - every
    scored.update(_scored(terms, rest))
    return scored


def _frequencies(
    searcher: Searcher, postings: Postings, name: str, term: _Term
) -> dict[int, float]:
    """{document: frequency} of `term` in field `name`."""
    if term.phrase is None:
        return postings.weights(name, term.text)
    found: dict[int, float] = {}
    phrase = query.Phrase(name, list(term.phrase), slop=term.slop)
    for subsearcher, offset in searcher.leaf_searchers():
        matcher = phrase.matcher(subsearcher, searcher.context())
        while matcher.is_active():
            found[offset + matcher.id()] = float(len(matcher.spans()))
            matcher.next()
    return found


def _scaled_lengths(
    searcher: Searcher, name: str, weight: float, stats: CollectionStatistics | None
) -> tuple[list[float], bytes, Callable[[int], float]]:
    """`w / (1 - b + b * len / avglen)` for field `name` of weight `w`, for each length
    byte, the length byte of every global document number, and the same for any length."""
    b = FIELD_B.get(name, DEFAULT_B)
    average = (searcher.avg_field_length(name) if stats is None else stats.average(name)) or 1.0

    def norm(length: int) -> float:
        return weight / (1 - b + b * length / average)

    reader = searcher.reader()
    known = reader_memo(reader, "bm25f_scales")  # read once a reader, not once a term
    scale = known.get((weight, b, average))
    if scale is None:
        scale = known[weight, b, average] = list(map(norm, _LENGTHS))
    return scale, field_length_bytes(reader, name), norm


def current_statistics() -> CollectionStatistics | None:
    """The statistics `statistics()` put in this context (None: each searcher's own)."""
    return _STATISTICS.get()


def term_idfs(
    searcher: Searcher, q: query.Query, postings: Postings
) -> list[tuple[float, AbstractSet[int]]]:
    """(IDF times the boost, the documents holding it) of each term of `q` that some
    article of the collection holds, as `scores` weighs them."""
    stats = _STATISTICS.get()
    found = []
    weighed = _weighed(searcher, q, postings, bounded=False)
    for (key, term), scored in zip(query_terms(q).items(), weighed, strict=True):
        df = len(scored.holding)
        if stats is not None:
            df = stats.df.get(term_key(key, term), df)
        if df:
            found.append((scored.idf, scored.holding))
    return found
