"""End-to-end over the BBC corpus in ../shared/corpora (skipped where it is absent)."""

import re

import pytest
from conftest import shared_path

from searcher import Index, read_corpus

QUERIES = [
    "interest rates",
    "stock market",
    "oil prices",
    "mobile phone",
    "world cup",
    "general election",
    "film award",
    "broadband internet",
    "house prices",
    "prime minister",
    "champions league",
    "video games",
    "economic growth",
    "labour party tax",
    "music industry piracy",
]


@pytest.fixture(scope="module")
def bbc(tmp_path_factory: pytest.TempPathFactory) -> Index:
    ix = Index(tmp_path_factory.mktemp("bbc") / "index")
    report = ix.add(read_corpus(shared_path("corpora", "bbc")))
    assert report.added == 2225 and report.problems == ()
    return ix


def test_bbc_is_indexed_through_the_plain_text_fallback(bbc: Index) -> None:
    assert len(bbc) == 2225


def test_bbc_query_gives_sensible_ranked_results(bbc: Index) -> None:
    results = bbc.search("mobile phone", limit=10)
    assert results.total > 100
    assert [hit.rank for hit in results] == list(range(1, 11))
    scores = [hit.score for hit in results]
    assert scores == sorted(scores, reverse=True)
    assert all(re.search("mobile|phone", hit.headline.lower()) for hit in results.hits[:5])
    assert all(hit.id.startswith("bbc/") for hit in results)


@pytest.mark.parametrize("text", QUERIES)
def test_top_k_equals_the_exhaustive_ranking(bbc: Index, text: str) -> None:
    top = bbc.search(text, limit=10)
    everything = bbc.search(text, limit=None)
    assert top.total == everything.total
    assert [(h.id, h.score) for h in top] == [(h.id, h.score) for h in everything.hits[:10]]
