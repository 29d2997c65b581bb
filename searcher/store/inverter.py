"""A new segment written from whole documents: analysed once, inverted in arrays, written
through Whoosh's own codec (`SegmentInverter`).

Whoosh's writer makes every posting of every document a tuple in its posting pool, sorts
them all and writes them one call a posting. Here a prose field's occurrences are numbers in
flat arrays as the documents come (each occurrence's term, first character and length;
each document's first position: `ProsePostings`), grouped into postings by one sort, a
term's postings of the other fields go into a list (document, weight, encoded value), and
at the end each field's terms are written a chunk at a time
(`whoosh_internals.write_terms`): a chunk of prose terms sorted, its values encoded and
its blocks pickled and framed at once with numpy (`whoosh_internals.pickled_blocks`). The
prose fields are analysed by `ProseTerms` (one pass, stems from a cache); the other fields by
Whoosh (`FieldType.index`), with three shortcuts to the same terms: an ID field's value is
its one term, a number's terms are its sortable value shifted (converted once, not once a
shift), and the terms of a value met lately in a field (a source, a section, a file's
path) are remembered. What is kept per document (stored fields, lengths, columns) is
sent as Whoosh's writer sends it to the codec's per-document writer, to one that writes the
same files a column at once (`whoosh_internals.DocumentColumns`), so the segment holds what
Whoosh's own writer would have written, byte for byte but for the pickles and the
compression level of the postings blocks' data (`whoosh_internals.BLOCK_PROTOCOL`,
`pickled_blocks`, `BLOCK_LEVEL`): Whoosh reads the same postings from it as its own
(`tests/test_inverter.py`).

Memory: when the postings gathered take about `limit_mb`, they are written to a run file
in the index's scratch folder, by field and term, in chunks of terms each pickled as a few
arrays and one list of values (not a tuple a term); the segment's postings are the runs
merged a term at a time.
"""

from __future__ import annotations

import heapq
import os
import pickle
import tempfile
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, count, groupby
from operator import itemgetter
from typing import Any, NamedTuple, cast

import numpy as np
from whoosh.analysis import IDTokenizer
from whoosh.codec import default_codec
from whoosh.codec.base import Segment
from whoosh.fields import NUMERIC, FieldType, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Characters, Existence, Frequency, Positions
from whoosh.system import pack_uint

from searcher.store.analysis import (
    NewsAnalyzer,
    Occurrences,
    ProseTerms,
    keyword_analyzer,
    keyword_terms,
    name_analyzer,
    name_words,
)
from searcher.store.indexfolder import TEMPORARY
from searcher.whoosh_internals import (
    INDEX_NAME,
    DocumentColumns,
    PostingOccurrences,
    write_terms,
)

# A term's postings (not of a prose field) as they are gathered: document number, weight
# and encoded value (b"" for a format that keeps none) of each document in turn, in one
# list.
Postings = list[Any]
# A term's postings in a field, as runs hold them and the segment takes them.
TermPostings = tuple[str, bytes, array, array, list[bytes] | PostingOccurrences]
# The postings of some terms of a field, by term, as runs hold them: the field, the terms
# (as bytes), the number of documents of each, and their documents, weights and values
# one term after the other (encoded, or a prose field's occurrences as numbers).
Chunk = tuple[str, list[Any], array, array, array, list[bytes] | PostingOccurrences]
# What a posting and a term cost in memory, about (bytes): what `limit_mb` counts; a
# prose field of a document (`ProsePostings`), and each number of its occurrences.
POSTING_BYTES = 100
TERM_BYTES = 300
PROSE_FIELD_BYTES = 12
NUMBER_BYTES = 4
# Terms of a chunk: written or read at a time in a run file.
RUN_TERMS = 2_000
# Values of a field whose terms are remembered (then forgotten all at once).
REMEMBERED_VALUES = 4_096

# The terms of one field's value, as `FieldType.index` gives them: (term as bytes,
# frequency, weight, encoded value) each.
FieldTerms = Iterable[tuple[bytes, int, float, bytes]]

_FIELD_AND_TERM = itemgetter(0, 1)
_FIELD = itemgetter(0)
_TERMS = itemgetter(1, 2, 3, 4, 5)  # a chunk's terms, as `write_terms` takes them


