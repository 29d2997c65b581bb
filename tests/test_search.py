import struct
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import filler

from searcher import Article, Index, QuerySyntaxError, read_corpus, whoosh_internals
from searcher.models import Quote
from searcher.query import search
from searcher.query.syntax import check_syntax

Build = Callable[..., Index]
FILLER = "Officials met on Tuesday to discuss the budget and the weather in the region. "


def article(id: str, headline: str = "Local council meeting", body: str = "", **kw) -> Article:
    """A test article; FILLER in its body becomes filler text of its own."""
    body = (body or FILLER * 3).replace(FILLER, filler(id))
    return Article(id=f"t/{id}", headline=headline, body=body, **kw)


def test_headline_match_outranks_body_only_match(make_index: Build) -> None:
    ix = make_index(
        article("body", body=FILLER + "Pipeline talks stalled again. " + FILLER),
        article("head", headline="Pipeline talks stalled"),
    )
    assert [hit.id for hit in ix.search("pipeline")] == ["t/head", "t/body"]


def test_quote_match_outranks_body_only_match(make_index: Build) -> None:
    said = "“We will not accept any pipeline through the valley,” said Maria Lopez."
    ix = make_index(
        article("body", body=FILLER + "The pipeline through the valley was debated. " + FILLER),
        article("quote", body=FILLER + said + " " + FILLER),
    )
    assert [hit.id for hit in ix.search("pipeline")] == ["t/quote", "t/body"]


def test_quotes_given_by_the_reader_are_indexed_as_they_are(make_index: Build) -> None:
    quote = Quote(text="Sanctions hurt everybody", speaker="A Minister", cue="said")
    ix = make_index(article("q", quotes=(quote,)), article("other"))
    assert [hit.id for hit in ix.search("sanctions")] == ["t/q"]


def test_both_words_outrank_one_word_repeated_and_partials_still_show(make_index: Build) -> None:
    ix = make_index(
        # "oil" many times, "prices" absent: a strong partial match
        article("partial", headline="Oil oil oil", body="Oil output and oil exports. " * 5),
        article("both", body=FILLER + "Oil prices rose slightly. " + FILLER),
        article("none"),
    )
    results = ix.search("oil prices")
    assert [hit.id for hit in results] == ["t/both", "t/partial"]
    assert results.total == 2


def test_stemming_applies_to_query_and_text(make_index: Build) -> None:
    ix = make_index(article("a", body=FILLER + "A troop of protesters gathered. " + FILLER))
    assert [hit.id for hit in ix.search("troops protests")] == ["t/a"]


def test_snippets_surround_the_matches_with_exact_spans(make_index: Build) -> None:
    body = FILLER * 5 + "The CSTO sent troops to Almaty. " + FILLER * 5
    ix = make_index(article("a", body=body))
    [hit] = ix.search("CSTO troops")
    [snippet] = hit.snippets
    assert [snippet.text[a:b] for a, b in snippet.spans] == ["CSTO", "troops"]
    assert snippet.text.startswith("… ") and snippet.text.endswith(" …")
    assert len(snippet.text) < 300


def test_limit_offset_and_total(make_index: Build) -> None:
    ix = make_index(
        *(article(str(n), body=f"Budget item {n}. " + "Budget " * n) for n in range(1, 8))
    )
    first = ix.search("budget", limit=3)
    assert first.total == 7 and len(first) == 3
    assert [hit.rank for hit in first] == [1, 2, 3]
    every = ix.search("budget", limit=None)
    assert [hit.id for hit in every][:3] == [hit.id for hit in first]


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ('"oil prices', "Unclosed double quote", 0),
        ("(oil OR gas", "Unclosed bracket", 0),
        ("oil) gas", "Closing bracket without an opening one", 3),
        ("AND", "AND has nothing before it", 0),
        ("oil OR", "OR has nothing after it", 4),
        ("oil AND OR gas", "OR has nothing before it", 8),
        ("(oil NOT)", "NOT has nothing after it", 8),
        ("   ", "Empty query", 0),
    ],
)
def test_malformed_queries_name_the_problem_and_position(
    text: str, message: str, position: int
) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        check_syntax(text)
    assert raised.value.position == position
    assert str(raised.value) == f"{message} at position {position + 1}"


def test_at_and_t_is_found_as_one_word_not_as_t(make_index: Build) -> None:
    ix = make_index(
        article("att", headline="AT&T raises prices", body=FILLER + "AT&T's customers pay more."),
        article("tmobile", headline="T-Mobile at the mall", body=FILLER + "T-Mobile opened."),
    )
    assert [hit.id for hit in ix.search("AT&T")] == ["t/att"]
    assert [hit.id for hit in ix.search('"AT&T customers"')] == ["t/att"]


