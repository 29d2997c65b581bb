"""The indexer's own segment writer (`store/inverter.py`) writes what Whoosh's writer
writes: the same segment files from the same documents (also when its postings go through
run files), byte for byte but for the pickles and compression level of the postings
blocks' data (`whoosh_internals.BLOCK_PROTOCOL`, `pickled_blocks`, `BLOCK_LEVEL`): the
same postings, positions and characters as Whoosh reads them, and so an index it writes
answers every search as one Whoosh's writer wrote: ids, scores, snippets, totals, facets.
Its prose analysis (`ProseTerms`) gives what the prose analyzer gives."""

from __future__ import annotations

import pickle
import random
import time
import zlib
from array import array
from collections.abc import Iterable
from datetime import datetime
from io import BytesIO
from itertools import accumulate, chain, pairwise
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    NEWSROOM,
    SEED,
    SEGMENTED_COMMIT_EVERY,
    _write_briefs,
    _write_wire_and_papers,
    shared_path,
)
from whoosh import columns
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3TermsReader
from whoosh.fields import Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.formats import Characters, Positions

from bench.queries import QUERIES as BENCH_QUERIES
from searcher import Article, Index, Results, SearchOptions, read_corpus, whoosh_internals
from searcher.enrich import enrich
from searcher.store import workers
from searcher.store.analysis import (
    NewsAnalyzer,
    Occurrences,
    ProseTerms,
    _news_forms,
    _normal_form,
    news_analyzer,
)
from searcher.store.documents import to_document
from searcher.store.inverter import SegmentInverter, _indexer
from searcher.store.schema import METADATA_FIELD, build_schema
from searcher.whoosh_internals import (
    _TERM_INFO,
    PostingOccurrences,
    _nothing,
    _numeric_column,
    _one_posting_terms,
    _pickled,
    _postings,
    _var_bytes_column,
    _w3_block_data,
    finish_segment,
    pickled_blocks,
    segment_writer,
)


class WhooshWriter:
    """Whoosh's own writer where the indexer takes a `SegmentInverter`: the reference."""

    def __init__(self, storage: FileStorage, schema: Schema, limit_mb: int, prose: ProseTerms):
        self._writer = segment_writer(storage.open_index(), limit_mb)
        self._schema, self._prose = schema, prose

    def add(self, document: dict[str, Any]) -> None:
        for name, value in document.items():  # the words, for the stem table
            if isinstance(self._schema[name].analyzer, NewsAnalyzer):
                self._prose.terms(value)
        self._writer.add_document(**document)

    def finish(self) -> Segment:
        return finish_segment(self._writer)


def documents(articles: Iterable[Article]) -> list[dict[str, Any]]:
    return [{**to_document(enrich(article)), "file": article.id} for article in articles]


def segment_files(folder: Path, documents: list[dict[str, Any]], writer: type) -> dict[str, Any]:
    """The files of the segment `writer` makes of `documents` in a new index, by extension;
    the term index and the postings (`trm`, `pst`) as what they hold (`postings`)."""
    folder.mkdir()
    storage = FileStorage(str(folder))
    schema = storage.create_index(build_schema()).schema
    inverter = writer(storage, schema, 1, ProseTerms())
    for document in documents:
        inverter.add(document)
    segment = inverter.finish()
    compound = segment.open_compound_file(storage)
    files: dict[str, Any] = {
        name.split(".", 1)[1]: compound.open_file(name).read() for name in compound.list()
    }
    terms = segment.codec().terms_reader(compound, segment)
    files["trm"], files["pst"] = postings(terms, schema), b""
    terms.close()
    compound.close()
    return files


def postings(terms: W3TermsReader, schema: Schema) -> dict[tuple[str, bytes], Any]:
    """What the term index and the postings of a segment hold: each term's information
    (its statistics, not where its postings are), each block's statistics (but whether it
    is compressed, which depends on the size of its pickle) and data unpickled, and each
    posting as Whoosh's matcher reads it; positions and characters as Whoosh's format
    decodes them. A writer that pickles the blocks' data otherwise writes other bytes,
    compressed or not, at other offsets: Whoosh reads them as the same postings."""
    found = {}
    for (field, term), info in terms.items():
        offset, length = info.extent()
        raw = terms._postfile.get(offset, length[0] if isinstance(length, tuple) else length)
        decode = decoder(schema[field].format)
        blocks = []
        for statistics, data in _w3_block_data(raw):
            ids, weights, values = pickle.loads(zlib.decompress(data) if statistics[3] else data)
            if isinstance(values, tuple):
                values = tuple(map(decode, values))
            blocks.append((*statistics[:3], *statistics[4:], (ids, weights, values)))
        matcher = terms.matcher(field, term, schema[field].format)
        read = []
        while matcher.is_active():
            read.append((matcher.id(), matcher.weight(), decode(matcher.value())))
            matcher.next()
        statistics = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
        statistics += (info.max_weight(), info.min_id(), info.max_id(), info.is_inlined())
        found[field, term] = statistics, blocks, read
    return found


