"""Benchmark of near-duplicate detection: precision and recall by threshold, and its cost.

    python -m bench.dedup [--originals N] [--output bench/DEDUP.md]

The test set is built from real articles (the BBC corpus in ../shared/corpora): every
article is an original, and for a sample of them copies are made with the edits that
syndicated and updated news shows (paragraphs dropped from the end, a new headline,
words substituted at a given rate, another byline). Byte-identical BBC files count as
copies of each other. Pairs in the same story are compared with the true pairs.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import combinations
from pathlib import Path

from searcher import Article, Index, read_corpus
from searcher.stories import THRESHOLD, StoryStore, article_text, signature

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "corpora" / "bbc"
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
SUBSTITUTION_RATES = (0.0, 0.02, 0.05, 0.1, 0.2)
_FILLER_WORDS = ("the", "report", "said", "officials", "would", "meet", "again", "next", "week")


@dataclass(frozen=True)
class Copy:
    """A made copy: the article, the original it copies, and the share of its text kept."""

    article: Article
    original: str
    kept: float


def make_copy(original: Article, rng: random.Random, rate: float, n: int) -> Copy:
    """A copy of `original`: last paragraphs dropped (at most a third of the text), a new
    headline and byline, and words substituted at `rate`."""
    paragraphs = original.body.split("\n\n")
    keep = len(paragraphs)
    total = len(original.body.split())
    while keep > 1 and rng.random() < 0.5:
        shorter = sum(len(p.split()) for p in paragraphs[: keep - 1])
        if shorter < total * 2 / 3:
            break
        keep -= 1
    words = "\n\n".join(paragraphs[:keep]).split(" ")
    changed = 0
    for i in range(len(words)):
        if rng.random() < rate:
            words[i] = rng.choice(_FILLER_WORDS)
            changed += 1
    body = " ".join(words)
    kept_words = len(body.split()) - changed
    article = replace(
        original,
        id=f"{original.id}~copy{n}",
        headline=f"{original.headline} (updated)" if n % 2 else "Latest: " + original.headline,
        byline="Staff and agencies",
        body=body,
    )
    return Copy(article, original.id, kept_words / max(total, 1))


def make_test_set(
    originals: list[Article], sample: int, seed: int = 7
) -> tuple[list[Article], list[Copy]]:
    """All originals plus copies of `sample` of them, one per substitution rate."""
    rng = random.Random(seed)
    copies = [
        make_copy(original, rng, rate, n)
        for original in rng.sample(originals, sample)
        for n, rate in enumerate(SUBSTITUTION_RATES)
    ]
    return originals, copies


def true_pairs(originals: list[Article], copies: Iterable[Copy]) -> set[frozenset[str]]:
    """Pairs of ids that are the same story: a copy and its original, copies of one
    original, and originals that are byte-identical or carry the same headline (the BBC
    set holds re-published stories under one headline, slightly edited), closed under
    transitivity."""
    links: dict[str, str] = {}  # union-find over ids

    def root(node: str) -> str:
        while links.get(node, node) != node:
            node = links[node]
        return node

    def join(a: str, b: str) -> None:
        links[root(a)] = root(b)

    first: dict[str, str] = {}
    for article in originals:
        links.setdefault(article.id, article.id)
        for key in (hashlib.sha1(article.body.encode()).hexdigest(), article.headline.lower()):
            join(article.id, first.setdefault(key, article.id))
    for copy in copies:
        links.setdefault(copy.article.id, copy.article.id)
        join(copy.article.id, copy.original)
    groups: dict[str, list[str]] = defaultdict(list)
    for node in links:
        groups[root(node)].append(node)
    return {frozenset(pair) for ids in groups.values() for pair in combinations(ids, 2)}


def cluster(articles: Iterable[Article], folder: Path, threshold: float) -> dict[str, str]:
    """The story of every article, clustered by a fresh `StoryStore`."""
    store = StoryStore(folder, threshold=threshold)
    stories = {
        a.id: store.add(a.id, signature(article_text(a.headline, a.body)), a.source, a.headline)
        for a in articles
    }
    store.rollback()
    store.close()
    return stories


def pair_scores(stories: dict[str, str], truth: set[frozenset[str]]) -> tuple[float, float]:
    """Pairwise precision and recall of `stories` against the true pairs."""
    members: dict[str, list[str]] = defaultdict(list)
    for article_id, story in stories.items():
        members[story].append(article_id)
    predicted = {frozenset(p) for ids in members.values() for p in combinations(ids, 2)}
    hits = len(predicted & truth)
    return hits / max(len(predicted), 1), hits / max(len(truth), 1)


def load_bbc() -> list[Article]:
    return list(read_corpus(BBC))


def _rows(originals: list[Article], copies: list[Copy]) -> Iterator[str]:
    kept80 = [c for c in copies if c.kept >= 0.8]
    truth_all = true_pairs(originals, copies)
    truth80 = true_pairs(originals, kept80)
    yield "| threshold | precision | recall (copies keeping ≥80%) | recall (all copies) |"
    yield "|---|---|---|---|"
    for threshold in THRESHOLDS:
        with tempfile.TemporaryDirectory() as folder:
            stories = cluster([*originals, *(c.article for c in copies)], Path(folder), threshold)
        precision, _ = pair_scores(stories, truth_all)
        ids80 = {c.article.id for c in kept80} | {a.id for a in originals}
        _, recall80 = pair_scores({i: s for i, s in stories.items() if i in ids80}, truth80)
        _, recall = pair_scores(stories, truth_all)
        yield f"| {threshold:.2f} | {precision:.3f} | {recall80:.3f} | {recall:.3f} |"


def _cost(originals: list[Article]) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        Index(Path(folder) / "ix").add(originals)
        indexing = time.perf_counter() - start
        start = time.perf_counter()
        cluster(originals, Path(folder), THRESHOLD)
        dedup = time.perf_counter() - start
        ix = Index(Path(folder) / "ix")
        timings = {}
        for all_copies in (True, False):
            start = time.perf_counter()
            for text in ("mobile phone", "interest rates", "world cup", "election"):
                for _ in range(5):
                    ix.search(text, all_copies=all_copies)
            timings[all_copies] = (time.perf_counter() - start) / 20 * 1000
    yield f"- indexing {len(originals)} articles: {indexing:.2f} s in all, of which"
    yield f"  signatures and clustering {dedup:.2f} s ({dedup / indexing:.0%})"
    yield f"- query: {timings[True]:.1f} ms without collapsing, {timings[False]:.1f} ms with"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=400, help="originals to copy")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "DEDUP.md")
    args = parser.parse_args()
    originals = load_bbc()
    originals, copies = make_test_set(originals, args.originals)
    lines = [
        "# Near-duplicate detection",
        "",
        f"{len(originals)} BBC articles and {len(copies)} copies of {args.originals} of them",
        f"(substitution rates {', '.join(map(str, SUBSTITUTION_RATES))};",
        f"{time.strftime('%Y-%m-%d')}, on a 2-core machine).",
        "Pairwise precision and recall of the stories found:",
        "",
        *_rows(originals, copies),
        "",
        "Cost (one process):",
        "",
        *_cost(originals),
    ]
    args.output.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
