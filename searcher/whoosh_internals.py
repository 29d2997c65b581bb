"""Every use of Whoosh's private internals, as whoosh3 3.54.0 (pinned) has them; each
function names what it relies on, and an upgrade must keep their tests green.

- Corrections to its matchers and speed-ups, applied by `apply()` when an `Index` opens
  (not on import: a program that only imports searcher keeps Whoosh as shipped), and
  `column_values()`, which reads a column right on an index of several segments (below),
  at once.
- Writing (`store/writer.py`): a worker's segment written from postings gathered in
  arrays (`store/inverter.py`) through the whoosh3 codec's own field writer, a term at a
  field at a time (`write_terms()`, the codec's block layout); `segment_writer()` with a
  `SpillingPool` (Whoosh's posting pool with cheaper spilled runs, so a small memory limit
  costs little) for merges; a commit of segments written elsewhere (`commit_segments()`,
  `release_writer()`); `unlocked_writer()`, `writer_beside_workers()`, `segments_of()`.
- The index folder (`store/indexfolder.py`, `store/writelock.py`): `INDEX_NAME`,
  `toc_generation()`, `toc_filename()`.
- Reading postings and lengths fast (`query/docsets.py`, `query/bm25f.py`):
  `term_blocks()`, `field_length_bytes()`.

With a `limit`, Whoosh prunes low-scoring postings by turning a union matcher into an
"and-maybe" matcher part-way through. `AndMaybeMatcher.skip_to` then advanced the optional
side to the requested id instead of to where the required side landed, so the optional
side's score was lost and documents that belong in the top k were dropped (upstream
whoosh-community/whoosh#122 and #413; still in whoosh3 3.54.0). `tests/test_search.py`
checks that top-k rankings equal the exhaustive ranking.

`AndNotMatcher` (`oil -protests`) moved its excluded side up to the first included
document only when both started on the same document, so the first included document was
kept whenever an excluded one came before it, though it held the excluded word too.

`W3LeafMatcher.skip_to` stepped through a postings block one id at a time to reach the
target; it now bisects the block's sorted ids, landing on the same posting.

`VarBytesColumn.Reader` (stored fields, the feedback column) summed a segment's value
lengths into offsets in a Python loop when the writer left them out (under 2**15
documents); they are summed by `itertools.accumulate`, the same offsets. `HashReader` (the
term index of a segment) read its directory of 256 hash tables an entry at a time as the
segment opened; it is read at once.

`MultiReader.column_reader` leaves out the segments that have no column file for the field
(a segment where no article has a source, a date or an author) but keeps the others' first
document numbers, so an article of a left-out segment reads another article's value, or
raises IndexError. `column_values()` takes every segment instead. It relies on
`SegmentReader.column_reader` answering for a segment without the column file with a
reader of the column's default (`b""` for bytes, 2**64 - 1 for the date: what an article
without the value holds). Searcher reads every column through it
(`tests/test_segments.py` checks that no other module calls Whoosh's).
"""

from __future__ import annotations

import heapq
import os
import pickle
import re
import struct
import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from hashlib import md5
from io import BytesIO
from itertools import accumulate, chain, groupby, islice
from operator import add, itemgetter, lt, methodcaller, sub
from typing import TYPE_CHECKING, Any, BinaryIO, NamedTuple, cast

from whoosh import columns, writing
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,
    LENGTHS_COLUMN,
    STORED_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3TermInfo,
    W3TermsReader,
)
from whoosh.filedb import filetables
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import FileFormatError
from whoosh.index import _DEF_INDEX_NAME, TOC, FileIndex
from whoosh.matching import mcore
from whoosh.matching.binary import AndMaybeMatcher, AndNotMatcher
from whoosh.reading import CorruptIndexError, IndexReader, TermNotFound
from whoosh.system import _INT_SIZE, pack_int, pack_ushort, unpack_int
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool

if TYPE_CHECKING:  # numpy: imported by the write side only, as it needs it (not by queries)
    import numpy as np
    from numpy.typing import NDArray


def _skip_to(self: AndMaybeMatcher, id: int) -> bool:
    if not self.a.is_active():
        raise mcore.ReadTooFar
    moved_a = self.a.skip_to(id)
    moved_b = False
    if self.a.is_active() and self.b.is_active():
        moved_b = self.b.skip_to(self.a.id())
    return bool(moved_a or moved_b)


def _and_not_find_first(self: AndNotMatcher) -> None:
    if self.a.is_active() and self.b.is_active():
        self._find_next()


def _leaf_skip_to(self: W3LeafMatcher, targetid: int) -> None:
    if not self.is_active():
        raise mcore.ReadTooFar
    if targetid <= self.id():  # also loads the block's ids
        return
    if targetid > self.block_max_id():
        self._skip_to_block(lambda: targetid > self.block_max_id())
        if not self.is_active():
            return
        self.id()
    # The block's last id is at least the target, so the bisection stays in the block.
    self._i = bisect_left(cast(Any, self._ids), targetid, self._i, self._blocklength)


def _var_bytes_extents(self: columns.VarBytesColumn.Reader) -> None:
    # A segment of fewer than 2**15 documents has no offsets written: Whoosh sums the
    # lengths into them in a Python loop, on the first read of each segment's stored
    # fields (some 1.5 ms per 25,000 documents); summed here by `accumulate`, at C speed.
    dbfile, doccount = self._dbfile, self._doccount
    lastbyte = self._basepos + self._length - 1
    lengths_code = chr(dbfile.get_byte(lastbyte))
    offsets = None
    if lengths_code == "X":  # the offsets were written
        self.had_stored_offsets = True
        lengths_code = chr(dbfile.get_byte(lastbyte - 2))
        offsets_code = chr(dbfile.get_byte(lastbyte - 1))
        lastbyte -= 2 + doccount * struct.calcsize(offsets_code)
        offsets = dbfile.get_array(lastbyte, offsets_code, doccount)
    start = lastbyte - doccount * struct.calcsize(lengths_code)
    lengths = dbfile.get_array(start, lengths_code, doccount)
    if offsets is None:
        offsets = array("L", accumulate(lengths, initial=0))[:doccount]
    self._offsets, self._lengths = offsets, lengths


def _hash_reader_init(
    self: filetables.HashReader,
    dbfile: Any,
    length: int | None = None,
    magic: bytes = b"HSH3",
    startoffset: int = 0,
) -> None:
    # As `HashReader.__init__`, with the directory of 256 hash tables read at once, not
    # an entry at a time (256 reads of each term index as a segment opens).
    self.dbfile = dbfile
    self.startoffset = startoffset
    self.is_closed = False
    if length is None:
        dbfile.seek(0, os.SEEK_END)
        length = dbfile.tell() - startoffset
    dbfile.seek(startoffset)
    if (filemagic := dbfile.read(4)) != magic:
        raise FileFormatError(f"Unknown file header {filemagic!r}")
    self.hashtype = dbfile.read_byte()
    self.hashfn = filetables._hash_functions[self.hashtype]
    dbfile.read_int()  # unused: for future expansion
    dbfile.read_int()
    self.startofdata = dbfile.tell()
    extras_end = startoffset + length - _INT_SIZE
    extras = extras_end - dbfile.get_int(extras_end)
    dbfile.seek(extras)
    self._read_extras()
    directory = filetables._directory_size
    dbfile.seek(extras - directory)
    self.tables = list(filetables._dir_entry.iter_unpack(dbfile.read(directory)))
    self.endofdata = self.tables[0][0]


