"""Rendering an indexing run: its live progress, the skipped input and the closing summary."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Column
from rich.text import Text

from searcher.cli.problems import REPAIRED, ProblemCounts
from searcher.models import IndexReport, Problem, Progress

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID
from searcher.cli.render import _data, _one_line, plural


def report_summary(report: IndexReport, index_path: str) -> Text:
    """The one-line summary that ends `search index`."""
    if report.changed or not report.files_unchanged:
        counts = f"{report.added} new, {report.replaced} replaced"
        if report.removed:
            counts += f", {report.removed} removed"
        parts = [f"Indexed {plural(report.indexed, 'article')} ({counts})"]
        where = f"into {index_path}"
    else:
        parts = ["No changes: the index is up to date"]
        where = f"in {index_path}"
    if report.files_seen:
        unchanged = f" ({report.files_unchanged} unchanged)" if report.files_unchanged else ""
        parts.append(f"from {plural(report.files_seen, 'file')}{unchanged}")
    line = _data(" ".join([*parts, where]))
    repaired = sum(1 for problem in report.problems if problem.kind in REPAIRED)
    problems = [
        f"{verb} {count}"
        for verb, count in (("skipped", len(report.problems) - repaired), ("repaired", repaired))
        if count
    ]
    if problems:
        line.append(f"; {', '.join(problems)} (see above)", style="yellow")
    return line


def problem_lines(problems: Iterable[Problem]) -> Iterable[Text]:
    """One warning line per problem."""
    for problem in problems:
        verb = "repaired" if problem.kind in REPAIRED else "skipped"
        yield _data(f"{verb} {_one_line(str(problem))}", style="yellow")


def problem_summary(counts: ProblemCounts) -> Text | None:
    """A line like: Skipped 2 files (1 binary, 1 empty) and 3 records (3 bad-record);
    repaired 1 (1 bad-text)."""
    parts = [
        f"{plural(total, noun)} ({_by_kind(counter)})"
        for noun, counter in (("file", counts.files), ("record", counts.records))
        if (total := sum(counter.values()))
    ]
    sentences = ["skipped " + " and ".join(parts)] if parts else []
    if repaired := sum(counts.repaired.values()):
        sentences.append(f"repaired {repaired} ({_by_kind(counts.repaired)})")
    line = "; ".join(sentences)
    return Text(line[:1].upper() + line[1:], style="yellow") if line else None


def _by_kind(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counter.most_common())


# What each phase of an indexing run (`Progress.phase`) is called while it lasts.
PHASES = {
    "scanning": "Scanning files",
    "reading": "Reading",
    "writing": "Writing segments",
    "committing": "Committing",
    "merging": "Merging segments",
}


class ProgressDisplay:
    """Shows an indexing run's `Progress`: on a terminal a live line (phase, bar, files,
    articles, rate, elapsed time) that moves on its own while a phase lasts, and stays
    when the run ends; elsewhere, once a run has lasted `interval` seconds, a plain line
    at each new phase and every `interval` seconds, and one at the end. Nothing when not
    `enabled`. The rate is articles over the time since the run began, so it counts the
    writing and committing too. Use as a context manager; call it with each `Progress`.
    The live line (and its refresh thread) starts at the first call."""

    def __init__(self, console: Console, enabled: bool = True, interval: float = 10.0) -> None:
        self._console = console
        self._enabled = enabled
        self._interval = interval
        self._started = self._last_line = time.monotonic()
        self._latest: Progress | None = None
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._latest is None:
            return
        if self._bar is not None:
            self._update(self._latest, "Indexed")
            self._bar.stop()
        elif self._last_line > self._started:  # lines were printed: end them
            self._console.print(self._line(self._latest, "indexed"), soft_wrap=True)

    def __call__(self, progress: Progress) -> None:
        if not self._enabled:
            return
        now = time.monotonic()
        if self._latest is None:
            self._started = self._last_line = now
        new_phase = self._latest is None or progress.phase != self._latest.phase
        self._latest = progress
        if self._console.is_terminal:
            self._update(progress, PHASES.get(progress.phase, progress.phase))
        elif now - self._last_line >= self._interval or (
            new_phase and now - self._started >= self._interval
        ):
            self._last_line = now
            label = PHASES.get(progress.phase, progress.phase).lower()
            self._console.print(self._line(progress, label), soft_wrap=True)

    def _line(self, progress: Progress, label: str) -> str:
        elapsed = time.monotonic() - self._started
        counts = "" if progress.phase == "scanning" else f" {_counts(progress, elapsed)},"
        return f"{label}:{counts} {elapsed:.0f} s"

    def _update(self, progress: Progress, label: str) -> None:
        if self._bar is None:
            self._bar = _live_bar(self._console)
            self._bar.start()
            self._task = self._bar.add_task(label, total=None, progress=progress)
        assert self._task is not None
        # A bar that fills as files are read; else one that pulses.
        counted = progress.phase == "reading" and progress.files_total > 1
        self._bar.update(
            self._task,
            description=label,
            completed=progress.files_done if counted else 0,
            total=progress.files_total if counted else None,
            progress=progress,
            refresh=True,
        )
        if label == "Indexed":
            self._bar.update(self._task, completed=1, total=1)


def _counts(progress: Progress, elapsed: float) -> str:
    """ "files 3/30, 1,234 articles, 410/s" (no rate before the first article)."""
    files = f"files {progress.files_done}/{progress.files_total}"
    articles = f"{progress.articles:,} article{'' if progress.articles == 1 else 's'}"
    rate = f", {progress.articles / max(elapsed, 1e-6):,.0f}/s" if progress.articles else ""
    return f"{files}, {articles}{rate}"


def _live_bar(console: Console) -> RichProgress:
    """rich's live progress line for `ProgressDisplay` (imported here: rich's progress
    machinery is for indexing runs only)."""
    from rich.progress import (
        BarColumn,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.progress import Progress as RichProgress

    class CountsColumn(ProgressColumn):
        """Files, articles and the rate, recomputed at every refresh."""

        def render(self, task: Task) -> Text:
            progress = task.fields["progress"]
            if progress.phase == "scanning":
                return Text("")
            counts = _counts(progress, task.elapsed or 0.0).replace(", ", " · ")
            return Text(counts)

    return RichProgress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=None, table_column=Column(ratio=1)),  # what the rest leave
        CountsColumn(table_column=Column(no_wrap=True)),
        TimeElapsedColumn(),
        console=console,
        expand=True,
    )
