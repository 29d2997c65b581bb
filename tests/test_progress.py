"""An indexing run reports what it is doing: each phase, and articles within a file."""

import json
from pathlib import Path

import pytest

from searcher import Index, read_corpus
from searcher.models import Progress
from searcher.store import commits, writer
from searcher.store import workers as workers_module


def _feed(folder: Path, articles: int) -> Path:
    folder.mkdir()
    lines = (
        json.dumps(
            {"id": str(n), "title": f"Headline {n}", "text": f"Body number {n} of the feed."}
        )
        for n in range(articles)
    )
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize("workers", [1, 2])
def test_one_big_file_counts_its_articles_as_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(workers_module, "REPORT_EVERY", 0.0 if workers == 1 else 0.01)
    seen: list[Progress] = []
    corpus = read_corpus(_feed(tmp_path / "in", 400))
    Index(tmp_path / "ix").update(corpus, workers=workers, on_progress=seen.append)
    inside = [p.articles for p in seen if p.phase == "reading" and p.files_done == 0]
    assert any(0 < count < 400 for count in inside)  # not "0/1 files, 0 articles" to the end
    assert seen[-1].articles == 400


def test_every_phase_is_reported_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commits, "MAX_SEGMENTS", 1)
    monkeypatch.setattr(writer, "TASK_FILES", 1)
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(f"Headline {n}\n\nBody {n} about something.\n")
    seen: list[Progress] = []
    # A commit each article: the last file read comes in a commit of its own, so there are
    # two segments to merge at the end even when one worker reads every file (as on a
    # loaded machine, where the other may start late).
    Index(tmp_path / "ix").update(
        read_corpus(folder), workers=2, commit_every=1, on_progress=seen.append
    )
    phases = [p.phase for p in seen]
    changes = [phase for n, phase in enumerate(phases) if n == 0 or phases[n - 1] != phase]
    assert changes[:4] == ["scanning", "reading", "writing", "committing"]
    assert changes.count("committing") >= 2 and changes[-1] == "merging"
    assert seen[-1].files_done == seen[-1].files_total == 6 and seen[-1].articles == 6
