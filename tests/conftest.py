"""Shared fixtures: the repository's paths, the shared corpora, and small indexes."""

from __future__ import annotations

import json
import random
import shutil
import tarfile
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import settings
from whoosh import query
from whoosh.filedb.filestore import FileStorage

from searcher import Article, Index, create_shards, read_corpus
from searcher.corpus.dates import parse_date
from searcher.models import SearchOptions, Snippet
from searcher.query import bm25f, feedback, search
from searcher.query.docsets import Postings, matching_docs
from searcher.store.schema import AUTHORS_COLUMN, SOURCE_COLUMN, weighting

# Hypothesis' default deadline (200 ms an example) fails fast examples that a loaded
# machine happens to hold up; a test that guards against slow input sets its own.
settings.register_profile("searcher", deadline=timedelta(seconds=2))
settings.load_profile("searcher")

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpus" / "000_c62dc9544255aea0.txt"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


def shared_path(*parts: str) -> Path:
    """A path inside ../shared, skipping the test when it is absent (outside CI)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpora sit beside the checkout in CI only")
    return path


def count_with_peak_memory(path: Path) -> tuple[int, int]:
    """The articles `read_corpus` reads from `path`, and the peak memory (bytes) it took
    (not counting the date parser's first import, whichever test reads a date first)."""
    parse_date("2024-01-01")
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_corpus(path))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def make_index(tmp_path: Path) -> Callable[..., Index]:
    """Build an index in tmp_path from articles given as Article objects."""

    def build(*articles: Article) -> Index:
        ix = Index(tmp_path / "index")
        ix.add(articles)
        return ix

    return build


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


def filler(seed: str) -> str:
    """A neutral sentence of its own for a test article. Articles sharing their filler
    text would be near-duplicates, and results collapse those into one story."""
    words = random.Random(seed).choices(_NEUTRAL, k=14)
    return f"Officials met on Tuesday to discuss the {' '.join(words)}. "


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=timezone.utc)


# A small newsroom: sources, authors, countries, languages, dates (one undated) and quotes.
NEWSROOM = (
    Article(
        id="news/reuters-almaty",
        source="Reuters",
        authors=("Ann Lee",),
        date=_day(2022, 1, 5),
        country="KZ",
        language="en",
        headline="Protesters gather in Almaty",
        body=filler("reuters-almaty")
        + "Protesters in Kazakhstan demanded change. “Corruption is everywhere,”"
        " said Zauresh Shekenova. " + filler("reuters-almaty-end"),
    ),
    Article(
        id="news/guardian-oil",
        source="The Guardian",
        authors=("Bob Ray", "Ann Lee"),
        date=_day(2023, 3, 1),
        country="GB",
        language="en",
        headline="Oil prices rise",
        body=filler("guardian-oil")
        + "Oil prices rose sharply as protests spread. “Prices will keep rising,”"
        " said Maria Lopez. " + filler("guardian-oil-end"),
    ),
    Article(
        id="news/reuters-output",
        source="Reuters",
        country="US",
        language="en",
        headline="Oil output steady",
        body=filler("reuters-output")
        + "The oil market watched the prices of gas. "
        + filler("reuters-output-end"),
    ),
    Article(
        id="news/lemonde-strike",
        source="Le Monde",
        authors=("Claire Dupont",),
        date=_day(2022, 6, 15),
        country="FR",
        language="fr",
        headline="Strikes in Paris",
        body=filler("lemonde-strike")
        + "Workers protested against oil prices and corruption. "
        + filler("lemonde-strike-end"),
    ),
    Article(
        id="news/ap-troops",
        source="AP",
        authors=("Dan Moss",),
        date=_day(2021, 12, 31),
        country="US",
        language="en",
        headline="Kazakhstan unrest",
        body=filler("ap-troops")
        + "Troops were sent to Kazakhstan after the protests. “We will restore"
        " order,” said Kassym Tokayev. " + filler("ap-troops-end"),
    ),
)


