"""The default ranking: BM25F over the prose fields, query reading, questions, feedback."""

import itertools
import math
from pathlib import Path

import pytest
from conftest import assert_pages_equal_the_exhaustive_ranking, filler, shared_path
from typer.testing import CliRunner

from bench.queries import QUERIES
from searcher import Article, Index, Topic, read_corpus
from searcher.cli import app
from searcher.models import Quote, SearchOptions
from searcher.query import bm25f, search
from searcher.query.docsets import Postings, matching_docs
from searcher.query.feedback import FEEDBACK_DOCS
from searcher.query.parsing import parse_query
from searcher.query.questions import read_query
from searcher.store.analysis import news_analyzer
from searcher.store.schema import FIELD_WEIGHTS

runner = CliRunner()

# (headline, body, quote): the quote is in the body too, as quotes are.
SMALL = (
    ("Oil prices climb", "Oil traders watched prices climb for a week in the market.", ""),
    ("Harvest report", "Farmers reported a harvest of oil seeds and maize.", "Oil seeds"),
    ("Oil oil oil", "Nothing else happened.", ""),
    ("Market calm", "Prices of oil held steady; oil exporters met again.", "Prices of oil"),
    ("Quiet day", "The council met to discuss the roads and the weather.", "The roads"),
)


def _small_index(tmp_path: Path) -> Index:
    """SMALL in two segments."""
    ix = Index(tmp_path / "small")
    articles = [
        Article(
            id=f"s/{n}", headline=h, body=b, quotes=(Quote(q, "A Minister", "said"),) if q else ()
        )
        for n, (h, b, q) in enumerate(SMALL)
    ]
    ix.add(articles[:2])
    ix.add(articles[2:])
    return ix


def _words(text: str) -> list[str]:
    return [token.text for token in news_analyzer()(text)]


def _by_hand(words: list[str]) -> dict[str, float]:
    """BM25F of SMALL for `words`, written out from the formula: a quoted word is one
    term, its body and quotes frequencies weighted and summed before saturating once."""
    fields = {
        "headline": [_words(h) for h, _, _ in SMALL],
        "body": [_words(b) for _, b, _ in SMALL],
        "quotes": [_words(q) for _, _, q in SMALL],
    }
    average = {name: sum(map(len, texts)) / len(SMALL) for name, texts in fields.items()}
    scores = dict.fromkeys(range(len(SMALL)), 0.0)
    for word in dict.fromkeys(words):
        df = sum(1 for n in range(len(SMALL)) if any(word in t[n] for t in fields.values()))
        idf = math.log(1 + (len(SMALL) - df + 0.5) / (df + 0.5))
        for n in range(len(SMALL)):
            tf = 0.0
            for name, texts in fields.items():
                b = bm25f.FIELD_B[name]
                norm = 1 - b + b * len(texts[n]) / average[name]
                tf += FIELD_WEIGHTS[name] * texts[n].count(word) / norm
            scores[n] += idf * tf / (bm25f.K1 + tf)
    return {f"s/{n}": score for n, score in scores.items() if score}


@pytest.mark.parametrize("text", ["oil", "oil prices", "harvest maize", "oil prices market"])
def test_scores_equal_the_formula_computed_by_hand(tmp_path: Path, text: str) -> None:
    ix = _small_index(tmp_path)
    expected = _by_hand(_words(text))
    plain = SearchOptions(feedback=False)  # BM25F alone
    found = {hit.id: hit.score for hit in ix.search(text, None, all_copies=True, options=plain)}
    assert found == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("text", "boosts"),
    [
        ("oil^3", {"oil": 3}),
        ("oil^2 OR prices", {"oil": 2, "prices": 1}),
        ("(oil OR prices^3)^0.5", {"oil": 0.5, "prices": 1.5}),
        ("oil^2 prices", {"oil": 2, "prices": 1}),  # the articles with both come first
    ],
)
def test_a_boost_weighs_its_term_as_written(
    tmp_path: Path, text: str, boosts: dict[str, float]
) -> None:
    """`oil^3` scores three times what `oil` does: the boost reaches the term through
    the word's fields, a bracket and `OR` alike, in `search query` and in `search run
    --syntax`."""
    ix = _small_index(tmp_path)
    expected: dict[str, float] = {}
    for word, boost in boosts.items():
        for article, score in _by_hand(_words(word)).items():
            expected[article] = expected.get(article, 0.0) + boost * score
    plain = SearchOptions(feedback=False)
    found = {hit.id: hit.score for hit in ix.search(text, None, all_copies=True, options=plain)}
    if " OR " not in text:
        both = set.intersection(*(set(_by_hand(_words(word))) for word in boosts))
        expected = {a: s for a, s in expected.items() if a in both}
        found = {a: s for a, s in found.items() if a in expected}
    assert found == pytest.approx(expected, abs=1e-4)
    run = ix.run([Topic("1", text)], syntax=True, feedback=False)
    ran = {row.docno: row.score for row in run if row.docno in found}
    assert ran == pytest.approx(found, abs=1e-3)  # a run's scores have 4 decimals


