from collections.abc import Callable
from datetime import datetime, timezone

from whoosh.filedb.filestore import FileStorage

from searcher import Article, Index, SearchOptions
from searcher.query.ordering import RecencyWeighting
from searcher.store.schema import weighting


def test_newest_and_oldest_sort_by_date_with_undated_last(newsroom: Index) -> None:
    newest = newsroom.search("oil OR protests", limit=None, options=SearchOptions(sort="newest"))
    assert [hit.id for hit in newest] == [
        "news/guardian-oil",
        "news/lemonde-strike",
        "news/reuters-almaty",
        "news/ap-troops",
        "news/reuters-output",
    ]
    oldest = newsroom.search("oil OR protests", limit=None, options=SearchOptions(sort="oldest"))
    assert [hit.id for hit in oldest] == [
        "news/ap-troops",
        "news/reuters-almaty",
        "news/lemonde-strike",
        "news/guardian-oil",
        "news/reuters-output",
    ]


def test_date_sort_keeps_all_terms_matches_first(newsroom: Index) -> None:
    # Only the Guardian and Le Monde have both words; the rest follow, each tier by date.
    results = newsroom.search("oil protests", limit=None, options=SearchOptions(sort="oldest"))
    assert [hit.id for hit in results][:2] == ["news/lemonde-strike", "news/guardian-oil"]


def test_recency_weighting_decays_relevance_by_age(newsroom: Index) -> None:
    plain = {hit.id: hit.score for hit in newsroom.search("kazakhstan", limit=None)}
    recent = newsroom.search("kazakhstan", limit=None, options=SearchOptions(recent=730))
    decayed = {hit.id: hit.score for hit in recent}
    assert set(decayed) == set(plain)
    # Both are about as old, but the later one loses less.
    ratio_later = decayed["news/reuters-almaty"] / plain["news/reuters-almaty"]
    ratio_earlier = decayed["news/ap-troops"] / plain["news/ap-troops"]
    assert 0 < ratio_earlier < ratio_later < 1


def test_recency_factor_is_a_half_per_half_life_and_zero_when_undated(
    make_index: Callable[..., Index],
) -> None:
    ix = make_index(
        Article(id="a", headline="Dated", date=datetime(2022, 1, 21, tzinfo=timezone.utc)),
        Article(id="b", headline="Undated"),
    )
    model = RecencyWeighting(
        weighting(), half_life=10, now=datetime(2022, 1, 31, tzinfo=timezone.utc)
    )
    with FileStorage(str(ix.path)).open_index().searcher() as searcher:
        dated, undated = (searcher.document_number(id=name) for name in "ab")
        assert abs(model.final(searcher, dated, 8.0) - 4.0) < 1e-9
        assert model.final(searcher, undated, 8.0) == 0.0
