"""Shared fixtures: the repository's paths, the shared corpora, and small indexes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from searcher import Article, Index

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


@pytest.fixture
def make_index(tmp_path: Path) -> Callable[..., Index]:
    """Build an index in tmp_path from articles given as Article objects."""

    def build(*articles: Article) -> Index:
        ix = Index(tmp_path / "index")
        ix.add(articles)
        return ix

    return build
