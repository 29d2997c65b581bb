"""End-to-end over the BBC corpus in ../shared/corpora (skipped where it is absent)."""

import re

import pytest
from conftest import assert_snippets_in_order, shared_path

from searcher import Index, SearchOptions, read_corpus

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


def test_export_streams_every_match(bbc: Index) -> None:
    total = bbc.search("oil prices", limit=1).total
    assert total > 50
    streamed = [hit.id for hit in bbc.iter_search("oil prices")]
    assert len(streamed) == len(set(streamed)) == total


def test_a_phrase_matches_adjacent_words_only(bbc: Index) -> None:
    phrase = {hit.id for hit in bbc.search('"interest rates"', limit=None)}
    words = {hit.id for hit in bbc.search("interest AND rates", limit=None)}
    assert 50 < len(phrase) < len(words)
    adjacent = re.compile(r"\binterest(s)?\W+rat(e|es|ed|ing)\b", re.IGNORECASE)
    for article_id in sorted(phrase)[:40]:
        article = bbc.show(article_id).article
        assert adjacent.search(article.headline + "\n" + article.body), article_id


def test_phrase_snippets_on_real_text(bbc: Index) -> None:
    hits = {hit.id: hit for hit in bbc.search('"interest rates"', limit=None, all_copies=True)}
    opening = hits["bbc/business/137.txt"].snippets[0]
    assert opening.text.startswith("UK interest rates are set")
    headline = hits["bbc/business/121.txt"]
    assert [headline.headline[a:b] for a, b in headline.headline_spans] == ["interest", "rates"]
    for hit in hits.values():
        body = bbc.show(hit.id).article.body
        assert_snippets_in_order(body, hit.snippets)
        words = [s.text[a:b].lower() for s in hit.snippets for a, b in s.spans]
        assert words[0::2] == ["interest"] * (len(words) // 2), hit.id  # phrases only
        assert all(word.startswith("rate") for word in words[1::2]), hit.id


def test_facet_counts_equal_the_total(bbc: Index) -> None:
    options = SearchOptions(facets=("source", "year", "language"))
    results = bbc.search("mobile phone", options=options)
    for counts in results.facets.values():
        assert sum(counts.values()) == results.total


def test_fuzzy_wildcard_and_did_you_mean_on_real_text(bbc: Index) -> None:
    right = {hit.id for hit in bbc.search("government", limit=None)}
    assert {hit.id for hit in bbc.search("goverment~", limit=None)} >= right
    assert bbc.search("goverment").suggestion == "government"
    assert bbc.search("govern*", limit=None).total >= len(right)


def test_similar_articles_share_the_topic(bbc: Index) -> None:
    same = 0
    articles = [
        (category, f"bbc/{category}/{n:03d}.txt")
        for category in ("business", "entertainment", "politics", "sport", "tech")
        for n in range(1, 200, 25)
    ]
    for category, article_id in articles:
        results = bbc.similar(article_id, limit=10)
        assert len(results) == 10 and article_id not in {hit.id for hit in results}
        same += sum(hit.id.startswith(f"bbc/{category}/") for hit in results)
    assert same / (10 * len(articles)) >= 0.75  # 0.82 measured


def test_quotes_name_their_speakers_on_real_text(bbc: Index) -> None:
    results = bbc.quotes("economy", limit=20)
    assert results.total >= 20
    assert sum(bool(quote.speaker) for quote in results) >= 15
    for quote in results:
        assert quote.spans and "econom" in quote.text[slice(*quote.spans[0])].lower()
    scores = [quote.score for quote in results]
    assert scores == sorted(scores, reverse=True)