def _speech(n: int, said: str, month: int | None = None, source: str = "AP") -> Article:
    date = None if month is None else _day(2005, month, 1)
    headline = said.split(".")[0]
    return Article(id=f"s/{n}", source=source, headline=headline, body=said, date=date)


# A speaker quoted in articles of several dates and one undated (by his surname alone),
# another with the same surname, someone else, and one story printed by two papers.
_SUMMIT = (
    "The summit ended late on Friday after long talks on trade. “Europe must stand "
    "together on tariffs,” said Tony Blair, who flew home the same night."
)
SPEECHES = (
    _speech(
        1,
        "“We will cut waiting lists by half this year,” said Tony Blair. “Schools come "
        "next,” he added.",
        month=1,
    ),
    _speech(2, "Blair faced questions. “The economy is strong and growing,” Blair said."),
    _speech(3, "He spoke in Leeds. “Nobody will lose out on pensions,” said Tony Blair.", 5),
    _speech(4, "Ian Blair spoke. “Crime is falling in the capital,” said Ian Blair.", 7),
    _speech(5, "Ministers met. “The budget protects the poorest families,” said Anna Berg.", 9),
    _speech(6, _SUMMIT, 3),
    _speech(7, _SUMMIT, 3, source="Reuters"),
)


@pytest.fixture(scope="session")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """An index of NEWSROOM, shared by every test that only reads it."""
    ix = Index(tmp_path_factory.mktemp("newsroom") / "index")
    ix.add(NEWSROOM)
    return ix


def assert_snippets_in_order(body: str, snippets: tuple[Snippet, ...]) -> None:
    """Each snippet is whole words of `body` (whitespace collapsed), with "…" where the
    body goes on, and stands after the one before it: none overlaps another."""
    text, cursor = " ".join(body.split()), 0
    for snippet in snippets:
        core = snippet.text.removeprefix("… ").removesuffix(" …")
        start = text.find(core, cursor)
        assert start >= 0, f"{core!r} is not in the body after the snippet before it"
        end = start + len(core)
        assert start == 0 or text[start - 1] == " ", f"{core!r} starts inside a word"
        assert end == len(text) or text[end] == " ", f"{core!r} ends inside a word"
        assert snippet.text.startswith("… ") == (start > 0)
        assert snippet.text.endswith(" …") == (end < len(text))
        cursor = end


# An archive indexed the normal way, as it grows: two runs of the real indexer with two
# workers and a commit every SEGMENTED_COMMIT_EVERY articles. The first reads 40
# plain-text briefs with no source, authors, date or language, so its segments have no
# column at all for them (as BBC's files); the second reads 200 wire stories (a file each,
# so the run hands out several tasks and commits more than once), most with a source,
# authors, a date and a language, some without each, and 40 newspaper exports with a
# country but no date.
SEGMENTED_WORKERS = 2
SEGMENTED_COMMIT_EVERY = 30
SEGMENTED_SOURCES = ("Reuters", "The Guardian", "Le Monde", "AP")
SEGMENTED_PAPERS = ("The Age", "The Globe and Mail", "Almaty Herald")
SEGMENTED_AUTHORS = ("Ann Lee", "Bob Ray", "Claire Dupont", "Dan Moss")
_TOPICS = ("oil prices", "street protests", "the election", "the football final", "oil output")
_COUNTRIES = ("Australia", "Canada", "Kazakhstan")


def _topic_story(seed: str) -> tuple[str, str]:
    """A headline and a body about two topics chosen by `seed`."""
    topic, other = random.Random(seed).sample(_TOPICS, 2)
    body = f"{filler(seed)}Reports on {topic} and {other} came in. {filler(seed + '-end')}"
    return f"News on {topic}", body


def _write_wire_and_papers(archive: Path) -> None:
    _write_wire_stories(archive / "wire")
    _write_newspaper_exports(archive / "papers")


