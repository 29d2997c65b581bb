"""The manifest of a sharded index: `shards.json` in its folder.

    {"version": 1, "routing": "blake2b-64 mod shards", "shards": 2,
     "locations": ["shard-000", "shard-001"]}

`locations` are the shards' folders, relative to the index folder (or absolute). An article
lives in shard `shard_of(id, shards)`, so updates and deletes find it again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from searcher.errors import IndexDamagedError, NotAnIndexError

MANIFEST = "shards.json"
VERSION = 1
ROUTING = "blake2b-64 mod shards"


@dataclass(frozen=True)
class Manifest:
    """How many shards an index folder holds, and where each lives."""

    shards: int
    locations: tuple[str, ...]
    version: int = VERSION
    routing: str = ROUTING

    def folders(self, folder: Path) -> list[Path]:
        """Each shard's folder, in shard order."""
        return [folder / location for location in self.locations]


def shard_of(article_id: str, shards: int) -> int:
    """The shard of the article `article_id`: the same in every run and process."""
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def is_sharded(folder: Path) -> bool:
    """True when `folder` holds a sharded index (its manifest)."""
    return (folder / MANIFEST).is_file()


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the sharded index in `folder`."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest(
            shards=int(data["shards"]),
            locations=tuple(str(location) for location in data["locations"]),
            version=int(data["version"]),
            routing=str(data["routing"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IndexDamagedError(str(folder), MANIFEST, f"cannot be read ({error})") from None
    if manifest.routing != ROUTING or manifest.shards != len(manifest.locations):
        raise IndexDamagedError(str(folder), MANIFEST, "names an unknown routing or shard count")
    return manifest


def create_shards(folder: str | os.PathLike[str], shards: int) -> Manifest:
    """Make `folder` a sharded index of `shards` shards (its manifest; the shards are
    written by the first update). A folder that already is one keeps its manifest, which
    must name as many shards; a folder holding an unsharded index cannot become one."""
    path = Path(folder)
    if is_sharded(path):
        manifest = read_manifest(path)
        if manifest.shards != shards:
            raise NotAnIndexError(str(path), f"it holds {manifest.shards} shards, not {shards}")
        return manifest
    if path.is_dir() and any(path.iterdir()):
        raise NotAnIndexError(str(path), "the folder is not empty (a sharded index needs its own)")
    manifest = Manifest(shards, tuple(f"shard-{n:03d}" for n in range(shards)))
    path.mkdir(parents=True, exist_ok=True)
    data = {
        "version": manifest.version,
        "routing": manifest.routing,
        "shards": manifest.shards,
        "locations": list(manifest.locations),
    }
    (path / MANIFEST).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return manifest
