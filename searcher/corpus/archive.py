"""Read tar and zip archives as folders: their members are read in place, as files.

An archive (`.tar`, `.tar.gz` or `.tgz`, `.tar.bz2`, `.tar.xz`, `.zip`) is one file to the
walk and to incremental indexing. Reading it yields its regular members in the archive's
order, each with the id it would have unpacked beside the archive into a folder named like
it (`corpora/r.tar.gz/r/reut2-000.sgm`), and the walk's rules: hidden members and those in
hidden folders and README/LICENSE-like ones are passed over silently, members no reader
claims and documentation beside a collection (per folder of the archive) are reported.

Nothing is extracted to disk. The documentation rule needs a folder's members before any is
read, so a tar is listed once and then read once, both from its start forward: it is
decompressed twice, never once per member. A zip lists itself (its central directory).

Hostile archives: members named outside the archive (an absolute path, `..`), links,
devices and FIFOs are reported, never followed nor opened; an archive inside an archive is
reported, not opened. A member is read as a stream, so the readers' limits bound what it
costs (`MAX_ARTICLE_CHARS`), and a tar header larger than `MAX_HEADER_BYTES` (a long name
or pax header, which `tarfile` reads whole) ends the archive. A corrupt or cut-off tar
raises `ArchiveError` once the members before the damage are read; a zip cut off (without
its directory) reads nothing; a corrupt zip member is one problem, and the others are read.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO, Protocol

from searcher.corpus.base import ReadError
from searcher.corpus.decode import Readable, needs_repair, open_regular, repair_text
from searcher.corpus.walk import Claims, FolderRoles, is_hidden, is_notice, not_read
from searcher.models import Problem

TAR_SUFFIXES = (".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz")
ZIP_SUFFIXES = (".zip",)
MAX_HEADER_BYTES = 16 * 1024 * 1024  # real headers take a few KB; members are read in pieces
# What a damaged archive raises while it is read: its decompressors' and `tarfile`'s errors.
_DAMAGE = (OSError, EOFError, zlib.error, lzma.LZMAError, tarfile.TarError, zipfile.BadZipFile)
_ZIP_UTF8_NAME = 0x800  # zip flag: the name is UTF-8 (else CP437, or any 8-bit encoding)
_ZIP_ENCRYPTED = 0x1
_UNIX = 3  # zip "made by" system whose external attributes hold a Unix mode


class ArchiveError(Exception):
    """The archive itself is damaged (cut off, corrupt): what is left of it cannot be read.
    `str(error)` is the one-line reason, `kind` the problem's category."""

    def __init__(self, message: str, kind: str = "bad-archive") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Member:
    """A regular member to read: `path` the archive's path (as shown) joined with its name,
    `id` its file id, `stream` its bytes, good until the next member is asked for;
    `renamed` when its name is not UTF-8 (see `repair_text`)."""

    path: PurePath
    id: str
    stream: Readable
    renamed: bool = False


def is_archive(path: PurePath) -> bool:
    """Whether the file's name says it is a tar or zip archive."""
    return path.name.lower().endswith(TAR_SUFFIXES + ZIP_SUFFIXES)


def members(path: Path, archive_id: str, claims: Claims) -> Generator[Member | Problem, None, None]:
    """The members of the archive at `path` (whose file id is `archive_id`) to read, and
    problems with those that are not read. `claims` tells the role of a file by its name,
    as for the walk. Raises `ReadError` when the archive cannot be opened and `ArchiveError`
    when it is damaged (see the module docstring)."""
    shown = repair_text(str(path))
    with open(open_regular(path), "rb") as file:
        if path.name.lower().endswith(ZIP_SUFFIXES):
            yield from _zip_members(file, shown, archive_id, claims)
        else:
            yield from _tar_members(file, shown, archive_id, claims)


# Why a member is not read: the problem's kind and reason.
Refusal = tuple[str, str]
_LINK: Refusal = ("link", "a link in an archive, not followed")
_SPECIAL: Refusal = ("not-a-file", "not a regular file (a device, a FIFO or a socket)")


