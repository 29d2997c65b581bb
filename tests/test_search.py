import random
from collections.abc import Callable

import pytest

from searcher import Article, Index, QuerySyntaxError
from searcher.models import Quote
from searcher.search import check_syntax

Build = Callable[..., Index]
FILLER = "Officials met on Tuesday to discuss the budget and the weather in the region. "
_NEUTRAL = [
    "council",
    "road",
    "school",
    "weather",
    "budget",
    "market",
    "river",
    "park",
    "bridge",
    "library",
    "office",
]


def article(id: str, headline: str = "Local council meeting", body: str = "", **kw) -> Article:
    """A test article. Each gets filler words of its own in place of FILLER, so that test
    articles are not near-duplicates of each other (those collapse into one result)."""
    words = random.Random(id).choices(_NEUTRAL, k=14)
    own_filler = FILLER[:-2] + " about the " + " ".join(words) + ". "
    return Article(
        id=f"t/{id}", headline=headline, body=(body or FILLER * 3).replace(FILLER, own_filler), **kw
    )


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


def test_all_terms_rank_above_some_terms_and_partials_still_show(make_index: Build) -> None:
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


def test_headline_only_match_shows_the_headline_not_nothing(make_index: Build) -> None:
    ix = make_index(article("a", headline="Earthquake shakes the capital"))
    [hit] = ix.search("earthquake")
    [snippet] = hit.snippets
    assert snippet.text == "Earthquake shakes the capital"
    assert snippet.spans == ((0, 10),)


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
    assert results.hits[0].snippets[0].spans == ((0, 5),)


def test_and_maybe_skip_to_keeps_the_optional_side_in_step() -> None:
    from whoosh.matching import ListMatcher
    from whoosh.matching.binary import AndMaybeMatcher

    matcher = AndMaybeMatcher(ListMatcher([1, 5, 9]), ListMatcher([4, 5]))
    matcher.skip_to(3)  # the required side lands on 5, past the requested 3
    assert matcher.id() == 5
    assert matcher.score() == 2.0  # both sides scored (1.0 each), not the required one alone
