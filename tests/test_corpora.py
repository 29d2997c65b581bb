"""Acceptance over the real corpora in ../shared/corpora (skipped where they are absent).

The archives are unpacked once per module into a temporary folder; the corpora are never
copied into the repository (research-only terms).
"""

from __future__ import annotations

import re
import shutil
import tarfile
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import shared_path
from test_segments import assert_same, check_consistent
from typer.testing import CliRunner

from searcher import Article, Index, SearchOptions, read_corpus
from searcher.cli import app
from searcher.cli.problems import count_problems
from searcher.cli.render_progress import problem_summary
from searcher.query.facets import FACETS, NONE

pytestmark = pytest.mark.corpora


def unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


@pytest.fixture(scope="module")
def reuters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = shared_path("corpora", "reuters21578", "reuters21578.tar.gz")
    return unpack(archive, tmp_path_factory.mktemp("reuters")) / "reuters21578"


@pytest.fixture(scope="module")
def newsgroups(tmp_path_factory: pytest.TempPathFactory) -> Path:
    archive = shared_path("corpora", "20newsgroups", "20news-bydate.tar.gz")
    return unpack(archive, tmp_path_factory.mktemp("20news")) / "20news-bydate"


REUTERS_DOCUMENTATION = (
    *(f"all-{k}-strings.lc.txt" for k in ("exchanges", "orgs", "people", "places", "topics")),
    "cat-descriptions_120396.txt",
    "feldman-cia-worldfactbook-data.txt",
)


def test_reuters_21578_stories(reuters: Path) -> None:
    corpus = read_corpus(reuters, format="sgml")
    stories = {a.id: a for a in corpus}
    assert len(stories) == 21577
    assert Counter(a.id.split("/")[1].split("#")[0] for a in stories.values()) == {
        f"reut2-{n:03}.sgm": 578 if n == 21 else 999 if n == 12 else 1000 for n in range(22)
    }
    # The documentation files are reported, not counted; so is the one story without text
    # (NEWID 12793, an empty UNPROC story), as a record.
    file_problems = sorted((Path(p.path).name, p.kind) for p in corpus.problems if not p.line)
    assert file_problems == sorted(
        (name, "no-articles") for name in (*REUTERS_DOCUMENTATION, "lewis.dtd")
    )
    (empty,) = (p for p in corpus.problems if p.line)
    assert (Path(empty.path).name, empty.kind, empty.reason) == (
        "reut2-012.sgm",
        "no-text",
        "story 12793 has no text",
    )
    first = stories["reuters21578/reut2-000.sgm#1"]
    assert (first.docno, first.source, first.headline) == ("1", "Reuters", "BAHIA COCOA REVIEW")
    assert first.date == datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=timezone.utc)
    assert first.body.startswith("Showers continued throughout the week in the Bahia cocoa zone")
    assert dict(first.metadata)["places"] == ("el-salvador", "usa", "uruguay")
    # Stories without a TITLE are headed by their first line.
    assert all(a.headline for a in stories.values())
    report = stories["reuters21578/reut2-000.sgm#99"]
    assert report.headline == "FEDERAL RESERVE WEEKLY REPORT 1 - FEB 26"
    assert report.body.startswith("Two weeks ended Feb 25 daily avgs-mlns")
    assert sum(1 for a in stories.values() if a.body) > 19000
    assert any("growth.\u00fc" in a.body for a in stories.values() if "reut2-017" in a.id)


def test_reuters_folder_without_a_format_reports_its_documentation(reuters: Path) -> None:
    corpus = read_corpus(reuters)
    assert sum(1 for _ in corpus) == 21577
    assert sorted((Path(p.path).name, p.kind) for p in corpus.problems if not p.line) == sorted(
        [(name, "documentation") for name in REUTERS_DOCUMENTATION] + [("lewis.dtd", "no-reader")]
    )
    summary = problem_summary(count_problems(corpus.problems))
    assert summary is not None
    assert summary.plain == (
        "Skipped 8 files (7 documentation, 1 no-reader) and 1 record (1 no-text)"
    )
    # Named on the command line, a documentation file is read as the text it is.
    (article,) = read_corpus(reuters / "cat-descriptions_120396.txt")
    assert article.id == "reuters21578/cat-descriptions_120396.txt"