def test_lenient_plain_words_with_stray_punctuation(make_index: Build) -> None:
    ix = make_index(article("a", body=FILLER + "U.S. troops landed. " + FILLER))
    assert [hit.id for hit in ix.search("U.S. troops?")] == ["t/a"]
    assert [hit.id for hit in ix.search('"troops landed"')] == ["t/a"]


def test_results_are_plain_data_usable_after_the_index_is_gone(make_index: Build, tmp_path) -> None:
    import shutil

    ix = make_index(article("a", headline="Flood warning"))
    results = ix.search("flood")
    shutil.rmtree(tmp_path / "index")
    assert results.hits[0].headline == "Flood warning"
    assert results.hits[0].headline_spans == ((0, 5),)


def test_and_maybe_skip_to_keeps_the_optional_side_in_step() -> None:
    from whoosh.matching import ListMatcher
    from whoosh.matching.binary import AndMaybeMatcher

    whoosh_internals.apply()
    matcher = AndMaybeMatcher(ListMatcher([1, 5, 9]), ListMatcher([4, 5]))
    matcher.skip_to(3)  # the required side lands on 5, past the requested 3
    assert matcher.id() == 5
    assert matcher.score() == 2.0  # both sides scored (1.0 each), not the required one alone


@pytest.mark.parametrize("count", [0, 1, 1000, 2**15 + 1])  # Whoosh writes offsets past 2**15
def test_a_column_of_values_reads_each_document_s_value(tmp_path: Path, count: int) -> None:
    """Stored fields and other variable-length columns give every document its value, with
    the offsets Whoosh left out summed from the lengths (`whoosh_internals`)."""
    from whoosh import columns
    from whoosh.filedb.filestore import FileStorage

    whoosh_internals.apply()
    storage = FileStorage(str(tmp_path))
    column = columns.VarBytesColumn()
    values = [str(n).encode() * (n % 4) for n in range(count)]
    out = storage.create_file("column")
    writer = column.writer(out)
    for n, value in enumerate(values):
        writer.add(n, value)
    writer.finish(count)
    out.close()
    size = storage.file_length("column")
    reader = column.reader(storage.open_file("column"), 0, size, count)
    assert reader.had_stored_offsets == (count > 2**15)
    assert [reader[n] for n in range(count)] == values
    assert list(reader) == values


