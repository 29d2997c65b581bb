"""Pseudo-relevance feedback: the expansion never outweighs the query, nor its rare words."""

import math
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import assert_pages_equal_the_exhaustive_ranking, filler
from whoosh import query
from whoosh.fields import Schema
from whoosh.searching import Searcher

from searcher import Article, Index
from searcher.models import SearchOptions
from searcher.query import bm25f, feedback
from searcher.query.docsets import Postings
from searcher.query.parsing import parse_query
from searcher.store import writer
from searcher.store.schema import LEAD_WORDS_FIELD, build_schema, lead_text
from searcher.whoosh_internals import column_value

FED = SearchOptions(feedback=True)
PLAIN = SearchOptions(feedback=False)

# Many articles about troops that share words with each other (the expansion's), one
# about the CSTO that shares none of them: the drift seen on the reference index.
TROOPS = [
    Article(
        id=f"war/{n}",
        headline=f"Chad troops advance on Libyan oasis {n}",
        body=filler(f"war{n}") + "Libyan troops withdrew from the desert oasis as Chad "
        "government forces advanced; Libyan planes bombed the oasis, Chad said.",
        source="Wire" if n % 2 else "",
        date=None,
    )
    for n in range(12)
]
# Articles on other subjects, so that the words about the war are rare in the index.
OTHERS = [
    Article(id=f"other/{n}", headline=f"Council notes {n}", body=filler(f"other{n}"), date=None)
    for n in range(60)
]
CSTO = Article(
    id="seed/csto",
    headline="Paratroopers arrive in Kazakhstan",
    body="The CSTO alliance sent troops to Almaty after the unrest. " + filler("csto"),
)


def _drift_index(tmp_path: Path) -> Index:
    """TROOPS, OTHERS and CSTO in three segments, some articles without a date or a source."""
    ix = Index(tmp_path / "drift")
    ix.add([*TROOPS[:5], *OTHERS[:30]])
    ix.add([CSTO, *TROOPS[5:9]])
    ix.add([*TROOPS[9:], *OTHERS[30:]])
    return ix


def test_a_rare_query_word_keeps_its_article_first(tmp_path: Path) -> None:
    ix = _drift_index(tmp_path)
    assert ix.search("CSTO troops", options=PLAIN).hits[0].id == CSTO.id
    fed = ix.search("CSTO troops", options=FED)
    assert fed.total == len(TROOPS) + 1
    assert fed.hits[0].id == CSTO.id


