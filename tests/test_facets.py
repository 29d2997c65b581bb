import pytest

from searcher import FilterError, Index, SearchOptions

ALL = ("source", "year", "author", "country", "language")


def test_facets_count_the_whole_match_set_not_the_page(newsroom: Index) -> None:
    results = newsroom.search("oil OR protests", limit=1, options=SearchOptions(facets=ALL))
    assert len(results) == 1 and results.total == 5
    assert results.facets["source"] == {"Reuters": 2, "AP": 1, "Le Monde": 1, "The Guardian": 1}
    assert results.facets["year"] == {"2022": 2, "(none)": 1, "2021": 1, "2023": 1}
    assert results.facets["country"] == {"us": 2, "fr": 1, "gb": 1, "kz": 1}
    assert results.facets["language"] == {"en": 4, "fr": 1}
    # several authors count under each; no author counts under (none)
    assert results.facets["author"]["Ann Lee"] == 2
    assert results.facets["author"]["(none)"] == 1


@pytest.mark.parametrize("facet", ["source", "year", "country", "language"])
def test_single_valued_facets_add_up_to_the_total(newsroom: Index, facet: str) -> None:
    for text in ("oil", "protests", "kazakhstan OR oil", "corruption"):
        results = newsroom.search(text, options=SearchOptions(facets=(facet,)))
        assert sum(results.facets[facet].values()) == results.total > 0


def test_facets_follow_the_filters(newsroom: Index) -> None:
    options = SearchOptions(sources=("reuters",), facets=("source",))
    results = newsroom.search("oil OR protests", options=options)
    assert results.facets == {"source": {"Reuters": 2}}


def test_no_facets_unless_asked(newsroom: Index) -> None:
    assert newsroom.search("oil").facets == {}


def test_unknown_facet_is_refused(newsroom: Index) -> None:
    with pytest.raises(FilterError, match="Unknown facet 'colour'"):
        newsroom.search("oil", options=SearchOptions(facets=("colour",)))