class _Plan(NamedTuple):
    """What `SegmentInverter.add` does with a field's value."""

    field: FieldType
    prose_chars: bool | None  # a prose field's: whether it keeps characters; else None
    indexer: Callable[[Any], FieldTerms] | None  # another indexed field's
    stored: bool
    scorable: bool  # whether its length is kept
    column: Any  # its column's type, None without


class SegmentInverter:
    """Writes documents (dicts of field values, as `IndexWriter.add_document` takes them,
    without boosts) into a new segment of the index in `storage`, of schema `schema`; its
    prose fields are analysed by `prose`. Fields `schema` lacks are left out: an index
    written before an optional field existed (`schema.OPTIONAL_FIELDS`) stays without it."""

    def __init__(
        self, storage: FileStorage, schema: Schema, limit_mb: int, prose: ProseTerms
    ) -> None:
        for name, field in schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: vectors and spelling words are not written")
        codec = default_codec()
        self._storage, self._schema, self._codec = storage, schema, codec
        self._fields = dict(schema.items())
        self._segment = codec.new_segment(storage, INDEX_NAME)
        self._scratch = os.path.join(storage.folder, TEMPORARY)
        self._perdoc = DocumentColumns(storage, self._segment, self._scratch)
        self._prose = prose
        # The prose fields (analysed here, their terms kept as text), and whether their
        # postings keep characters.
        self._prose_chars = {
            name: isinstance(field.format, Characters)
            for name, field in schema.items()
            if field.indexed
            and isinstance(field.analyzer, NewsAnalyzer)
            and type(field.format) in (Positions, Characters)
        }
        # How the other indexed fields are analysed.
        indexers = {
            name: _indexer(field)
            for name, field in schema.items()
            if field.indexed and name not in self._prose_chars
        }
        # What `add` does with each field's value: analysed as prose (with characters or
        # not) or by an indexer (or neither), stored, its length kept, its column's type.
        self._plans = {
            name: _Plan(
                field,
                self._prose_chars.get(name),
                indexers.get(name),
                bool(field.stored),
                bool(field.scorable),
                field.column_type or None,
            )
            for name, field in schema.items()
        }
        self._limit = limit_mb << 20
        self._size = 0
        self._docnum = 0
        self._postings: dict[str, dict[Any, Postings]] = {}
        self._prose_postings: dict[str, ProsePostings] = {}
        self._runs: list[str] = []

    def add(self, document: dict[str, Any]) -> None:
        """Add one document: its fields in name order, as Whoosh's writer adds them."""
        docnum, plans = self._docnum, self._plans
        stored: dict[str, Any] = {}
        lengths: list[tuple[str, int]] = []
        values: list[tuple[str, Any, Any]] = []
        size = 0
        for name in sorted(document):
            value = document[name]
            plan = plans.get(name)
            if value is None or plan is None:  # a field newer than the index
                continue
            field, chars, indexer, keep, scorable, column = plan
            if chars is not None:
                occurrences = self._prose.terms(value, chars)
                prose = self._prose_postings.get(name)
                if prose is None:
                    self._prose_postings[name] = prose = ProsePostings(chars)
                size += prose.add(docnum, occurrences)
                if scorable and occurrences.terms:
                    lengths.append((name, len(occurrences.terms)))
            elif indexer is not None:
                postings = self._postings.get(name)
                if postings is None:
                    self._postings[name] = postings = {}
                terms_before = len(postings)
                length = count = 0
                for key, frequency, weight, encoded in indexer(value):
                    found = postings.setdefault(key, [])
                    found += (docnum, weight, encoded)
                    length += frequency
                    count += 1
                size += count * POSTING_BYTES + (len(postings) - terms_before) * TERM_BYTES
                if scorable and length:
                    lengths.append((name, length))
            if keep:
                stored[name] = value
            if column is not None:
                values.append((name, column, field.to_column_value(value)))
        self._perdoc.add(stored, lengths, values)
        self._docnum += 1
        self._size += size
        if self._size >= self._limit:
            self._spill()

    def finish(self) -> Segment:
        """Write out the segment and return it; the inverter is done."""
        self._perdoc.close()
        writer = self._codec.field_writer(self._storage, self._segment)
        chunks = self._merged() if self._runs else self._chunks()
        for name, field_chunks in groupby(chunks, key=_FIELD):
            writer.start_field(name, self._schema[name])
            write_terms(writer, map(_TERMS, field_chunks), self._perdoc.length_bytes(name))
            writer.finish_field()
        writer.close()
        self._segment.set_doc_count(self._docnum)
        if self._segment.should_assemble():
            self._segment.create_compound_file(self._storage)
        return self._segment

    def _chunks(self) -> Iterator[Chunk]:
        """The postings gathered in memory in chunks of `RUN_TERMS` terms of a field, by
        field and term; they are let go."""
        fields, self._postings, self._size = self._postings, {}, 0
        prose, self._prose_postings = self._prose_postings, {}
        for name in sorted([*fields, *prose]):
            if name in prose:
                boost = cast(Positions, self._fields[name].format).field_boost
                yield from prose.pop(name).chunks(name, boost)
                continue
            terms = fields.pop(name)
            keys = sorted(terms)
            for first in range(0, len(keys), RUN_TERMS):
                chunk = keys[first : first + RUN_TERMS]
                found = [terms.pop(key) for key in chunk]
                flat = list(chain.from_iterable(found))
                counts = array("I", [len(postings) // 3 for postings in found])
                del found
                ids, weights = array("I", flat[::3]), array("f", flat[1::3])
                yield name, chunk, counts, ids, weights, flat[2::3]

    def _spill(self) -> None:
        """Write the postings gathered so far to a run file, a chunk at a time."""
        os.makedirs(self._scratch, exist_ok=True)
        handle, path = tempfile.mkstemp(".run", dir=self._scratch)
        self._runs.append(path)
        with os.fdopen(handle, "wb") as run:
            for chunk in self._chunks():
                pickle.dump(chunk, run, pickle.HIGHEST_PROTOCOL)

    def _merged(self) -> Iterator[Chunk]:
        """The runs' postings and those in memory, merged a term at a time, in chunks of
        `RUN_TERMS` terms of a field."""
        sources = [*map(_read_run, self._runs), _terms_of(self._chunks())]
        merged = heapq.merge(*sources, key=_FIELD_AND_TERM)  # stable: runs in document order
        chunk: Chunk | None = None
        occurrences: list[PostingOccurrences] = []  # a prose field's values, by term
        for (name, term), parts in groupby(merged, key=_FIELD_AND_TERM):
            if chunk is None or chunk[0] != name or len(chunk[1]) >= RUN_TERMS:
                if chunk is not None:
                    yield _with_occurrences(chunk, occurrences)
                chunk = (name, [], array("I"), array("I"), array("f"), [])
                occurrences = []
            _, terms, counts, ids, weights, values = chunk
            terms.append(term)
            count = 0
            for _, _, more_ids, more_weights, more_values in parts:
                ids.extend(more_ids)
                weights.extend(more_weights)
                if isinstance(more_values, PostingOccurrences):
                    occurrences.append(more_values)
                else:
                    cast(list[bytes], values).extend(more_values)
                count += len(more_ids)
            counts.append(count)
        if chunk is not None:
            yield _with_occurrences(chunk, occurrences)


class ProsePostings:
    """The occurrences of a prose field's terms gathered as numbers, a document at a time,
    in flat arrays: each occurrence's term (a number given to a term as first met) and with
    `chars` its first character and number of characters; each document's number, first
    position and number of occurrences (its positions follow on). No object a posting nor
    an occurrence: they are grouped into postings, by term and document, when the chunks
    are made, and Whoosh's encoding of the values and their pickles a chunk of terms at a
    time (`whoosh_internals.pickled_blocks`)."""

    def __init__(self, chars: bool) -> None:
        self._chars = chars
        self._clear()

    def _clear(self) -> None:
        self._numbers: defaultdict[str, int] = defaultdict(count().__next__)
        self._terms, self._starts, self._sizes = array("I"), array("I"), array("I")
        self._documents, self._firsts, self._counts = array("I"), array("I"), array("I")

    def add(self, docnum: int, occurrences: Occurrences) -> int:
        """Add the terms of a document's field, where they stand (as `ProseTerms.terms`
        gives them); what they take in memory (bytes, about)."""
        terms_before = len(self._numbers)
        terms, first, starts, sizes = occurrences
        # (`fromlist` takes a list at once where `extend` adds one number at a time)
        self._terms.fromlist(list(map(self._numbers.__getitem__, terms)))
        self._documents.append(docnum)
        self._firsts.append(first)
        self._counts.append(len(terms))
        if self._chars:
            self._starts.fromlist(cast(list[int], starts))
            self._sizes.fromlist(cast(list[int], sizes))
        numbers = len(terms) * (3 if self._chars else 1)
        terms_new = len(self._numbers) - terms_before
        return PROSE_FIELD_BYTES + numbers * NUMBER_BYTES + terms_new * TERM_BYTES

    def chunks(self, name: str, boost: float) -> Iterator[Chunk]:
        """The postings in chunks of `RUN_TERMS` terms of field `name` (whose format
        has `boost`), by term (in the order of their UTF-8) and document; the arrays are
        let go. The occurrences are put in order by term once (stable: by document and
        position within a term), and a chunk's grouped into postings when it is made."""
        keys = sorted(self._numbers)
        ranks = np.empty(len(keys), np.int32)
        numbers = np.fromiter(map(self._numbers.__getitem__, keys), np.int64, len(keys))
        ranks[numbers] = np.arange(len(keys), dtype=np.int32)
        term_ranks = ranks[np.frombuffer(self._terms, np.uint32)]
        del ranks, numbers
        order = np.argsort(term_ranks, kind="stable")
        term_occurrences = np.bincount(term_ranks, minlength=len(keys))
        del term_ranks
        occurrence_ends = np.cumsum(term_occurrences).tolist()
        # Each document's field: where its occurrences end, and what makes an occurrence's
        # number its position (a document's positions follow on from its first).
        counts = np.frombuffer(self._counts, np.uint32)
        field_ends = np.cumsum(counts, dtype=np.int64)
        shifts = np.frombuffer(self._firsts, np.uint32) - (field_ends - counts)
        documents = np.frombuffer(self._documents, np.uint32)
        starts = np.frombuffer(self._starts, np.uint32)
        sizes = np.frombuffer(self._sizes, np.uint32)
        self._clear()
        for first in range(0, len(keys), RUN_TERMS):
            last = min(first + RUN_TERMS, len(keys))
            taken = order[occurrence_ends[first - 1] if first else 0 : occurrence_ends[last - 1]]
            fields = np.searchsorted(field_ends, taken, side="right")
            terms = np.repeat(np.arange(last - first), term_occurrences[first:last])
            # A posting where the term or the document changes.
            changes = np.ones(len(taken), bool)
            changes[1:] = (terms[1:] != terms[:-1]) | (fields[1:] != fields[:-1])
            posting_starts = np.flatnonzero(changes)
            found = np.diff(posting_starts, append=len(taken))
            positions = (taken + shifts[fields]).astype(np.uint32)
            if self._chars:
                occurrences = np.empty((len(taken), 3), np.uint32)
                occurrences[:, 0] = positions
                occurrences[:, 1] = starts[taken]
                occurrences[:, 2] = sizes[taken]
            else:
                occurrences = positions
            term_counts = np.bincount(terms[posting_starts], minlength=last - first)
            yield (
                name,
                [key.encode() for key in keys[first:last]],
                array("I", term_counts.astype(np.uint32).tobytes()),
                array("I", documents[fields[posting_starts]].tobytes()),
                array("f", (found * boost).astype(np.float32).tobytes()),
                PostingOccurrences(found, occurrences),
            )


def _with_occurrences(chunk: Chunk, occurrences: list[PostingOccurrences]) -> Chunk:
    """`chunk`, with the `occurrences` of its terms as its values when it has some."""
    if not occurrences:
        return chunk
    frequencies = np.concatenate([found.frequencies for found in occurrences])
    numbers = np.concatenate([found.numbers for found in occurrences])
    return (*chunk[:5], PostingOccurrences(frequencies, numbers))


def _terms_of(chunks: Iterable[Chunk]) -> Iterator[TermPostings]:
    """The postings of each term of some chunks."""
    for chunk in chunks:
        yield from _chunk_terms(chunk)


def _chunk_terms(chunk: Chunk) -> Iterator[TermPostings]:
    """The postings of each term of a chunk."""
    name, keys, counts, ids, weights, values = chunk
    if isinstance(values, PostingOccurrences):
        frequencies, numbers = values
        bounds = [0, *np.cumsum(frequencies).tolist()]
    end = 0
    for key, held in zip(keys, counts, strict=True):
        start, end = end, end + held
        if isinstance(values, PostingOccurrences):
            found: list[bytes] | PostingOccurrences = PostingOccurrences(
                frequencies[start:end], numbers[bounds[start] : bounds[end]]
            )
        else:
            found = values[start:end]
        yield name, key, ids[start:end], weights[start:end], found


def _indexer(field: FieldType) -> Callable[[Any], FieldTerms]:
    """What gives the terms of a value of `field` (not a prose field), as its `index()`
    does (a list or tuple of values, or bytes, go to `index()`)."""
    if isinstance(field, NUMERIC):
        shifts = range(0, field.bits, field.shift_step) if field.shift_step else range(1)

        def shifted(value: Any) -> FieldTerms:
            if isinstance(value, (list, tuple, bytes)):  # bytes: already a term
                return field.index(value)
            sortable = int.from_bytes(field.to_bytes(value)[1:], "big")  # after the shift byte
            return [(field.sortable_to_bytes(sortable, s), 1, 1.0, b"") for s in shifts]

        return shifted
    if type(field.analyzer) is IDTokenizer and type(field.format) is Existence:
        boost = field.format.field_boost

        def whole(value: Any) -> FieldTerms:  # IDTokenizer's one token: the value
            if isinstance(value, str):
                return ((value.encode(), 1, boost, b""),)
            return field.index(value)

        return whole
    index: Callable[[Any], FieldTerms] = field.index
    if type(field.format) is Positions and field.analyzer == name_analyzer():
        index = _names_indexer(field.format)
    elif type(field.format) is Frequency and field.analyzer == keyword_analyzer():
        index = _keywords_indexer(field.format)
    remembered: dict[Any, list[tuple[bytes, int, float, bytes]]] = {}
    # Encoded values are pickled a block at a time, where one object met twice is written
    # as a reference: each posting takes a copy of its own, as from `index()`.
    copied = type(field.format) is not Existence

    def recalled(value: Any) -> FieldTerms:
        if not isinstance(value, str):
            return field.index(value)
        found = remembered.get(value)
        if found is None:
            if len(remembered) >= REMEMBERED_VALUES:
                remembered.clear()
            remembered[value] = found = list(index(value))
        elif copied:
            return [(key, f, w, bytes(memoryview(encoded))) for key, f, w, encoded in found]
        return found

    return recalled


def _names_indexer(format_: Positions) -> Callable[[str], FieldTerms]:
    """The terms of a text of a field of `format_` analysed by `name_analyzer()`, as the
    field's `index()` gives them (`Positions.word_values`): its words (`name_words`),
    with their positions, without a token each."""
    boost, encode = format_.field_boost, format_.encode

    def named(value: str) -> FieldTerms:
        places: dict[str, list[int]] = {}
        for position, word in enumerate(name_words(value)):
            found = places.get(word)
            if found is None:
                places[word] = [position]
            else:
                found.append(position)
        return [
            (word.encode(), len(found), len(found) * boost, encode(found))
            for word, found in places.items()
        ]

    return named


def _keywords_indexer(format_: Frequency) -> Callable[[str], FieldTerms]:
    """The terms of a text of a field of `format_` analysed by `keyword_analyzer()`, as
    the field's `index()` gives them (`Frequency.word_values`): its keywords
    (`keyword_terms`), counted, without a token each."""
    boost = format_.field_boost

    def keyed(value: str) -> FieldTerms:
        counts = Counter(keyword_terms(value))  # in the order first met
        return [(term.encode(), n, n * boost, pack_uint(n)) for term, n in counts.items()]

    return keyed


def _read_run(path: str) -> Iterator[TermPostings]:
    """The postings of a run file, which goes once read."""
    with open(path, "rb") as run:
        while True:
            try:
                chunk = pickle.load(run)
            except EOFError:
                break
            yield from _chunk_terms(chunk)
    os.remove(path)
