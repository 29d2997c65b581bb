"""Open a file as a stream of text: the one place that knows about gzip and encodings.

A gzip file (recognised by its magic bytes, whatever its name) is decompressed on the fly, so
every reader reads `.gz` files too. The encoding is chosen from the first 64 KB: a byte-order
mark decides (UTF-8, UTF-16, UTF-32); NUL bytes near the start mean UTF-16 or UTF-32 without
a mark when they fall in the places those put them and the text decodes cleanly, else a
binary file; else UTF-8 when the sample is UTF-8 but for isolated stray bytes (legacy
Western text such as a lone Latin-1 pound sign) or holds more well-formed UTF-8 characters
than stray bytes; else charset-normalizer's best guess. Bytes the chosen encoding cannot
decode are read as Windows-1252, or become U+FFFD. Binary files, files with nothing but
whitespace and anything but a regular file are refused with a `ReadError`, as are files the
operating system will not read. `open_member` does the same for an archive's member, from a
stream read once.

`repair_text` is the one rule for text that no encoding can write (lone surrogates, as in a
file name that is not UTF-8): it applies the same Windows-1252 reading.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TextIO

from searcher.corpus.base import ReadError

SAMPLE_BYTES = 64 * 1024
BINARY_PROBE_BYTES = 8192
HEAD_CHARS = 4096
GZIP_MAGIC = b"\x1f\x8b"
ERRORS = "searcher-cp1252"
_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Encodings without a mark, with the bytes of each unit that Latin text leaves NUL.
_WIDE = (
    ("utf-32-le", 4, (2, 3)),
    ("utf-32-be", 4, (0, 1)),
    ("utf-16-le", 2, (1,)),
    ("utf-16-be", 2, (0,)),
)
MIN_NUL_SHARE = 0.5  # of the bytes in those places, for text that is mostly Latin
_WHITESPACE_CONTROLS = frozenset("\t\n\r\f\v")
_ESCAPED_BYTES = "".join(map(chr, range(0xDC80, 0xDD00)))
# Runs of bytes that are not UTF-8: text in a legacy multi-byte or non-Latin encoding.
_NON_UTF8_RUN = re.compile("[\udc80-\udcff]{2,}")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Encodings whose decoding of a whole file at once is a `TextIOWrapper`'s, chunk by chunk.
_DECODED_AT_ONCE = frozenset({"utf-8", "utf-8-sig"})


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes an encoding refused as Windows-1252 (U+FFFD for its five holes)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error(ERRORS, _cp1252_fallback)


def repair_text(text: str) -> str:
    """`text` without lone surrogates, which cannot be written as UTF-8: one that stands for
    a byte that was not UTF-8 (Python's reading of such a file name) becomes that byte read
    as Windows-1252, as stray bytes in files are; any other (a JSON `\\ud800`) U+FFFD."""
    if not needs_repair(text):
        return text
    return _SURROGATE.sub(_repaired_surrogate, text)


def needs_repair(text: str) -> bool:
    """Whether `text` holds a lone surrogate, which `repair_text` replaces."""
    return not text.isascii() and _SURROGATE.search(text) is not None


def _repaired_surrogate(found: re.Match[str]) -> str:
    code = ord(found[0])
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape's stand-in for the byte code - 0xDC00
        return bytes([code - 0xDC00]).decode("cp1252", errors="replace")
    return "\ufffd"


class Readable(Protocol):
    """What `open_member` reads: bytes, `size` at most at a time."""

    def read(self, size: int = -1, /) -> bytes: ...


@contextmanager
def open_text(
    path: Path, on_bytes: Callable[[bytes], None] | None = None
) -> Iterator[tuple[TextIO, str]]:
    """The decoded text stream of `path` and its first few KB; `ReadError` if unusable.

    A file shorter than the sample, not compressed and in UTF-8, is read and decoded once
    (no file object made): its stream is the decoded sample, with line ends read as a
    `TextIOWrapper` reads them. A file shorter than the sample and not compressed is given
    to `on_bytes` as it was read (its bytes, at once), so that the caller need not read it
    again (to hash it)."""
    fd = open_regular(path)
    try:
        sample = _read_sample(partial(os.read, fd))
        with _decoded(sample, partial(_from_start, fd), on_bytes) as opened:
            yield opened
    finally:
        os.close(fd)


@contextmanager
def open_member(stream: Readable) -> Iterator[tuple[TextIO, str]]:
    """`open_text` for a file read from `stream` (an archive's member): read once, from its
    start, never sought back (seeking back in a compressed archive decompresses it again)."""
    sample = _read_sample(stream.read)
    with _decoded(sample, lambda: io.BufferedReader(_Rejoined(sample, stream))) as opened:
        yield opened


@contextmanager
def _decoded(
    sample: bytes,
    from_start: Callable[[], BinaryIO],
    on_bytes: Callable[[bytes], None] | None = None,
) -> Iterator[tuple[TextIO, str]]:
    """The decoded text stream and head of a file whose first bytes are `sample`;
    `from_start()` gives all its bytes, for files longer than the sample (see `open_text`)."""
    with ExitStack() as opened:  # the file objects made to stream the file, if any
        binary: BinaryIO | None = None
        if sample.startswith(GZIP_MAGIC):
            raw = opened.enter_context(from_start())
            unpacked = opened.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
            sample = unpacked.read(SAMPLE_BYTES)
            binary = io.BufferedReader(_Rejoined(sample, unpacked))
        complete = len(sample) < SAMPLE_BYTES
        if complete and binary is None and on_bytes is not None:
            on_bytes(sample)
        encoding = detect_encoding(sample, complete)
        if encoding is None:
            raise ReadError("binary file, not text", kind="binary")
        decoded = sample.decode(encoding, errors=ERRORS)
        head = decoded[:HEAD_CHARS]
        if not head.strip() and complete:
            raise ReadError("empty file", kind="empty")
        if complete and binary is None and encoding in _DECODED_AT_ONCE:
            with io.StringIO(decoded.replace("\r\n", "\n").replace("\r", "\n")) as whole:
                yield whole, head
            return
        del sample, decoded  # not held while the file is streamed
        if binary is None:
            binary = opened.enter_context(from_start())
        with io.TextIOWrapper(binary, encoding=encoding, errors=ERRORS) as stream:
            yield stream, head


class _Rejoined(io.RawIOBase):
    """The bytes of a stream whose first bytes, `head`, were read already: `head`, then
    what is left in `rest`."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        super().__init__()
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_regular(path: Path) -> int:
    """A descriptor of `path` open for reading; `ReadError` when it cannot be opened or is
    not a regular file."""
    try:
        return _open_regular(os.fspath(path), os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as error:
        raise ReadError(f"cannot read file: {error.strerror or error}") from error


def _read_sample(read: Callable[[int], bytes]) -> bytes:
    """The first `SAMPLE_BYTES` that `read` gives (fewer: all there is), as a buffered
    file object's `read` gives them."""
    chunks: list[bytes] = []
    size = 0
    while size < SAMPLE_BYTES and (chunk := read(SAMPLE_BYTES - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _from_start(fd: int) -> BinaryIO:
    """A buffered file object over `fd` (which it leaves open), at the file's start."""
    file = open(fd, "rb", closefd=False)  # noqa: SIM115 - closed by `open_text`
    file.seek(0)
    return file


def _open_regular(path: str, flags: int) -> int:
    """Open without blocking (a FIFO would wait for a writer for ever); refuse anything but
    a regular file."""
    fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ReadError("not a regular file", kind="not-a-file")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return fd


def _mostly_utf8(text: str) -> bool:
    """More well-formed UTF-8 characters than stray bytes: UTF-8 with a few bad bytes."""
    stray = sum(1 for char in text if "\udc80" <= char <= "\udcff")
    return sum(1 for char in text if char > "\x7f") - stray > stray


def detect_encoding(sample: bytes, complete: bool = True) -> str | None:
    """The encoding of a file whose first bytes are `sample` (`complete`: the whole file),
    or None for a binary file."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    if b"\x00" in sample[:BINARY_PROBE_BYTES]:
        return _wide_encoding(sample[:BINARY_PROBE_BYTES])
    if sample.isascii():
        return "utf-8"
    text = sample.decode("utf-8", errors="surrogateescape")
    if not complete:
        text = text.rstrip(_ESCAPED_BYTES)  # a character cut in two by the sample's end
    if not _NON_UTF8_RUN.search(text) or _mostly_utf8(text):
        return "utf-8"
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    best = from_bytes(sample).best()
    return best.encoding if best is not None else "utf-8"


def _wide_encoding(probe: bytes) -> str | None:
    """UTF-32 or UTF-16 without a byte-order mark, when most bytes where those put NUL in
    Latin text are NUL and `probe` decodes to text without control characters (U+0000 is
    one); else None (binary)."""
    for encoding, unit, places in _WIDE:
        whole = probe[: len(probe) - len(probe) % unit]
        units = len(whole) // unit
        if not units or any(whole[p::unit].count(0) < MIN_NUL_SHARE * units for p in places):
            continue
        try:  # a character cut in two by the probe's end is no error
            text = codecs.getincrementaldecoder(encoding)().decode(whole)
        except UnicodeDecodeError:
            continue
        if not any(
            unicodedata.category(char) == "Cc" and char not in _WHITESPACE_CONTROLS for char in text
        ):
            return encoding
    return None
