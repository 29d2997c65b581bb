"""What was skipped while indexing: counted by kind for the summary, written as JSON Lines.

A problem with a `line` concerns one record of a file holding many; any other concerns a
whole file. Kinds are stable categories (`binary`, `empty`, `unreadable`, `no-reader`,
`broken-link`, `link-loop`, `not-a-file`, `documentation`, `bad-record`, `bad-json`,
`truncated`, `no-articles`, `no-text`, `too-large`, `too-deep`, `reader-error`, and for
archives `bad-archive`, `unsafe-name`, `link`, `nested-archive`, ...); a
problem without one is counted by its reason. The `REPAIRED` kinds are input that was
indexed after a repair (a name or text with characters that cannot be encoded), not skipped.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from searcher.errors import SearcherError
from searcher.models import Problem

REPAIRED = frozenset({"bad-name", "bad-text"})


@dataclass(frozen=True)
class ProblemCounts:
    """Skipped files, skipped records and repairs, each counted by kind."""

    files: Counter[str] = field(default_factory=Counter)
    records: Counter[str] = field(default_factory=Counter)
    repaired: Counter[str] = field(default_factory=Counter)


def count_problems(problems: Iterable[Problem]) -> ProblemCounts:
    """The problems counted by scope (file, record or repair) and kind."""
    counts = ProblemCounts()
    for problem in problems:
        if problem.kind in REPAIRED:
            scope = counts.repaired
        else:
            scope = counts.records if problem.line else counts.files
        scope[problem.kind or problem.reason] += 1
    return counts


def problem_json(problem: Problem) -> dict[str, Any]:
    """One problem as a JSON object: path, line (null for a whole file), kind, reason."""
    return {
        "path": problem.path,
        "line": problem.line or None,
        "kind": problem.kind or None,
        "reason": problem.reason,
    }


def write_problems(problems: Iterable[Problem], path: str | os.PathLike[str]) -> None:
    """Write every problem to `path` as JSON Lines (an empty file when there is none)."""
    try:
        with open(path, "w", encoding="utf-8") as out:
            for problem in problems:
                out.write(json.dumps(problem_json(problem), ensure_ascii=False) + "\n")
    except OSError as error:
        raise SearcherError(
            f"cannot write the problem list to {os.fspath(path)}: {error.strerror or error}",
            hint="Choose another file with --errors; the index itself was written.",
        ) from error
