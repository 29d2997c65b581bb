from datetime import datetime, timezone

import pytest

from searcher import FilterError, Index, SearchOptions
from searcher.query.filters import date_period, parse_date_bound

NOW = datetime(2024, 5, 20, 8, 30, tzinfo=timezone.utc)
UTC = timezone.utc


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2022-01-31", False, datetime(2022, 1, 31, tzinfo=UTC)),
        ("2022-01-31", True, datetime(2022, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2022-01", False, datetime(2022, 1, 1, tzinfo=UTC)),
        ("2022-01", True, datetime(2022, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2022-12", True, datetime(2022, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2022", False, datetime(2022, 1, 1, tzinfo=UTC)),
        ("2022", True, datetime(2022, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("7d", False, datetime(2024, 5, 13, 8, 30, tzinfo=UTC)),
        ("2w", False, datetime(2024, 5, 6, 8, 30, tzinfo=UTC)),
        ("2022-01-31T10:00:00+02:00", False, datetime(2022, 1, 31, 8, tzinfo=UTC)),
        ("2024-02", True, datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)),
        ("9999", True, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("9999-12-31", True, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("0001", False, datetime(1, 1, 1, tzinfo=UTC)),
    ],
)
def test_date_bounds_iso_partial_and_relative(text: str, end: bool, expected: datetime) -> None:
    assert parse_date_bound(text, end=end, now=NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        *("yesterday", "2022-13", "2022-00", "2022-02-30", "7x", ""),
        *("0000", "99999999d", "9999999999999y", "0001-01-01T00:00+01:00"),
    ],
)
def test_a_bad_date_is_a_filter_error(text: str) -> None:
    with pytest.raises(FilterError, match="Not a date"):
        parse_date_bound(text, now=NOW)


def test_a_date_period_runs_from_its_first_to_its_last_moment() -> None:
    assert date_period("2022-06", now=NOW) == (
        datetime(2022, 6, 1, tzinfo=UTC),
        datetime(2022, 6, 30, 23, 59, 59, 999999, tzinfo=UTC),
    )
    assert date_period("7d", now=NOW) == (datetime(2024, 5, 13, 8, 30, tzinfo=UTC), None)


def ids(ix: Index, text: str, **options: object) -> set[str]:
    return {hit.id for hit in ix.search(text, limit=None, options=SearchOptions(**options))}


def test_source_filter_matches_words_of_the_name_case_insensitively(newsroom: Index) -> None:
    assert ids(newsroom, "oil", sources=("reuters",)) == {"news/reuters-output"}
    assert ids(newsroom, "oil", sources=("guardian", "le monde")) == {
        "news/guardian-oil",
        "news/lemonde-strike",
    }


def test_author_country_and_language_filters(newsroom: Index) -> None:
    assert ids(newsroom, "protests", authors=("Ann Lee",)) == {
        "news/reuters-almaty",
        "news/guardian-oil",
    }
    assert ids(newsroom, "oil", countries=("us",)) == {"news/reuters-output"}
    assert ids(newsroom, "oil", languages=("FR",)) == {"news/lemonde-strike"}


def test_since_drops_older_and_undated_articles_and_says_how_many_undated(
    newsroom: Index,
) -> None:
    everything = newsroom.search("oil", limit=None)
    assert {hit.id for hit in everything} == {
        "news/guardian-oil",
        "news/reuters-output",
        "news/lemonde-strike",
    }
    since = datetime(2022, 7, 1, tzinfo=UTC)
    results = newsroom.search("oil", options=SearchOptions(since=since))
    assert [hit.id for hit in results] == ["news/guardian-oil"]
    assert results.total == 1
    assert results.undated_excluded == 1
    assert everything.undated_excluded == 0


def test_until_includes_the_whole_month(newsroom: Index) -> None:
    until = parse_date_bound("2022-06", end=True)
    assert ids(newsroom, "protests OR oil", until=until) == {
        "news/reuters-almaty",
        "news/lemonde-strike",
        "news/ap-troops",
    }


def test_until_the_end_of_year_9999_keeps_every_dated_article(newsroom: Index) -> None:
    until = parse_date_bound("9999", end=True)
    assert ids(newsroom, "oil", until=until) == {"news/guardian-oil", "news/lemonde-strike"}


def test_a_range_that_ends_before_it_starts_is_an_error(newsroom: Index) -> None:
    since, until = parse_date_bound("2023"), parse_date_bound("2022", end=True)
    with pytest.raises(FilterError, match=r"ends \(2022-12-31\) before it starts \(2023-01-01\)"):
        newsroom.search("oil", options=SearchOptions(since=since, until=until))


def test_filters_combine_and_keep_top_k_equal_to_the_exhaustive_ranking(
    newsroom: Index,
) -> None:
    options = SearchOptions(countries=("us", "fr", "kz"), since=datetime(2021, 1, 1, tzinfo=UTC))
    top = newsroom.search("protests oil", limit=2, options=options)
    every = newsroom.search("protests oil", limit=None, options=options)
    assert top.total == every.total == 3
    assert [hit.id for hit in top] == [hit.id for hit in every.hits[:2]]
