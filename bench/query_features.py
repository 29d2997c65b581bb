"""Query latency with filters, facets, sorting, recency, quotes, similar and export,
side by side with a plain query, over the BBC corpus in ../shared/corpora.

The BBC files have no source, author or date, so each article gets synthetic ones,
derived from its id (source "BBC <category>", one of eight authors, a date in 2004-2005):
enough for filters, facets and date sorting to do real work. Every variant runs every
query REPEATS times on one warm index; the table gives the median and 95th percentile.

Run: .venv/bin/python -m bench.query_features [--index DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.queries import QUERIES
from searcher import Article, Index, SearchOptions, read_corpus

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"
REPEATS = 5
AUTHORS = [f"Reporter {letter}" for letter in "ABCDEFGH"]
START = datetime(2004, 1, 1, tzinfo=timezone.utc)

FILTERS = SearchOptions(
    sources=("BBC business", "BBC politics"), since=datetime(2004, 7, 1, tzinfo=timezone.utc)
)
FACETS = SearchOptions(facets=("source", "year", "author"))
EVERYTHING = replace(FILTERS, facets=FACETS.facets, sort="newest")


def with_metadata(articles: Iterable[Article]) -> Iterator[Article]:
    """The BBC articles with a source, an author and a date derived from their id."""
    for article in articles:
        seed = zlib.crc32(article.id.encode())
        yield replace(
            article,
            source="BBC " + article.id.split("/")[1],
            authors=(AUTHORS[seed % len(AUTHORS)],),
            date=START + timedelta(days=seed % 730),
            country="GB",
            language="en",
        )


def timed(run: Callable[[str], object], queries: list[str]) -> list[float]:
    """Milliseconds of each run of each query, REPEATS times over."""
    times = []
    for _ in range(REPEATS):
        for text in queries:
            start = time.perf_counter()
            run(text)
            times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index folder (built when absent)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/query_features.md"))
    args = parser.parse_args()
    ix = Index(args.index or Path(tempfile.mkdtemp()) / "index")
    if not ix.exists():
        start = time.perf_counter()
        report = ix.add(with_metadata(read_corpus(CORPUS)))
        print(f"indexed {report.indexed} articles in {time.perf_counter() - start:.1f} s")
    first = {text: ix.search(text, limit=1).hits[0].id for text in QUERIES}

    variants: dict[str, Callable[[str], object]] = {
        "plain (top 10, snippets)": lambda text: ix.search(text),
        "filters (2 sources, since)": lambda text: ix.search(text, options=FILTERS),
        "facets (source, year, author)": lambda text: ix.search(text, options=FACETS),
        "sort newest": lambda text: ix.search(text, options=SearchOptions(sort="newest")),
        "recent (half-life 90 d)": lambda text: ix.search(text, options=SearchOptions(recent=90)),
        "filters + facets + newest": lambda text: ix.search(text, options=EVERYTHING),
        "page 5 (offset 40)": lambda text: ix.search(text, offset=40),
        "misspelt (did you mean)": lambda text: ix.search(text.replace("e", "a", 1)),
        "fuzzy + wildcard": lambda text: ix.search(" ".join(w[:4] + "*" for w in text.split())),
        "quotes": lambda text: ix.quotes(text),
        "similar (top hit)": lambda text: ix.similar(first[text]),
        "export (every match)": lambda text: sum(1 for _ in ix.iter_search(text)),
    }
    totals = [ix.search(text).total for text in QUERIES]
    lines = [
        f"{len(ix)} articles, {len(QUERIES)} queries (median {statistics.median(totals):.0f}"
        f" matches), {REPEATS} runs each, warm, one process",
        "",
        "| variant | p50 ms | p95 ms |",
        "|---|---:|---:|",
    ]
    for name, run in variants.items():
        times = sorted(timed(run, QUERIES))
        p95 = times[int(0.95 * (len(times) - 1))]
        lines.append(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} |")
        print(lines[-1], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
