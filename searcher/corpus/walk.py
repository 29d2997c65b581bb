"""Find the files to read under the paths a user gives, and name them.

Every root gets a label: a folder's own name, or for a single file the name of its folder.
Article ids are the label plus the posix path below it (`bbc/tech/001.txt`), so indexing a
folder or one of its files gives the same id. Roots from different folders with the same
name get `~2`, `~3`, ... in the order given. Paths are made absolute, so what is stored
stays right from any folder. Folders are walked recursively in sorted order, following
symbolic links (not into a loop). Hidden entries and README/LICENSE-like files are skipped
silently; files no reader claims, broken links, link loops, special files (FIFOs, devices)
and unlistable folders are reported.

Each file also gets the source named by the nearest `SOURCE_FILE` in its folder or a folder
above, for articles that name none.

A name that is not UTF-8 is shown and used in ids as `repair_text` reads it (`caf\\xe9.txt`
as `café.txt`); the file itself is read under its real name.

Documentation beside a collection: in a folder whose claimed files are mostly collections
(files of many records, such as Reuters' `.sgm`; at least three), the plain-text files
beside them (a collection's notes, category lists, descriptions) are reported, not read as
articles. Named on the command line, such a file is read.

An archive (`.tar.gz`, `.zip`, ...) is one file here; `archive` applies these rules to its
members (`is_hidden`, `is_notice`, `not_read`, `FolderRoles`).
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePath

from searcher.corpus.base import extension
from searcher.corpus.decode import repair_text
from searcher.errors import BadInputError
from searcher.models import Problem

_NOT_ARTICLES = re.compile(
    r"^(readme|licen[cs]e|copying|notice|authors|contributing|changelog|changes|"
    r"sha\d*sums|md5sums)([._-].*)?$",
    re.IGNORECASE,
)

# A one-line file naming the publication of the articles in its folder and below.
SOURCE_FILE = ".searcher-source"
_SOURCE_CHARS = 1000
# Fewer collection files than this say nothing about the plain-text files beside them.
MIN_COLLECTION_FILES = 3


class Role(Enum):
    """What the extension of a file says it holds, for the documentation rule."""

    COLLECTION = "collection"  # many articles a file (`.sgm`, `.jsonl`, `.csv`, ...)
    PLAIN = "plain"  # plain text, one article a file (`.txt`)
    OTHER = "other"  # any other format a reader claims


Claims = Callable[[PurePath], "Role | None"]  # None: no reader claims the file


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

    @property
    def shown(self) -> str:
        """The path as text that can be printed and stored (see `repair_text`)."""
        return repair_text(str(self.path))


def make_roots(paths: Sequence[str | os.PathLike[str]]) -> list[Root]:
    """Label every path; raise `BadInputError` for one that does not exist."""
    labels: dict[str, str] = {}
    roots = []
    for given in paths:
        path = Path(os.path.abspath(given))
        if not os.path.lexists(path):
            raise BadInputError(
                f"no such file or folder: {repair_text(os.fspath(given))}",
                "Check the spelling, or give the path in full.",
            )
        folder = path if path.is_dir() else path.parent
        roots.append(Root(path, _unique_label(folder, labels)))
    return roots


def _unique_label(folder: Path, labels: dict[str, str]) -> str:
    """The folder's name, suffixed `~n` if another folder of that name came first."""
    name = repair_text(os.path.basename(os.path.abspath(folder))) or "root"
    real = os.path.realpath(folder)
    label, n = name, 1
    while labels.setdefault(label, real) != real:
        n += 1
        label = f"{name}~{n}"
    return label


