"""Open a file as a stream of text: the one place that knows about gzip and encodings.

A gzip file (recognised by its magic bytes, whatever its name) is decompressed on the fly, so
every reader reads `.gz` files too. The encoding is chosen from the first 64 KB: a byte-order
mark decides; else UTF-8 when the sample is UTF-8 but for isolated stray bytes (legacy
Western text such as a lone Latin-1 pound sign) or holds more well-formed UTF-8 characters
than stray bytes; else charset-normalizer's best guess. Bytes the chosen encoding cannot
decode are read as Windows-1252, or become U+FFFD. Files with NUL bytes near the start are
binary; files with nothing but whitespace are empty. Both are refused with a `ReadError`, as
are files the operating system will not read.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from searcher.corpus.base import ReadError

SAMPLE_BYTES = 64 * 1024
BINARY_PROBE_BYTES = 8192
HEAD_CHARS = 4096
GZIP_MAGIC = b"\x1f\x8b"
ERRORS = "searcher-cp1252"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ESCAPED_BYTES = "".join(map(chr, range(0xDC80, 0xDD00)))
# Runs of bytes that are not UTF-8: text in a legacy multi-byte or non-Latin encoding.
_NON_UTF8_RUN = re.compile("[\udc80-\udcff]{2,}")


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes an encoding refused as Windows-1252 (U+FFFD for its five holes)."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error(ERRORS, _cp1252_fallback)


@contextmanager
def open_text(path: Path) -> Iterator[tuple[TextIO, str]]:
    """The decoded text stream of `path` and its first few KB; `ReadError` if unusable."""
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed on leaving the context below
    except OSError as error:
        raise ReadError(f"cannot read file: {error.strerror or error}") from error
    with raw:
        binary = _decompressed(raw)
        sample = binary.read(SAMPLE_BYTES)
        binary.seek(0)
        complete = len(sample) < SAMPLE_BYTES
        if b"\x00" in sample[:BINARY_PROBE_BYTES] and not sample.startswith(_UTF16_BOMS):
            raise ReadError("binary file, not text", kind="binary")
        encoding = detect_encoding(sample, complete)
        head = sample.decode(encoding, errors=ERRORS)[:HEAD_CHARS]
        if not head.strip() and complete:
            raise ReadError("empty file", kind="empty")
        with io.TextIOWrapper(binary, encoding=encoding, errors=ERRORS) as stream:
            yield stream, head


def _decompressed(raw: BinaryIO) -> BinaryIO:
    magic = raw.read(len(GZIP_MAGIC))
    raw.seek(0)
    if magic == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def _mostly_utf8(text: str) -> bool:
    """More well-formed UTF-8 characters than stray bytes: UTF-8 with a few bad bytes."""
    stray = sum(1 for char in text if "\udc80" <= char <= "\udcff")
    return sum(1 for char in text if char > "\x7f") - stray > stray


def detect_encoding(sample: bytes, complete: bool = True) -> str:
    """The encoding of a file whose first bytes are `sample` (`complete`: the whole file)."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    text = sample.decode("utf-8", errors="surrogateescape")
    if not complete:
        text = text.rstrip(_ESCAPED_BYTES)  # a character cut in two by the sample's end
    if not _NON_UTF8_RUN.search(text) or _mostly_utf8(text):
        return "utf-8"
    from charset_normalizer import from_bytes  # only for files that are not UTF-8

    best = from_bytes(sample).best()
    return best.encoding if best is not None else "utf-8"
