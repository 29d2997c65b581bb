"""Tests for searcher.corpus.webpage: HTML articles through trafilatura, imported lazily."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from searcher.corpus import read_corpus

PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Bridge to reopen - The Daily</title>
<meta name="author" content="Jane Doe">
<meta property="og:site_name" content="The Daily">
<meta property="article:published_time" content="2024-03-05T10:00:00+01:00">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Bridge to reopen</h1>
<p>The council said on Tuesday that the old bridge would reopen next week after a year of
repairs, ending long detours for thousands of commuters.</p>
<p>"We are delighted," the mayor said. Traffic will be limited to cars at first.</p>
</article><footer>Copyright The Daily</footer></body></html>
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_article_page(tmp_path: Path) -> None:
    (page,) = read_corpus(write(tmp_path / "web" / "bridge.html", PAGE))
    assert page.id == "web/bridge.html"
    assert (page.headline, page.source, page.byline) == (
        "Bridge to reopen",
        "The Daily",
        "Jane Doe",
    )
    assert page.authors == ("Jane Doe",)
    assert page.date == datetime(2024, 3, 5, tzinfo=timezone.utc)
    assert page.body.startswith("The council said on Tuesday that the old bridge")
    assert "We are delighted" in page.body
    assert "Home" not in page.body and "Copyright" not in page.body


def test_page_without_article_text_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "web" / "menu.html", "<html><body><nav>Home | About</nav></body></html>")
    write(tmp_path / "web" / "broken.htm", "<html><body><p>unclosed <b>bold")
    corpus = read_corpus(tmp_path / "web")
    assert list(corpus) == []
    assert sorted((Path(p.path).name, p.kind) for p in corpus.problems) == [
        ("broken.htm", "no-text"),
        ("menu.html", "no-text"),
    ]


def test_html_stack_is_not_imported_for_other_work() -> None:
    code = (
        "import sys, searcher, searcher.cli\n"
        "from searcher import read_corpus\n"
        "list(read_corpus('corpus'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('trafilatura', 'lxml')))\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
