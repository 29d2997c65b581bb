"""Turn a file's bytes into text: the one place that knows about encodings.

UTF-8 first (a byte-order mark is dropped), then cp1252, then latin-1, which accepts any
byte. Files with NUL bytes near the start are binary; files with nothing but whitespace are
empty. Both are refused with a `ReadError`, as are files the operating system will not read.
"""

from __future__ import annotations

from pathlib import Path

from searcher.corpus.base import ReadError

BINARY_PROBE_BYTES = 8192
FALLBACK_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def load_text(path: Path) -> str:
    """Read and decode one file, or raise `ReadError` saying why it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ReadError(f"cannot read file: {error.strerror or error}") from error
    return decode(data)


def decode(data: bytes) -> str:
    """Decode `data` as text; raise `ReadError` for binary or empty content."""
    if b"\x00" in data[:BINARY_PROBE_BYTES]:
        raise ReadError("binary file, not text")
    text = _decode_first(data)
    if not text.strip():
        raise ReadError("empty file")
    return text


def _decode_first(data: bytes) -> str:
    for encoding in FALLBACK_ENCODINGS[:-1]:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode(FALLBACK_ENCODINGS[-1])
