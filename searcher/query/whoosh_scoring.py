"""Whoosh's own BM25F (quote search, more-like-this) scoring one shard as the whole index.

Quotes and similar articles are ranked by Whoosh's `BM25F` (`schema.weighting`), which
reads each term's document frequency per field, the documents (deleted included) and the
fields' lengths. `field_statistics()` gathers those figures for some terms, as
`CollectionStatistics` whose `df` names each term by `field_key`, with the terms'
collection frequencies (`cf`, for key terms); summed over the shards (`summed`) and put
in context (`bm25f.statistics`), `weighting()` scores every shard with them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from whoosh import query, scoring
from whoosh.searching import Searcher

from searcher.query.bm25f import CollectionStatistics, current_statistics, local_statistics
from searcher.query.docsets import Postings
from searcher.store.schema import weighting as own_weighting


@dataclass(frozen=True)
class FieldStatistics(CollectionStatistics):
    """`CollectionStatistics` of some terms by field, with their collection frequencies;
    a sharded index gives its shards with them the `expansion` that feedback learnt over
    all of them (`search.feedback_expansion`), for every shard to rerank with, and for
    each tier the last article (first score, id) the whole index rescores (`rescored`;
    None: every match of the tier)."""

    cf: Mapping[Any, float] = field(default_factory=dict)
    expansion: query.Query | None = None
    rescored: tuple[tuple[float, str] | None, ...] = ()


def field_key(name: str, text: str | bytes) -> tuple[str, str, str]:
    """A term of field `name` as `FieldStatistics.df` and `cf` name it."""
    return ("field", name, text.decode("utf-8") if isinstance(text, bytes) else text)


def field_statistics(searcher: Searcher, terms: Iterable[tuple[str, Any]]) -> FieldStatistics:
    """The figures Whoosh's BM25F reads from `searcher`'s collection for `terms`
    ((field, text) pairs)."""
    reader = searcher.reader()
    df: dict[Any, int] = {}
    cf: dict[Any, float] = {}
    for name, text in terms:
        if name in searcher.schema and (name, text) in reader:
            key = field_key(name, text)
            df[key] = reader.doc_frequency(name, text)
            cf[key] = reader.frequency(name, text)
    whole = local_statistics(searcher, (), Postings(searcher))
    return FieldStatistics(whole.live, whole.documents, whole.lengths, df, cf)


def summed(parts: Iterable[CollectionStatistics]) -> FieldStatistics:
    """The statistics of the shards `parts` together (BM25F's, or with frequencies)."""
    live = documents = 0
    lengths: Counter[str] = Counter()
    df: Counter[Any] = Counter()
    cf: Counter[Any] = Counter()
    for part in parts:
        live += part.live
        documents += part.documents
        lengths.update(part.lengths)
        df.update(part.df)
        cf.update(part.cf if isinstance(part, FieldStatistics) else {})
    return FieldStatistics(live=live, documents=documents, lengths=lengths, df=df, cf=cf)


def weighting() -> scoring.WeightingModel:
    """The model quotes and similar articles are ranked by: `schema.weighting()`, scoring
    with the statistics in context (`bm25f.statistics`) when there are."""
    stats = current_statistics()
    return own_weighting() if stats is None else _Global(own_weighting(), stats)


class _Global(scoring.WeightingModel):
    """`model` with each term's IDF and each field's average length from `stats`."""

    def __init__(self, model: scoring.WeightingModel, stats: CollectionStatistics) -> None:
        self.model = model
        self.stats = stats

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        scorer = self.model.scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            df = self.stats.df.get(field_key(fieldname, text))
            if df is not None:  # Whoosh's idf, over every shard's documents
                scorer.idf = math.log(self.stats.documents / (df + 1)) + 1
            scorer.avgfl = self.stats.average(fieldname) or 1
            scorer.setup(searcher, fieldname, text)  # its best score, for skipping blocks
        return scorer