def _write_wire_stories(folder: Path) -> None:
    folder.mkdir(parents=True)
    now = datetime.now(timezone.utc)
    for n in range(200):
        headline, body = _topic_story(f"wire-{n}")
        record: dict[str, object] = {"title": headline, "text": body, "language": "en"}
        if n % 7:
            record["source"] = SEGMENTED_SOURCES[n % len(SEGMENTED_SOURCES)]
        if n % 5:
            record["authors"] = list(SEGMENTED_AUTHORS[n % 4 : n % 4 + 1 + n % 2])
        if n % 9:
            record["date"] = (now - timedelta(days=2 * n + 1, hours=n % 24)).isoformat()
        (folder / f"{n:03}.json").write_text(json.dumps(record), encoding="utf-8")


def _write_newspaper_exports(folder: Path) -> None:
    folder.mkdir(parents=True)
    for n in range(40):
        headline, body = _topic_story(f"paper-{n}")
        byline = f"- {SEGMENTED_AUTHORS[n % 4]}\n\n" if n % 3 else ""
        language = "French" if n % 4 == 0 else "English"
        (folder / f"{n:03}.txt").write_text(
            f"{SEGMENTED_PAPERS[n % 3]}\n\n{headline}\n\n{byline}{body}\n\n"
            f"Newspapers in {language}\n\nNewspapers from {_COUNTRIES[n % 3]}\n",
            encoding="utf-8",
        )


def _write_briefs(archive: Path) -> None:
    (archive / "briefs").mkdir(parents=True)
    for n in range(40):
        headline, body = _topic_story(f"brief-{n}")
        (archive / "briefs" / f"{n:03}.txt").write_text(f"{headline}\n\n{body}\n", encoding="utf-8")


