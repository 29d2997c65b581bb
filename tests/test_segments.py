"""Every option reads the right values on an index of several segments: filters, sorts,
recency, facets and stats give the same answer as on the same index merged into one.

Scores may differ by a percent or so: when Whoosh merges segments it adds up the field
lengths from the byte it keeps per article, an approximation of the length, so the average
lengths BM25F divides by move a little.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import ROOT, SEGMENTED_AUTHORS, SEGMENTED_PAPERS, SEGMENTED_SOURCES
from whoosh.filedb.filestore import FileStorage

from searcher import Index, SearchOptions
from searcher.models import Results
from searcher.query.facets import FACETS, NONE

NOW = datetime.now(timezone.utc)
DATE_SORTS = ("newest", "oldest")
SOURCES = {*SEGMENTED_SOURCES, *SEGMENTED_PAPERS, NONE}

OPTIONS = {
    "since": SearchOptions(since=NOW - timedelta(days=120)),
    "until": SearchOptions(until=NOW - timedelta(days=60)),
    "since and until": SearchOptions(
        since=NOW - timedelta(days=200), until=NOW - timedelta(days=40)
    ),
    "source": SearchOptions(sources=("reuters", "the age")),
    "author": SearchOptions(authors=("ann lee",)),
    "country": SearchOptions(countries=("canada",)),
    "language": SearchOptions(languages=("en", "french")),
    "newest": SearchOptions(sort="newest"),
    "oldest": SearchOptions(sort="oldest"),
    "newest since": SearchOptions(sort="newest", since=NOW - timedelta(days=100)),
    "recent": SearchOptions(recent=30),
    "recent by source": SearchOptions(recent=90, sources=("guardian",)),
    "facets": SearchOptions(facets=FACETS),
    "facets until": SearchOptions(facets=FACETS, until=NOW - timedelta(days=30)),
}


def check_consistent(results: Results, options: SearchOptions) -> None:
    """What must hold of any right answer to a one-word query (one tier), whatever the
    index looks like."""
    dates = [hit.date for hit in results]
    dated = [date for date in dates if date is not None]
    if options.sort in DATE_SORTS:
        assert dates == dated + [None] * (len(dates) - len(dated)), "undated articles go last"
        assert dated == sorted(dated, reverse=options.sort == "newest")
    if options.recent is not None:
        assert all(hit.score == 0 for hit in results if hit.date is None)
        assert all(hit.score > 0 for hit in results if hit.date and hit.date > NOW - timedelta(30))
    if options.since or options.until:
        since = options.since or datetime.min.replace(tzinfo=timezone.utc)
        until = options.until or NOW
        assert all(date is not None and since <= date <= until for date in dates)
    for name, counts in results.facets.items():
        if name != "author":  # an article with several authors counts under each
            assert sum(counts.values()) == results.total, name


def assert_same(multi: Results, single: Results, options: SearchOptions) -> None:
    assert multi.total == single.total
    assert multi.undated_excluded == single.undated_excluded
    assert {k: list(v.items()) for k, v in multi.facets.items()} == {
        k: list(v.items()) for k, v in single.facets.items()
    }
    assert {hit.id: hit.date for hit in multi} == {hit.id: hit.date for hit in single}
    scores = {hit.id: hit.score for hit in single}
    assert {hit.id: hit.score for hit in multi} == pytest.approx(scores, rel=0.03, abs=2e-4)
    if options.sort in DATE_SORTS:
        assert [hit.date for hit in multi] == [hit.date for hit in single]


@pytest.mark.parametrize("text", ["oil", "news"])
@pytest.mark.parametrize("name", OPTIONS)
def test_options_answer_as_after_optimize(
    segmented_index: Index, optimized_index: Index, name: str, text: str
) -> None:
    options = OPTIONS[name]
    multi = segmented_index.search(text, limit=None, options=options)
    single = optimized_index.search(text, limit=None, options=options)
    assert multi.total > 0
    check_consistent(multi, options)
    assert_same(multi, single, options)


def test_the_options_see_articles_without_each_value(segmented_index: Index) -> None:
    """The fixture's answers are not trivially equal: each option meets what it reads."""
    facets = segmented_index.search("news", limit=1, options=OPTIONS["facets"]).facets
    assert set(facets["source"]) == SOURCES
    assert set(facets["author"]) == {*SEGMENTED_AUTHORS, NONE}
    assert NONE in facets["year"] and len(facets["year"]) >= 3
    assert set(facets["country"]) == {"australia", "canada", "kazakhstan", NONE}
    assert set(facets["language"]) == {"en", "english", "french", NONE}
    dated = segmented_index.search("news", limit=None, options=OPTIONS["since"])
    assert dated.total > 0 and dated.undated_excluded > 0


def test_stats_as_after_optimize(segmented_index: Index, optimized_index: Index) -> None:
    multi, single = segmented_index.stats(), optimized_index.stats()
    assert multi.segments > 1 and single.segments == 1
    assert replace(multi, size=0, segments=1, updated=None) == replace(
        single, size=0, segments=1, updated=None
    )
    assert set(multi.sources) == SOURCES
    assert multi.sources[NONE] == 40 + len(range(0, 200, 7))  # the briefs, every 7th story
    assert multi.first_date and multi.last_date
    assert NOW - timedelta(days=400) < multi.first_date < multi.last_date < NOW
    assert multi.languages == ("en", "english", "french")


def test_a_column_reads_each_segment_at_its_own_offset(segmented_index: Index) -> None:
    from searcher.whoosh_internals import column_values

    with FileStorage(str(segmented_index.path)).open_index().reader() as reader:
        for field in ("date", "source_facet", "authors_facet"):
            expected = [
                value
                for leaf, _ in reader.leaf_readers()
                for value in leaf.column_reader(field, translate=False)
            ]
            assert list(column_values(reader, field)) == expected
            assert column_values(reader, field) is column_values(reader, field)  # read once


def test_only_the_fix_reads_whoosh_columns() -> None:
    """Whoosh's own multi-segment column reader is wrong (see whoosh_internals): every other
    module reads columns through `whoosh_internals.column_values`."""
    callers = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "searcher").rglob("*.py")
        if ".column_reader(" in path.read_text(encoding="utf-8")
    ]
    assert callers == ["searcher/whoosh_internals.py"]


def test_optimize_of_one_segment_has_nothing_to_do(optimized_index: Index, tmp_path: Path) -> None:
    ix = Index(tmp_path / "index")
    shutil.copytree(optimized_index.path, ix.path)
    before = sorted(p.name for p in ix.path.iterdir())
    assert ix.optimize() == 0
    assert sorted(p.name for p in ix.path.iterdir()) == before