def test_every_match_of_a_proximity_search_scores(make_index) -> None:
    ix = make_index(
        Article(id="t/near", headline="Oil and gas prices", body=filler("n")),
        Article(id="t/next", headline="Oil prices", body=filler("x")),
    )
    hits = ix.search('"oil prices"~3').hits
    assert [hit.id for hit in hits] == ["t/next", "t/near"] and hits[-1].score > 0


def test_scores_fall_with_rank_across_tiers(make_index, monkeypatch) -> None:
    """With all-terms-first tiers, a partial match that scores more than the all-terms
    match shows a lower score than it, still above zero."""
    monkeypatch.setattr(search, "ALL_TERMS_FIRST_WORDS", 2)
    ix = make_index(
        Article(id="t/partial", headline="Prices soar", body="Prices rose and prices fell. " * 3),
        Article(id="t/both", body=filler("b") + "Oil prices rose slightly. " + filler("c")),
        Article(id="t/oil", body=filler("o") + "Oil output. " + filler("p")),
    )
    results = ix.search("oil prices", all_copies=True)
    assert [hit.id for hit in results.hits] == ["t/both", "t/partial", "t/oil"]
    scores = [hit.score for hit in results.hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0


@pytest.mark.parametrize(
    "text",
    [
        "CEREMONIAL SUICIDES BY BUDDHIST MONKS IN VIET NAM AND WHAT THEY SEEK",
        "MONKS OR NUNS IN TEMPLES",
        "MONKS NOT IN TEMPLES AND",
    ],
)
def test_a_topic_in_capitals_is_text_not_operators(make_index, text: str) -> None:
    ix = make_index(
        Article(id="t/monks", headline="Buddhist monks protest", body=filler("m")),
        Article(id="t/temples", headline="Temples reopen", body=filler("t")),
        Article(id="t/other", headline="Council meets", body=filler("o")),
    )
    found = [hit.id for hit in ix.search(text)]
    assert found and "t/other" not in found
    assert [row.docno for row in ix.run([Topic("1", text)])] == found


def test_operators_still_work_in_a_query_with_lower_case(make_index) -> None:
    ix = make_index(
        Article(id="t/monks", headline="Buddhist monks protest", body=filler("m")),
        Article(id="t/both", headline="Monks and temples", body=filler("t")),
    )
    assert [hit.id for hit in ix.search("monks AND temples")] == ["t/both"]


@pytest.mark.parametrize(
    ("text", "reading", "speaker"),
    [
        ("what did Alex Ferguson say about Arsenal?", "Alex Ferguson Arsenal", "Alex Ferguson"),
        ("What has Tony Blair said on Iraq", "Tony Blair Iraq", "Tony Blair"),
        ("who said the war was illegal", "the war was illegal", ""),
        ("why is the dollar so weak", "why is the dollar so weak", ""),
        ("what is said about oil", "what is about oil", ""),
        ("oil prices", "oil prices", ""),
    ],
)
def test_questions_are_read_for_their_content(text: str, reading: str, speaker: str) -> None:
    found = read_query(text)
    assert (found.text, found.speaker) == (reading, speaker)


def test_what_did_x_say_ranks_articles_quoting_x_first(make_index) -> None:
    said = Quote(text="Prices will keep rising", speaker="Maria Lopez", cue="said")
    ix = make_index(
        Article(id="t/other", headline="Prices rise", body=filler("o") + "Lopez watched prices."),
        Article(id="t/said", headline="Markets", body=filler("s") + "Prices.", quotes=(said,)),
    )
    assert ix.search("what did Maria Lopez say about prices").hits[0].id == "t/said"


def test_query_and_run_rank_the_same_text_the_same_way(segmented_index: Index, tmp_path) -> None:
    texts = ("oil prices", "ukraine grain exports", "WHAT DID THE MINISTER SAY ABOUT OIL")
    for text, feedback in itertools.product(texts, (True, False)):
        options = SearchOptions(feedback=feedback)
        hits = segmented_index.search(text, limit=20, all_copies=True, options=options).hits
        rows = segmented_index.run([Topic("1", text)], limit=20, feedback=feedback)
        assert [(row.docno, round(row.score, 4)) for row in rows] == [
            (hit.id, hit.score) for hit in hits
        ]
        topics = tmp_path / "topics.tsv"
        topics.write_text(f"1\t{text}\n")
        flag = [] if feedback else ["--no-feedback"]  # on by default
        ran = runner.invoke(
            app, ["run", str(topics), "-n", "20", "--index", str(segmented_index.path), *flag]
        )
        assert [line.split()[2] for line in ran.stdout.splitlines()] == [hit.id for hit in hits]


@pytest.fixture(scope="module")
def bbc_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    bbc = shared_path("corpora", "bbc")
    ix = Index(tmp_path_factory.mktemp("bbc") / "index")
    folders = [bbc / name for name in ("business", "politics", "tech")]
    ix.update(read_corpus(*folders), workers=2, commit_every=400)
    return ix


@pytest.mark.parametrize("feedback", [False, True])
def test_top_ten_equals_the_exhaustive_ranking_on_the_benchmark_queries(
    bbc_index: Index, feedback: bool
) -> None:
    options = SearchOptions(feedback=feedback)
    for text in QUERIES:
        top = [hit.id for hit in bbc_index.search(text, options=options, all_copies=True)]
        every = [hit.id for hit in bbc_index.iter_search(text, options=options)]
        assert top == every[:10], text


@pytest.mark.parametrize("stories", [True, False], ids=["stories", "all-copies"])
def test_pages_with_feedback_equal_the_exhaustive_ranking_on_the_benchmark_queries(
    bbc_index: Index, stories: bool
) -> None:
    for text in QUERIES:
        assert_pages_equal_the_exhaustive_ranking(bbc_index, text, stories)


def test_feedback_reranks_the_same_matches(bbc_index: Index) -> None:
    plain = bbc_index.search(
        "oil prices", limit=None, all_copies=True, options=SearchOptions(feedback=False)
    )
    fed = bbc_index.search(
        "oil prices", limit=None, all_copies=True, options=SearchOptions(feedback=True)
    )
    assert fed.total == plain.total > FEEDBACK_DOCS
    assert {h.id for h in fed.hits} == {h.id for h in plain.hits}
    assert [h.id for h in fed.hits] != [h.id for h in plain.hits]
    scores = [hit.score for hit in fed.hits]
    assert scores == sorted(scores, reverse=True)


def test_feedback_leaves_a_ranking_with_no_more_matches_than_it_learns_from(
    tmp_path: Path,
) -> None:
    ix = Index(tmp_path / "ix")
    ix.add(
        [
            Article(id=f"c/{n}", headline=f"Cocoa report {n}", body=text)
            for n, text in enumerate(
                [
                    "Cocoa prices rose as the harvest in Ivory Coast fell short.",
                    "Cocoa grinders bought more beans; chocolate makers raised prices.",
                    "Rain helped the cocoa crop in Ghana, traders said.",
                ]
            )
        ]
    )
    plain = ix.search("cocoa prices", limit=None, options=SearchOptions(feedback=False))
    assert 1 < plain.total <= FEEDBACK_DOCS
    fed = ix.search("cocoa prices", limit=None, options=SearchOptions(feedback=True))
    assert [(h.id, h.score) for h in fed.hits] == [(h.id, h.score) for h in plain.hits]


TOP_QUERIES = (
    "oil prices",
    "market oil",
    "cocoa harvest strike",
    "bank rates growth prices",
    "market",
    '"oil prices" bank',
    "cocoa^3 market",
    "oil -bank",
    "nosuchword oil",
)


@pytest.mark.parametrize("merged", [False, True], ids=["segments", "merged"])
@pytest.mark.parametrize("limit", [1, 10, 75])
def test_top_k_equals_the_exhaustive_ranking(
    request: pytest.FixtureRequest, merged: bool, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bm25f.top` gives the exhaustive ranking's first k, scores included, while scoring
    fewer documents than it (MaxScore leaves out those holding only the commonest terms):
    on segments our inverter wrote, with deletions, and on one Whoosh's writer merged."""
    ix: Index = request.getfixturevalue("merged_generated_index" if merged else "generated_index")
    scored_sizes: list[int] = []
    scored = bm25f._scored

    def counting(terms: list, wanted: set[int]) -> dict[int, float]:
        scored_sizes.append(len(wanted))
        return scored(terms, wanted)

    with ix._open().searcher() as searcher:
        reader = searcher.reader()
        assert (len(reader.leaf_readers()) == 1) == merged and reader.has_deletions() != merged
        skipped = 0
        for text in TOP_QUERIES:
            strict, loose = parse_query(text, searcher.schema)
            q = loose or strict
            postings = Postings(searcher)
            candidates = matching_docs(searcher, q, postings)
            every = bm25f.scores(searcher, q, candidates, postings)
            expected = sorted(every.items(), key=lambda item: (-item[1], item[0]))[:limit]
            monkeypatch.setattr(bm25f, "_scored", counting)
            scored_sizes.clear()
            assert bm25f.top(searcher, q, candidates, postings, limit) == expected, text
            monkeypatch.setattr(bm25f, "_scored", scored)
            skipped += len(candidates) - sum(scored_sizes)
        assert skipped > 0


def test_a_search_ranks_as_the_exhaustive_ranking_on_a_segmented_index(
    generated_index: Index,
) -> None:
    for text in TOP_QUERIES:
        every = [(hit.id, hit.score) for hit in generated_index.iter_search(text)]
        top = generated_index.search(text, limit=10, all_copies=True)
        assert [(hit.id, hit.score) for hit in top.hits] == every[:10], text
        assert top.total == len(every)
