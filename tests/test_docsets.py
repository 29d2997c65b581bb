import pickle
import zlib

import pytest
from conftest import NEWSROOM
from whoosh.searching import Searcher

from searcher import Index, whoosh_internals
from searcher.query.docsets import Postings, matching_docs
from searcher.query.parsing import parse_query
from searcher.whoosh_internals import _ids_and_weights, term_values

QUERIES = (
    "oil",
    "oil prices",
    "oil AND prices",
    "oil OR strike",
    "oil -gas",
    "oil NOT prices",
    '"oil prices" protests',
    "source:reuters oil",
    "oil prices date:2023",
    "nosuchword",
    "NOT oil",
)


@pytest.fixture(scope="module")
def split_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The newsroom in two segments, with one article deleted (replaced by an edit)."""
    ix = Index(tmp_path_factory.mktemp("docsets") / "index")
    ix.add(NEWSROOM[:3])
    ix.add(NEWSROOM[3:])
    ix.add(NEWSROOM[1:2])  # replaces: the first copy stays in its segment, deleted
    return ix


@pytest.mark.parametrize("text", QUERIES)
def test_match_sets_equal_whooshs(split_index: Index, text: str) -> None:
    whoosh_ix = split_index._open()
    assert len(whoosh_ix._segments()) > 1
    with whoosh_ix.searcher() as searcher:
        assert searcher.reader().has_deletions()
        strict, loose = parse_query(text, searcher.schema)
        for q in (strict, loose):
            if q is not None:
                assert matching_docs(searcher, q) == set(searcher.docs_for_query(q))


def test_a_replaced_article_matches_once(split_index: Index) -> None:
    with split_index._open().searcher() as searcher:
        strict, _ = parse_query("oil prices", searcher.schema)
        found = {searcher.stored_fields(n)["id"] for n in matching_docs(searcher, strict)}
        assert len(matching_docs(searcher, strict)) == len(found)


def _whooshs_postings(
    searcher: Searcher, field: str, text: bytes
) -> tuple[dict[int, float], dict[int, bytes]]:
    """{document: weight} and {document: value} of a term, read by Whoosh's own matchers."""
    weights, values = {}, {}
    for reader, offset in searcher.reader().leaf_readers():
        if (field, text) in reader:
            postings = reader.postings(field, text)
            while postings.is_active():
                weights[offset + postings.id()] = postings.weight()
                values[offset + postings.id()] = postings.value()
                postings.next()
    return weights, values


@pytest.mark.parametrize("name", ["generated_index", "optimized_index"])
def test_postings_equal_whooshs_matchers(request: pytest.FixtureRequest, name: str) -> None:
    """Every term of every prose field, read a term's bytes at once and only the ids and
    weights decoded, gives what Whoosh's matchers give, over many blocks and deletions
    (the generated index) and on segments Whoosh's writer merged; each block's
    statistics bound its weights."""
    ix: Index = request.getfixturevalue(name)
    with ix._open().searcher() as searcher:
        postings = Postings(searcher)
        several_blocks = 0
        for field in ("headline", "body", "quotes", "captions"):
            for text in set(searcher.reader().lexicon(field)):
                expected, _ = _whooshs_postings(searcher, field, text)
                assert postings.weights(field, text) == expected, (field, text)
                peaks = postings.peaks(field, text)
                if expected:
                    assert max(expected.values()) <= max(weight for weight, _ in peaks)
                several_blocks += len(peaks) > 3
        assert several_blocks or name == "optimized_index"


def test_body_values_of_a_page_equal_whooshs(generated_index: Index) -> None:
    with generated_index._open().searcher() as searcher:
        reader, _ = searcher.reader().leaf_readers()[0]
        for text in (b"market", b"cocoa", b"nosuchword"):
            _, expected = _whooshs_postings(searcher, "body", text)
            wanted = [d for d in (1, 5, 6, 130, 131, 299, 1000) if not reader.is_deleted(d)]
            assert term_values(reader, "body", text, wanted) == {
                docnum: value for docnum, value in expected.items() if docnum in wanted
            }


@pytest.mark.parametrize("compression", [0, 3])
@pytest.mark.parametrize(
    "weights", [None, 2.0, (1.0, 2.0, 5.0), (1, 2, 5)], ids=["none", "one", "floats", "ints"]
)
def test_a_blocks_ids_and_weights_are_read_from_its_start(compression: int, weights) -> None:
    """Blocks as Whoosh pickles them; weights of another type (ints) are read by
    unpickling the whole block."""
    data = pickle.dumps(((3, 1, 400), weights, (b"a", b"b", b"c")), 2)
    raw = zlib.compress(data, compression) if compression else data
    assert _ids_and_weights(raw, compression, 3) == ((3, 1, 400), weights)


@pytest.mark.parametrize("protocol", [2, 3])  # Whoosh's writer's, `write_terms`'
def test_a_blocks_values_are_not_unpickled_for_its_ids_and_weights(protocol: int) -> None:
    """Only the start of a block is unpickled: its values (cut short here) are not read."""
    data = pickle.dumps(((3, 1, 400), (1.0, 2.0, 5.0), (b"a" * 90, b"b", b"c")), protocol)
    start = data[: data.index(b"a" * 90)]
    assert _ids_and_weights(start, 0, 3) == ((3, 1, 400), (1.0, 2.0, 5.0))
    assert _ids_and_weights(zlib.compress(start), 3, 3) == ((3, 1, 400), (1.0, 2.0, 5.0))


@pytest.mark.parametrize("name", ["generated_index", "merged_generated_index"])
def test_postings_among_some_documents_read_only_the_blocks_that_may_hold_them(
    request: pytest.FixtureRequest, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Postings.among` gives the whole postings' weights of the documents asked for and
    how many live documents hold the term, across segments and deletions; in a segment
    without deletions it decodes only the blocks whose range of ids holds one of them."""
    ix: Index = request.getfixturevalue(name)
    decoded: list[int] = []

    def counting(data: bytes, compression: int, count: int) -> tuple:
        decoded.append(count)
        return _ids_and_weights(data, compression, count)

    with ix._open().searcher() as searcher:
        assert searcher.reader().has_deletions() != (name == "merged_generated_index")
        live = sorted(searcher.reader().all_doc_ids())
        for docs in (set(live[::37]), {live[3], live[-2]}, set(), set(live)):
            for field, text in (("body", "market"), ("body", "cocoa"), ("headline", "oil")):
                whole = Postings(searcher).weights(field, text)
                monkeypatch.setattr(whoosh_internals, "_ids_and_weights", counting)
                decoded.clear()
                found, held = Postings(searcher).among(field, text, docs)
                monkeypatch.undo()
                assert found == {d: w for d, w in whole.items() if d in docs}, (field, text)
                assert held == len(whole)
                if name == "merged_generated_index" and len(docs) == 2 and text == "market":
                    assert 0 < sum(decoded) < len(whole)  # some blocks skipped
        assert Postings(searcher).among("body", "nosuchword", set(live)) == ({}, 0)