def decoder(format_: Any) -> Any:
    """What reads a posting's value of `format_` as Whoosh does: positions and characters
    decoded (with the number of occurrences); other values as they are."""
    if isinstance(format_, Characters):
        return lambda value: (format_.decode_frequency(value), format_.decode_characters(value))
    if isinstance(format_, Positions):
        return lambda value: (format_.decode_frequency(value), format_.decode_positions(value))
    return lambda value: value


# Articles with and without each field: date, source, authors, captions, quotes, metadata.
VARIED = (
    *NEWSROOM,
    Article(id="bare", headline="A headline only"),
    Article(id="body", body="Only a body, “with a quote that runs on,” said Ann Lee."),
    Article(
        id="full",
        headline="Grain exports",
        body="Wheat and maize exports rose. " * 40,
        captions=("A silo", "Ships in port"),
        metadata={"topics": ("grain", "wheat"), "places": ("usa",)},
        section="business",
        url="https://example.org/grain",
    ),
)


@pytest.mark.parametrize(
    ("limit_mb", "level"),
    [(64, 0), (0, 0), (64, 1)],  # 0 MB: every document's postings go to a run
)
def test_the_segment_is_what_whoosh_writes(
    tmp_path: Path, limit_mb: int, level: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(whoosh_internals, "BLOCK_LEVEL", level)  # 1: blocks compressed
    docs = documents(VARIED)
    inverter = lambda *args: SegmentInverter(*args[:2], limit_mb, args[3])  # noqa: E731
    ours = segment_files(tmp_path / "ours", docs, inverter)
    assert ours == segment_files(tmp_path / "whoosh", docs, WhooshWriter)
    assert {"pst", "trm", "_stored.col", "date.col", "source_facet.col"} <= set(ours)
    assert not list((tmp_path / "ours" / "MAIN.tmp").glob("*.run"))  # runs gone once merged


def test_fields_other_than_prose_have_the_terms_whoosh_gives_them() -> None:
    """The shortcuts (an ID's value, a number shifted once converted, a name's words,
    terms remembered by value) give `FieldType.index`'s terms, and a value met again fresh
    encoded values: pickled in one block, one object met twice would be written as a
    reference."""
    schema = build_schema()
    values: dict[str, list[Any]] = {
        "id": ["a/b.txt", "Ünïcode id", "", "a/b.txt"],
        "date": [
            datetime(1987, 2, 26, 15, 1, 1, 790000),
            datetime(1900, 1, 1),
            datetime(2030, 12, 31),
        ],
        "section": ["Business", "business", "Business"],
        "source": ["Reuters", "BBC News", "Reuters"],
        "speakers": ["Ann Lee; Bob O’Neil", "Ann Lee; Bob O’Neil"],
        "byline": [
            "By J.R.R. Tolkien and José Ñúñez; AT&T's Ann-Lee O’Neil, U.S.A. desk (Ann Lee)",
            "ΟΔΥΣΣΕΑΣ Straße İstanbul ǅemal",
            *TEXTS,
        ],
        METADATA_FIELD: [
            "topics=grain\nplaces=usa\ntopics=grain",
            "topics=grain\nplaces=usa\ntopics=grain",
            "dateline=WASHINGTON, Feb 26 -\n\n  places=Côte d’Ivoire \ntopics=Grain\n=\n",
            *TEXTS,
        ],
    }
    for name, field_values in values.items():
        field = schema[name]
        indexer = _indexer(field)
        for value in field_values:
            expected = list(field.index(value))
            if name in ("id", "date", "speakers", "byline", METADATA_FIELD):  # without `index()`
                field.index = None  # type: ignore[method-assign]
            ours = list(indexer(value))
            vars(field).pop("index", None)
            assert ours == expected, (name, value)
            again = list(indexer(value))
            assert ours == again and all(
                a[3] is not b[3] for a, b in zip(ours, again, strict=True) if a[3]
            )
        assert list(indexer(field_values[:2])) == list(schema[name].index(field_values[:2]))


def test_the_segment_of_bbc_is_what_whoosh_writes(tmp_path: Path) -> None:
    docs = documents(read_corpus(shared_path("corpora", "bbc", "politics")))
    ours = segment_files(tmp_path / "ours", docs, SegmentInverter)  # a run every MB or so
    assert ours == segment_files(tmp_path / "whoosh", docs, WhooshWriter)
    assert any(len(blocks) > 1 for _, blocks, _ in ours["trm"].values())


TEXTS = (
    SEED.read_text(),
    "The U.S. and U.K. didn’t say; Kazakhstan's CAFÉ “quoted” — the of a 2022 e.g.",
    "AT&T's talks at P&G & S&P, A&B&C, Johnson&Johnson.",
    "the of and",
    "",
    "  ...  ",
    "Über naïve résumés -- the end --",
)


@pytest.mark.parametrize("format_", [Positions(), Characters()])
def test_prose_terms_are_those_of_the_prose_analyzer(format_: Positions) -> None:
    prose = ProseTerms()
    for text in TEXTS:
        chars = isinstance(format_, Characters)
        found = prose.terms(text, chars)
        terms, length = grouped(found), len(found.terms)
        expected = list(format_.word_values(text, news_analyzer(), mode="index"))
        decode = decoder(format_)
        if chars:  # (position, first character, number of characters)
            read = [
                (p, s, e - s)
                for _, found in map(decode, (v for *_, v in expected))
                for p, s, e in found
            ]
        else:
            read = [p for _, found in map(decode, (v for *_, v in expected)) for p in found]
        assert [(t, len(o)) for t, o in terms.items()] == [(t, f) for t, f, _, _ in expected]
        assert list(chain.from_iterable(terms.values())) == read
        assert length == sum(frequency for _, frequency, _, _ in expected)
    words = prose.words()
    assert words["didn't"] == "didn't" and words["quoted"] == "quot" and "the" not in words
    assert prose.words() == {}  # given once


def test_indexing_keeps_one_cache_of_word_forms() -> None:
    """A worker's analysis (prose fields and lead words) fills its `ProseTerms` cache and
    no cache of the analyzer's beside it: each is a worker's memory, word for word."""
    prose = ProseTerms()
    before = _news_forms.cache_info().currsize, _normal_form.cache_info().currsize
    words = [f"Zyxword{n}s" for n in range(50)]
    prose.terms(" ".join(words), chars=True)
    prose.analysed(" ".join(words[::-1]) + " Qwvtrek")
    after = _news_forms.cache_info().currsize, _normal_form.cache_info().currsize
    assert after == before
    assert len(prose.words()) == 51 and prose.words() == {}


def test_passages_of_a_body_have_the_words_they_have_alone() -> None:
    """Quotes take their words from the body's analysis where they stand clear of its
    words, and are read on their own where not: the same terms either way."""
    body = TEXTS[1] + " " + TEXTS[2] + "\n\n" + SEED.read_text()
    cuts = random.Random(7).sample(range(len(body)), 400)
    passages = [body[a:b] for a, b in zip(cuts[::2], cuts[1::2], strict=True)]
    passages += ["U.S", "U.K. didn", "AT", "T's talks", "“quoted”", "", "not in the body"]
    shared = ProseTerms()
    shared.terms(body, chars=True)
    for n in range(0, len(passages), 3):
        quotes = "\n\n".join(passages[n : n + 3])
        assert shared.terms(quotes) == ProseTerms().terms(quotes), quotes


def test_a_long_run_of_punctuation_is_read_in_linear_time() -> None:
    start = time.monotonic()
    found = ProseTerms().terms("Words, elections " + "-" * 200_000, chars=True)
    assert time.monotonic() - start < 5  # a quadratic reading takes minutes
    assert found == Occurrences(["word", "elect"], 0, [0, 7], [5, 9])


def grouped(found: Occurrences) -> dict[str, list[Any]]:
    """The occurrences of each term of `found`, in the order terms are first met, as
    Whoosh's formats group them: positions, or (position, first character, number of
    characters) with characters."""
    places: Iterable[Any] = range(found.first, found.first + len(found.terms))
    if found.starts is not None:
        places = zip(places, found.starts, found.sizes or (), strict=True)
    groups: dict[str, list[Any]] = {}
    for term, place in zip(found.terms, places, strict=True):
        groups.setdefault(term, []).append(place)
    return groups


QUERIES = ("oil prices", "protests", '"oil prices"', "headline:oil", "quote:corruption")
OPTIONS = (
    SearchOptions(facets=("source", "year", "author", "country", "language")),
    SearchOptions(sort="newest", sources=("reuters",)),
)


def answers(ix: Index, queries: Iterable[str]) -> list[Results]:
    return [ix.search(q, limit=None, options=o) for q in queries for o in OPTIONS]


def update(ix: Index, corpus: Path, commit_every: int, monkeypatch: Any = None) -> None:
    """Bring `ix` up to date with `corpus` in one worker (so that its segments, and every
    tie, come out the same each time), through Whoosh's writer given `monkeypatch`."""
    with pytest.MonkeyPatch.context() as patch:
        if monkeypatch is not None:
            patch.setattr(workers, "SegmentInverter", WhooshWriter)
        assert ix.update(read_corpus(corpus), workers=1, commit_every=commit_every).added


def test_a_segmented_index_answers_as_if_whooshs_writer_wrote_it(tmp_path: Path) -> None:
    """The archive of `segmented_index`, in two runs and several segments, some without a
    date, source or author column."""
    archive = tmp_path / "archive"
    ours, whoosh = Index(tmp_path / "ours"), Index(tmp_path / "whoosh")
    for write in (_write_briefs, _write_wire_and_papers):
        write(archive)
        update(ours, archive, SEGMENTED_COMMIT_EVERY)
        update(whoosh, archive, SEGMENTED_COMMIT_EVERY, monkeypatch=True)
    assert ours.stats().segments >= 4
    found = answers(ours, QUERIES)
    assert found == answers(whoosh, QUERIES)
    assert sum(results.total for results in found) > 100 and any(r.facets for r in found)


def test_bbc_answers_as_if_whooshs_writer_wrote_it(tmp_path: Path) -> None:
    bbc = shared_path("corpora", "bbc")
    ours, whoosh = Index(tmp_path / "ours"), Index(tmp_path / "whoosh")
    update(ours, bbc, 1000)
    update(whoosh, bbc, 1000, monkeypatch=True)
    queries = (*BENCH_QUERIES[:12], "tony blare iraq", '"prime minister" -blair', "speaker:blair")
    assert answers(ours, queries) == answers(whoosh, queries)


def _whooshs_column(column: columns.Column, values: dict[int, Any], doccount: int) -> bytes:
    """What Whoosh's writer of `column` writes of `values` (by document), value by value."""
    stream = BytesIO()
    writer = column.writer(StructFile(stream))
    for docnum, value in sorted(values.items()):
        writer.add(docnum, value)
    writer.finish(doccount)
    return stream.getvalue()


@pytest.mark.parametrize("size", [0, 40, 300, 70_000])  # lengths' and offsets' array types
def test_columns_are_written_at_once_as_whooshs_writers_write_them(size: int) -> None:
    """Columns of bytes (with offsets past a few documents) and of numbers, written at once
    (`DocumentColumns`), with documents left out: Whoosh's writers' bytes."""
    rng = random.Random(size)
    doccount = 12
    varied = {d: bytes(rng.randrange(size + 1)) for d in sorted(rng.sample(range(doccount), 7))}
    for column in (columns.VarBytesColumn(), columns.VarBytesColumn(write_offsets_cutoff=5)):
        expected = _whooshs_column(column, varied, doccount)
        assert _var_bytes_column(column, list(varied), list(varied.values()), doccount) == expected
    for column, numbers in (
        (LENGTHS_COLUMN, {1: 3, 4: 0, 5: 255, 9: 0}),
        (columns.NumericColumn("Q", default=2**64 - 1), {0: 2**64 - 1, 2: size, 3: 2**64 - 1}),
        (columns.NumericColumn("i"), {}),
    ):
        expected = _whooshs_column(column, numbers, doccount)
        assert _numeric_column(column, list(numbers), list(numbers.values())) == expected


@pytest.mark.parametrize("format_", [Positions(), Characters()])
def test_blocks_pickled_at_once_hold_what_whoosh_writes(format_: Positions) -> None:
    """A chunk's blocks pickled and framed at once from occurrences as numbers hold what
    Whoosh's writer pickles of the values its format encodes: the same ids, weights and
    decoded values, block statistics and term entries; with numbers of one, two and four
    bytes, values longer than 255 bytes, weights all 1, all the same or not."""
    import numpy as np

    rng = random.Random(18)
    chars = isinstance(format_, Characters)
    decode = decoder(format_)
    lengths = bytes(rng.randrange(256) for _ in range(300_000))
    for limit in (1, 3, 128):
        counts, ids, weights, frequencies, numbers, encoded = [], [], [], [], [], []
        for _ in range(40):
            counts.append(rng.choice([1, 1, 2, 7, 300]))
            for docnum in sorted(rng.sample(range(rng.choice([400, 300_000])), counts[-1])):
                frequency = rng.choice([1, 1, 2, 60])
                positions = sorted(rng.sample(range(rng.choice([300, 100_000])), frequency))
                occurrences = [
                    (p, p * 7 + rng.randrange(5), rng.randrange(1, 40)) for p in positions
                ]
                if chars:
                    numbers += occurrences
                    found = [(p, s, s + n) for p, s, n in occurrences]
                else:
                    numbers += positions
                    found = positions
                encoded.append(format_.encode(found))
                ids.append(docnum)
                frequencies.append(frequency)
                weights.append(frequency * rng.choice([1.0, 1.0, 1.5]))
        ids_, weights_ = array("I", ids), array("f", weights)
        values = PostingOccurrences(np.array(frequencies, np.int64), np.array(numbers, np.int64))
        data, ends, _ = pickled_blocks(counts, ids_, weights_, values, limit)
        framed, _, infos = pickled_blocks(counts, ids_, weights_, values, limit, lengths, 1000)
        starts = [0, *accumulate(counts)]
        expected, expected_infos, read, offset = [], [], [], 1000
        for start, end in pairwise(starts):
            blocks = list(
                _pickled(ids_[start:end], weights_[start:end], encoded[start:end], limit, tuple)
            )
            expected += blocks
            found, total, maxweight, low, high = _postings(
                ids_[start:end], weights_[start:end], blocks, lengths, limit, 0
            )
            expected_infos.append(
                _TERM_INFO.pack(
                    0,
                    total,
                    end - start,
                    low,
                    high,
                    maxweight,
                    ids[start],
                    ids[end - 1],
                    offset,
                    len(found),
                )
            )
            read.append(found)
            offset += len(found)
        got = [pickle.loads(data[a:b]) for a, b in pairwise(ends)]
        assert len(got) == len(expected)
        for (g_ids, g_weights, g_values), want in zip(got, expected, strict=True):
            w_ids, w_weights, w_values = pickle.loads(want)
            assert (g_ids, g_weights) == (w_ids, w_weights)
            assert list(map(decode, g_values)) == list(map(decode, w_values))
        # the same statistics; the postings where the entries say, one term after the other
        entries = [_TERM_INFO.unpack(info) for info in infos]
        assert [entry[:8] for entry in entries] == [
            _TERM_INFO.unpack(info)[:8] for info in expected_infos
        ]
        assert [entry[8] for entry in entries] == list(
            accumulate((entry[9] for entry in entries[:-1]), initial=1000)
        )
        assert sum(entry[9] for entry in entries) == len(framed)
        for entry, found in zip(entries, read, strict=True):  # the same blocks
            ours = list(_w3_block_data(framed[entry[8] - 1000 :][: entry[9]]))
            theirs = list(_w3_block_data(found))
            assert [s for s, _ in ours] == [s for s, _ in theirs]
            for (_, a), (_, b) in zip(ours, theirs, strict=True):
                (a_ids, a_weights, a_values), (b_ids, b_weights, b_values) = map(
                    pickle.loads, (a, b)
                )
                assert (a_ids, a_weights) == (b_ids, b_weights)
                assert list(map(decode, a_values)) == list(map(decode, b_values))


def test_terms_in_one_document_are_written_at_once_as_one_at_a_time() -> None:
    """The postings of terms in one document each of a format without values (an ID,
    a date) made at once are those `_postings` makes a term at a time: documents of one,
    two and four bytes, weights 1 or not, with field lengths and without."""
    rng = random.Random(7)
    counts = [rng.choice([1, 1, 1, 2, 5]) for _ in range(3_000)]
    ids = array("I", sorted(rng.sample(range(300_000), sum(counts))))
    ids[:3] = array("I", [0, 255, 256])  # (and some of two bytes, most of four)
    weights = array("f", [rng.choice([1.0, 1.0, 2.5, 0.75]) for _ in ids])
    for lengths in (None, bytes(rng.randrange(256) for _ in range(300_000))):
        starts = [0, *accumulate(counts)]
        expected = [
            _postings(
                ids[start:end],
                weights[start:end],
                _pickled(ids[start:end], weights[start:end], [b""], 128, _nothing),
                lengths,
                128,
                0,
            )[0]
            for start, end in pairwise(starts)
            if end - start == 1
        ]
        assert list(_one_posting_terms(counts, ids, weights, lengths)) == expected