def test_a_term_index_reads_every_key_it_was_written_with(tmp_path: Path) -> None:
    """Whoosh's on-disk hash tables (a segment's term index) answer every key and no
    other, their directory read at once (`whoosh_internals`)."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import (
        HashReader,
        HashWriter,
        OrderedHashReader,
        OrderedHashWriter,
    )

    whoosh_internals.apply()
    storage = FileStorage(str(tmp_path))
    items = {f"key{n:05}".encode(): str(n).encode() for n in range(3000)}
    for name, writer_class in (("hashed", HashWriter), ("ordered", OrderedHashWriter)):
        writer = writer_class(storage.create_file(name))
        writer.add_all(sorted(items.items()))
        writer.close()
    hashed = OrderedHashReader.open(storage, "ordered")
    assert dict(hashed.items()) == items and b"key99999" not in hashed
    assert list(hashed.keys_from(b"key02990")) == sorted(items)[2990:]
    plain = HashReader.open(storage, "hashed")
    assert all(plain[key] == value for key, value in items.items()) and len(plain.tables) == 256

    def whoosh_write_hashes(self: HashWriter) -> None:  # HashWriter's own: a write a slot
        for entries in self.buckets:
            numslots = 2 * len(entries)
            self.directory.append((self.dbfile.tell(), numslots))
            table = [(0, 0)] * numslots
            for hashval, position in entries:
                slot = (hashval >> 8) % numslots
                while table[slot] != (0, 0):
                    slot = (slot + 1) % numslots
                table[slot] = (hashval, position)
            for hashval, position in table:
                self.dbfile.write(struct.pack("!Iq", hashval, position))

    reference = OrderedHashWriter(storage.create_file("reference"))
    reference.add_all(sorted(items.items()))
    reference._write_hashes = types.MethodType(whoosh_write_hashes, reference)  # type: ignore[method-assign]
    reference.close()
    written = (tmp_path / "ordered").read_bytes()  # tables written at once
    assert written == (tmp_path / "reference").read_bytes()


def ids(ix: Index, text: str) -> set[str]:
    return {hit.id for hit in ix.search(text, limit=None)}


def test_a_phrase_matches_only_adjacent_words(newsroom: Index) -> None:
    # "oil ... prices" apart in reuters-output; adjacent in guardian-oil and lemonde-strike
    assert ids(newsroom, '"oil prices"') == {"news/guardian-oil", "news/lemonde-strike"}
    assert "news/reuters-output" in ids(newsroom, "oil prices")


def test_proximity_allows_words_within_the_given_distance(newsroom: Index) -> None:
    assert "news/reuters-output" not in ids(newsroom, '"oil prices"~2')
    assert "news/reuters-output" in ids(newsroom, '"oil prices"~5')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("headline:oil", {"news/guardian-oil", "news/reuters-output"}),
        ("quote:corruption", {"news/reuters-almaty"}),
        ("speaker:tokayev", {"news/ap-troops"}),
        ('speaker:"Maria Lopez"', {"news/guardian-oil"}),
        ("source:reuters", {"news/reuters-almaty", "news/reuters-output"}),
        ("author:lee AND protests", {"news/reuters-almaty", "news/guardian-oil"}),
        ("oil -headline:oil", {"news/lemonde-strike"}),
        ("oil -prices", set()),
        # the excluded word's first article (reuters-almaty) comes before the first oil one
        ("oil -protests", {"news/reuters-output"}),
        ("oil - prices", {"news/guardian-oil", "news/reuters-output", "news/lemonde-strike"}),
        ("protests -corruption -troops", {"news/guardian-oil"}),
        ("(oil OR troops) AND NOT prices", {"news/ap-troops"}),
    ],
)
def test_field_queries_and_boolean_syntax(newsroom: Index, text: str, expected: set[str]) -> None:
    assert ids(newsroom, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date:2022", {"news/reuters-almaty", "news/lemonde-strike"}),
        ("date:2022-06", {"news/lemonde-strike"}),
        ("date:[2021-12 to 2022-01]", {"news/ap-troops", "news/reuters-almaty"}),
        ("oil date:>2022-07", {"news/guardian-oil"}),
        ("oil date:<2022-07", {"news/lemonde-strike"}),
        ("oil date:<2022-07^2", {"news/lemonde-strike"}),  # a boost on dates: nothing to weigh
    ],
)
def test_date_ranges_in_the_query(newsroom: Index, text: str, expected: set[str]) -> None:
    assert ids(newsroom, text) == expected


def test_offset_pages_through_the_same_ranking(newsroom: Index) -> None:
    every = newsroom.search("oil OR protests", limit=None)
    page = newsroom.search("oil OR protests", limit=2, offset=2)
    assert page.total == every.total == 5
    assert [(h.rank, h.id) for h in page] == [(h.rank, h.id) for h in every.hits[2:4]]


def test_iter_search_streams_every_match_in_ranked_order(newsroom: Index) -> None:
    every = newsroom.search("oil protests", limit=None)
    streamed = newsroom.iter_search("oil protests")
    assert not isinstance(streamed, (list, tuple))
    assert [(h.rank, h.id, h.score) for h in streamed] == [(h.rank, h.id, h.score) for h in every]


def test_iter_search_cuts_the_same_snippets_batch_by_batch(
    newsroom: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "EXPORT_BATCH", 2)  # batches end mid-ranking
    every = newsroom.search("oil protests", limit=None, all_copies=True)
    streamed = list(newsroom.iter_search("oil protests"))
    assert len(streamed) == len(every.hits) > 2
    assert [h.snippets for h in streamed] == [h.snippets for h in every.hits]
    assert any(span for h in streamed for snippet in h.snippets for span in snippet.spans)


def test_field_clauses_stay_required_when_the_plain_words_are_relaxed(newsroom: Index) -> None:
    results = newsroom.search("oil protests source:reuters", limit=None)
    # neither has both words, but both are from Reuters; the Guardian (both words) is not
    assert {hit.id for hit in results} == {"news/reuters-output", "news/reuters-almaty"}


def test_an_explicit_and_requires_every_term(newsroom: Index) -> None:
    assert ids(newsroom, "troops AND protests") == {"news/ap-troops"}
    assert len(ids(newsroom, "troops protests")) == 4  # partial matches follow


def test_a_hyphenated_word_is_not_an_exclusion(make_index: Build) -> None:
    ix = make_index(article("a", body=FILLER + "The pre-war talks failed. " + FILLER))
    assert ids(ix, "pre-war talks") == {"t/a"}


def test_an_index_kept_open_between_searches_sees_every_commit(tmp_path: Path) -> None:
    ix = Index(tmp_path / "index")
    ix.add([article("a/1", headline="Harbour closes", body=filler("a1"))])
    assert [hit.id for hit in ix.search("harbour")] == ["t/a/1"]
    ix.add([article("a/2", headline="Harbour reopens", body=filler("a2"))])
    assert sorted(hit.id for hit in ix.search("harbour")) == ["t/a/1", "t/a/2"]
    # A rebuilt index counts its commits again: still no stale reader.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text("Harbour news\n\n" + filler("one"), encoding="utf-8")
    ix.update(read_corpus(corpus), rebuild=True, workers=1)
    assert [hit.id for hit in ix.search("harbour")] == ["corpus/one.txt"]