def walk(root: Root, claims: Claims) -> Iterator[FileRef | Problem]:
    """The files under `root` in sorted order, and problems with what could not be used.

    A file given directly is read whatever `claims` says of it, if it is a regular file.
    """
    path = root.path
    kind, reason = _status(path)
    folder = path if kind == "dir" else path.parent
    source = ""
    for above in reversed(folder.parents):  # the farthest first, the nearest wins
        source = _folder_source(above) or source
    if kind == "dir":
        ancestors = frozenset({os.path.realpath(path)})
        yield from _walk_folder(path, root.label, ancestors, claims, source)
    elif kind == "file":
        file_id = f"{root.label}/{repair_text(path.name)}"
        yield FileRef(path, file_id, _folder_source(folder) or source)
    else:
        yield Problem(repair_text(str(path)), reason, kind=kind)


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
    folder: Path, prefix: str, ancestors: frozenset[str], claims: Claims, source: str
) -> Iterator[FileRef | Problem]:
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError as error:
        yield Problem(
            repair_text(str(folder)),
            f"cannot list folder: {error.strerror or error}",
            kind="unreadable",
        )
        return
    if SOURCE_FILE in names:
        source = _folder_source(folder) or source
    entries = [(folder / name, *_status(folder / name)) for name in names if not is_hidden(name)]
    entries = [e for e in entries if not (e[1] == "file" and is_notice(e[0].name))]
    roles = {path: claims(path) for path, kind, _ in entries if kind == "file"}
    beside = FolderRoles(roles.items()).collections()
    shown_names: set[str] = set()
    for path, kind, reason in entries:
        shown, name = repair_text(str(path)), repair_text(path.name)
        if name in shown_names:
            reason = f"name reads as {name!r} once repaired (not UTF-8), as another's does"
            yield Problem(shown, reason, kind="bad-name")
            continue
        shown_names.add(name)
        entry_id = f"{prefix}/{name}"
        if kind == "dir":
            real = os.path.realpath(path)
            if real in ancestors:
                yield Problem(shown, _LOOP, kind="link-loop")
            else:
                yield from _walk_folder(path, entry_id, ancestors | {real}, claims, source)
        elif kind != "file":
            yield Problem(shown, reason, kind=kind)
        elif unread := not_read(path, roles[path], beside, "name the file itself to index it"):
            yield Problem(shown, unread[1], kind=unread[0])
        else:
            yield FileRef(path, entry_id, source)


def is_hidden(name: str) -> bool:
    """Whether a file or folder is hidden: passed over silently, and all it holds."""
    return name.startswith(".")


def is_notice(name: str) -> bool:
    """Whether a file is a README, a licence or the like: passed over silently."""
    return _NOT_ARTICLES.match(name) is not None


def not_read(path: PurePath, role: Role | None, beside: str, hint: str) -> tuple[str, str] | None:
    """The problem kind and reason that keep a file of this `role` from being read, in a
    folder holding a collection of `beside` files (`FolderRoles.collections`); None to
    read it. `hint` says how to read documentation all the same."""
    if role is None:
        return "no-reader", f"skipped: no reader for {path.suffix} files"
    if beside and role is Role.PLAIN:
        reason = f"plain text beside a collection of {beside} files, taken for its documentation"
        return "documentation", f"{reason} ({hint})"
    return None


class FolderRoles:
    """The roles of a folder's files, counted for the documentation rule (the module
    docstring): kept as counts, so that files can be added one at a time."""

    def __init__(self, roles: Iterable[tuple[PurePath, Role | None]] = ()) -> None:
        self._collections = 0
        self._claimed = 0
        self._extensions: set[str] = set()
        for path, role in roles:
            self.add(path, role)

    def add(self, path: PurePath, role: Role | None) -> None:
        """Count one file of the folder."""
        self._claimed += role is not None
        if role is Role.COLLECTION:
            self._collections += 1
            self._extensions.add(extension(path))

    def collections(self) -> str:
        """The extensions of the collection files when they are most of the folder's
        claimed files, and at least `MIN_COLLECTION_FILES` (`.sgm`), else ""."""
        if self._collections < MIN_COLLECTION_FILES or 2 * self._collections <= self._claimed:
            return ""
        return "/".join(sorted(self._extensions))


_LOOP = "symbolic link loop, not followed"


def _status(path: Path) -> tuple[str, str]:
    """`dir` or `file`, else the problem kind and reason that keep the path from being read."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "link-loop", _LOOP
        if os.path.islink(path):
            return "broken-link", "broken symbolic link"
        return "unreadable", f"cannot read: {error.strerror or error}"
    if stat.S_ISDIR(mode):
        return "dir", ""
    if stat.S_ISREG(mode):
        return "file", ""
    return "not-a-file", "not a regular file (a FIFO, a device or a socket)"
