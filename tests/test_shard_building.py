"""Writing a sharded index: incremental runs (file state per shard, --prune, --commit-every),
the story store merged incrementally, and what a failed run leaves."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from searcher import Index, SearchOptions, create_shards, read_corpus
from searcher.models import Article
from searcher.shards import stories as shard_stories
from searcher.shards.manifest import read_manifest, shard_of
from searcher.store import writer
from searcher.store.stories import Entry
from tests.conftest import NEWSROOM

# NEWSROOM (some articles without a date, an author or a source) and four copies of one
# of its stories, which the routing spreads over the shards.
COPIES = tuple(replace(NEWSROOM[1], id=f"oil-{n}", source=f"Wire {n}") for n in range(4))
ARTICLES = (*NEWSROOM, *COPIES)
OPTIONS = SearchOptions(facets=("source", "year"))


def _record(article: Article) -> dict[str, Any]:
    record: dict[str, Any] = {"id": article.id.split("/")[-1], "headline": article.headline}
    record |= {"body": article.body, "source": article.source, "authors": list(article.authors)}
    if article.date:
        record["date"] = article.date.isoformat()
    return record


def _write(corpus: Path, name: str, article: Article) -> None:
    corpus.mkdir(exist_ok=True)
    (corpus / name).write_text(json.dumps(_record(article)), encoding="utf-8")


def _corpus(folder: Path) -> Path:
    """One JSON file an article, and one JSON Lines file of two."""
    for n, article in enumerate(ARTICLES[2:]):
        _write(folder, f"{n:02d}.json", article)
    lines = (json.dumps(_record(article)) for article in ARTICLES[:2])
    (folder / "00-pair.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _sharded(folder: Path, shards: int = 3) -> Index:
    create_shards(folder, shards)
    return Index(folder)


def _answers(index: Index) -> list[Any]:
    found = []
    for text in ("oil prices", "protests", "kazakhstan OR corruption"):
        result = index.search(text, limit=None, options=OPTIONS, all_copies=True)
        found.append(
            (result.total, result.facets, sorted((h.id, round(h.score, 6)) for h in result.hits))
        )
    return found


def _segments(index: Index) -> list[int]:
    return [shard.stats().segments for shard in index.shards if shard.exists()]  # type: ignore[attr-defined]


def test_a_rerun_reads_only_new_and_changed_files(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    sharded = _sharded(tmp_path / "sharded")
    one = Index(tmp_path / "one")  # an unsharded index updated alike: the same deletions
    one.update(read_corpus(corpus))
    first = sharded.update(read_corpus(corpus), workers=2)
    files = len(list(corpus.iterdir()))
    assert (first.indexed, first.files_seen, first.files_unchanged) == (len(ARTICLES), files, 0)
    again = sharded.update(read_corpus(corpus), workers=2)
    assert (again.indexed, again.removed, again.files_unchanged) == (0, 0, files)
    # One file changed, one new: only those are read.
    _write(corpus, "00.json", replace(ARTICLES[2], body=ARTICLES[2].body + " Oil prices fell."))
    _write(corpus, "new.json", replace(NEWSROOM[0], id="new", source=""))
    third = sharded.update(read_corpus(corpus), workers=2)
    assert (third.added, third.replaced, third.removed) == (1, 1, 0)
    assert third.files_unchanged == files - 1
    one.update(read_corpus(corpus))
    assert len(sharded) == len(one) == len(ARTICLES) + 1
    assert _answers(sharded) == _answers(one)


def test_prune_removes_the_articles_of_files_gone_from_their_shards(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    sharded = _sharded(tmp_path / "sharded")
    sharded.update(read_corpus(corpus))
    one = Index(tmp_path / "one")
    one.update(read_corpus(corpus))
    (corpus / "00-pair.jsonl").unlink()  # two articles, in one or two shards
    kept = sharded.update(read_corpus(corpus), prune=False)
    assert (kept.removed, len(sharded)) == (0, len(ARTICLES))
    pruned = sharded.update(read_corpus(corpus))
    assert (pruned.removed, len(sharded)) == (2, len(ARTICLES) - 2)
    one.update(read_corpus(corpus))
    assert _answers(sharded) == _answers(one)


def test_an_article_whose_id_moves_it_to_another_shard_leaves_the_first(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    sharded = _sharded(tmp_path / "sharded", 2)
    sharded.update(read_corpus(corpus))
    first = shard_of("corpus/00.json#" + _record(ARTICLES[2])["id"], 2)
    moved = next(
        f"moved-{n}" for n in range(100) if shard_of(f"corpus/00.json#moved-{n}", 2) != first
    )
    _write(corpus, "00.json", replace(ARTICLES[2], id=moved))
    report = sharded.update(read_corpus(corpus))
    assert (report.added, report.removed) == (1, 1)
    assert len(sharded) == len(ARTICLES)
    assert sharded.show(f"corpus/00.json#{moved}").article.headline == ARTICLES[2].headline


def test_commit_every_is_honoured_by_every_shard_writer(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    for n in range(3 * writer.TASK_FILES):  # a commit follows a task of files at the earliest
        _write(corpus, f"{n:03d}.json", replace(NEWSROOM[n % len(NEWSROOM)], id=f"a{n}"))
    sharded = _sharded(tmp_path / "sharded", 2)
    sharded.update(read_corpus(corpus), commit_every=10, workers=2)
    # A commit, so a segment, for each task of files.
    assert all(count >= 3 for count in _segments(sharded))
    assert len(sharded) == 3 * writer.TASK_FILES


def test_problems_are_reported_once_and_bad_input_loses_nothing(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    (corpus / "empty.json").write_text("", encoding="utf-8")
    sharded = _sharded(tmp_path / "sharded")
    report = sharded.update(read_corpus(corpus))
    assert [problem.path for problem in report.problems] == [str(corpus / "empty.json")]
    (corpus / "00.json").write_bytes(b"\x00\xff garbage")  # an indexed file turned bad
    again = sharded.update(read_corpus(corpus))
    assert {problem.path for problem in again.problems} == {
        str(corpus / "empty.json"),
        str(corpus / "00.json"),
    }
    assert len(again.problems) == 2
    assert len(sharded) == len(ARTICLES)  # the bad file's article stays


def test_a_run_that_fails_in_one_shard_keeps_every_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _corpus(tmp_path / "corpus")
    sharded = _sharded(tmp_path / "sharded", 2)
    real = writer.update_index

    def fails_in_shard_1(folder: Path, *args: Any, **kwargs: Any) -> Any:
        if folder.name == "shard-001":
            raise OSError("the disk went away")
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(writer, "update_index", fails_in_shard_1)
    with pytest.raises(OSError, match="went away"):
        sharded.update(read_corpus(corpus), workers=1)
    held = len(sharded)
    assert 0 < held < len(ARTICLES)
    monkeypatch.setattr(writer, "update_index", real)
    report = sharded.update(read_corpus(corpus), workers=1)
    assert report.indexed == len(ARTICLES) - held  # shard 0 read no file again
    one = Index(tmp_path / "one")
    one.update(read_corpus(corpus))
    assert _answers(sharded) == _answers(one)
    assert sharded.duplicates() == one.duplicates()


def test_the_story_store_takes_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _corpus(tmp_path / "corpus")
    sharded = _sharded(tmp_path / "sharded")
    sharded.update(read_corpus(corpus), workers=1)
    added: list[str] = []

    class Counting(shard_stories.StoryStore):
        def add_all(self, entries: Iterable[Entry]) -> None:
            entries = list(entries)
            added.extend(entry[0] for entry in entries)
            super().add_all(entries)

    monkeypatch.setattr(shard_stories, "StoryStore", Counting)
    sharded.update(read_corpus(corpus), workers=1)
    assert added == []
    # A copy added, a copy gone, an article changed into another copy of the story.
    _write(corpus, "zz.json", replace(COPIES[0], id="oil-late", source="Late Wire"))
    (corpus / f"{len(ARTICLES) - 3:02d}.json").unlink()
    _write(corpus, "00.json", replace(NEWSROOM[1], id=_record(ARTICLES[2])["id"], source="Turned"))
    sharded.update(read_corpus(corpus), workers=1)
    assert sorted(added) == sorted(
        ["corpus/zz.json#oil-late", "corpus/00.json#" + _record(ARTICLES[2])["id"]]
    )
    rebuilt = _sharded(tmp_path / "rebuilt")
    rebuilt.update(read_corpus(corpus), workers=1)
    one = Index(tmp_path / "one")
    one.update(read_corpus(corpus))
    assert sharded.duplicates() == rebuilt.duplicates() == one.duplicates()
    assert (
        len(sharded.duplicates()[0].copies) == len(COPIES) + 2
    )  # the first, 4 copies, 1 gone, 2 new
    assert read_manifest(tmp_path / "sharded").shards == 3