def _write_hashes(self: filetables.HashWriter) -> None:
    # As `HashWriter._write_hashes` (its `buckets`, `directory` and `dbfile`), each of the
    # 256 hash tables written at once, not one write a slot (two slots a term).
    dbfile = self.dbfile
    null = (0, 0)  # an empty slot: no entry starts at 0, the header's place
    for entries in self.buckets:
        numslots = 2 * len(entries)
        self.directory.append((dbfile.tell(), numslots))
        hashtable = [null] * numslots
        for hashval, position in entries:
            slot = (hashval >> 8) % numslots
            while hashtable[slot] != null:
                slot = (slot + 1) % numslots
            hashtable[slot] = (hashval, position)
        dbfile.write(struct.pack("!" + _SLOT * numslots, *chain.from_iterable(hashtable)))


# A slot of a hash table: `filetables._pointer` (hash and position) without its byte order.
_SLOT = filetables._pointer.format.lstrip("!")


def apply() -> None:
    """Install the replacements (again is harmless)."""
    AndMaybeMatcher.skip_to = _skip_to  # type: ignore[method-assign]  # the point of this module
    AndNotMatcher._find_first = _and_not_find_first  # type: ignore[method-assign]
    W3LeafMatcher.skip_to = _leaf_skip_to  # type: ignore[method-assign]
    columns.VarBytesColumn.Reader._read_offsets_and_lengths = _var_bytes_extents  # type: ignore[method-assign]
    filetables.HashReader.__init__ = _hash_reader_init  # type: ignore[method-assign]
    filetables.HashWriter._write_hashes = _write_hashes  # type: ignore[method-assign]


# The attribute that keeps a reader's columns once read: {field: every document's value}.
_COLUMN_VALUES = "_searcher_column_values"


def column_values(reader: IndexReader, field: str) -> Sequence[Any]:
    """The raw value of every document of `reader` in the column of `field` (as
    `column_reader(translate=False)` gives them), by document number: each segment's
    column read at once, not a document at a time, and kept on `reader` (as
    `field_length_bytes` keeps lengths), so the searches of one reader read it once.
    Relies on `NumericColumn.Reader._typecode`, `_fixedlen`, `_default`, `_count`,
    `_dbfile`, `_basepos` (values packed big-endian from `_basepos`) and on
    `VarBytesColumn.Reader._offsets`, `_lengths`, `_dbfile`, `_basepos`; a column in
    another format is read a document at a time, once."""
    known: dict[str, list[Any]] = reader.__dict__.setdefault(_COLUMN_VALUES, {})
    values = known.get(field)
    if values is None:
        values = []
        # The segments' documents follow one another (Whoosh's empty reader has no columns).
        for leaf, _ in reader.leaf_readers() if reader.doc_count_all() else ():
            count = leaf.doc_count_all()
            values += _read_column(leaf.column_reader(field, translate=False), count)
        known[field] = values  # whole: another thread may read it at once
    return values


def _read_column(column: Any, count: int) -> list[Any]:
    if (
        isinstance(column, columns.NumericColumn.Reader)
        and array(column._typecode).itemsize == column._fixedlen
    ):
        raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
        numbers = array(column._typecode, raw)
        if sys.byteorder == "little":
            numbers.byteswap()
        return list(numbers) + [column._default] * (count - len(numbers))
    if isinstance(column, columns.VarBytesColumn.Reader):
        offsets, lengths = column._offsets, column._lengths
        size = max(map(add, offsets, lengths), default=0)
        data = column._dbfile.get(column._basepos, size) if size else b""
        found = [
            data[start : start + length] for start, length in zip(offsets, lengths, strict=True)
        ]
        return found + [b""] * (count - len(found))
    return list(column)


INDEX_NAME = _DEF_INDEX_NAME  # the name of an index in its folder (files `_MAIN_<n>.toc`, ...)


def toc_generation(storage: FileStorage) -> int:
    """The generation of the newest table of contents in `storage`, -1 when there is none.
    Relies on `TOC._latest_generation`."""
    return int(TOC._latest_generation(storage, INDEX_NAME))


def toc_filename(generation: int) -> str:
    """The file name of the table of contents of `generation`. Relies on `TOC._filename`."""
    return str(TOC._filename(INDEX_NAME, generation))


# Postings written or read at a time in a spilled run of `SpillingPool`.
SPILL_BLOCK = 10_000


_TERM = itemgetter(0, 1)  # a posting's field name and term