class _Sorter:
    """Sorts out the members of one archive by the walk's rules, given its listing first."""

    def __init__(self, shown: str, archive_id: str, claims: Claims) -> None:
        self._shown = shown
        self._id = archive_id
        self._claims = claims
        self._folders: defaultdict[tuple[str, ...], FolderRoles] = defaultdict(FolderRoles)

    def list(self, name: str) -> None:
        """Note a regular member, listed before any is read."""
        parts = _parts(name)
        if parts and not any(map(is_hidden, parts)) and not is_notice(parts[-1]):
            path = PurePath(*parts)
            self._folders[parts[:-1]].add(path, self._claims(path))

    def sort(self, name: str, refusal: Refusal | None) -> tuple[PurePath, str] | Problem | None:
        """The path and id of a member to read (a file, `refusal` None); else a problem
        with it, or None to pass it over."""
        parts = _parts(name)
        if parts is None:
            reason = "member named outside the archive (an absolute path or ..), not read"
            return Problem(f"{self._shown}/{repair_text(name)}", reason, kind="unsafe-name")
        if not parts or any(map(is_hidden, parts)):
            return None
        where = PurePath(self._shown, *parts)
        if refusal is not None:
            return Problem(str(where), refusal[1], kind=refusal[0])
        path = PurePath(*parts)
        if is_notice(path.name):
            return None
        if is_archive(path):
            reason = "an archive inside an archive, not opened (unpack it to index it)"
            return Problem(str(where), reason, kind="nested-archive")
        beside = self._folders[parts[:-1]].collections()
        if unread := not_read(path, self._claims(path), beside, "unpack it to index it"):
            return Problem(str(where), unread[1], kind=unread[0])
        return where, f"{self._id}/{path.as_posix()}"


def _parts(name: str) -> tuple[str, ...] | None:
    """The folders and name of a member as it would be unpacked (names not UTF-8
    repaired), without `.` and empty parts; None for one named outside the archive."""
    if name.startswith("/"):
        return None
    parts = tuple(repair_text(part) for part in name.split("/") if part not in ("", "."))
    return None if ".." in parts else parts


def _tar_members(
    file: BinaryIO, shown: str, archive_id: str, claims: Claims
) -> Iterator[Member | Problem]:
    sorter = _Sorter(shown, archive_id, claims)
    # Damage found while listing is raised where the reading meets it, after what is before.
    with contextlib.suppress(ArchiveError), _opened_tar(file) as tar:
        for info in _each(tar):
            if info.isreg():
                sorter.list(info.name)
    file.seek(0)
    with _opened_tar(file) as tar:
        for info in _each(tar):
            if info.isdir():
                continue
            sorted_out = sorter.sort(info.name, _tar_refusal(info))
            if isinstance(sorted_out, tuple):
                where, member_id = sorted_out
                stream = tar.extractfile(info)
                assert stream is not None  # a regular member's
                damaged = _damaged(f"member {repair_text(info.name)}")
                guarded = _Guarded(stream, damaged)
                yield Member(where, member_id, guarded, needs_repair(info.name))
            elif sorted_out is not None:
                yield sorted_out


def _opened_tar(file: BinaryIO) -> tarfile.TarFile:
    """The tar in `file` (from its start)."""
    try:
        unpacked = _Forward(_unpacked(file))  # read only: `tarfile` neither writes nor closes it
        return tarfile.TarFile(
            fileobj=unpacked,  # type: ignore[arg-type]
            mode="r",
            encoding="utf-8",
            errors="surrogateescape",
        )
    except _DAMAGE as error:
        raise _damaged("its first member")(error) from None


def _unpacked(file: BinaryIO) -> _Seekable:
    """The bytes of `file` (from its start), decompressed as its first bytes say: an
    archive is read by its content. The decompressor needs no closing (not its file)."""
    magic = file.read(6)
    file.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=file, mode="rb")
    if magic.startswith(b"BZh"):
        return bz2.BZ2File(file)
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(file)
    return file


