"""Shared fixtures: the repository's paths, the shared corpora, and small indexes."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from searcher import Article, Index, read_corpus
from searcher.corpus.dates import parse_date

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


@pytest.fixture(scope="session")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """An index of NEWSROOM, shared by every test that only reads it."""
    ix = Index(tmp_path_factory.mktemp("newsroom") / "index")
    ix.add(NEWSROOM)
    return ix
