"""Every query command answers on a sharded index as on one index of the same articles:
similar articles, quotes and their scores, speakers, a hit's copies, date sorts' tiers."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from searcher import Hit, Index, SearchOptions, Topic, create_shards, read_corpus
from searcher.query import feedback
from searcher.shards.manifest import shard_of
from tests.conftest import filler

SHARDS = 3
SPEAKERS = ("Maria Lopez", "Kassym Tokayev", "Zauresh Shekenova", "Lopez", "Ann Lee")
TOPICS = ("oil prices", "street protests", "the election", "gas output", "the budget")
SOURCES = ("Reuters", "AP", "Le Monde", "The Guardian")
# The story printed by several papers: its first copy dated, the others not.
STORY = (
    "Oil prices climbed for a fifth day as refiners in Rotterdam bought crude cargoes "
    "ahead of the winter, traders in London said on Monday. “Stocks are thinner than "
    "anyone expected at this time of year,” said Maria Lopez, an analyst at the bank. "
    "Brent rose 2.4 percent to 91.30 dollars a barrel while gas output in Norway fell."
)
COPIES = 5
# Words that make each article's text its own (articles alike would be copies of a story).
WORDS = (
    "harbour",
    "tram",
    "clinic",
    "museum",
    "farm",
    "airport",
    "tunnel",
    "stadium",
    "factory",
    "college",
    "ferry",
    "garden",
    "hospital",
    "prison",
    "theatre",
    "village",
    "canal",
    "mine",
    "forest",
    "castle",
    "market",
    "quay",
    "depot",
    "lighthouse",
    "orchard",
    "vineyard",
    "monastery",
    "brewery",
    "observatory",
    "railway",
)


def _record(n: int, rng: random.Random, now: datetime) -> dict[str, object]:
    topic, other = rng.sample(TOPICS, 2)
    speaker = SPEAKERS[n % len(SPEAKERS)]
    body = (
        filler(f"merge-{n}")
        + f"Reports on {topic} and {other} came in. "
        + " ".join(f"Talk of {topic} reached the {word}." for word in rng.sample(WORDS, n % 3))
        + f"“The {topic} will matter for years,” said {speaker}. {filler(f'merge-{n}-end')}"
        + f"Visitors saw the {' and the '.join(rng.sample(WORDS, 12))}."
    )
    record: dict[str, object] = {"title": f"News on {topic}", "text": body, "language": "en"}
    if n % 7:
        record["source"] = SOURCES[n % len(SOURCES)]
    if n % 5:
        record["authors"] = ["Ann Lee"] if n % 2 else ["Bob Ray", "Dan Moss"]
    if n % 9:
        record["date"] = (now - timedelta(days=3 * n + 10, hours=n % 24)).isoformat()
    return record


def _write(folder: Path, first: int, last: int) -> None:
    """Articles `first` to `last` (a file each), and with the second half the story's
    copies."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(first)
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    for n in range(first, last):
        (folder / f"{n:03}.json").write_text(json.dumps(_record(n, rng, now)), encoding="utf-8")
    if first:
        for n in range(COPIES):
            record: dict[str, object] = {
                "title": "Oil prices climb again" if n == 0 else "Refiners buy crude",
                "text": STORY,
                "source": f"Paper {n}",
            }
            if n == 0:
                record["date"] = (now + timedelta(days=1)).isoformat()
            (folder / f"story-{n}.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, Index]:
    """One index and a sharded one of the same articles, each written in two runs (so in
    several segments: two workers committing every 10 articles, and a shard's segment a
    run); some articles lack a date, a source or authors; a story's copies span shards."""
    root = tmp_path_factory.mktemp("merging")
    corpus = root / "corpus"
    one = Index(root / "one")
    create_shards(root / "sharded", SHARDS)
    sharded = Index(root / "sharded")
    added: set[str] = set()
    for first, last in ((0, 30), (30, 70)):
        _write(corpus, first, last)
        one.update(read_corpus(corpus), workers=2, commit_every=10)
        sharded.add(article for article in read_corpus(corpus) if article.id not in added)
        added |= {article.id for article in read_corpus(corpus)}
    assert len(one) == len(sharded) == 70 + COPIES
    copies = [hit.id for hit in one.search("refiners rotterdam", all_copies=True).hits]
    assert len({shard_of(article_id, SHARDS) for article_id in copies}) > 1
    return one, sharded


def _scored(hits: tuple[Hit, ...]) -> list[tuple[float, str, str, list[str]]]:
    """Hits as comparable rows (equal scores rank by document number in one index, by id
    over shards)."""
    return sorted(
        (-round(hit.score, 6), hit.id, hit.story, sorted(c.id for c in hit.copies)) for hit in hits
    )


@pytest.mark.parametrize("all_copies", [False, True])
def test_similar_articles_equal_one_index(pair: tuple[Index, Index], all_copies: bool) -> None:
    one, sharded = pair
    for name in ("012.json", "041.json", "story-2.json"):
        wanted = str(one.path.parent / "corpus" / name)
        a = one.similar(wanted, limit=10, all_copies=all_copies)
        b = sharded.similar(wanted, limit=10, all_copies=all_copies)
        assert a.total == b.total and a.query == b.query
        assert _scored(a.hits) == _scored(b.hits), wanted
        assert [hit.rank for hit in b.hits] == [hit.rank for hit in a.hits]
        # The story's key terms are its own: only its copies share them.
        assert len(a.hits) == (COPIES - 1 if all_copies else 0) if "story" in name else 10


def test_quotes_score_with_every_shards_figures(pair: tuple[Index, Index]) -> None:
    one, sharded = pair
    for text, speaker in (("prices", None), ("oil stocks", None), ("matter", "Lopez")):
        for all_copies in (False, True):
            a = one.quotes(text, speaker=speaker, limit=None, all_copies=all_copies)
            b = sharded.quotes(text, speaker=speaker, limit=None, all_copies=all_copies)
            assert a.total == b.total, (text, all_copies)
            assert [(q.article_id, q.text, q.score) for q in a.quotes] == [
                (q.article_id, q.text, q.score) for q in b.quotes
            ]
    page = sharded.quotes("prices", limit=3, offset=2)
    assert page.quotes == one.quotes("prices", limit=3, offset=2).quotes
    # The story's quote is listed once, though its copies are in several shards.
    stocks = sharded.quotes("stocks thinner")
    assert stocks.total == 1 and len(sharded.quotes("stocks thinner", all_copies=True).quotes) == 5


@pytest.mark.parametrize("speaker", ["Maria Lopez", "lopez", "Ann Lee"])
def test_a_speakers_quotes_without_words_equal_one_index(
    pair: tuple[Index, Index], speaker: str
) -> None:
    one, sharded = pair
    answers = {}
    for all_copies in (False, True):
        a = one.quotes(speaker=speaker, limit=None, all_copies=all_copies)
        assert sharded.quotes(speaker=speaker, limit=None, all_copies=all_copies) == a
        answers[all_copies] = a
    # Newest first, undated last; the story's quote once, from its dated copy (the newest).
    dates = [q.date for q in answers[False]]
    dated = sorted((date for date in dates if date is not None), reverse=True)
    assert answers[False].total > 10 and len(dated) < len(dates)
    assert dates == [*dated, *[None] * (len(dates) - len(dated))]
    stories = answers[True].total - answers[False].total
    assert stories == (COPIES - 1 if "lopez" in speaker.lower() else 0)
    page = sharded.quotes(speaker=speaker, limit=4, offset=3)
    assert page == one.quotes(speaker=speaker, limit=4, offset=3)


def test_a_quote_copied_across_shards_counts_once(pair: tuple[Index, Index]) -> None:
    one, sharded = pair
    for text in (None, "matter", "stocks"):
        assert sharded.speakers(text, limit=None) == one.speakers(text, limit=None), text
        assert sharded.speakers(text, limit=None, all_copies=True) == one.speakers(
            text, limit=None, all_copies=True
        )
    lopez = {count.name: count for count in sharded.speakers(limit=None)}["Maria Lopez"]
    everyone = {count.name: count for count in sharded.speakers(limit=None, all_copies=True)}
    assert everyone["Maria Lopez"].quotes == lopez.quotes + COPIES - 1


def test_a_hit_lists_its_copies_in_every_shard(pair: tuple[Index, Index]) -> None:
    one, sharded = pair
    newest = SearchOptions(sort="newest")
    a = one.search("oil", limit=1, options=newest)
    b = sharded.search("oil", limit=1, options=newest)
    assert [hit.id for hit in a.hits] == [hit.id for hit in b.hits]
    assert {c.id for c in b.hits[0].copies} == {c.id for c in a.hits[0].copies}
    assert len(b.hits[0].copies) == COPIES - 1
    # A copy the filters leave out is not listed.
    papers = SearchOptions(sort="newest", sources=("Paper 0", "Paper 3"))
    filtered = sharded.search("oil", limit=1, options=papers).hits[0]
    assert [c.source for c in filtered.copies] == ["Paper 3"]
    assert filtered.copies == one.search("oil", limit=1, options=papers).hits[0].copies


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_a_date_sort_ranks_all_terms_matches_first_over_shards(
    pair: tuple[Index, Index], sort: str
) -> None:
    one, sharded = pair
    for text in ("election budget", "protests oil", "gas election"):
        options = SearchOptions(sort=sort)
        a = one.search(text, limit=30, options=options, all_copies=True)
        b = sharded.search(text, limit=30, options=options, all_copies=True)
        assert [hit.id for hit in a.hits] == [hit.id for hit in b.hits], text
        paged = sharded.search(text, limit=5, offset=10, options=options, all_copies=True)
        assert [hit.id for hit in paged.hits] == [hit.id for hit in a.hits[10:15]]


@pytest.mark.corpora
def test_bbc_and_reuters_similar_quotes_and_tiers_as_one_index(
    bbc_reuters_shards: tuple[Index, Index],
) -> None:
    one, sharded = bbc_reuters_shards
    ids = [hit.id for hit in one.search("oil prices", limit=3).hits]
    ids += [hit.id for hit in one.search("election labour", limit=2).hits]
    for article_id in ids:
        a, b = one.similar(article_id), sharded.similar(article_id)
        assert a.total == b.total
        assert _scored(a.hits) == _scored(b.hits), article_id
    for text in ("economy", "oil prices", "election"):
        a, b = one.quotes(text, limit=20), sharded.quotes(text, limit=20)
        assert a.total == b.total
        assert [(q.article_id, q.text, q.score) for q in a.quotes] == [
            (q.article_id, q.text, q.score) for q in b.quotes
        ]
    assert sharded.speakers(limit=50) == one.speakers(limit=50)
    assert sharded.speakers("economy") == one.speakers("economy")
    newest = SearchOptions(sort="newest")
    for text in ("oil prices", "bank rates"):
        a = one.search(text, limit=20, options=newest)
        b = sharded.search(text, limit=20, options=newest)
        assert [hit.id for hit in a.hits] == [hit.id for hit in b.hits]
        assert [sorted(c.id for c in hit.copies) for hit in a.hits] == [
            sorted(c.id for c in hit.copies) for hit in b.hits
        ]


def test_an_export_merges_tiers_stories_and_copies(pair: tuple[Index, Index]) -> None:
    one, sharded = pair
    for text, sort in (("oil", "newest"), ("protests oil", "oldest"), ("oil prices", "relevance")):
        options = SearchOptions(sort=sort)
        a = [
            (h.id, h.story, sorted(c.id for c in h.copies)) for h in one.iter_search(text, options)
        ]
        b = [
            (h.id, h.story, sorted(c.id for c in h.copies))
            for h in sharded.iter_search(text, options)
        ]
        if sort == "relevance":  # equal scores rank by document number in one index
            a, b = sorted(a), sorted(b)
        assert a == b, (text, sort)
    story = [h for h in sharded.iter_search("refiners") if h.copies]
    assert len(story) == COPIES and all(len(h.copies) == COPIES - 1 for h in story)


def test_feedback_learns_from_every_shard_as_one_index(pair: tuple[Index, Index]) -> None:
    one, sharded = pair
    cases = [
        ("oil prices", SearchOptions(feedback=True)),
        ("election", SearchOptions(feedback=True, sources=("Reuters", "AP"))),
        ("budget protests", SearchOptions(feedback=True, recent=400.0)),
        # "rotterdam" dominates: only the articles holding it are rescored (in every shard).
        ("rotterdam gas", SearchOptions(feedback=True)),
    ]
    for text, options in cases:
        plain = one.search(text, limit=20, options=replace(options, feedback=False))
        a = one.search(text, limit=20, options=options, all_copies=True)
        b = sharded.search(text, limit=20, options=options, all_copies=True)
        assert a.total == b.total and a.total > 10
        assert _scored(a.hits) == _scored(b.hits), text
        assert _scored(a.hits) != _scored(plain.hits)  # feedback reranked
        collapsed = one.search(text, limit=5, options=options)
        assert _scored(collapsed.hits) == _scored(
            sharded.search(text, limit=5, options=options).hits
        )
        exported = [(h.id, round(h.score, 6)) for h in sharded.iter_search(text, options)]
        assert sorted(exported) == sorted(
            (h.id, round(h.score, 6)) for h in one.iter_search(text, options)
        )
    topics = [Topic("1", "oil prices"), Topic("2", "street protests election")]
    # Beyond the rescored, articles tie at their first scores, ranked as in `_scored`.
    assert sorted(
        (r.qid, -round(r.score, 6), r.docno) for r in sharded.run(topics, feedback=True)
    ) == sorted((r.qid, -round(r.score, 6), r.docno) for r in one.run(topics, feedback=True))


@pytest.mark.parametrize("text", ["rotterdam election", "gas budget", "protests street"])
def test_feedback_learns_from_the_articles_tied_at_its_last_place_as_one_index(
    pair: tuple[Index, Index], text: str
) -> None:
    """Articles tied at the last place feedback learns from are taken by id, in one index
    as over shards, whatever order they were written in."""
    one, sharded = pair
    plain = one.search(
        text,
        limit=feedback.FEEDBACK_DOCS + 1,
        all_copies=True,
        options=SearchOptions(feedback=False),
    )
    scores = [hit.score for hit in plain.hits]
    assert scores[feedback.FEEDBACK_DOCS - 1] == scores[feedback.FEEDBACK_DOCS]  # a tie there
    a = one.search(text, limit=20, all_copies=True)
    b = sharded.search(text, limit=20, all_copies=True)
    assert _scored(a.hits) == _scored(b.hits)


def test_feedback_rescores_the_articles_one_index_rescores(
    pair: tuple[Index, Index], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the best `RESCORED` of the whole index, which each shard used to pick from
    its own best, the shards' full ranking is one index's."""
    one, sharded = pair
    monkeypatch.setattr(feedback, "RESCORED", 5)
    cases = [
        ("oil prices", SearchOptions()),
        ("election", SearchOptions(sources=("Reuters", "AP"))),
        ("budget protests", SearchOptions(recent=400.0)),
    ]
    for text, options in cases:
        a = one.search(text, limit=None, options=options, all_copies=True)
        b = sharded.search(text, limit=None, options=options, all_copies=True)
        assert a.total == b.total and a.total > 10
        assert _scored(a.hits) == _scored(b.hits), text
        plain = one.search(text, limit=None, options=replace(options, feedback=False))
        assert _scored(a.hits) != _scored(plain.hits)  # feedback reranked
        for limit in (3, 5, 8):  # a page stops at, before or beyond the rescored
            page = sharded.search(text, limit=limit, options=options, all_copies=True)
            assert _scored(page.hits) == _scored(b.hits[:limit]), (text, limit)
        exported = [(h.id, round(h.score, 6)) for h in sharded.iter_search(text, options)]
        assert sorted(exported) == sorted(
            (h.id, round(h.score, 6)) for h in one.iter_search(text, options)
        )
    topics = [Topic("1", "oil prices"), Topic("2", "street protests election")]
    assert sorted((r.qid, -round(r.score, 6), r.docno) for r in sharded.run(topics)) == sorted(
        (r.qid, -round(r.score, 6), r.docno) for r in one.run(topics)
    )
