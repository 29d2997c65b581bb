"""What an incremental run remembers about the files it indexed: size, mtime, content hash.

The state is a JSON sidecar in the index folder, rewritten (atomically: temporary file,
then rename) only after the Whoosh commit holding those files' articles has succeeded.
It can therefore lag the index after a crash, never lead it: a lag costs one file read
again on the next run, never an article missing from the index. Which files have articles
in the index is the index's own `file` field; this sidecar only says whether they changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

STATE_FILE = "searcher-files.json"
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


def load_state(folder: Path) -> dict[str, FileSignature]:
    """File id -> signature of the files last indexed into `folder` (empty when unknown)."""
    try:
        raw = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {file_id: FileSignature(*values) for file_id, values in raw.items()}


def save_state(folder: Path, state: dict[str, FileSignature]) -> None:
    """Write the state atomically: readers see the old or the new file, never half of one."""
    target = folder / STATE_FILE
    temporary = target.with_suffix(".tmp")
    data = {key: [s.size, s.mtime_ns, s.sha1] for key, s in sorted(state.items())}
    temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, target)


def remove_state(folder: Path) -> None:
    """Forget every file (the index is being rebuilt)."""
    (folder / STATE_FILE).unlink(missing_ok=True)
