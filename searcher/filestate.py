"""What an incremental run remembers about the files it indexed: size, mtime, content hash.

The state is a JSON sidecar in the index folder, rewritten (atomically: temporary file,
then rename) only after the Whoosh commit holding those files' articles has succeeded.
It can therefore lag the index after a crash, never lead it: a lag costs one file read
again on the next run, never an article missing from the index. Which files have articles
in the index is the index's own `file` field; this sidecar only says whether they changed.

The state names the commit it was saved with (generation and segments). When the index is
at another commit (written by `Index.add`, rebuilt after its table of contents was lost,
copied back from elsewhere), the indexer trusts it only for the files whose articles the
index holds.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

STATE_FILE = "searcher-files.json"
STATE_TEMPORARY = "searcher-files.tmp"  # the next state, until it replaces the last
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileSignature:
    """How a file looked when it was indexed."""

    size: int
    mtime_ns: int
    sha1: str

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


def signature(path: Path) -> FileSignature:
    """The file's signature now."""
    stat = path.stat()
    return FileSignature(stat.st_size, stat.st_mtime_ns, content_hash(path))


# An index commit: its generation and the ids of its segments.
Commit = tuple[int, tuple[str, ...]]


@dataclass(frozen=True)
class FileState:
    """File id -> signature of the files indexed, and the commit holding their articles
    when the state was saved (None when unknown)."""

    files: dict[str, FileSignature] = field(default_factory=dict)
    commit: Commit | None = None


def load_state(folder: Path) -> FileState:
    """The state of the files last indexed into `folder` (empty when unknown)."""
    try:
        raw = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        saved = raw if "files" in raw else {"files": raw, "commit": None}  # an older layout
        files = {key: FileSignature(*values) for key, values in saved["files"].items()}
        commit = saved["commit"]
        return FileState(files, (int(commit[0]), tuple(commit[1])) if commit else None)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):  # none, or broken
        return FileState()


def save_state(folder: Path, state: FileState) -> None:
    """Write the state atomically: readers see the old or the new file, never half of one."""
    target = folder / STATE_FILE
    temporary = folder / STATE_TEMPORARY
    files = {key: [s.size, s.mtime_ns, s.sha1] for key, s in sorted(state.files.items())}
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


def remove_state(folder: Path) -> None:
    """Forget every file (the index is being rebuilt)."""
    (folder / STATE_FILE).unlink(missing_ok=True)