@pytest.fixture(scope="session")
def segmented_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The archive described above: an index of several segments, some of which have no
    date, source or authors column. Shared: tests only read it."""
    root = tmp_path_factory.mktemp("segmented")
    archive = root / "archive"
    ix = Index(root / "index")
    for write in (_write_briefs, _write_wire_and_papers):
        write(archive)
        report = ix.update(
            read_corpus(archive), workers=SEGMENTED_WORKERS, commit_every=SEGMENTED_COMMIT_EVERY
        )
        assert report.added and not report.problems, report
    segments = segment_columns(ix)
    columns = {"date", SOURCE_COLUMN, AUTHORS_COLUMN}
    # Whoosh's own column reader goes wrong when a segment without the column comes first.
    assert len(segments) >= 4 and not segments[0] & columns, segments
    assert all(any(column in found for found in segments) for column in columns), segments
    return ix


@pytest.fixture(scope="session")
def bbc_reuters_shards(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, Index]:
    """BBC and Reuters-21578's first file (two corpora of other shapes) in one index and
    in a sharded one of two shards written by two processes; skipped when absent.
    Shared: tests only read them."""
    bbc = shared_path("corpora", "bbc")
    archive = shared_path("corpora", "reuters21578", "reuters21578.tar.gz")
    root = tmp_path_factory.mktemp("bbc-reuters")
    reuters = root / "reuters"
    reuters.mkdir()
    with tarfile.open(archive) as tar:
        member = tar.extractfile("reuters21578/reut2-000.sgm")
        assert member is not None
        (reuters / "reut2-000.sgm").write_bytes(member.read())
    one = Index(root / "one")
    one.add(read_corpus(bbc, reuters))
    create_shards(root / "sharded", 2)
    sharded = Index(root / "sharded")
    report = sharded.update(read_corpus(bbc, reuters), workers=2)
    assert report.indexed == len(one) == len(sharded)
    return one, sharded


@pytest.fixture(scope="session")
def optimized_index(segmented_index: Index, tmp_path_factory: pytest.TempPathFactory) -> Index:
    """A copy of `segmented_index` merged into one segment by `optimize`."""
    ix = Index(tmp_path_factory.mktemp("optimized") / "index")
    shutil.copytree(segmented_index.path, ix.path)
    assert ix.optimize() > 1
    return ix


def segment_columns(ix: Index) -> list[set[str]]:
    """The columns each segment of `ix` has a file for, in segment order."""
    whoosh_ix = FileStorage(str(ix.path)).open_index()
    with whoosh_ix.reader() as reader:
        return [
            {name for name in reader.schema.names() if leaf.has_column(name)}
            for leaf, _ in reader.leaf_readers()
        ]


# A newsdesk for the web app, indexed the normal way (two workers, a commit every 8
# articles): NEWSROOM, 24 market reports on oil (some without a source, an author or a
# date; Reuters-like topics), one story printed by three papers, and an article written to
# attack a page (markup in every field).
HOSTILE = {
    "id": "hostile",
    "title": '<script>alert("headline")</script> Oil <img src=x onerror=alert(1)>',
    "text": 'Read <a href="javascript:alert(2)">this</a> on oil prices. <svg onload=alert(3)>\n\n'
    "“<script>alert(4)</script> is nothing,” said Mallory Evil. " + filler("hostile"),
    "source": "<b>Evil</b> Times",
    "byline": '"><script>alert(5)</script>',
    "url": "javascript:alert(6)",
    "date": "2022-02-02",
}
OPEC_STORY = (
    "Opec ministers agreed on Sunday in Vienna to cut oil output by 1.5 million barrels a "
    "day from March 1, the cartel's president Ali Rodriguez said after the meeting. "
)


def _desk_records() -> dict[str, dict[str, object]]:
    records: dict[str, dict[str, object]] = {}
    for article in NEWSROOM:
        record: dict[str, object] = {"title": article.headline, "text": article.body}
        record |= {"source": article.source, "authors": list(article.authors)}
        record |= {"country": article.country, "language": article.language}
        if article.date:
            record["date"] = article.date.isoformat()
        records[article.id.split("/")[1]] = record
    for n in range(24):
        record = {
            "title": f"Oil market report {n}: prices and output",
            "text": filler(f"oil-{n}")
            + f"Oil prices moved as traders watched output {n}. "
            + filler(f"oil-{n}-end"),
            "topics": ["crude", "ship"] if n % 3 == 0 else ["crude"],
        }
        if n % 4:
            record["source"] = ("Reuters", "AP", "Le Monde")[n % 3]
        if n % 5:
            record["authors"] = [SEGMENTED_AUTHORS[n % 4]]
        if n % 6:
            record["date"] = _day(2020 + n % 4, 1 + n % 12, 1 + n).isoformat()
        records[f"oil-{n:02}"] = record
    for source in ("Reuters", "AP", "The Guardian"):
        records[f"opec-{source.split()[-1].lower()}"] = {
            "title": "Opec agrees to cut oil output",
            "text": OPEC_STORY * 3,
            "source": source,
            "date": "2023-02-12",
        }
    records["hostile"] = HOSTILE
    return records


@pytest.fixture(scope="session")
def newsdesk(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The newsdesk above, indexed in several segments. Shared: tests only read it."""
    root = tmp_path_factory.mktemp("newsdesk")
    for name, record in _desk_records().items():
        folder = root / "desk" / ("wire" if name.startswith("oil") else "papers")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    ix = Index(root / "index")
    report = ix.update(read_corpus(root / "desk"), workers=2, commit_every=8)
    assert report.added == len(_desk_records()) and not report.problems, report
    return ix


# Words of the generated articles, the first far commoner than the last: their postings
# run over several blocks, with frequencies and lengths of every size.
_WORDS = ("market", "oil", "prices", "bank", "rates", "growth", "strike", "harvest", "cocoa")


def _generated(n: int, seed: str) -> Article:
    draw = random.Random(f"{seed}/{n}")
    weights = [len(_WORDS) - i for i in range(len(_WORDS))]
    body = " ".join(draw.choices(_WORDS, weights, k=draw.randint(3, 120)))
    headline = " ".join(draw.choices(_WORDS, weights, k=draw.randint(1, 6)))
    return Article(
        id=f"g/{n}", headline=headline.capitalize(), body=f"{filler(seed + str(n))}{body}."
    )