def test_expansion_words_alone_never_lift_an_article_lacking_the_dominant_word(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The word "CSTO" is far rarer than "troops": the articles about troops lack it and keep
    their first score with feedback; with the guard off, the expansion lifts them."""
    ix = _drift_index(tmp_path)
    plain = ix.search("CSTO troops", limit=None, all_copies=True, options=PLAIN).hits
    fed = ix.search("CSTO troops", limit=None, all_copies=True, options=FED).hits
    assert [(h.id, h.score) for h in fed] == [(h.id, h.score) for h in plain]
    monkeypatch.setattr(feedback, "DOMINANCE", math.inf)
    unguarded = ix.search("CSTO troops", limit=None, all_copies=True, options=FED).hits
    assert unguarded[0].id == CSTO.id
    assert unguarded[1].score > fed[1].score


def test_the_expansion_weighs_the_query_times_the_feedback_weight(tmp_path: Path) -> None:
    ix = _drift_index(tmp_path)
    with ix._articles() as articles, articles.searcher() as searcher:
        ranked = [(searcher.document_number(id=a.id), 1.0) for a in TROOPS[:10]]
        for text, mass in (("troops", 1.0), ("libyan troops desert", 3.0)):
            boosts = _boosts(searcher, ranked, text)
            assert len(boosts) == feedback.FEEDBACK_TERMS
            assert sum(boosts) == pytest.approx(feedback.FEEDBACK_WEIGHT * mass)
        # Best articles without the query's rare word: the expansion weighs the share of
        # the query's rarity they hold.
        held = sum(_boosts(searcher, ranked, "CSTO troops")) / feedback.FEEDBACK_WEIGHT
        assert 0 < held < 1  # less than one word's worth, for two


def test_words_in_a_large_share_of_the_articles_are_not_expansion_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "said" is in every article about troops, several times, and in half the others.
    ix = Index(tmp_path / "said")
    said = [replace(a, body="He said, they said, she said. " + a.body) for a in TROOPS]
    others = [replace(a, body=a.body + " Officials said so.") for a in OTHERS[::2]]
    ix.add([*said[:6], *others, *OTHERS[1::2][:15]])
    ix.add([*said[6:], CSTO, *OTHERS[1::2][15:]])
    with ix._articles() as articles, articles.searcher() as searcher:
        ranked = [(searcher.document_number(id=a.id), 1.0) for a in said[:10]]
        reader, count = searcher.reader(), searcher.doc_count()

        def expansion() -> dict[str, float]:
            return _expansion(searcher, ranked, "troops")

        assert reader.doc_frequency("body", "said") / count > 0.5 > feedback.COMMON_SHARE
        assert reader.doc_frequency("body", "libyan") / count < feedback.COMMON_SHARE
        kept = expansion()
        assert "said" not in kept and {"libyan", "oasi", "chad"} <= kept.keys()
        assert len(kept) == feedback.FEEDBACK_TERMS
        assert all(reader.doc_frequency("body", w) <= feedback.COMMON_SHARE * count for w in kept)
        assert sum(kept.values()) == pytest.approx(feedback.FEEDBACK_WEIGHT)
        monkeypatch.setattr(feedback, "COMMON_SHARE", 1.0)  # no ceiling: it would be in
        assert "said" in expansion()


def _expansion(searcher: Searcher, ranked: list[tuple[int, float]], text: str) -> dict[str, float]:
    """{word: boost} of the expansion of `text` learnt from `ranked`."""
    strict, loose = parse_query(text, searcher.schema, searcher.reader())
    more = feedback.feedback_query(searcher, ranked, loose or strict, Postings(searcher))
    assert isinstance(more, query.Or)
    return {term.text: term.boost for term in more.subqueries}


def _boosts(searcher: Searcher, ranked: list[tuple[int, float]], text: str) -> list[float]:
    return list(_expansion(searcher, ranked, text).values())


def test_feedback_rescores_only_the_best_of_the_first_ranking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = _drift_index(tmp_path)
    monkeypatch.setattr(feedback, "RESCORED", 4)
    # No word dominates this query (as "CSTO" does "CSTO troops"): every article may rise.
    plain = ix.search("libyan troops", limit=None, all_copies=True, options=PLAIN).hits
    fed = ix.search("libyan troops", limit=None, all_copies=True, options=FED).hits
    # The best 4 by first score, ties by id (as the shards of an index merge).
    best = sorted(plain, key=lambda h: (-h.score, h.id))[:4]
    assert {h.id for h in fed[:4]} == {h.id for h in best}
    assert {h.id for h in best} != {h.id for h in plain[:4]}  # ties at the 4th
    assert [h.score for h in fed[:4]] != [h.score for h in plain[:4]]
    rest = {h.id for h in best}
    assert sorted((h.id, h.score) for h in fed[4:]) == sorted(
        (h.id, h.score) for h in plain if h.id not in rest
    )


@pytest.mark.parametrize("text", ["CSTO troops", "libyan troops"])
@pytest.mark.parametrize("rescored", [4, 1000])
def test_a_page_with_feedback_starts_the_whole_ranking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rescored: int, text: str
) -> None:
    ix = _drift_index(tmp_path)
    monkeypatch.setattr(feedback, "RESCORED", rescored)
    whole = ix.search(text, limit=None, all_copies=True, options=FED).hits
    for limit in (1, 3, 4, 10):
        page = ix.search(text, limit=limit, all_copies=True, options=FED).hits
        assert [(h.id, h.score) for h in page] == [(h.id, h.score) for h in whole[:limit]]


def _old_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Index:
    """The drift index as written before articles stored their lead's words."""

    def older_schema() -> Schema:
        schema = build_schema()
        schema.remove(LEAD_WORDS_FIELD)
        return schema

    with monkeypatch.context() as patched:
        patched.setattr(writer, "build_schema", older_schema)
        ix = Index(tmp_path / "old")
        ix.add([*TROOPS[:5], *OTHERS[:30]])
    ix.add([CSTO, *TROOPS[5:9]])  # updated by this version, still without them
    ix.add([*TROOPS[9:], *OTHERS[30:]])
    return ix


@pytest.mark.parametrize("merged", [False, True])
def test_feedback_reads_the_lead_words_kept_at_indexing(tmp_path: Path, merged: bool) -> None:
    ix = _drift_index(tmp_path)
    ix.add([replace(CSTO, body=CSTO.body + " Updated.")])  # a deletion
    if merged:
        ix.optimize()  # one segment, written by Whoosh's merge
    with ix._articles() as articles, articles.searcher() as searcher:
        assert (len(searcher.reader().leaf_readers()) == 1) == merged
        analyzer = searcher.schema["body"].analyzer
        for docnum in searcher.reader().all_doc_ids():
            stored = searcher.stored_fields(docnum)
            text = lead_text(stored.get("headline", ""), stored.get("body", ""))
            kept = column_value(searcher.reader(), LEAD_WORDS_FIELD, docnum)
            assert kept.decode().split() == [t.text for t in analyzer(text)]


def test_an_index_without_stored_lead_words_gets_the_same_feedback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new, old = _drift_index(tmp_path), _old_index(tmp_path, monkeypatch)
    with old._articles() as articles, articles.searcher() as searcher:
        assert LEAD_WORDS_FIELD not in searcher.schema
        assert column_value(searcher.reader(), LEAD_WORDS_FIELD, 0) is None
    for text in ("chad troops", "libyan troops desert", "oasis"):
        fed_new = new.search(text, limit=None, all_copies=True, options=FED)
        fed_old = old.search(text, limit=None, all_copies=True, options=FED)
        assert [(h.id, h.score) for h in fed_new.hits] == [(h.id, h.score) for h in fed_old.hits]
        plain = new.search(text, limit=None, all_copies=True, options=PLAIN)
        assert [h.score for h in fed_new.hits] != [h.score for h in plain.hits]


def test_feedback_after_a_commit_reads_the_new_collection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = _drift_index(tmp_path)
    before = ix.search("troops", limit=None, all_copies=True, options=FED).hits
    # The expansion's words grow common: the rarity each weighs by falls.
    ix.add(
        Article(id=f"oasis/{n}", headline="Oasis", body=f"Libyan Chad oasis desert {n}.")
        for n in range(20)
    )
    after = ix.search("troops", limit=None, all_copies=True, options=FED).hits
    assert [h.score for h in after] != [h.score for h in before]
    monkeypatch.setattr(feedback, "_rarity", _rarity_now)
    unkept = ix.search("troops", limit=None, all_copies=True, options=FED).hits
    assert [(h.id, h.score) for h in after] == [(h.id, h.score) for h in unkept]


def _rarity_now(searcher: Searcher, word: str) -> float:
    """`feedback._rarity` read afresh."""
    df = searcher.reader().doc_frequency("body", word) or 1
    return math.log(1 + searcher.doc_count() / df)


COPIES = 3  # each article of the copied index is there this many times, as one story


@pytest.fixture(scope="module")
def copied_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The drift index's articles, each with copies under other ids (one story each), in
    several segments, one article replaced (a deletion), some without a date or source."""
    ix = Index(tmp_path_factory.mktemp("copied") / "index")
    articles = [*TROOPS, *OTHERS, CSTO]
    for copy in range(COPIES):
        ix.add([replace(a, id=f"{a.id}/{copy}" if copy else a.id) for a in articles])
    ix.add([replace(TROOPS[3], body=TROOPS[3].body + " Updated.")])
    return ix


@pytest.mark.parametrize("stories", [True, False], ids=["stories", "all-copies"])
@pytest.mark.parametrize("rescored", [5, 1000])
@pytest.mark.parametrize("text", ["troops", "Libyan oasis", "CSTO troops", "council notes"])
def test_pages_with_feedback_equal_the_exhaustive_ranking(
    copied_index: Index,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    rescored: int,
    stories: bool,
) -> None:
    monkeypatch.setattr(feedback, "RESCORED", rescored)
    with copied_index._articles() as articles, articles.searcher() as searcher:
        reader = searcher.reader()
        assert len(reader.leaf_readers()) > 1 and reader.has_deletions()
    assert_pages_equal_the_exhaustive_ranking(copied_index, text, stories)


@pytest.mark.parametrize("text", ["CSTO troops", "council notes"])
def test_a_deepening_collapse_ranks_and_rescores_once(
    copied_index: Index, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """Copies collapse, so the ranking deepens to fill a page: the first scores and the
    rescoring are computed once, the rescoring scoring only the terms feedback adds."""
    scored_terms: list[int] = []
    scored = bm25f._scored

    def counting(terms: list, wanted: set[int], *start: dict) -> dict[int, float]:
        scored_terms.append(len(terms))
        return scored(terms, wanted, *start)

    monkeypatch.setattr(bm25f, "_scored", counting)
    hits = copied_index.search(text, limit=10, options=FED).hits
    assert len(hits) == 10 and all(len(h.copies) == COPIES - 1 for h in hits)
    with copied_index._articles() as articles, articles.searcher() as searcher:
        strict, _ = parse_query(text, searcher.schema, searcher.reader())
        own = len(bm25f.query_terms(strict))
    first, rescoring = scored_terms
    assert first == own and 0 < rescoring <= feedback.FEEDBACK_TERMS
