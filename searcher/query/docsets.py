"""Match sets: every document a query matches, exact, without stepping through Whoosh's
matcher tree one posting at a time.

`Postings` reads each term's postings once per search, a block at a time, as
{document number: term weight}. `matching_docs()` evaluates the common shapes of a parsed
query (terms joined by And, Or, AndNot and Not) as set operations over them; anything
else (phrases, ranges, ...) is handed to Whoosh's own `docs_for_query`. It gives the same
set as `searcher.docs_for_query(q)`, deleted documents left out, at a fraction of the cost
for large match sets.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Set as AbstractSet
from typing import Any

from whoosh import query
from whoosh.searching import Searcher

from searcher.whoosh_internals import term_blocks


class Postings:
    """The postings of terms in one open searcher, each read once: {global document
    number: weight}, deleted documents left out, and the statistics of their blocks."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._read: dict[tuple[str, bytes], dict[int, float]] = {}
        self._peaks: dict[tuple[str, bytes], list[tuple[float, int]]] = {}
        self._docs: tuple[AbstractSet[int], list[list[int]]] | None = None

    def weights(self, field: str, text: Any) -> dict[int, float]:
        """{document number: weight} of the term `text` in `field` (empty when unknown)."""
        key = self._key(field, text)
        if key is None:
            return {}
        found = self._read.get(key)
        if found is None:
            found = self._read[key] = {}
            peaks = self._peaks[key] = []
            for reader, offset in self.searcher.reader().leaf_readers():
                for block in term_blocks(reader, *key):
                    ids = [offset + i for i in block.ids] if offset else block.ids
                    found.update(zip(ids, block.weights, strict=True))
                    peaks.append((block.max_weight, block.min_length))
        return found

    def among(self, field: str, text: Any, docs: AbstractSet[int]) -> tuple[dict[int, float], int]:
        """{document number: weight} of the term `text` in `field` for those of `docs`
        holding it, and how many live documents hold it. A term with more postings than
        `docs` is decoded only in the blocks that may hold one of them (in a segment
        without deletions, whose postings count its live documents)."""
        key = self._key(field, text)
        if key is None:
            return {}, 0
        leaves = self.searcher.reader().leaf_readers()
        held = [reader.doc_frequency(*key) for reader, _ in leaves]
        if key in self._read or sum(held) <= len(docs):
            read = self.weights(field, text)
            return {docnum: read[docnum] for docnum in read.keys() & docs}, len(read)
        found: dict[int, float] = {}
        count = 0
        for (reader, offset), wanted, written in zip(leaves, self._local(docs), held, strict=True):
            if reader.has_deletions():  # the live documents holding it counted
                blocks = list(term_blocks(reader, *key))
                count += sum(len(block.ids) for block in blocks)
            else:
                blocks = list(term_blocks(reader, *key, among=wanted)) if wanted else []
                count += written
            for block in (block for block in blocks if block.ids):
                ids = block.ids
                start, end = bisect_left(wanted, ids[0]), bisect_right(wanted, ids[-1])
                pairs = zip(ids, block.weights, strict=True)
                if end - start >= len(ids):  # walk the smaller: the block's postings
                    found.update((offset + i, w) for i, w in pairs if offset + i in docs)
                    continue
                weights = dict(pairs)
                for docnum in wanted[start:end]:
                    if docnum in weights:
                        found[offset + docnum] = weights[docnum]
        return found, count

    def _local(self, docs: AbstractSet[int]) -> list[list[int]]:
        """`docs` in each segment, by the segment's own document numbers, sorted: kept
        for the last `docs` asked about (the terms of a rescoring ask about the same)."""
        if self._docs is None or self._docs[0] is not docs:
            ordered = sorted(docs)
            local = []
            for reader, offset in self.searcher.reader().leaf_readers():
                end = bisect_left(ordered, offset + reader.doc_count_all())
                local.append([d - offset for d in ordered[bisect_left(ordered, offset) : end]])
            self._docs = (docs, local)
        return self._docs[1]

    def peaks(self, field: str, text: Any) -> list[tuple[float, int]]:
        """(largest weight, shortest field length: 0 when unknown) of each block of the
        postings of `text` in `field`, as written (deleted documents included): what
        bounds the term's score in a block."""
        self.weights(field, text)
        key = self._key(field, text)
        return [] if key is None else self._peaks[key]

    def _key(self, field: str, text: Any) -> tuple[str, bytes] | None:
        schema = self.searcher.schema
        return (field, schema[field].to_bytes(text)) if field in schema else None


def matching_docs(searcher: Searcher, q: query.Query, postings: Postings | None = None) -> set[int]:
    """The global document numbers of every live document `q` matches (`postings`:
    terms already read in this searcher)."""
    postings = postings or Postings(searcher)
    if isinstance(q, query.Term):
        return set(postings.weights(q.fieldname, q.text))
    if isinstance(q, type(query.NullQuery)):
        return set()
    if type(q) is query.Or and not q.minmatch:
        found: set[int] = set()
        for sub in q.subqueries:
            if isinstance(sub, query.Term):  # its postings' documents, not a copy of them
                found.update(postings.weights(sub.fieldname, sub.text).keys())
            else:
                found |= matching_docs(searcher, sub, postings)
        return found
    if type(q) is query.And:
        return _and_docs(searcher, q, postings)
    if isinstance(q, query.AndMaybe):  # the optional side only scores
        return matching_docs(searcher, q.a, postings)
    if isinstance(q, query.AndNot):
        return matching_docs(searcher, q.a, postings) - matching_docs(searcher, q.b, postings)
    return set(searcher.docs_for_query(q))


def _and_docs(searcher: Searcher, q: query.And, postings: Postings) -> set[int]:
    required = [sub for sub in q.subqueries if not isinstance(sub, query.Not)]
    if not required:  # only exclusions: every document but those
        return set(searcher.docs_for_query(q))
    # The rarest set first keeps the intersections small.
    sets = sorted((matching_docs(searcher, sub, postings) for sub in required), key=len)
    found = sets[0]
    for other in sets[1:]:
        found = found & other
    for sub in q.subqueries:
        if isinstance(sub, query.Not) and found:
            found = found - matching_docs(searcher, sub.query, postings)
    return found
