"""The manifest of a sharded index: `shards.json` in its folder.

    {"version": 1, "routing": "blake2b-64 mod shards", "shards": 2,
     "locations": ["shard-000", "shard-001"]}

`locations` are the shards' folders, relative to the index folder (or absolute). An article
lives in shard `shard_of(id, shards)`, so updates and deletes find it again. Shards kept on
their workers' own disks (not a folder every worker sees) add `"workers"`: the address of
the worker holding each shard ("" until it is first written), to which its writes and
queries go.
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
    workers: tuple[str, ...] = ()  # on workers' own disks: the worker holding each shard

    @property
    def on_workers(self) -> bool:
        """True when each shard lives on the disk of one worker (`workers`), not in a
        folder every worker sees."""
        return bool(self.workers)

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
            workers=tuple(str(worker) for worker in data.get("workers", ())),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise IndexDamagedError(str(folder), MANIFEST, f"cannot be read ({error})") from None
    placed = not manifest.workers or len(manifest.workers) == manifest.shards
    if manifest.routing != ROUTING or manifest.shards != len(manifest.locations) or not placed:
        raise IndexDamagedError(str(folder), MANIFEST, "names an unknown routing or shard count")
    return manifest


def create_shards(
    folder: str | os.PathLike[str],
    shards: int,
    on_workers: str | os.PathLike[str] | None = None,
) -> Manifest:
    """Make `folder` a sharded index of `shards` shards (its manifest; the shards are
    written by the first update). With `on_workers`, an absolute folder, each shard lives
    in that folder on the disk of the cluster worker that first writes it (`shard-000`,
    ...), which then serves it; else in `folder`, which every worker must see. A folder
    that already is a sharded index keeps its manifest, which must name as many shards
    (and the same place); a folder holding an unsharded index cannot become one."""
    path = Path(folder)
    names = [f"shard-{n:03d}" for n in range(shards)]
    locations = tuple(str(Path(on_workers) / name) if on_workers else name for name in names)
    if is_sharded(path):
        manifest = read_manifest(path)
        if manifest.shards != shards:
            raise NotAnIndexError(str(path), f"it holds {manifest.shards} shards, not {shards}")
        if on_workers is not None and manifest.locations != locations:
            where = manifest.locations[0]
            raise NotAnIndexError(str(path), f"its first shard lives at {where}, not there")
        return manifest
    if path.is_dir() and any(path.iterdir()):
        raise NotAnIndexError(str(path), "the folder is not empty (a sharded index needs its own)")
    if on_workers is not None and not Path(on_workers).is_absolute():
        raise NotAnIndexError(str(on_workers), "a folder on the workers must be absolute")
    manifest = Manifest(shards, locations, workers=("",) * shards if on_workers else ())
    path.mkdir(parents=True, exist_ok=True)
    write_manifest(path, manifest)
    return manifest


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Write the manifest of `folder` (atomically: readers see the old one or the new)."""
    data: dict[str, object] = {
        "version": manifest.version,
        "routing": manifest.routing,
        "shards": manifest.shards,
        "locations": list(manifest.locations),
    }
    if manifest.on_workers:
        data["workers"] = list(manifest.workers)
    temporary = folder / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, folder / MANIFEST)
