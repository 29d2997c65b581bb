import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEED, shared_path
from whoosh.support.levenshtein import damerau_levenshtein

from searcher import Article, Index, read_corpus
from searcher.store.analysis import _snowball, name_analyzer, news_analyzer, query_stem, stem
from searcher.store.stemtable import STEM_FILE, StemTable, Vocabulary, record_stems
from searcher.store.stemtable import vocabulary as active_vocabulary


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stems") / "ix"
    Index(path).update(read_corpus(SEED.parent), workers=2)
    return path


def test_every_recorded_stem_is_nltks_own(index: Path) -> None:
    rows = sqlite3.connect(index / STEM_FILE).execute("SELECT word, stem FROM stems").fetchall()
    assert len(rows) > 200
    assert ("troops", "troop") in rows
    assert all(_snowball()(word) == stemmed for word, stemmed in rows)


def test_unknown_query_words_are_stemmed_as_nltk_stems_them(index: Path) -> None:
    with StemTable(index).reading():
        assert stem("zigzagging") == query_stem("zigzagging") == _snowball()("zigzagging")
    assert query_stem("zigzagging") == "zigzag"
    tricky = ["news", "skies", "dying", "generously", "kazakhstan's", "innings", "exceeded"]
    assert [query_stem(w) for w in tricky] == [_snowball()(w) for w in tricky]


def test_query_stems_equal_nltks_over_the_bbc_vocabulary() -> None:
    bbc = shared_path("corpora", "bbc")
    words = {token.text for a in read_corpus(bbc) for token in name_analyzer()(a.body)}
    assert len(words) > 25_000
    assert [w for w in sorted(words) if query_stem(w) != _snowball()(w)] == []


QUERY = "CSTO troops protestrs~ kazak* zigzagging goverment kazakstan"


def test_a_query_process_does_not_import_nltk_and_ranks_the_same(index: Path) -> None:
    # Known and unknown words, a misspelling (did you mean), fuzzy and wildcard terms.
    script = (
        "import json, sys\nfrom searcher import Index\n"
        f"found = Index({str(index)!r}).search({QUERY!r})\n"
        "print(json.dumps([[h.id for h in found], found.suggestion, 'nltk' in sys.modules]))"
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    hits, suggestion, imported_nltk = json.loads(output.stdout)
    assert hits and suggestion and not imported_nltk
    assert hits == [h.id for h in Index(index).search(QUERY)]


WORDS = [
    "corruption",
    "corruptions",
    "corection",
    "eruption",
    "kazakhstan",
    "kazakhstan's",
    "protein",
    "protes",
    "protest",
    "protested",
    "protesters",
    "protests",
    "protet",
    "the",
    "then",
    "zebra",
]


@pytest.fixture
def vocabulary(tmp_path: Path) -> Iterator[Vocabulary]:
    record_stems(tmp_path, {word: _snowball()(word) for word in WORDS})
    with StemTable(tmp_path).reading():
        words = active_vocabulary()
        assert words is not None
        yield words


def test_a_prefix_is_a_range_of_the_word_list(vocabulary: Vocabulary) -> None:
    assert dict(vocabulary.starting("protes")) == {
        "protes": "prote",
        "protest": "protest",
        "protested": "protest",
        "protesters": "protest",
        "protests": "protest",
    }
    assert list(vocabulary.starting("zz")) == []
    assert len(list(vocabulary.starting(""))) == len(WORDS)


def test_a_glob_matches_wildcards_anywhere(vocabulary: Vocabulary) -> None:
    assert {word for word, _ in vocabulary.matching("kaz?khstan")} == {"kazakhstan"}
    assert {word for word, _ in vocabulary.matching("kaz*n")} == {"kazakhstan"}
    assert {word for word, _ in vocabulary.matching("prot*s")} == {
        "protes",
        "protests",
        "protesters",
    }
    assert {word for word, _ in vocabulary.matching("*ruption")} == {"corruption", "eruption"}


def test_words_within_one_and_two_edits(vocabulary: Vocabulary) -> None:
    assert set(vocabulary.within("coruption", 1)) == {"corruption"}
    assert set(vocabulary.within("coruption", 2)) == {
        "corruption",
        "corruptions",
        "corection",
        "eruption",
    }
    assert set(vocabulary.within("coruption", 2, prefix=1)) == {
        "corruption",
        "corruptions",
        "corection",
    }
    assert set(vocabulary.within("teh", 1)) == {"the"}  # two letters swapped: one edit
    assert set(vocabulary.within("korupton", 2)) == set()


@pytest.mark.parametrize("word", ["coruption", "protset", "kazakstan", "te", "zerba", "x"])
@pytest.mark.parametrize("distance", [1, 2])
def test_within_finds_what_the_edit_distance_allows(
    vocabulary: Vocabulary, word: str, distance: int
) -> None:
    expected = {w for w in WORDS if damerau_levenshtein(w, word) <= distance}
    assert set(vocabulary.within(word, distance)) == expected


def test_no_vocabulary_outside_an_index_block(tmp_path: Path) -> None:
    assert active_vocabulary() is None
    with StemTable(tmp_path).reading():  # no table in this folder
        assert active_vocabulary() is None


def test_every_index_records_every_word_it_indexes_even_those_met_before(
    tmp_path: Path,
) -> None:
    article = Article(id="a", headline="Quaggas graze", body="The quagga grazed by the river.")
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text(f"{article.headline}\n\n{article.body}\n")
    first, second, third = (Index(tmp_path / name) for name in ("one", "two", "three"))
    first.add([article])
    second.add([article])  # this process stemmed these words already
    third.update(read_corpus(tmp_path / "news"), workers=1)  # and so did the indexer's
    for ix in (first, second, third):
        rows = dict(sqlite3.connect(ix.path / STEM_FILE).execute("SELECT word, stem FROM stems"))
        assert {"quaggas": "quagga", "quagga": "quagga", "grazed": "graze"}.items() <= rows.items()
        assert "the" not in rows  # stop words are not stemmed


def test_words_stemmed_from_a_table_are_recorded_in_the_next_index(tmp_path: Path) -> None:
    record_stems(tmp_path, {"quuxlings": _snowball()("quuxlings")})
    with StemTable(tmp_path).reading():
        [token] = news_analyzer()("Quuxlings")  # stemmed from the table, and cached
    ix = Index(tmp_path / "next")
    ix.add([Article(id="a", headline="Quuxlings", body="Quuxlings again.")])
    rows = dict(sqlite3.connect(ix.path / STEM_FILE).execute("SELECT word, stem FROM stems"))
    assert rows["quuxlings"] == token.text == _snowball()("quuxlings")


def test_only_indexed_words_are_recorded(index: Path, tmp_path: Path) -> None:
    Index(index).search("grzmotted quokkas")  # query words, stemmed by NLTK
    other = Index(tmp_path / "other")
    other.add([Article(id="a", headline="Quokkas", body="Quokkas smile.")])
    rows = dict(sqlite3.connect(other.path / STEM_FILE).execute("SELECT word, stem FROM stems"))
    assert set(rows) == {"quokkas", "smile"}
