"""One write path: `Index.add` writes as `search index` does (`writer.add_articles`): under
the same write lock, with the same merge policy and id rules, and the file state kept in
step with the index. Articles given to `Index.add` come from no file: the file state lists
none of them, but is saved with the commit they make, so it goes on vouching for its files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from searcher import Article, Index, IndexLockedError
from searcher.store import commits
from searcher.store.filestate import load_state
from searcher.store.indexfolder import read_commit
from tests.test_indexer import ids, write_articles

SEARCH = "from searcher.cli import app; app()"


def _search_index(folder: Path, index: Path) -> subprocess.CompletedProcess[str]:
    """`search index` in another process, two workers and small batches (several segments)."""
    args = ["index", str(folder), "--index", str(index), "--workers", "2", "--commit-every", "3"]
    return subprocess.run(
        [sys.executable, "-c", SEARCH, *args, "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _articles(start: int, count: int) -> list[Article]:
    return [
        Article(id=f"added/{n}", headline=f"Added headline {n}", body=f"Added text {n}.")
        for n in range(start, start + count)
    ]


def test_index_add_and_search_index_share_state_lock_and_ids(tmp_path: Path) -> None:
    folder, index = tmp_path / "news", tmp_path / "ix"
    write_articles(folder, 8)
    first = _search_index(folder, index)
    assert first.returncode == 0, first.stderr
    ix = Index(index)

    report = ix.add([*_articles(0, 2), Article(id="news/a00003.txt", headline="Usurper", body="x")])
    assert (report.added, report.replaced) == (2, 0)
    # An id that an indexed file's article holds stays that article's, as between files.
    assert [(p.kind, p.path) for p in report.problems] == [("duplicate-id", "news/a00003.txt")]
    # The file state names the commit `Index.add` made: it still vouches for every file.
    state = load_state(index)
    assert state.commit == read_commit(index)
    assert len(state.files) == 8

    again = _search_index(folder, index)
    assert again.returncode == 0, again.stderr
    assert read_commit(index) == state.commit  # no file read again: nothing to commit
    assert ids(ix) == {f"news/a{n:05d}.txt" for n in range(8)} | {"added/0", "added/1"}
    assert len(ix) == 10

    # Adding again replaces what `Index.add` wrote; the files' articles stay.
    report = ix.add(_articles(1, 2))
    assert (report.added, report.replaced) == (1, 1)
    assert len(ix) == 11


def test_index_add_waits_for_no_one_while_search_index_writes(tmp_path: Path) -> None:
    index = tmp_path / "ix"
    Index(index).add(_articles(0, 1))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from whoosh.filedb.filestore import FileStorage\n"
            "from searcher.store.writelock import write_lock\n"
            f"with write_lock(FileStorage({str(index)!r}), []):\n"
            "    print('locked', flush=True)\n"
            "    sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with pytest.raises(IndexLockedError, match=f"indexer process {holder.pid}"):
            Index(index).add(_articles(1, 1))
    finally:
        holder.communicate("\n", timeout=30)
    assert len(Index(index)) == 1


def test_index_add_follows_the_merge_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commits, "MAX_SEGMENTS", 2)
    ix = Index(tmp_path / "ix")
    for start in range(0, 12, 2):
        ix.add(_articles(start, 2))
    assert ix.stats().segments <= 2
    assert load_state(ix.path).commit == read_commit(ix.path)
    assert len(ix) == 12