def test_reuters_archive_read_in_place_as_its_unpacked_copy(reuters: Path) -> None:
    archive = shared_path("corpora", "reuters21578", "reuters21578.tar.gz")
    corpus = read_corpus(archive)
    prefix = "reuters21578/reuters21578.tar.gz/"  # its folder's name, then its own
    ids = [article.id.removeprefix(prefix) for article in corpus]
    assert len(ids) == 21577
    assert sorted(ids) == sorted(article.id for article in read_corpus(reuters))
    # The same problems: the documentation, lewis.dtd and the story without text, each
    # named inside the archive (its README.txt is passed over, as it is unpacked).
    assert sorted(
        (p.path.removeprefix(f"{archive}/reuters21578/"), p.kind) for p in corpus.problems
    ) == sorted(
        [(name, "documentation") for name in REUTERS_DOCUMENTATION]
        + [("lewis.dtd", "no-reader"), ("reut2-012.sgm", "no-text")]
    )


def test_twenty_newsgroups_posts(newsgroups: Path) -> None:
    corpus = read_corpus(newsgroups)
    posts = {a.id: a for a in corpus}
    assert len(posts) == 18846
    assert corpus.problems == []
    assert len({a.source for a in posts.values()}) == 20
    assert not any(a.headline.startswith("From:") for a in posts.values())
    post = posts["20news-bydate/20news-bydate-train/sci.space/59497"]
    assert post.headline == (
        "Re: Gravity waves, was: Predicting gravity wave quantization & Cosmic Noise"
    )
    assert (post.byline, post.source) == ("Eric H. Taylor", "sci.space")
    assert post.date is None  # the bydate posts carry no Date header: none is invented
    assert "Nntp-Posting-Host" not in post.body


def test_ag_news_indexed_through_the_cli(tmp_path: Path) -> None:
    csv = shared_path("corpora", "ag_news", "test.csv")
    rows = {a.id: a for a in read_corpus(csv)}
    assert len(rows) == 7600
    race = rows["ag_news/test.csv#2"]
    assert race.headline.startswith("The Race is On: Second Private Team Sets Launch Date")
    assert "A second team of rocketeers competing for the $10 million Ansari X Prize" in race.body
    assert dict(race.metadata) == {"label": ("4",)}
    # Entities whose `&` AG News turned into a space are decoded (595 quot;, 105 amp;).
    texts = [f"{a.headline} {a.body}" for a in rows.values()]
    assert not [t for t in texts if re.search(r"\b(quot|amp|#\d+);", t)]
    assert sum("Johnson & Johnson" in t for t in texts) >= 5
    assert not [t for t in texts if "n 't" in t]  # "isn #39;t" gave "isn 't"

    index = tmp_path / "ix"
    result = CliRunner().invoke(app, ["index", str(csv), "--index", str(index), "--strict"])
    assert result.exit_code == 0, result.output
    assert "Indexed 7600 articles (7600 new, 0 replaced) from 1 file" in result.stderr
    hits = Index(index).search("second private team rocketeers Ansari", limit=10)
    assert "ag_news/test.csv#2" in [hit.id for hit in hits]


def test_bbc_pound_sign() -> None:
    (mutu,) = read_corpus(shared_path("corpora", "bbc", "sport", "199.txt"))
    assert isinstance(mutu, Article) and "a \u00a315.8m signing from Parma" in mutu.body


def test_bbc_and_reuters_answer_as_after_optimize(reuters: Path, tmp_path: Path) -> None:
    """Every option gives the same answer before and after `optimize` on an index of BBC
    articles (no date, no source: their segments have no such column) and Reuters ones."""
    ix = Index(tmp_path / "multi")
    ix.update(read_corpus(shared_path("corpora", "bbc", "business")), workers=2, commit_every=200)
    ix.update(read_corpus(reuters / "reut2-018.sgm", format="sgml"), workers=2, commit_every=400)
    single = Index(tmp_path / "single")
    shutil.copytree(ix.path, single.path)
    assert single.optimize() > 2
    for options in (
        SearchOptions(since=datetime(1987, 6, 16, tzinfo=timezone.utc)),
        SearchOptions(until=datetime(1987, 6, 15, 23, tzinfo=timezone.utc)),
        SearchOptions(sort="newest"),
        SearchOptions(sort="oldest"),
        SearchOptions(recent=3650),  # ten years: 1987 still weighs
        SearchOptions(facets=FACETS),
    ):
        multi = ix.search("opec", limit=None, options=options)
        check_consistent(multi, options)
        assert_same(multi, single.search("opec", limit=None, options=options), options)
    newest = ix.search("opec", limit=None, options=SearchOptions(sort="newest"))
    assert newest.hits[0].date is not None and newest.hits[-1].date is None
    stats = ix.stats()
    assert replace(stats, size=0, segments=1, updated=None) == replace(
        single.stats(), size=0, segments=1, updated=None
    )
    assert stats.sources == {"Reuters": 1000, NONE: 510}