@pytest.fixture(scope="session")
def generated_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """600 generated articles in three segments, 40 of them replaced (deleted in theirs)."""
    ix = Index(tmp_path_factory.mktemp("generated") / "index")
    ix.add([_generated(n, "a") for n in range(300)])
    ix.add([_generated(n, "a") for n in range(300, 600)])
    ix.add([_generated(n, "b") for n in range(0, 600, 15)])
    return ix


@pytest.fixture(scope="session")
def merged_generated_index(
    generated_index: Index, tmp_path_factory: pytest.TempPathFactory
) -> Index:
    """`generated_index` merged into one segment by Whoosh's own writer (`optimize`)."""
    ix = Index(tmp_path_factory.mktemp("merged") / "index")
    shutil.copytree(generated_index.path, ix.path)
    assert ix.optimize() > 1
    return ix


def exhaustive_ranking(ix: Index, text: str) -> list[tuple[str, float]]:
    """(id, score) of every match of `text` as feedback ranks them, the long way: every
    match's first score, the expansion learnt from the best of them (ties by id), the
    best `RESCORED` by first score (ties by id) scored again with it term by term
    (those it may lift: `feedback.lifted`), and all sorted."""
    with ix._articles() as articles, articles.searcher(weighting=weighting()) as searcher:
        postings = Postings(searcher)
        plan = search._plan(searcher, text, SearchOptions(feedback=False), postings)
        assert plan.loose is None  # one tier, ranked by score alone
        candidates = matching_docs(searcher, plan.strict, postings)
        first = bm25f.scores(searcher, plan.strict, candidates, postings)
        ids = {docnum: searcher.stored_fields(docnum)["id"] for docnum in candidates}
        ranked = sorted(first.items(), key=lambda item: (-item[1], ids[item[0]]))
        final = dict(first)
        if len(ranked) > feedback.FEEDBACK_DOCS:
            more = feedback.feedback_query(
                searcher, ranked[: feedback.FEEDBACK_DOCS + 1], plan.strict, postings
            )
            assert more is not None
            best = sorted(first, key=lambda d: (-first[d], ids[d]))[: feedback.RESCORED]
            lifted = feedback.lifted(searcher, plan.strict, postings)
            best = [docnum for docnum in best if lifted is None or docnum in lifted]
            fed = query.AndMaybe(plan.strict, more)
            final |= bm25f.scores(searcher, fed, best, Postings(searcher))
        return [(ids[d], score) for d, score in sorted(final.items(), key=lambda i: (-i[1], i[0]))]


def collapsed(ix: Index, ranking: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The best-ranked copy of each story of `ranking`, in its order."""
    with ix._stories(all_copies=False) as store:
        assert store is not None
        story_of = store.stories_of(article_id for article_id, _ in ranking)
    kept: dict[str, tuple[str, float]] = {}
    for article_id, score in ranking:
        kept.setdefault(story_of.get(article_id, article_id), (article_id, score))
    return list(kept.values())


def assert_pages_equal_the_exhaustive_ranking(ix: Index, text: str, stories: bool) -> None:
    """Pages of `ix.search` with feedback, each story's best copy only or every copy,
    are the exhaustive ranking's (scores as hits show them, to 4 places), and its first
    k as a batch run ranks them, scores to 1e-9."""
    every = exhaustive_ranking(ix, text)
    expected = collapsed(ix, every) if stories else every
    fed = SearchOptions(feedback=True)
    for limit, offset in ((10, 0), (10, 10), (25, 5), (3, 40)):
        found = ix.search(text, limit=limit, offset=offset, options=fed, all_copies=not stories)
        page = expected[offset : offset + limit]
        assert [(h.id, h.score) for h in found.hits] == [(i, round(s, 4)) for i, s in page]
        assert found.total == len(every)
    with ix._articles() as articles, articles.searcher(weighting=weighting()) as searcher:
        for limit in (1, 10, 60):
            ranked = search.rank_documents(searcher, text, limit, fed)
            ids = [searcher.stored_fields(docnum)["id"] for docnum, _ in ranked]
            assert ids == [article_id for article_id, _ in every[:limit]], text
            assert [s for _, s in ranked] == pytest.approx([s for _, s in every[:limit]], abs=1e-9)
