"""Threads searching one index, shared or each with its own `Index`, while another process
commits: every result equals the same search run alone on the commit it read.

Which commit a search read is known to lie between the newest generation before it and
the one after it. The committing process copies the index folder after each of its
commits, so each generation can be searched alone afterwards; a result must equal the
lone search of one generation in that range. Its articles use the words of the queries,
so a search mixing two commits (or two threads' readers) gives a result no lone search
gives.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import NEWSROOM, ROOT

from searcher import Index, SearchOptions
from searcher.store.analysis import stem_lookup
from searcher.store.stemtable import vocabulary

THREADS = 8
CALLS = 100  # a thread
MIN_COMMITS = 3  # made while the threads search, at least

CALLS_BY_KIND: dict[str, Callable[[Index], Any]] = {
    "plain": lambda ix: ix.search("oil prices"),
    "filtered": lambda ix: ix.search(
        "protests", limit=20, options=SearchOptions(sort="newest", since=datetime(2020, 1, 1))
    ),
    "phrase": lambda ix: ix.search('"oil output"'),
    "fuzzy": lambda ix: ix.search("electon~ footbal~"),
    "wildcard": lambda ix: ix.search("protest* elect*"),
    "facets": lambda ix: ix.search("oil", options=SearchOptions(facets=("source", "year"))),
    "suggestion": lambda ix: ix.search("footbal finnal"),
    "quotes": lambda ix: ix.quotes("corruption prices"),
    "speaker": lambda ix: ix.quotes(speaker="Kassym Tokayev"),
    "similar": lambda ix: ix.similar("news/guardian-oil"),
}

# Adds articles in commits of three, copying the index folder after each commit (and
# before the first) to SNAPSHOTS/<generation>, until the file STOP exists.
COMMITTER = """
import random, shutil, sys, time
from datetime import datetime, timezone
from pathlib import Path
from whoosh.filedb.filestore import FileStorage
from searcher import Article, Index

folder, snapshots, stop = map(Path, sys.argv[1:])
words = ("oil prices protests election football final output corruption council market "
         "road school budget river").split()


def snapshot():
    generation = FileStorage(str(folder)).open_index().latest_generation()
    shutil.copytree(folder, snapshots / str(generation))


def article(n):
    rng = random.Random(n)
    body = " ".join(rng.choice(words) + f" w{rng.randrange(10**6)}" for _ in range(30))
    quote = " “Oil prices are corruption,” said Ann Rivers." if n % 2 else ""
    return Article(
        id=f"later/{n}",
        headline=f"Update {n} on {rng.choice(words)} and {rng.choice(words)}",
        body=body + "." + quote,
        source="Wire" if n % 3 else "",
        authors=("Ann Rivers",) if n % 4 else (),
        date=datetime(2023, 1, 1 + n % 28, tzinfo=timezone.utc) if n % 5 else None,
    )


snapshot()
ix = Index(folder)
n = 0
while not stop.exists():
    ix.add([article(3 * n + k) for k in range(3)])
    snapshot()
    n += 1
    time.sleep(0.5)
print(n)
"""

_TOC = re.compile(r"_MAIN_(\d+)\.toc$")


def generation(folder: Path) -> int:
    """The newest generation of the index in `folder` (the number of its newest TOC)."""
    return max(int(m[1]) for name in os.listdir(folder) if (m := _TOC.match(name)))


@pytest.fixture
def growing(segmented_index: Index, tmp_path: Path) -> Path:
    """A copy of the segmented index with NEWSROOM added (quotes, similar articles)."""
    folder = tmp_path / "index"
    shutil.copytree(segmented_index.path, folder)
    Index(folder).add(NEWSROOM)
    return folder


Record = tuple[int, int, str, Any]  # generations before and after, kind, result


def _search(ix: Index, seed: int, records: list[Record], folder: Path) -> None:
    kinds = random.Random(seed).choices(sorted(CALLS_BY_KIND), k=CALLS)
    for kind in kinds:
        before = generation(folder)
        result = CALLS_BY_KIND[kind](ix)
        records.append((before, generation(folder), kind, result))


@pytest.mark.parametrize("shared", [True, False], ids=["one-index", "index-per-thread"])
def test_threads_search_while_another_process_commits(
    growing: Path, tmp_path: Path, shared: bool
) -> None:
    snapshots, stop = tmp_path / "snapshots", tmp_path / "stop"
    snapshots.mkdir()
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    committer = subprocess.Popen(
        [sys.executable, "-c", COMMITTER, str(growing), str(snapshots), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    records: list[list[Record]] = [[] for _ in range(THREADS)]
    errors: list[Exception] = []
    one = Index(growing)

    def work(n: int) -> None:
        try:
            if shared:
                _search(one, n, records[n], growing)
            else:
                with Index(growing) as own:
                    _search(own, n, records[n], growing)
        except Exception as error:  # reported below
            errors.append(error)

    try:
        first = generation(growing)
        while generation(growing) < first + 1 and committer.poll() is None:
            threading.Event().wait(0.05)  # the committer is under way
        threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    finally:
        stop.touch()
        _, err = committer.communicate(timeout=120)
        one.close()
    assert committer.returncode == 0, err
    assert not errors, [repr(error) for error in errors]
    found = [record for thread in records for record in thread]
    assert len(found) == THREADS * CALLS
    read = {g for before, after, _, _ in found for g in range(before, after + 1)}
    assert len(read) > MIN_COMMITS, f"the searches saw only generations {sorted(read)}"

    alone: dict[tuple[int, str], Any] = {}

    def lone(gen: int, kind: str) -> Any:
        if (gen, kind) not in alone:
            with Index(snapshots / str(gen)) as ix:
                alone[gen, kind] = CALLS_BY_KIND[kind](ix)
        return alone[gen, kind]

    wrong = [
        (before, after, kind)
        for before, after, kind, result in found
        if all(result != lone(gen, kind) for gen in range(before, after + 1))
    ]
    assert not wrong, f"{len(wrong)} results equal no lone search, e.g. {wrong[:5]}"
    # The commits changed the results: a search of a mixed commit would be told apart.
    assert len({repr(lone(gen, "plain")) for gen in read}) > 1


def test_no_stem_table_is_left_behind_by_a_call_or_between_exported_hits(
    newsroom: Index,
) -> None:
    newsroom.search("protesters")
    assert stem_lookup() is None and vocabulary() is None
    hits = newsroom.iter_search("oil")
    first = next(hits)
    assert stem_lookup() is None and vocabulary() is None  # the export reads on meanwhile
    assert [first, *hits] == list(newsroom.iter_search("oil"))
    assert stem_lookup() is None


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_closing_an_index_closes_what_its_searches_kept_open(growing: Path) -> None:
    before = _open_files()
    with Index(growing) as ix:
        threads = [threading.Thread(target=ix.search, args=("oil prices",)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert _open_files() > before  # readers kept for the next searches
    assert _open_files() == before
    assert ix.search("oil prices").total  # a closed index opens what it needs again
    ix.close()
    assert _open_files() == before


def test_an_export_reads_on_in_whichever_thread_asks_next(newsroom: Index) -> None:
    # As a web server's pool of threads reads a streamed response: one at a time.
    hits = newsroom.iter_search("oil")
    read: list[Any] = []
    errors: list[Exception] = []

    def step() -> None:
        try:
            read.append(next(hits, None))
        except Exception as error:  # reported below
            errors.append(error)

    while not read or read[-1] is not None:
        thread = threading.Thread(target=step)
        thread.start()
        thread.join()
        assert not errors, errors
    assert read[:-1] == list(newsroom.iter_search("oil")) and len(read) > 2