def _each(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    """The tar's members, in order, not kept (`tarfile` would keep them all)."""
    last = ""
    while True:
        try:
            info = tar.next()
        except _DAMAGE as error:
            raise _damaged(f"the member after {repair_text(last)}")(error) from None
        if info is None:
            return
        tar.members.clear()  # type: ignore[attr-defined] # its list of those read
        last = info.name
        yield info


def _tar_refusal(info: tarfile.TarInfo) -> Refusal | None:
    """Why a tar member is not read (not a regular file), or None."""
    if info.isreg():
        return None
    return _LINK if info.issym() or info.islnk() else _SPECIAL


def _zip_members(
    file: BinaryIO, shown: str, archive_id: str, claims: Claims
) -> Iterator[Member | Problem]:
    try:
        archive = zipfile.ZipFile(file)
    except (*_DAMAGE, ValueError) as error:
        reason = "not a zip archive, or cut off (no directory at its end); nothing read"
        raise ArchiveError(f"{reason} ({_why(error)})") from None
    with archive:
        sorter = _Sorter(shown, archive_id, claims)
        listing = [(info, _zip_name(info)) for info in archive.infolist() if not info.is_dir()]
        for info, name in listing:
            if _zip_refusal(info) is None:
                sorter.list(name)
        for info, name in listing:
            sorted_out = sorter.sort(name, _zip_refusal(info))
            if not isinstance(sorted_out, tuple):
                if sorted_out is not None:
                    yield sorted_out
                continue
            where, member_id = sorted_out
            try:
                stream = archive.open(info)
            except (*_DAMAGE, NotImplementedError, RuntimeError) as error:
                yield Problem(str(where), f"cannot read member: {_why(error)}", kind="unreadable")
                continue
            with stream:
                guarded = _Guarded(stream, _unreadable_member)
                yield Member(where, member_id, guarded, needs_repair(name))


def _zip_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its bytes read as UTF-8, like a file name: `zipfile` reads a
    name without the UTF-8 flag as CP437, which its bytes rarely are."""
    if info.flag_bits & _ZIP_UTF8_NAME:
        return info.filename
    return info.filename.encode("cp437").decode("utf-8", "surrogateescape")


def _zip_refusal(info: zipfile.ZipInfo) -> Refusal | None:
    """Why a zip member is not read (not a regular file, encrypted), or None."""
    kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == _UNIX else 0
    if kind == stat.S_IFLNK:
        return _LINK
    if kind not in (0, stat.S_IFREG):  # 0: a file type not recorded
        return _SPECIAL
    if info.flag_bits & _ZIP_ENCRYPTED:
        return "unreadable", "encrypted, not read"
    return None


class _Seekable(Readable, Protocol):
    def tell(self) -> int: ...

    def seek(self, offset: int, whence: int = os.SEEK_SET, /) -> int: ...


class _Forward:
    """The bytes of a tar for `tarfile`: sought forward only (back, a compressed tar would
    be decompressed again from its start), read at most `MAX_HEADER_BYTES` at once."""

    def __init__(self, unpacked: _Seekable) -> None:
        self._unpacked = unpacked

    def read(self, size: int = -1) -> bytes:
        if not 0 <= size <= MAX_HEADER_BYTES:
            raise ArchiveError(f"a tar header over {MAX_HEADER_BYTES >> 20} MB; the rest is lost")
        return self._unpacked.read(size)

    def tell(self) -> int:
        return self._unpacked.tell()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence != os.SEEK_SET or offset < self.tell():
            raise ArchiveError("tar read backwards (not done: a bug); the rest is lost")
        return self._unpacked.seek(offset)


class _Guarded:
    """A member's stream whose read errors (the archive's damage) are `damaged(error)`."""

    def __init__(self, stream: Readable, damaged: Callable[[Exception], Exception]) -> None:
        self._stream = stream
        self._damaged = damaged

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except _DAMAGE as error:
            raise self._damaged(error) from None


def _damaged(where: str) -> Callable[[Exception], ArchiveError]:
    """The error of a tar damaged at `where`: its kind says whether the system could not
    read it (tried again on the next run) or its bytes are wrong."""

    def damaged(error: Exception) -> ArchiveError:
        system = isinstance(error, OSError) and error.errno is not None
        reason = f"archive cut off or corrupt at {where} ({_why(error)}); the rest is not read"
        return ArchiveError(reason, kind="unreadable" if system else "bad-archive")

    return damaged


def _unreadable_member(error: Exception) -> ReadError:
    return ReadError(f"cannot read member: {_why(error)}", kind="unreadable")


def _why(error: BaseException) -> str:
    detail = error.strerror if isinstance(error, OSError) and error.strerror else error
    return repair_text(str(detail) or type(error).__name__)
