"""What an incremental run remembers about the files it indexed: size, mtime, content hash.

The state is a JSON sidecar in the index folder, rewritten (atomically: temporary file,
then rename) only after the Whoosh commit holding those files' articles has succeeded.
It can therefore lag the index after a crash, never lead it: a lag costs one file read
again on the next run, never an article missing from the index. Which files have articles
in the index is the index's own `file` field; this sidecar only says whether they changed.

A file that was read but skipped (binary, empty, no articles: nothing transient) is
remembered too, by size and mtime alone (never hashed: a skipped 8 GB file costs nothing)
and with the problems that skipped it, which later runs report again without reading it.

The state names the commit it was saved with (generation and segments). When the index is
at another commit (written by `Index.add`, rebuilt after its table of contents was lost,
copied back from elsewhere), the indexer trusts it only for the files whose articles the
index holds, and for skipped files, which claim none.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from searcher.models import Problem

STATE_FILE = "searcher-files.json"
STATE_TEMPORARY = "searcher-files.tmp"  # the next state, until it replaces the last
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileFingerprint:
    """How a file looked when it was indexed."""

    size: int
    mtime_ns: int
    sha1: str  # "" for a file known by size and mtime alone (one that was skipped)
    problems: tuple[Problem, ...] = ()  # why a skipped file was skipped

    def same_stat(self, stat: os.stat_result) -> bool:
        """True when size and modification time are unchanged (no need to read the file)."""
        return self.size == stat.st_size and self.mtime_ns == stat.st_mtime_ns


def content_hash(path: Path) -> str:
    """The SHA-1 of the file's bytes."""
    digest = hashlib.sha1(usedforsecurity=False)
    with open(path, "rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fingerprint(path: Path) -> FileFingerprint:
    """The file's fingerprint now."""
    stat = path.stat()
    return FileFingerprint(stat.st_size, stat.st_mtime_ns, content_hash(path))


def read_fingerprint(
    path: Path, before: os.stat_result, hashed: bool, content: bytes | None = None
) -> FileFingerprint:
    """The fingerprint of a file read since `before` was taken. `hashed`: with its content
    hash (of `content`, the bytes read, when given; else the file is read again), left
    empty when the file changed meanwhile (so the next run reads it again); else by size
    and mtime alone, for a skipped file, which is then not read (nor hashed) again until
    those change."""
    sha1 = ""
    if hashed and content is not None:
        sha1 = hashlib.sha1(content, usedforsecurity=False).hexdigest()
    elif hashed:
        sha1 = content_hash(path)
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        sha1 = ""
    return FileFingerprint(before.st_size, before.st_mtime_ns, sha1)


# An index commit: its generation and the ids of its segments.
Commit = tuple[int, tuple[str, ...]]


@dataclass(frozen=True)
class FileState:
    """File id -> fingerprint of the files read, and the commit holding their articles
    when the state was saved (None when unknown)."""

    files: dict[str, FileFingerprint] = field(default_factory=dict)
    commit: Commit | None = None


def load_state(folder: Path) -> FileState:
    """The state of the files last read into `folder` (empty when unknown)."""
    try:
        raw = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        saved = raw if "files" in raw else {"files": raw, "commit": None}  # an older layout
        files = {key: _from_json(values) for key, values in saved["files"].items()}
        commit = saved["commit"]
        return FileState(files, (int(commit[0]), tuple(commit[1])) if commit else None)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # none, or broken
        return FileState()


def save_state(folder: Path, state: FileState) -> None:
    """Write the state atomically: readers see the old or the new file, never half of one."""
    target = folder / STATE_FILE
    temporary = folder / STATE_TEMPORARY
    files = {key: _to_json(s) for key, s in sorted(state.files.items())}
    commit = list(state.commit) if state.commit else None
    try:
        temporary.write_text(
            json.dumps({"commit": commit, "files": files}, separators=(",", ":")),
            encoding="utf-8",
        )
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _to_json(sig: FileFingerprint) -> list[Any]:
    """`[size, mtime_ns, sha1]`, then `[[path, reason, line, kind], ...]` if skipped."""
    values: list[Any] = [sig.size, sig.mtime_ns, sig.sha1]
    if sig.problems:
        values.append([[p.path, p.reason, p.line, p.kind] for p in sig.problems])
    return values


def _from_json(values: list[Any]) -> FileFingerprint:
    size, mtime_ns, sha1, *skipped = values
    problems = tuple(Problem(*problem) for problem in skipped[0]) if skipped else ()
    return FileFingerprint(size, mtime_ns, sha1, problems)
