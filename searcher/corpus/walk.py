"""Find the files to read under the paths a user gives, and name them.

Every root gets a label: a folder's own name, or for a single file the name of its folder.
Article ids are the label plus the posix path below it (`bbc/tech/001.txt`), so indexing a
folder or one of its files gives the same id. Roots from different folders with the same
name get `~2`, `~3`, ... in the order given. Paths are made absolute, so what is stored
stays right from any folder. Folders are walked recursively in sorted order, following
symbolic links (not into a loop). Hidden entries and README/LICENSE-like files are
skipped silently; files no reader claims, broken links and unlistable folders are reported.

Each file also gets the source named by the nearest `SOURCE_FILE` in its folder or a folder
above, for articles that name none.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from searcher.errors import BadInputError
from searcher.models import Problem

# A one-line file naming the publication of the articles in its folder and below.
SOURCE_FILE = ".searcher-source"
_SOURCE_CHARS = 1000

_NOT_ARTICLES = re.compile(
    r"^(readme|licen[cs]e|copying|notice|authors|contributing|changelog|changes|"
    r"sha\d*sums|md5sums)([._-].*)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Root:
    """A path the user gave, with the label its article ids start with."""

    path: Path
    label: str


@dataclass(frozen=True)
class FileRef:
    """A file to read: its absolute path, its article id and the source its folder names
    (see the module docstring)."""

    path: Path
    id: str
    source: str = ""


def make_roots(paths: Sequence[str | os.PathLike[str]]) -> list[Root]:
    """Label every path; raise `BadInputError` for one that does not exist."""
    labels: dict[str, str] = {}
    roots = []
    for given in paths:
        path = Path(os.path.abspath(given))
        if not os.path.lexists(path):
            raise BadInputError(
                f"no such file or folder: {os.fspath(given)}",
                "Check the spelling, or give the path in full.",
            )
        folder = path if path.is_dir() else path.parent
        roots.append(Root(path, _unique_label(folder, labels)))
    return roots


def _unique_label(folder: Path, labels: dict[str, str]) -> str:
    """The folder's name, suffixed `~n` if another folder of that name came first."""
    name = os.path.basename(os.path.abspath(folder)) or "root"
    real = os.path.realpath(folder)
    label, n = name, 1
    while labels.setdefault(label, real) != real:
        n += 1
        label = f"{name}~{n}"
    return label


def walk(root: Root, claimed: Callable[[Path], bool]) -> Iterator[FileRef | Problem]:
    """The files under `root` in sorted order, and problems with what could not be used."""
    path = root.path
    folder = path if path.is_dir() else path.parent
    source = ""
    for above in reversed(folder.parents):  # the farthest first, the nearest wins
        source = _folder_source(above) or source
    if path.is_dir():
        ancestors = frozenset({os.path.realpath(path)})
        yield from _walk_folder(path, root.label, ancestors, claimed, source)
    elif path.is_symlink() and not path.exists():
        yield Problem(str(path), "broken symbolic link", kind="broken-link")
    else:
        yield FileRef(path, f"{root.label}/{path.name}", _folder_source(folder) or source)


def _folder_source(folder: Path) -> str:
    """The publication named by the folder's `SOURCE_FILE` (its first non-empty line), or
    "" when it has none or it cannot be read."""
    try:
        with (folder / SOURCE_FILE).open(encoding="utf-8", errors="replace") as file:
            text = file.read(_SOURCE_CHARS)
    except OSError:
        return ""
    return next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")


def _walk_folder(
    folder: Path,
    prefix: str,
    ancestors: frozenset[str],
    claimed: Callable[[Path], bool],
    source: str,
) -> Iterator[FileRef | Problem]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        yield Problem(
            str(folder), f"cannot list folder: {error.strerror or error}", kind="unreadable"
        )
        return
    if any(entry.name == SOURCE_FILE for entry in entries):
        source = _folder_source(folder) or source
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path, entry_id = folder / entry.name, f"{prefix}/{entry.name}"
        if entry.is_dir():
            real = os.path.realpath(path)
            if real in ancestors:
                yield Problem(str(path), "symbolic link loop, not followed", kind="link-loop")
            else:
                below = ancestors | {real}
                yield from _walk_folder(path, entry_id, below, claimed, source)
        elif entry.is_file():
            yield from _file(path, entry_id, claimed, source)
        elif entry.is_symlink():
            yield Problem(str(path), "broken symbolic link", kind="broken-link")
        else:
            yield Problem(str(path), "not a regular file", kind="not-a-file")


def _file(
    path: Path, file_id: str, claimed: Callable[[Path], bool], source: str
) -> Iterator[FileRef | Problem]:
    if _NOT_ARTICLES.match(path.name):
        return
    if claimed(path):
        yield FileRef(path, file_id, source)
    else:
        yield Problem(str(path), f"skipped: no reader for {path.suffix} files", kind="no-reader")