class SpillingPool(PostingPool):
    """Whoosh's posting pool, with cheaper spilled runs: written and read as one pickle
    a block of postings instead of one a posting, and merged a term at a time. (A run holds
    the postings of consecutive documents, so for any term the runs never interleave:
    merging the runs' term groups, ordered by term and first document, is the sort.)"""

    def _write_run(self, f: Any, items: Iterable[Any]) -> None:
        postings = iter(items)
        while block := list(islice(postings, SPILL_BLOCK)):
            pickle.dump(block, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator[Any]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    block = pickle.load(f)
                except EOFError:
                    return
                yield from block
        finally:
            f.close()
            self._remove_run(path)

    def _merge_runs(self, paths: Iterable[str]) -> Iterator[Any]:
        groups = [
            ((term, postings[0][2], postings) for term, postings in self._term_groups(path))
            for path in paths
        ]
        for _, _, postings in heapq.merge(*groups):
            yield from postings

    def _term_groups(self, path: str) -> Iterator[tuple[tuple[str, bytes], list[Any]]]:
        for term, postings in groupby(self._read_run(path), key=_TERM):
            yield term, list(postings)


def segment_writer(ix: FileIndex, limitmb: int) -> writing.SegmentWriter:
    """A writer of a new segment of `ix` (without the index's lock) whose posting pool
    is a `SpillingPool` of `limitmb`. Relies on `SegmentWriter(_lk=False)` and on the
    writer's `pool` attribute being the one it adds postings to."""
    writer = unlocked_writer(ix)
    writer.pool = SpillingPool(writer.temp_storage(), writer.newsegment, limitmb=limitmb)
    return writer


# A term's information in the term index: `W3TermInfo.to_bytes` of a term whose postings
# are in the postings file (flags 0, total weight, documents, shortest and longest length
# bytes, largest weight, first and last id, then the postings' offset and size).
_TERM_INFO = struct.Struct(W3TermInfo._struct.format + "qi")
# The same as a numpy structured type (big-endian, not aligned): `!BfIBBfIIqi`.
_INFO_DTYPE = [
    ("flags", "u1"),
    ("total", ">f4"),
    ("count", ">u4"),
    ("low", "u1"),
    ("high", "u1"),
    ("maxweight", ">f4"),
    ("first", ">u4"),
    ("last", ">u4"),
    ("offset", ">i8"),
    ("size", ">i4"),
]
# The start of an entry of the term index (`HashWriter.add`): the key's and value's sizes.
_ENTRY = filetables._lengths
# Bytes of postings gathered before they are written to the postings file at once.
WRITE_BYTES = 1 << 20
# The pickle protocol of a block's data (Whoosh's writer: 2, which its reader reads as any
# other). Protocol 3 keeps bytes as bytes, where 2 pickles each value (positions and
# characters) as a call that makes it from a latin-1 string: on BBC+Reuters, the blocks'
# pickles 107 -> 72 MB, compressed 40 -> 25 MB, 0.6 CPU-s less pickling, 0.5 less zlib,
# and unpickled three times as fast.
BLOCK_PROTOCOL = 3
# The zlib level of a block's data: none (Whoosh's codec: 3; its reader takes the level each
# block records, 0 for a block stored as is). At x1, against level 1: the workers 47.5 -> 44.4
# CPU-s, the bench's warm queries 12% less CPU (nothing to decompress), the index 277 -> 375 MB.
BLOCK_LEVEL = 0


class PostingOccurrences(NamedTuple):
    """The values of postings of a field of `Positions` or `Characters` format as numbers,
    not encoded: the number of occurrences of each posting, and each occurrence's position
    (one number each), or position, first character and number of characters (a row of
    three each), the postings' occurrences one after the other, in order."""

    frequencies: NDArray[np.integer[Any]]
    numbers: NDArray[np.integer[Any]]


# Some terms of a field in order, the number of documents holding each, and their
# documents, weights and values, one term after the other: encoded (b"" for a format
# that keeps none), or occurrences as numbers.
TermsPostings = tuple[
    Sequence[bytes], Sequence[int], "array[int]", "array[float]", list[bytes] | PostingOccurrences
]


def write_terms(
    writer: W3FieldWriter, chunks: Iterable[TermsPostings], lengths: bytes | None
) -> None:
    """Write the terms of `chunks` (each some terms, the number of documents holding each,
    and their documents in order, weights and values, one term after the other: encoded,
    b"" for a format without, or `PostingOccurrences`), in order, into the field `writer`
    has started (`start_field`), given `lengths`, each document's field length byte
    (`length_to_byte`; None for a field without lengths). Whoosh reads them as its own: its
    writer writes the same postings but for the pickles of the blocks' data (`BLOCK_PROTOCOL`,
    or made by `pickled_blocks`) and their compression level (`BLOCK_LEVEL`). The postings
    and the term index's entries are written a chunk of terms at a time; a term in one
    document (most terms of a segment) without a call.
    Relies on `W3FieldWriter._codec` (its `_blocklimit` and `_compression`), `_format`,
    `_postfile`, `_fieldid` and `_tindex`; on the layout of `W3PostingsWriter`'s postings
    (`_postings`) and on `W3TermInfo`'s `_struct` and what `to_bytes` writes; on the term
    index's `OrderedHashWriter.add` (which keys must increase): its `dbfile`, `hashfn`,
    `buckets` (the hash and offset of each entry, by the hash's low byte), `index` (the
    entries' offsets) and `lastkey`, and the layout of an entry (`_ENTRY`, key, value)."""
    postfile, codec, tindex = writer._postfile, writer._codec, writer._tindex
    limit, level = codec._blocklimit, BLOCK_LEVEL if codec._compression else 0
    minify = _minifier(cast(Any, writer._format).fixed_value_size())
    prefix = pack_ushort(writer._fieldid)
    offset, entry_offset = postfile.tell(), tindex.dbfile.tell()
    write_at = offset + WRITE_BYTES
    postings: list[bytes] = []
    entries: list[bytes] = []
    keys: list[bytes] = []  # the entries' keys and offsets, for the hash tables
    offsets: list[int] = []
    key = tindex.lastkey
    pack_info, dumps, protocol = _TERM_INFO.pack, pickle.dumps, BLOCK_PROTOCOL
    for terms, counts, ids, weights, values in chunks:
        datas: Iterator[bytes] | None = None
        infos: list[bytes] = []
        encoded: Sequence[bytes] = ()
        if not isinstance(values, PostingOccurrences):
            encoded = values
        else:  # each block's data pickled at once
            if level:
                data, ends, _ = pickled_blocks(counts, ids, weights, values, limit)
                datas = map(data.__getitem__, map(slice, ends, ends[1:]))
            else:  # and the postings framed, the terms' entries made
                found, _, infos = pickled_blocks(
                    counts, ids, weights, values, limit, lengths, offset
                )
                postings.append(found)
                offset += len(found)
                counts = ()
        # The postings of the terms in one document each, made at once where their
        # values are none (as `_one_posting_terms` makes them).
        singles: Iterator[bytes] | None = None
        if datas is None and minify is _nothing and len(counts) and 1 in counts:
            singles = _one_posting_terms(counts, ids, weights, lengths)
        end = 0
        for count in counts:
            start = end
            end += count
            if count == 1 and singles is not None:
                found = next(singles)
                docnum = ids[start]
                maxweight = weights[start]
                length = lengths[docnum] if lengths else 0
                size = len(found)
                info = pack_info(
                    0, maxweight, 1, length, length, maxweight, docnum, docnum, offset, size
                )
            elif count == 1:  # one block of one posting, as `_block` writes it
                docnum = ids[start]
                total = maxweight = weights[start]
                length = lengths[docnum] if lengths else 0
                if datas is None:
                    mini_weights = None if maxweight == 1.0 else maxweight
                    data = dumps(
                        ((docnum,), mini_weights, minify(encoded[start : start + 1])), protocol
                    )
                else:
                    data = next(datas)
                compression = level if len(data) >= COMPRESSION_MIN_SIZE else 0
                if compression:
                    data = zlib.compress(data, compression)
                header = dumps((1, docnum, maxweight, compression, length, length), 2)
                size = len(header) + len(data)
                found = WHOOSH3_HEADER_MAGIC + pack_int(-size) + header + data
                size = len(found)
                info = pack_info(
                    0, total, 1, length, length, maxweight, docnum, docnum, offset, size
                )
            else:
                if datas is None:
                    blocks = _pickled(
                        ids[start:end], weights[start:end], encoded[start:end], limit, minify
                    )
                else:
                    blocks = islice(datas, -(-count // limit))
                found, total, maxweight, low, high = _postings(
                    ids[start:end], weights[start:end], blocks, lengths, limit, level
                )
                first, last, size = ids[start], ids[end - 1], len(found)
                info = pack_info(0, total, count, low, high, maxweight, first, last, offset, size)
            postings.append(found)
            infos.append(info)
            offset += size
        chunk_keys = [prefix + term for term in terms]
        if not all(map(lt, chain((key,), chunk_keys), chunk_keys)):
            pairs = zip([key, *chunk_keys[:-1]], chunk_keys, strict=True)
            before, after = next(pair for pair in pairs if pair[0] >= pair[1])
            raise ValueError(f"Keys must increase: {before!r}..{after!r}")
        if chunk_keys:
            key = chunk_keys[-1]
        chunk_entries = list(map(_entry, chunk_keys, infos))
        offsets += accumulate(map(len, chunk_entries[:-1]), initial=entry_offset)
        entry_offset += sum(map(len, chunk_entries))
        keys += chunk_keys
        entries += chunk_entries
        if offset >= write_at:
            postfile.write(b"".join(postings))
            tindex.dbfile.write(b"".join(entries))
            postings.clear()
            entries.clear()
            write_at = offset + WRITE_BYTES
    postfile.write(b"".join(postings))
    tindex.dbfile.write(b"".join(entries))
    tindex.lastkey = key
    _index_entries(tindex, keys, offsets)


# A key's MD5 and its digest.
_MD5 = partial(md5, usedforsecurity=False)
_DIGEST = methodcaller("digest")


def _one_posting_terms(
    counts: Sequence[int], ids: array[int], weights: array[float], lengths: bytes | None
) -> Iterator[bytes]:
    """The postings of each term of a chunk in one document (`counts` 1) of a format
    that keeps no values, as `write_terms` writes them one at a time, made at once with
    numpy: `WHOOSH3_HEADER_MAGIC`, the block's size (negative: the term's last), its
    statistics `pickle.dumps((1, document, weight, 0, length byte, length byte), 2)` and
    its data `pickle.dumps(((document,), weight or None when 1, None), BLOCK_PROTOCOL)`
    (never compressed: smaller than `COMPRESSION_MIN_SIZE`)."""
    import numpy as np

    term_counts = np.asarray(counts, np.int64)
    firsts = (np.cumsum(term_counts) - term_counts)[term_counts == 1]
    docs = np.frombuffer(ids, np.uint32)[firsts].astype(np.int64)
    floats = np.frombuffer(weights, np.float32)[firsts].astype(np.float64)
    document_lengths = (
        np.frombuffer(lengths, np.uint8)[docs] if lengths else np.zeros(len(docs), np.uint8)
    )
    widths = _int_widths(docs)
    unit = floats == 1.0
    header_sizes = 24 + widths
    data_sizes = 19 + widths - 8 * unit
    ends = _sums(8 + header_sizes + data_sizes)
    buffer = np.empty(ends[-1], np.uint8)
    at = ends[:-1]
    _put(buffer, at, WHOOSH3_HEADER_MAGIC)
    buffer[at[:, None] + np.arange(4, 8)] = _bytes_of(-(header_sizes + data_sizes), ">i4")
    at = at + 8  # the statistics
    _put(buffer, at, b"\x80\x02(K\x01")
    _put_ints(buffer, at + 5, docs, widths)
    at = at + 5 + widths
    buffer[at] = ord("G")
    doubles = _bytes_of(floats, ">f8")
    buffer[at[:, None] + np.arange(1, 9)] = doubles
    _put(buffer, at + 9, b"K\x00K")
    buffer[at + 12] = document_lengths
    buffer[at + 13] = ord("K")
    buffer[at + 14] = document_lengths
    _put(buffer, at + 15, b"tq\x00.\x80\x03")  # and the data
    at = at + 21
    _put_ints(buffer, at, docs, widths)
    at = at + widths
    _put(buffer, at, b"\x85q\x00N")
    several = ~unit
    if several.any():
        weights_at = at[several] + 3
        buffer[weights_at] = ord("G")
        buffer[weights_at[:, None] + np.arange(1, 9)] = doubles[several]
    at = at + 4 + 8 * several
    _put(buffer, at, b"N\x87q\x01.")
    found = buffer.tobytes()
    bounds = ends.tolist()
    return map(found.__getitem__, map(slice, bounds, bounds[1:]))


def _entry(key: bytes, value: bytes) -> bytes:
    """An entry of the term index, as `HashWriter.add` writes it."""
    return _ENTRY.pack(len(key), len(value)) + key + value


def _index_entries(
    tindex: filetables.OrderedHashWriter, keys: list[bytes], offsets: list[int]
) -> None:
    """Add entries written at `offsets` (increasing) with `keys` to the hash tables and
    the index of the term index `tindex`, as `OrderedHashWriter.add` does (relies on its
    `hashfn`, `buckets` and `index`, a `GrowableArray`: its `append` and `array`)."""
    import numpy as np

    if tindex.hashfn is filetables.md5_hash:  # the hash of MD5 (the type written): the
        # last four bytes of each key's digest, big-endian, taken at once
        found = b"".join(map(_DIGEST, map(_MD5, keys)))
        digests = np.frombuffer(found, ">u4")[3::4].astype(np.int64)
    else:
        digests = np.fromiter(map(tindex.hashfn, keys), np.int64, len(keys))
    # Each entry to the bucket of its hash's low byte, in order.
    order = np.argsort(digests & 255, kind="stable")
    pairs = list(zip(digests[order].tolist(), np.asarray(offsets)[order].tolist(), strict=True))
    ends = np.cumsum(np.bincount(digests & 255, minlength=256)).tolist()
    for bucket, start, end in zip(tindex.buckets, [0, *ends], ends, strict=False):
        if end > start:
            bucket.extend(pairs[start:end])
    if offsets:
        index = tindex.index
        index.append(offsets[-1])  # the array's type made to hold the largest
        index.array.pop()
        index.array.extend(offsets)


def _pickled(
    ids: array[int],
    weights: array[float],
    values: Sequence[bytes],
    limit: int,
    minify: Callable[[Sequence[bytes]], Any],
) -> Iterator[bytes]:
    """The data of each block of `limit` postings of a term, pickled with `BLOCK_PROTOCOL`
    as `W3PostingsWriter._write_block` has it: ids as differences, weights None when all are
    1 and one number when all are the same, `values` minified."""
    for first in range(0, len(ids), limit):
        block_ids = ids[first : first + limit]
        block_weights = weights[first : first + limit]
        count = len(block_ids)
        deltas = tuple(map(sub, block_ids, chain((0,), block_ids)))
        mini_weights: Any
        if block_weights.count(1.0) == count:
            mini_weights = None
        elif block_weights.count(block_weights[0]) == count:
            mini_weights = block_weights[0]
        else:
            mini_weights = tuple(block_weights)
        mini_values = minify(values[first : first + limit])
        yield pickle.dumps((deltas, mini_weights, mini_values), BLOCK_PROTOCOL)


def _postings(
    ids: array[int],
    weights: array[float],
    datas: Iterable[bytes],
    lengths: bytes | None,
    limit: int,
    level: int,
) -> tuple[bytes, float, float, int, int]:
    """A term's postings as `W3PostingsWriter` writes them (the header, then its blocks
    of `limit` postings, see `_block`, given each block's pickled data `datas`), with what
    `W3TermInfo.add_block` sums up of its blocks: the total and largest weight, the
    shortest (0 when unknown) and longest field length bytes."""
    count = len(ids)
    if count <= limit:
        block, total, maxweight, minlength, maxlength = _block(
            ids, weights, next(iter(datas)), lengths, level, True
        )
        return WHOOSH3_HEADER_MAGIC + block, total, maxweight, minlength, maxlength
    blocks = [
        _block(
            ids[first : first + limit],
            weights[first : first + limit],
            data,
            lengths,
            level,
            first + limit >= count,
        )
        for first, data in zip(range(0, count, limit), datas, strict=True)
    ]
    total, maxweight, minlength, maxlength = 0.0, 0.0, 0, 0
    for _, block_total, block_maxweight, block_minlength, block_maxlength in blocks:
        total += block_total  # in the order `add_block` sums them up
        maxweight = max(maxweight, block_maxweight)
        if block_minlength and (not minlength or block_minlength < minlength):
            minlength = block_minlength
        maxlength = max(maxlength, block_maxlength)
    found = b"".join([WHOOSH3_HEADER_MAGIC, *(block for block, *_ in blocks)])
    return found, total, maxweight, minlength, maxlength


def _minifier(fixed_size: int | None) -> Callable[[Sequence[bytes]], Any]:
    """What keeps a block's values, for values of `fixed_size`, as
    `W3PostingsWriter._mini_values` does: all of them, joined, or none."""
    if fixed_size is None or fixed_size < 0:
        return tuple
    return b"".join if fixed_size else _nothing


def _nothing(values: Sequence[bytes]) -> None:
    return None


def _block(
    ids: array[int],
    weights: array[float],
    data: bytes,
    lengths: bytes | None,
    level: int,
    last: bool,
) -> tuple[bytes, float, float, int, int]:
    """A block of postings as `W3PostingsWriter._write_block` writes it: its size
    (negative for a term's last), its pickled statistics and its pickled `data`,
    compressed at `level` when not too small, with the block's total and largest weight
    and its shortest (0 when unknown) and longest field length bytes."""
    count = len(ids)
    if count == 1:
        docnum = ids[0]
        total = maxweight = weights[0]
        minlength = maxlength = lengths[docnum] if lengths else 0
    else:
        total, maxweight = sum(weights), max(weights)
        if lengths:
            found = bytes(map(lengths.__getitem__, ids))
            maxlength = max(found)
            minlength = min(found) or min(found.replace(b"\0", b""), default=0)
        else:
            minlength = maxlength = 0
    compression = level if len(data) >= COMPRESSION_MIN_SIZE else 0
    if compression:
        data = zlib.compress(data, compression)
    header = pickle.dumps((count, ids[-1], maxweight, compression, minlength, maxlength), 2)
    size = len(header) + len(data)
    return pack_int(-size if last else size) + header + data, total, maxweight, minlength, maxlength


def pickled_blocks(
    counts: Sequence[int],
    ids: array[int],
    weights: array[float],
    values: PostingOccurrences,
    limit: int,
    lengths: bytes | None = None,
    offset: int | None = None,
) -> tuple[bytes, list[int], list[bytes]]:
    """The data of each block of `limit` postings of each term of a chunk (the number of
    documents holding each term in `counts`, their `ids`, `weights` and occurrences
    `values`, one term after the other), pickled as `_pickled` pickles what Whoosh's
    `Positions` or `Characters` format encodes (another pickle of the same tuple), made at
    once for the chunk with numpy: `(deltas, weights, values)`, each tuple marked (`(`,
    `t`), each number one of pickle's ints (`_int_widths`), each value `C` or `B` and its
    bytes: the number of occurrences (`pack_uint`) and the pickled list of the
    occurrences' deltas (ints or tuples of three), appended at once (`](`, `e`). Returned
    in one buffer, with where each block ends (after 0).
    With the `offset` where the chunk's postings go in the postings file, the blocks are
    also framed as `_postings` frames uncompressed blocks (each term's header, each
    block's size and pickled statistics, given each document's field length byte
    `lengths`): the buffer holds the chunk's postings, returned with each term's entry of
    the term index (`_TERM_INFO`) instead of the blocks' ends."""
    import numpy as np

    frequencies, numbers = values[0].astype(np.int64), values[1].astype(np.int64)
    postings = len(ids)
    docs = np.frombuffer(ids, np.uint32).astype(np.int64)
    floats = np.frombuffer(weights, np.float32)
    # Blocks: their first postings and sizes; each posting's block.
    term_counts = np.asarray(counts, np.int64)
    term_firsts = np.cumsum(term_counts) - term_counts
    within = np.arange(postings) - np.repeat(term_firsts, term_counts)
    starts_block = within % limit == 0
    block = np.cumsum(starts_block) - 1
    firsts = np.flatnonzero(starts_block)
    sizes = np.diff(np.append(firsts, postings))
    deltas = _deltas(docs, firsts)
    # Occurrences as deltas from the one before in their posting (Whoosh's encoding).
    occurrence_starts = np.cumsum(frequencies) - frequencies
    chars = numbers.ndim == 2
    position_deltas = _deltas(numbers[:, 0] if chars else numbers, occurrence_starts)
    position_widths = _int_widths(position_deltas)
    if chars:
        first_chars, chars_count = numbers[:, 1], numbers[:, 2]
        char_deltas = first_chars.copy()
        char_deltas[1:] -= first_chars[:-1] + chars_count[:-1]  # from the end of the last
        char_deltas[occurrence_starts] = first_chars[occurrence_starts]
        char_widths, count_widths = _int_widths(char_deltas), _int_widths(chars_count)
        record_widths = position_widths + char_widths + count_widths + 1  # and TUPLE3
    else:
        record_widths = position_widths
    record_ends = _sums(record_widths)
    value_sizes = 10 + record_ends[occurrence_starts + frequencies] - record_ends[occurrence_starts]
    short = value_sizes < 256
    entry_widths = np.where(short, 2, 5) + value_sizes  # C and a byte, or B and four
    delta_widths = _int_widths(deltas)
    # Weights: None when all are 1, one float when all are the same, else a tuple.
    lowest = np.minimum.reduceat(floats, firsts)
    highest = np.maximum.reduceat(floats, firsts)
    same = lowest == highest
    unit = same & (lowest == 1.0)
    weight_sizes = np.where(unit, 1, np.where(same, 9, 2 + 9 * sizes))
    delta_ends, entry_ends = _sums(delta_widths), _sums(entry_widths)
    block_deltas = delta_ends[firsts + sizes] - delta_ends[firsts]
    block_entries = entry_ends[firsts + sizes] - entry_ends[firsts]
    data_sizes = 4 + block_deltas + weight_sizes + 1 + block_entries + 3
    if offset is None:
        frames = np.zeros(len(firsts), np.int64)
    else:  # a term's header, and each block's size and statistics
        term_blocks = -(-term_counts // limit)
        term_starts = np.zeros(len(firsts), bool)
        term_starts[np.cumsum(term_blocks) - term_blocks] = True
        last_ids = docs[firsts + sizes - 1]
        posting_count_widths, last_widths = _int_widths(sizes), _int_widths(last_ids)
        header_sizes = 22 + posting_count_widths + last_widths
        frames = 4 * term_starts + 4 + header_sizes
    block_ends = _sums(frames + data_sizes)
    buffer = np.empty(block_ends[-1], np.uint8)
    block_starts = block_ends[:-1] + frames
    _put(buffer, block_starts, b"\x80\x03(")
    at = block_starts[block] + 3 + delta_ends[:-1] - delta_ends[firsts][block]
    _put_ints(buffer, at, deltas, delta_widths)
    weights_at = block_starts + 3 + block_deltas + 1
    buffer[weights_at - 1] = ord("t")
    buffer[weights_at[unit]] = ord("N")
    doubles = _bytes_of(floats, ">f8")
    one = same & ~unit
    buffer[weights_at[one]] = ord("G")
    buffer[weights_at[one][:, None] + np.arange(1, 9)] = doubles[firsts[one]]
    several = ~same
    if several.any():
        buffer[weights_at[several]] = ord("(")
        buffer[(weights_at + weight_sizes - 1)[several]] = ord("t")
        of_several = several[block]
        at = (weights_at[block] + 1 + 9 * (within % limit))[of_several]
        buffer[at] = ord("G")
        buffer[at[:, None] + np.arange(1, 9)] = doubles[of_several]
    values_at = weights_at + weight_sizes
    buffer[values_at] = ord("(")
    at = values_at[block] + 1 + entry_ends[:-1] - entry_ends[firsts][block]
    buffer[at[short]] = ord("C")
    buffer[at[short] + 1] = value_sizes[short]
    if not short.all():
        long_at = at[~short]
        buffer[long_at] = ord("B")
        buffer[long_at[:, None] + np.arange(1, 5)] = _bytes_of(value_sizes[~short], "<u4")
    at += np.where(short, 2, 5)
    buffer[at[:, None] + np.arange(4)] = _bytes_of(frequencies, ">u4")
    _put(buffer, at + 4, b"\x80\x02](")
    _put(buffer, at + value_sizes - 2, b"e.")
    posting = np.repeat(np.arange(postings), frequencies)
    at = at[posting] + 8 + record_ends[:-1] - record_ends[occurrence_starts][posting]
    _put_ints(buffer, at, position_deltas, position_widths)
    if chars:
        at += position_widths
        _put_ints(buffer, at, char_deltas, char_widths)
        at += char_widths
        _put_ints(buffer, at, chars_count, count_widths)
        buffer[at + count_widths] = 0x87
    _put(buffer, block_starts + data_sizes - 3, b"t\x87.")
    if offset is None:
        return buffer.tobytes(), block_ends.tolist(), []
    # The frames: `WHOOSH3_HEADER_MAGIC` before a term's first block; each block's size
    # (negative for a term's last) and statistics, `pickle.dumps((postings, last id,
    # largest weight, compression 0, shortest and longest length bytes), 2)`.
    frame_starts = block_ends[:-1]
    _put(buffer, frame_starts[term_starts], WHOOSH3_HEADER_MAGIC)
    at = frame_starts + 4 * term_starts
    block_sizes = header_sizes + data_sizes
    term_ends = np.append(term_starts[1:], True)
    buffer[at[:, None] + np.arange(4)] = _bytes_of(
        np.where(term_ends, -block_sizes, block_sizes), ">i4"
    )
    _put(buffer, at + 4, b"\x80\x02(")
    at += 7
    _put_ints(buffer, at, sizes, posting_count_widths)
    at += posting_count_widths
    _put_ints(buffer, at, last_ids, last_widths)
    at += last_widths
    buffer[at] = ord("G")
    buffer[at[:, None] + np.arange(1, 9)] = _bytes_of(highest, ">f8")
    document_lengths = (
        np.frombuffer(lengths, np.uint8)[docs].astype(np.int64)
        if lengths
        else np.zeros(postings, np.int64)
    )
    known = np.where(document_lengths == 0, 256, document_lengths)  # 0: unknown
    shortest = np.minimum.reduceat(known, firsts) % 256
    longest = np.maximum.reduceat(document_lengths, firsts)
    _put(buffer, at + 9, b"K\x00K")
    buffer[at + 12] = shortest
    buffer[at + 13] = ord("K")
    buffer[at + 14] = longest
    _put(buffer, at + 15, b"tq\x00.")
    # The terms' entries: statistics, and where their postings are.
    infos = np.zeros(len(term_counts), _INFO_DTYPE)
    infos["total"] = np.add.reduceat(floats.astype(np.float64), term_firsts)
    infos["count"] = term_counts
    infos["low"] = np.minimum.reduceat(known, term_firsts) % 256
    infos["high"] = np.maximum.reduceat(document_lengths, term_firsts)
    infos["maxweight"] = np.maximum.reduceat(floats, term_firsts)
    infos["first"] = docs[term_firsts]
    infos["last"] = docs[term_firsts + term_counts - 1]
    term_ends_at = block_ends[1:][term_ends]
    term_starts_at = frame_starts[term_starts]
    infos["offset"] = offset + term_starts_at
    infos["size"] = term_ends_at - term_starts_at
    packed = infos.tobytes()
    size = _TERM_INFO.size
    return buffer.tobytes(), [], [packed[at : at + size] for at in range(0, len(packed), size)]


def _sums(widths: NDArray[np.int64]) -> NDArray[np.int64]:
    """Where each of consecutive pieces of `widths` bytes starts, and where the last ends."""
    import numpy as np

    return np.concatenate(([0], np.cumsum(widths)))


def _deltas(numbers: NDArray[np.int64], starts: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each number less the one before, but at `starts` (the numbers themselves)."""
    deltas = numbers.copy()
    deltas[1:] -= numbers[:-1]
    deltas[starts] = numbers[starts]
    return deltas


def _int_widths(numbers: NDArray[np.int64]) -> NDArray[np.int64]:
    """The bytes of each number as pickle writes an int (protocol 1 or more, below
    2**31): BININT1 (`K` and a byte), BININT2 (`M` and two) or BININT (`J` and four,
    signed), all little-endian."""
    import numpy as np

    return np.where(numbers < 0, 5, np.where(numbers < 256, 2, np.where(numbers < 65536, 3, 5)))


def _put_ints(
    buffer: NDArray[np.uint8],
    at: NDArray[np.int64],
    numbers: NDArray[np.int64],
    widths: NDArray[np.int64],
) -> None:
    """Write each of `numbers` at its place `at` in `buffer` as pickle writes it, in
    `widths` bytes (`_int_widths`)."""
    import numpy as np

    buffer[at] = np.where(widths == 2, ord("K"), np.where(widths == 3, ord("M"), ord("J")))
    buffer[at + 1] = numbers & 255
    wide = np.flatnonzero(widths > 2)  # few
    if len(wide):
        at, numbers, widths = at[wide], numbers[wide], widths[wide]
        buffer[at + 2] = (numbers >> 8) & 255
        widest = widths == 5
        for byte in (2, 3):
            buffer[at[widest] + 1 + byte] = (numbers[widest] >> (8 * byte)) & 255


def _bytes_of(numbers: NDArray[Any], dtype: str) -> NDArray[np.uint8]:
    """The bytes of each of `numbers` as `dtype` (a struct of four bytes), a row each."""
    import numpy as np

    return numbers.astype(dtype).view(np.uint8).reshape(len(numbers), -1)


def _put(buffer: NDArray[np.uint8], at: NDArray[np.int64], constant: bytes) -> None:
    """Write `constant` at each place `at` in `buffer`."""
    for index, byte in enumerate(constant):
        buffer[at + index] = byte


class DocumentColumns:
    """What `W3PerDocWriter` writes of each document (stored fields, field lengths,
    columns), the same files, each column written at once when closed rather than a value
    at a time through Whoosh's column writers (some five Python calls a value); the stored
    fields, the bulk, go to their file as they come, as Whoosh's writer sends them. Takes what
    `SegmentInverter.add` sends (`add` a document, `close`); no vectors. Relies on
    `W3Codec.column_filename`, the `STORED_COLUMN` and `LENGTHS_COLUMN`, the segment's
    `_fieldlengths`, and on what the writers of `NumericColumn`, `VarBytesColumn` and
    `PickleColumn` over a `CompressedBytesColumn` (its `_level`) write (`_numeric_column`,
    `_var_bytes_column`); a column of another type goes through its own writer."""

    def __init__(self, storage: FileStorage, segment: Segment, scratch: str) -> None:
        self._storage, self._segment, self._scratch = storage, segment, scratch
        self._doccount = 0
        # Each column's type, documents and values (stored fields first, as Whoosh's).
        self._columns: dict[str, tuple[columns.Column, list[int], list[Any]]] = {}
        # The stored fields, the bulk of a segment, go to a file in `scratch` as they
        # come (only each one's document and length are kept), moved into the index when
        # closed: a commit meanwhile removes the files of segments it does not know.
        self._stored_file: BinaryIO | None = None
        self._stored_lengths = self._column("_stored", STORED_COLUMN)[1:]
        stored_level = cast(Any, STORED_COLUMN)._child._level
        self._compress_stored = partial(zlib.compress, level=stored_level)
        self._fieldlengths: defaultdict[str, int] = defaultdict(int)

    def _column(self, name: str, column: columns.Column) -> tuple[Any, list[int], list[Any]]:
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = (column, [], [])
        return found

    def add(
        self,
        stored: dict[str, Any],
        lengths: list[tuple[str, int]],
        values: list[tuple[str, columns.Column, Any]],
    ) -> None:
        """Add the next document: its `stored` fields, each field's length (not 0) and
        each column's value, as Whoosh's writer sends them to `W3PerDocWriter` (one call a
        document, not one a field)."""
        docnum = self._doccount
        self._doccount += 1
        for name, length in lengths:
            _, docnums, found = self._column(f"_{name}_len", LENGTHS_COLUMN)
            docnums.append(docnum)
            found.append(length_to_byte(length))
            self._fieldlengths[name] += length
        for name, column, value in values:
            _, docnums, found = self._column(name, column)
            docnums.append(docnum)
            found.append(value)
        if stored:
            value = self._compress_stored(pickle.dumps(stored, 2))
            self._stored_file_open().write(value)
            docnums, sizes = self._stored_lengths
            docnums.append(docnum)
            sizes.append(len(value))

    def _stored_file_open(self) -> BinaryIO:
        if self._stored_file is None:
            os.makedirs(self._scratch, exist_ok=True)
            self._stored_file = open(self._stored_path(), "wb")  # noqa: SIM115
        return self._stored_file

    def _stored_path(self) -> str:
        return os.path.join(self._scratch, self._segment.make_filename(_column_ext("_stored")))

    def length_bytes(self, name: str) -> bytes | None:
        """The length byte of field `name` in each document so far, None when none has
        a length there."""
        found = self._columns.get(f"_{name}_len")
        if found is None:
            return None
        lengths = bytearray(self._doccount)
        for docnum, length in zip(found[1], found[2], strict=True):
            lengths[docnum] = length
        return bytes(lengths)

    def close(self) -> None:
        """Write the columns out."""
        doccount = self._doccount
        cast(Any, self._segment)._fieldlengths = self._fieldlengths
        for name, (column, docnums, values) in self._columns.items():
            if name == "_stored":
                with self._stored_file_open() as stored:
                    stored.write(_var_bytes_trailer(_STORED_BYTES, docnums, values, doccount))
                target = self._segment.make_filename(_column_ext(name))
                os.replace(self._stored_path(), os.path.join(self._storage.folder, target))
                continue
            with self._segment.create_file(self._storage, _column_ext(name)) as dbfile:
                kind = type(column)
                if kind is columns.NumericColumn:
                    dbfile.write(_numeric_column(column, docnums, values))
                elif kind is columns.VarBytesColumn:
                    dbfile.write(_var_bytes_column(column, docnums, values, doccount))
                else:
                    writer = column.writer(dbfile)
                    for docnum, value in zip(docnums, values, strict=True):
                        writer.add(docnum, value)
                    writer.finish(doccount)


# The bytes under the stored fields' pickles, compressed: how `STORED_COLUMN` keeps them.
_STORED_BYTES = columns.VarBytesColumn()


def _column_ext(name: str) -> str:
    """The extension of the file of column `name` (`W3Codec.column_filename`)."""
    return f".{name}{W3Codec.COLUMN_EXT}"


def _numeric_column(column: Any, docnums: list[int], values: list[Any]) -> bytes:
    """What `NumericColumn.Writer` writes of `values` added for `docnums` (increasing):
    each document's value packed big-endian up to the last that is not the default (its
    `_typecode`, `_default`)."""
    default = column._default
    kept = [item for item in zip(docnums, values, strict=True) if item[1] != default]
    if not kept:
        return b""
    full = [default] * (kept[-1][0] + 1)
    for docnum, value in kept:
        full[docnum] = value
    return struct.pack(f"!{len(full)}{column._typecode}", *full)


def _var_bytes_column(column: Any, docnums: list[int], values: list[bytes], doccount: int) -> bytes:
    """What `VarBytesColumn.Writer` writes of `values` added for `docnums` (increasing)
    in a segment of `doccount` documents: the values, each document's length and, past
    `write_offsets_cutoff` documents, its offset (each in the smallest array type
    `GrowableArray` grows to), then the type codes."""
    return b"".join(values) + _var_bytes_trailer(column, docnums, list(map(len, values)), doccount)


def _var_bytes_trailer(column: Any, docnums: list[int], sizes: list[int], doccount: int) -> bytes:
    """What `VarBytesColumn.Writer` writes after the values (`_var_bytes_column`), given
    the size of the value of each of `docnums`."""
    lengths = [0] * doccount
    for docnum, size in zip(docnums, sizes, strict=True):
        lengths[docnum] = size
    packed, typecode = _big_endian(lengths)
    parts = [packed]
    if column.allow_offsets and doccount > column.write_offsets_cutoff:
        offsets, offsets_typecode = _big_endian(list(accumulate(lengths[:-1], initial=0)))
        parts += [offsets, typecode, offsets_typecode, b"X"]
    else:
        parts.append(typecode)
    return b"".join(parts)


def _big_endian(numbers: list[int]) -> tuple[bytes, bytes]:
    """`numbers` as a `GrowableArray` (allowing no longs) holds them and `write_array`
    writes them: in the smallest of its types, big-endian; and the type's code."""
    top = max(numbers, default=0)
    typecode = "B" if top < 2**8 else "H" if top < 2**16 else "i" if top < 2**31 else "I"
    packed = array(typecode, numbers)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tobytes(), typecode.encode("ascii")


def unlocked_writer(ix: FileIndex) -> writing.SegmentWriter:
    """A writer of `ix` that takes no Whoosh lock (the caller holds `write_lock`).
    Relies on the private `_lk` argument of `SegmentWriter`."""
    return writing.SegmentWriter(ix, _lk=False)


def writer_beside_workers(ix: FileIndex) -> writing.SegmentWriter:
    """`unlocked_writer(ix)` with its scratch files in a folder of their own inside
    Whoosh's, the one folder that finishing or cancelling it removes (Whoosh's writer
    removes the whole of its scratch folder), so worker processes can go on writing theirs
    beside it. Relies on `SegmentWriter._tempstorage` and `PostingPool.tempstore`."""
    writer = unlocked_writer(ix)
    scratch = ix.storage.temp_storage(os.path.join(f"{ix.indexname}.tmp", random_name()))
    writer._tempstorage = writer.pool.tempstore = scratch
    return writer


def finish_segment(writer: writing.SegmentWriter) -> Segment:
    """Write out the writer's new segment without committing it, as a worker's segment is
    (what the tests hold `store/inverter.py` to). Relies on
    `SegmentWriter._finalize_segment`."""
    return writer._finalize_segment()


def commit_segments(
    writer: writing.SegmentWriter, policy: Callable[..., list[Segment]], new: list[Segment]
) -> list[Segment]:
    """Commit the index's segments that `policy` keeps, with the writer's own deletions,
    plus the segments `new` written elsewhere (a new table of contents); the segments
    kept. Relies on `SegmentWriter._merge_segments`, `_close_segment` and `_commit_toc`,
    `_added`, `_finalize_segment`: the steps of `SegmentWriter.commit` before it releases
    the writer."""
    remaining = list(writer._merge_segments(policy, None, None))
    if writer._added:  # the policy merged segments into the writer's own one
        remaining.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(remaining + new)
    return remaining


def release_writer(writer: writing.SegmentWriter) -> None:
    """The last step of a commit: the writer's temporary files go, its lock (if any) is
    released. Relies on `SegmentWriter._finish`."""
    writer._finish()


def segments_of(ix: FileIndex) -> list[Segment]:
    """The segments of the index's newest commit. Relies on `FileIndex._segments`."""
    return list(ix._segments())


class PostingBlock(NamedTuple):
    """One block of a term's postings: its ids and weights (deleted documents left out),
    and the block's statistics as written: the largest weight and the shortest field
    length (Whoosh's length byte decoded; 0 when unknown)."""

    ids: Sequence[int]
    weights: Sequence[float]
    max_weight: float
    min_length: int


def term_blocks(
    reader: IndexReader, field: str, term: bytes, among: Sequence[int] | None = None
) -> Iterator[PostingBlock]:
    """The blocks of the postings of `term` in `field` of the segment `reader` (none when
    it lacks the term), deleted documents left out. A block of the on-disk format is read
    from the term's bytes, read at once, not through a matcher; its positions and
    characters are not decoded (only unpickled). With `among` (document numbers of the
    segment, sorted), a block of the on-disk format whose range of ids holds none of them
    (after the last id of the block before it, up to its own last) is left out without
    being decompressed. Relies on `SegmentReader._terms` (a
    `W3TermsReader`, whose `term_info` raises `TermNotFound` and `_postfile` holds the
    postings) and `deleted_docs_set`, on `W3TermInfo.extent()` (its length a 1-tuple as
    `from_bytes` reads it) and `inlined_postings()`, and on the layout of
    `W3PostingsWriter._write_block` (as `write_terms` writes it); any other reader is read
    through its matcher."""
    terms = getattr(reader, "_terms", None)
    if not isinstance(terms, W3TermsReader):
        blocks: Iterable[PostingBlock] = (
            _one_block(reader.postings(field, term)) if (field, term) in reader else ()
        )
    else:
        try:
            info = terms.term_info(field, term)
        except TermNotFound:
            return
        if info.is_inlined():
            ids, weights, _ = info.inlined_postings()
            blocks = [PostingBlock(ids, weights, max(weights), 0)]
        else:
            offset, length = info.extent()
            length = length[0] if isinstance(length, tuple) else length
            blocks = _w3_blocks(terms._postfile.get(offset, length), among)
    deleted = cast(Any, reader).deleted_docs_set if reader.has_deletions() else ()
    for block in blocks:
        if deleted:
            kept = [i for i, docnum in enumerate(block.ids) if docnum not in deleted]
            block = block._replace(
                ids=[block.ids[i] for i in kept], weights=[block.weights[i] for i in kept]
            )
        yield block


def _w3_blocks(raw: bytes, among: Sequence[int] | None = None) -> Iterator[PostingBlock]:
    after = -1  # the last id of the block before
    for (count, last, max_weight, compression, min_length, _), data in _w3_block_data(raw):
        if among is not None:
            wanted = bisect_right(among, after)
            after = last
            if wanted == len(among) or among[wanted] > last:
                continue
        deltas, weights = _ids_and_weights(data, compression, count)
        if weights is None:
            weights = (1.0,) * count
        elif isinstance(weights, float):  # as `W3LeafMatcher._read_weights`: a float32
            weights = (array("f", [weights])[0],) * count
        yield PostingBlock(
            tuple(accumulate(deltas)), weights, max_weight, byte_to_length(min_length)
        )


def _w3_block_data(raw: bytes) -> Iterator[tuple[tuple[Any, ...], bytes]]:
    """(statistics, data) of each block of a term's postings `raw`: (postings, last id,
    largest weight, compression, shortest and longest length bytes), and the pickled,
    maybe compressed (ids, weights, values). Damage raises what `W3LeafMatcher` raises:
    `CorruptIndexError` for a bad header, zlib's and pickle's errors for bad data."""
    if not raw.startswith(WHOOSH3_HEADER_MAGIC):
        raise CorruptIndexError(f"Bad postings header {raw[:4]!r}")
    stream = BytesIO(raw)
    position = len(WHOOSH3_HEADER_MAGIC)
    last = False
    while not last:
        (size,) = unpack_int(raw[position : position + _INT_SIZE])
        last, size = size < 0, abs(size)
        start = position + _INT_SIZE
        position = start + size
        stream.seek(start)
        statistics = pickle.load(stream)
        if not isinstance(statistics, tuple) or len(statistics) != 6:
            raise CorruptIndexError(f"Damaged postings block header {statistics!r}")
        yield statistics, raw[stream.tell() : position]


def term_values(
    reader: IndexReader, field: str, term: bytes, docnums: Sequence[int]
) -> dict[int, bytes]:
    """{document: encoded value (positions, characters, ...)} of the postings of `term` in
    `field` of the segment `reader`, for those of `docnums` (sorted, live) that hold it.
    Only the blocks holding them are decoded (as `term_blocks` reads, with the same
    reliances); a term whose values have a fixed size is read through its matcher."""
    terms = getattr(reader, "_terms", None)
    fixed = cast(Any, reader.schema[field].format).fixed_value_size()
    if not isinstance(terms, W3TermsReader) or (fixed is not None and fixed >= 0):
        return _matcher_values(reader, field, term, docnums)
    try:
        info = terms.term_info(field, term)
    except TermNotFound:
        return {}
    wanted = set(docnums)
    if info.is_inlined():
        ids, _, values = info.inlined_postings()
        return {
            docnum: value for docnum, value in zip(ids, values, strict=True) if docnum in wanted
        }
    offset, length = info.extent()
    length = length[0] if isinstance(length, tuple) else length
    found: dict[int, bytes] = {}
    pending = sorted(wanted)
    for statistics, data in _w3_block_data(terms._postfile.get(offset, length)):
        if not pending:
            break
        if pending[0] > statistics[1]:  # none wanted up to the block's last id
            continue
        deltas, _, values = pickle.loads(zlib.decompress(data) if statistics[3] else data)
        found.update(
            (docnum, value)
            for docnum, value in zip(accumulate(deltas), values, strict=True)
            if docnum in wanted
        )
        pending = [docnum for docnum in pending if docnum > statistics[1]]
    return found


def _matcher_values(
    reader: IndexReader, field: str, term: bytes, docnums: Sequence[int]
) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    if (field, term) not in reader:
        return found
    postings = reader.postings(field, term)
    for docnum in docnums:
        if not postings.is_active():
            break
        postings.skip_to(docnum)
        if postings.is_active() and postings.id() == docnum:
            found[docnum] = postings.value()
    return found


# The start of a block's pickled data (protocol 2 as Whoosh's writer pickles it, or 3 as
# `write_terms` does): its id differences, a tuple of small ints, and its weights, None, a
# float or a tuple of floats; the values (positions and characters) that follow are left
# alone.
_INT = rb"(?:K.|M..|J....)"
_FLOAT = rb"(?:G.{8})"
_IDS_AND_WEIGHTS = re.compile(
    rb"\x80[\x02\x03](\(%(int)s*t|\)|%(int)s{1,3}[\x85-\x87])(?:q.)?"
    rb"(N|\(%(float)s*t|\)|%(float)s{1,3}[\x85-\x87]|%(float)s)"  # a tuple before a float
    % {b"int": _INT, b"float": _FLOAT},
    re.DOTALL,
)


def _ids_and_weights(data: bytes, compression: int, count: int) -> tuple[Any, Any]:
    """The id differences and the weights of a block's `data` as written: only the
    start of the data is decompressed and unpickled, the whole when its start has
    another shape."""
    start = zlib.decompressobj().decompress(data, 64 + 14 * count) if compression else data
    found = _IDS_AND_WEIGHTS.match(start)
    if found is None:
        deltas, weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
        return deltas, weights
    return pickle.loads(b"\x80\x02" + found[1] + found[2] + b"\x86.")


def _one_block(postings: Any) -> Iterator[PostingBlock]:
    ids, weights = [], []
    while postings.is_active():
        ids.append(postings.id())
        weights.append(postings.weight())
        postings.next()
    yield PostingBlock(ids, weights, max(weights, default=0.0), 0)


# The attribute that keeps a reader's field lengths once read: {field: one byte a document}.
# On the reader itself, so the lengths live and die with it and no module keeps state.
_LENGTH_BYTES = "_searcher_length_bytes"


def field_length_bytes(reader: Any, field: str) -> bytes:
    """The length byte (Whoosh's `length_to_byte`) of `field` in each document of
    `reader`, all its segments, by document number; read once a reader. Relies on
    `SegmentReader._perdoc._cached_reader`, the `_{field}_len` column name, and
    `NumericColumn.Reader._typecode`, `_dbfile`, `_basepos` and `_count`; a column in
    another format is read a document at a time. Kept on `reader` (an attribute named
    `_LENGTH_BYTES`): Whoosh's readers take attributes."""
    known: dict[str, bytes] = reader.__dict__.setdefault(_LENGTH_BYTES, {})
    raw = known.get(field)
    if raw is not None:
        return raw
    leaves = reader.leaf_readers()
    if len(leaves) != 1 or leaves[0][0] is not reader:
        raw = b"".join(field_length_bytes(leaf, field) for leaf, _ in leaves)
    else:
        perdoc = getattr(reader, "_perdoc", None)
        column = perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN) if perdoc else None
        count = reader.doc_count_all()
        if isinstance(column, columns.NumericColumn.Reader) and column._typecode == "B":
            raw = column._dbfile.get(column._basepos, column._count).ljust(count, b"\0")
        else:
            lengths = (reader.doc_field_length(d, field, 0) for d in range(count))
            raw = bytes(length_to_byte(length) for length in lengths)
    known[field] = raw
    return raw


def reader_memo(reader: Any, name: str) -> dict[Any, Any]:
    """A dict kept on `reader` under `name`, for what a query reads that stays the same as
    long as the reader does (a term's document frequency, a table of its lengths): read
    once a reader, not once a query. Whoosh's readers take attributes."""
    memo: dict[Any, Any] = reader.__dict__.setdefault(f"_searcher_{name}", {})
    return memo


def column_value(reader: Any, field: str, docnum: int) -> Any:
    """The raw value of column `field` for document `docnum` of `reader` (any of its
    segments), read alone: None when the index's schema has no such field, the column's
    default in a segment written without its file. Each segment's column reader is
    Whoosh's cached one (`SegmentReader._perdoc._cached_reader`, as `field_length_bytes`),
    which maps the segment's own document numbers."""
    if field not in reader.schema:
        return None
    column = reader.schema[field].column_type
    leaves = reader.leaf_readers()
    leaf, offset = leaves[bisect_right([offset for _, offset in leaves], docnum) - 1]
    perdoc = getattr(leaf, "_perdoc", None)
    values = perdoc._cached_reader(field, column) if perdoc else None
    if values is None:
        return column.default_value()
    return values[docnum - offset]
