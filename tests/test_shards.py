"""Sharded indexes: routing, and every answer equal to one unsharded index's."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.queries import QUERIES
from searcher import Hit, Index, SearchOptions, Topic, create_shards, read_corpus
from searcher.cli import app
from searcher.shards.building import corpus_order
from searcher.shards.index import ShardedIndex
from searcher.shards.manifest import MANIFEST, read_manifest, shard_of
from tests.conftest import NEWSROOM

FACETS = ("source", "year", "author", "country", "language")


def _sharded(folder: Path, shards: int, articles: object) -> Index:
    create_shards(folder, shards)
    ix = Index(folder)
    ix.add(articles)  # type: ignore[arg-type]
    return ix


def assert_same_answers(
    one: Index, sharded: Index, text: str, all_copies: bool = True, **options: object
) -> None:
    """`sharded` answers `text` as `one` does: totals, facets, top 10 and scores to 1e-6."""
    search = SearchOptions(facets=FACETS, **options)  # type: ignore[arg-type]
    a = one.search(text, limit=10, options=search, all_copies=all_copies)
    b = sharded.search(text, limit=10, options=search, all_copies=all_copies)
    assert (a.total, a.facets, a.undated_excluded) == (b.total, b.facets, b.undated_excluded)
    # Equal scores rank by document number in one index, by id over shards.
    assert _by_score(a.hits) == _by_score(b.hits), text
    assert [hit.rank for hit in a.hits] == [hit.rank for hit in b.hits]
    for x, y in zip(a.hits, b.hits, strict=True):
        assert x.score == pytest.approx(y.score, abs=1e-6), (text, x.id)


def _by_score(hits: tuple[Hit, ...]) -> list[tuple[float, str, str, list[str]]]:
    return sorted(
        (-round(hit.score, 6), hit.id, hit.story, sorted(c.id for c in hit.copies)) for hit in hits
    )


def test_routing_is_stable_and_spreads() -> None:
    assert shard_of("bbc/tech/001.txt", 4) == shard_of("bbc/tech/001.txt", 4)
    counts = [0] * 4
    for n in range(400):
        counts[shard_of(f"article-{n}", 4)] += 1
    assert all(60 < count < 140 for count in counts)


def test_articles_not_written_by_the_run_are_placed_by_their_file_or_archive(
    tmp_path: Path,
) -> None:
    """Articles a failed run wrote are merged into the stories in the corpus's order: by
    their file's place, and for a member of an archive, by the archive's."""
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("A\n\nFirst.\n")
    with tarfile.open(news / "b.tar.gz", "w:gz") as tar:
        tar.add(news / "a.txt", arcname="in/one.txt")
    (news / "c.txt").write_text("C\n\nLast.\n")
    order = corpus_order(read_corpus(news), {})
    ids = ["news/c.txt", "news/b.tar.gz/in/one.txt", "news/a.txt", "news/gone.txt"]
    assert sorted(ids, key=order) == [
        "news/a.txt",
        "news/b.tar.gz/in/one.txt",
        "news/c.txt",
        "news/gone.txt",
    ]


def test_a_sharded_index_answers_as_one_index(tmp_path: Path) -> None:
    one = Index(tmp_path / "one")
    one.add(NEWSROOM)
    sharded = _sharded(tmp_path / "sharded", 3, NEWSROOM)
    assert isinstance(sharded, ShardedIndex)
    manifest = read_manifest(tmp_path / "sharded")
    assert manifest.shards == 3 and len(sharded) == len(one) == len(NEWSROOM)
    # The articles are spread over the shards (scoring one shard alone would differ).
    assert sum(1 for shard in sharded.shards if len(shard)) >= 2  # type: ignore[attr-defined]
    for text in ("oil prices", "protests", "kazakhstan OR corruption", '"oil prices"', "oil -gas"):
        assert_same_answers(one, sharded, text)
        assert_same_answers(one, sharded, text, sources=("Reuters",))
    assert_same_answers(one, sharded, "protests", since=datetime(2022, 1, 1, tzinfo=timezone.utc))
    exported = [(hit.id, round(hit.score, 6)) for hit in sharded.iter_search("oil prices")]
    assert exported == [(hit.id, round(hit.score, 6)) for hit in one.iter_search("oil prices")]
    assert sharded.stats().articles == one.stats().articles
    assert sharded.stats().sources == one.stats().sources
    assert sharded.speakers() == one.speakers()
    assert sharded.show("news/guardian-oil").article == one.show("news/guardian-oil").article
    quotes = [(q.article_id, q.text, q.score) for q in sharded.quotes("prices", limit=None)]
    assert quotes == [(q.article_id, q.text, q.score) for q in one.quotes("prices", limit=None)]
    for speaker in ("Maria Lopez", "tokayev"):
        assert sharded.quotes(speaker=speaker) == one.quotes(speaker=speaker), speaker
    topics = [Topic("1", "oil prices"), Topic("2", "protests in kazakhstan")]
    assert [(r.qid, r.docno, r.rank) for r in sharded.run(topics)] == [
        (r.qid, r.docno, r.rank) for r in one.run(topics)
    ]


def test_copies_in_different_shards_collapse_into_one_story(tmp_path: Path) -> None:
    copies = [replace(NEWSROOM[1], id=f"wire/oil-{n}", source=f"Wire {n}") for n in range(6)]
    articles = (*NEWSROOM, *copies)
    one = Index(tmp_path / "one")
    one.add(articles)
    sharded = _sharded(tmp_path / "sharded", 3, articles)
    assert len({shard_of(copy.id, 3) for copy in copies}) > 1
    first = sharded.search("oil prices")
    assert [hit.id for hit in first.hits] == [hit.id for hit in one.search("oil prices").hits]
    best = first.hits[0]
    assert {c.id for c in best.copies} == {c.id for c in one.search("oil prices").hits[0].copies}
    assert len(best.copies) == 6
    assert sharded.duplicates() == one.duplicates()
    for text in ("oil prices", "prices", "protests"):
        assert_same_answers(one, sharded, text, all_copies=False)
    view = sharded.show("wire/oil-3")
    assert {c.id for c in view.copies} == {c.id for c in one.show("wire/oil-3").copies}


def test_a_shard_scored_alone_would_rank_differently(tmp_path: Path) -> None:
    """Without the summed statistics each shard's scores differ from the whole's."""
    one = Index(tmp_path / "one")
    one.add(NEWSROOM)
    sharded = _sharded(tmp_path / "sharded", 2, NEWSROOM)
    whole = {hit.id: hit.score for hit in one.search("oil prices", limit=None, all_copies=True)}
    alone = {
        hit.id: hit.score
        for shard in sharded.shards  # type: ignore[attr-defined]
        if len(shard)
        for hit in shard.search("oil prices", limit=None, all_copies=True)
    }
    assert alone.keys() == whole.keys()
    assert any(abs(alone[key] - whole[key]) > 1e-3 for key in whole)


def test_updates_replace_in_their_shard(tmp_path: Path) -> None:
    sharded = _sharded(tmp_path / "sharded", 3, NEWSROOM)
    report = sharded.add(NEWSROOM[:2])
    assert (report.added, report.replaced) == (0, 2)
    assert len(sharded) == len(NEWSROOM)


def test_the_command_line_builds_and_searches_shards(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n, article in enumerate(NEWSROOM):
        (corpus / f"{n}.json").write_text(
            json.dumps({"id": article.id, "headline": article.headline, "body": article.body}),
            encoding="utf-8",
        )
    index = tmp_path / "index"
    runner = CliRunner()
    built = runner.invoke(app, ["index", str(corpus), "--index", str(index), "--shards", "2"])
    assert built.exit_code == 0, built.output
    assert (index / MANIFEST).is_file()
    found = runner.invoke(app, ["query", "oil prices", "--index", str(index), "--json"])
    assert found.exit_code == 0, found.output
    again = runner.invoke(app, ["index", str(corpus), "--index", str(index), "--shards", "3"])
    assert again.exit_code == 2
    assert "holds 2 shards, not 3" in again.output


@pytest.mark.corpora
def test_bbc_and_reuters_sharded_rank_as_one_index(
    bbc_reuters_shards: tuple[Index, Index],
) -> None:
    one, sharded = bbc_reuters_shards
    for text in QUERIES:
        assert_same_answers(one, sharded, text)
        assert_same_answers(one, sharded, text, all_copies=False)
    assert sharded.duplicates() == one.duplicates()


def test_searching_shards_without_a_scheduler_imports_no_dask(tmp_path: Path) -> None:
    _sharded(tmp_path / "sharded", 2, NEWSROOM)
    code = (
        "import sys\n"
        "from searcher.cli import app\n"
        f"app(['query', 'oil', '--index', {str(tmp_path / 'sharded')!r}, '--json'],"
        " standalone_mode=False)\n"
        "print(' '.join(sys.modules), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["total"] == 3
    loaded = set(out.stderr.split())
    assert "searcher.shards.index" in loaded
    assert not {"dask", "distributed", "searcher.shards.cluster", "nltk"} & loaded
