"""The engines compared by `bench/run.py`, each run in a process of its own.

    python -m bench.engines index ENGINE CORPUS INDEX   # prints one JSON line of figures
    python -m bench.engines query ENGINE INDEX TEXT     # one whole query, as a user runs it

Engines: `searcher` (this project: quotes, captions, NLTK stemming, all cores), `whoosh`
(plain Whoosh: StemmingAnalyzer, headline and body stored, one process, default
settings), `fts5` (SQLite FTS5, porter unicode61, bm25 with the headline weighted) and
`tantivy` (the tantivy package, en_stem, the headline boosted). Every engine reads the
same articles with `read_corpus`, so reading and parsing are part of every throughput.
Queries are warm (each run once before timing) and return ten hits with snippets.
"""

from __future__ import annotations

import json
import os
import re
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.queries import QUERIES
from searcher import Article, Index, read_corpus
from searcher.store.schema import HEADLINE_WEIGHT

Search = Callable[[str], list[tuple[str, str]]]  # query -> [(id, snippet)]

_WORD = re.compile(r"\w+")


def articles(corpus: Path) -> Iterator[Article]:
    return (a for a in read_corpus(corpus) if a.headline or a.body)


# searcher -------------------------------------------------------------------


def searcher_index(corpus: Path, index: Path) -> int:
    return Index(index).update(read_corpus(corpus), rebuild=True).indexed


def searcher_open(index: Path) -> Search:
    ix = Index(index)

    def search(text: str) -> list[tuple[str, str]]:
        return [(h.id, h.snippets[0].text if h.snippets else "") for h in ix.search(text)]

    return search


# plain Whoosh ---------------------------------------------------------------


def whoosh_index(corpus: Path, index: Path) -> int:
    from whoosh import fields
    from whoosh import index as whoosh_index_module
    from whoosh.analysis import StemmingAnalyzer

    schema = fields.Schema(
        id=fields.ID(unique=True, stored=True),
        headline=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=fields.TEXT(analyzer=StemmingAnalyzer(), stored=True),
    )
    index.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index_module.create_in(str(index), schema)
    writer = ix.writer()
    count = 0
    for article in articles(corpus):
        writer.add_document(id=article.id, headline=article.headline, body=article.body)
        count += 1
    writer.commit()
    return count


def whoosh_open(index: Path) -> Search:
    from whoosh import index as whoosh_index_module
    from whoosh.qparser import MultifieldParser

    ix = whoosh_index_module.open_dir(str(index))
    parser = MultifieldParser(["headline", "body"], ix.schema)
    searcher = ix.searcher()

    def search(text: str) -> list[tuple[str, str]]:
        hits = searcher.search(parser.parse(text), limit=10)
        return [(hit["id"], hit.highlights("body")) for hit in hits]

    return search


# SQLite FTS5 ----------------------------------------------------------------


def fts5_index(corpus: Path, index: Path) -> int:
    index.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(index / "fts.db")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, headline, body,"
        " tokenize='porter unicode61')"
    )
    count = 0
    rows = ((a.id, a.headline, a.body) for a in articles(corpus))
    with db:
        for row in rows:
            db.execute("INSERT INTO docs VALUES (?, ?, ?)", row)
            count += 1
    db.close()
    return count


def fts5_open(index: Path) -> Search:
    db = sqlite3.connect(index / "fts.db")
    sql = (
        "SELECT id, snippet(docs, 2, '[', ']', '…', 24) FROM docs WHERE docs MATCH ?"
        f" ORDER BY bm25(docs, 0.0, {HEADLINE_WEIGHT}, 1.0) LIMIT 10"
    )

    def search(text: str) -> list[tuple[str, str]]:
        match = " ".join(f'"{word}"' for word in _WORD.findall(text))
        return list(db.execute(sql, (match,)))

    return search


# tantivy --------------------------------------------------------------------


def tantivy_index(corpus: Path, index: Path) -> int:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("headline", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("body", stored=True, tokenizer_name="en_stem")
    index.mkdir(parents=True, exist_ok=True)
    ix = tantivy.Index(builder.build(), path=str(index))
    writer = ix.writer()
    count = 0
    for a in articles(corpus):
        writer.add_document(tantivy.Document(id=a.id, headline=a.headline, body=a.body))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


def tantivy_open(index: Path) -> Search:
    import tantivy

    ix = tantivy.Index.open(str(index))
    ix.reload()
    searcher = ix.searcher()

    def search(text: str) -> list[tuple[str, str]]:
        query = ix.parse_query(
            " ".join(_WORD.findall(text)),
            ["headline", "body"],
            field_boosts={"headline": HEADLINE_WEIGHT},
        )
        snippets = tantivy.SnippetGenerator.create(searcher, query, ix.schema, "body")
        found = []
        for _, address in searcher.search(query, 10).hits:
            doc = searcher.doc(address)
            found.append((doc["id"][0], snippets.snippet_from_doc(doc).to_html()))
        return found

    return search


ENGINES: dict[str, tuple[Callable[[Path, Path], int], Callable[[Path], Search]]] = {
    "searcher": (searcher_index, searcher_open),
    "whoosh": (whoosh_index, whoosh_open),
    "fts5": (fts5_index, fts5_open),
    "tantivy": (tantivy_index, tantivy_open),
}


def _peak_mb() -> float:
    """Peak memory: this process, plus its largest worker times the workers (an upper
    bound: Linux reports the largest child's peak, not their sum), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    largest_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    workers = os.cpu_count() or 1
    return (own + largest_child * workers) / 1024  # Linux reports KiB


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers: on a busy machine, a steadier
    measure of the work done than the wall clock."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def warm_ms(search: Search) -> list[float]:
    """The milliseconds `search` takes for each query, once each has run once."""
    for text in QUERIES:
        search(text)
    times = []
    for text in QUERIES:
        start = time.perf_counter()
        search(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def measure(engine: str, corpus: Path, index: Path) -> dict[str, float]:
    """Index `corpus` into `index`, then time the warm queries."""
    build, open_index = ENGINES[engine]
    start, cpu_start = time.perf_counter(), _cpu_seconds()
    count = build(corpus, index)
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu_start
    peak = _peak_mb()
    times = warm_ms(open_index(index))
    quantiles = statistics.quantiles(times, n=20)
    return {
        "articles": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds),
        "per_cpu_second": round(count / cpu),
        "peak_mb": round(peak),
        "index_mb": round(_size(index) / 1e6, 1),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(quantiles[18], 2),
    }


def main(argv: list[str]) -> None:
    if argv[0] == "index":
        _, engine, corpus, index = argv
        print(json.dumps(measure(engine, Path(corpus), Path(index))))
    elif argv[0] == "query":
        _, engine, index, text = argv
        print(len(ENGINES[engine][1](Path(index))(text)))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
