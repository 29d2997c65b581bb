import io
import time

import pytest
from rich.console import Console

from searcher.cli import render, render_progress
from searcher.cli.render_progress import ProgressDisplay
from searcher.models import Copy, Progress


def test_progress_on_a_terminal_shows_the_phase_and_moves_while_it_lasts() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with ProgressDisplay(console) as show:
        show(Progress(0, 4, 0, "scanning"))
        show(Progress(2, 4, 30))
        show(Progress(4, 4, 60, "committing"))
        drawn = len(out.getvalue())
        time.sleep(0.5)  # no call: a long commit
        assert len(out.getvalue()) > drawn  # the spinner, the time and the rate still move
    text = out.getvalue()
    assert "Reading" in text and "files 2/4 · 30 articles" in text
    assert "Committing" in text and "Indexed" in text.rsplit("\r", 1)[-1]  # the last frame


def test_progress_off_a_terminal_is_quiet_for_a_short_run() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=120)
    with ProgressDisplay(console, interval=3600) as show:
        for done in range(5):
            show(Progress(done, 4, done * 10))
        show(Progress(4, 4, 40, "committing"))
    assert out.getvalue() == ""


def test_progress_off_a_terminal_says_each_phase_and_an_honest_rate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr(render_progress.time, "monotonic", lambda: now[0])
    out = io.StringIO()
    with ProgressDisplay(Console(file=out, force_terminal=False), interval=5) as show:
        show(Progress(0, 0, 0, "scanning"))
        now[0] += 6
        show(Progress(0, 1, 0))
        now[0] += 4
        show(Progress(1, 1, 1000))  # within the interval: no line
        show(Progress(1, 1, 1000, "writing"))
        now[0] += 10  # writing and committing take as long again as reading
        show(Progress(1, 1, 1000, "committing"))
    assert out.getvalue().splitlines() == [
        "reading: files 0/1, 0 articles, 6 s",
        "writing segments: files 1/1, 1,000 articles, 100/s, 10 s",
        "committing: files 1/1, 1,000 articles, 50/s, 20 s",
        "indexed: files 1/1, 1,000 articles, 50/s, 20 s",
    ]


def test_no_progress_when_disabled() -> None:
    out = io.StringIO()
    with ProgressDisplay(Console(file=out, force_terminal=True), enabled=False) as show:
        show(Progress(1, 1, 1))
    assert out.getvalue() == ""


def test_the_copies_line_names_each_copy_by_headline_source_and_id() -> None:
    copies = [
        Copy("wire/a.txt", "", "Floods in the north"),
        Copy("w/2", "AP", "Rates rise again"),
        Copy("w/3", "AFP", ""),
        Copy("w/4", "BBC", "Rates up"),
    ]
    assert (
        render.copies_line(copies[:1]) == "Also in 1 other copy: “Floods in the north” (wire/a.txt)"
    )
    assert render.copies_line(copies) == (
        "Also in 4 other copies: “Floods in the north” (wire/a.txt),"
        " “Rates rise again” (AP, w/2), w/3 (AFP) and 1 more"
    )
