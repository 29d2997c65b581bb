"""JSON files: an array of article objects, or one object (or several, one after another).

An object with no article text of its own that holds a list of objects, such as a news
API's `{"status": "ok", "articles": [...]}`, is a wrapper: each object in the list is an
article (read whole, so a wrapper is limited to the `MAX_ARTICLE_CHARS` of one JSON value).

The file is decoded value by value from a bounded buffer, so a large array is streamed. An
element that is not an object is reported and skipped. Where the JSON breaks (a file cut off
halfway, a syntax error), the articles before are kept and the rest of the file is reported
with its line. An article's id is the record's own `id`, else its position: `feed.json#3`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from searcher.corpus.base import MAX_ARTICLE_CHARS, TOO_LARGE, Reader, ReadError, Source
from searcher.corpus.records import JSON, KEYS, article_from_record
from searcher.models import Article, Problem

NAME = "json"
EXTENSIONS = (".json",)
CHUNK_CHARS = 64 * 1024
_WHITESPACE = " \t\n\r"
_NOT_WHITESPACE = re.compile(r"[^ \t\n\r]")


def sniff(head: str) -> bool:
    """An array of objects, or an object, at the start."""
    start = head.lstrip(_WHITESPACE + "\ufeff")
    return start.startswith("{") or (start.startswith("[") and start[1:].lstrip().startswith("{"))


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield an article for every object in the file, a problem for every other value."""
    wrapped = 0  # articles read from wrapper objects so far: they are numbered in turn
    for number, line, value in _Values(source.stream):
        records = _wrapped_records(value, source.fields) if isinstance(value, dict) else None
        if records is not None:
            for record in records:
                wrapped += 1
                yield article_from_record(record, source, number=wrapped, line=line)
        elif isinstance(value, dict):
            yield article_from_record(value, source, number=number, line=line)
        else:
            kind = type(value).__name__
            yield Problem(
                source.path, f"a JSON {kind}, not an object", line=line, kind="bad-record"
            )


def _wrapped_records(value: dict[str, Any], fields: Mapping[str, str]) -> list[Any] | None:
    """The objects of the first list of objects in `value` when `value` is a wrapper (it has
    no headline or body of its own), else None."""
    text_keys = {
        key.lower()
        for field in ("headline", "body")
        for key in ((fields[field],) if field in fields else KEYS[field])
    }
    if any(str(key).lower() in text_keys and item for key, item in value.items()):
        return None
    for item in value.values():
        if isinstance(item, list) and item and all(isinstance(x, dict) for x in item):
            return item
    return None


class _Values:
    """The values of a JSON file, one at a time, with their position and line.

    The top-level array's elements, or each top-level value when the file is not an array.
    `ReadError` where the JSON is broken or cut off.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._buffer = ""
        self._pos = 0
        self._line = 1  # the line at `_pos`
        self._eof = False

    def __iter__(self) -> Iterator[tuple[int, int, Any]]:
        if self._peek() == "[":
            self._advance(1)
            yield from self._array()
        else:
            number = 0
            while self._peek():
                number += 1
                yield number, self._line, self._value()
        if self._peek():
            raise self._error("extra data after the JSON array")

    def _array(self) -> Iterator[tuple[int, int, Any]]:
        if self._peek() == "]":
            self._advance(1)
            return
        number = 0
        while True:
            number += 1
            self._peek()
            yield number, self._line, self._value()
            separator = self._peek()
            if separator == "]":
                self._advance(1)
                return
            if separator != ",":
                cut = not separator
                raise self._error("expected ',' or ']' after an array element", cut=cut)
            self._advance(1)

    def _value(self) -> Any:
        self._peek()
        last: tuple[int, str] | None = None
        while True:
            try:
                value, end = JSON.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as error:
                # More text may complete the value; the same error again after reading
                # more means the JSON is wrong (an unterminated string stays open).
                here = (error.pos - self._pos, error.msg)
                cut = error.msg.startswith("Unterminated") or error.pos >= len(self._buffer)
                if self._eof or (here == last and not cut):
                    raise self._error(f"bad JSON: {error.msg}", at=error.pos, cut=cut) from None
                last = here
            except RecursionError:
                raise self._error("JSON nested too deeply") from None
            else:
                if end < len(self._buffer) or self._eof:
                    self._advance(end - self._pos)
                    return value
            if len(self._buffer) - self._pos > MAX_ARTICLE_CHARS:
                raise self._error(f"a JSON value {TOO_LARGE}", kind="too-large")
            self._fill(max(CHUNK_CHARS, len(self._buffer) - self._pos))

    def _peek(self) -> str:
        """The next character that is not white space ("" at the end), skipping to it."""
        while True:
            found = _NOT_WHITESPACE.search(self._buffer, self._pos)
            self._advance((found.start() if found else len(self._buffer)) - self._pos)
            if found or self._eof:
                return self._buffer[self._pos : self._pos + 1]
            self._fill(CHUNK_CHARS)

    def _advance(self, count: int) -> None:
        self._line += self._buffer.count("\n", self._pos, self._pos + count)
        self._pos += count

    def _fill(self, size: int) -> None:
        chunk = self._stream.read(size)
        self._eof = not chunk
        self._buffer = self._buffer[self._pos :] + chunk
        self._pos = 0

    def _error(
        self, message: str, *, at: int | None = None, cut: bool = False, kind: str = "bad-json"
    ) -> ReadError:
        """Where the JSON breaks; `cut`: the file ended inside a value (cut off halfway)."""
        line = self._line + (self._buffer.count("\n", self._pos, at) if at is not None else 0)
        if cut and self._eof:
            return ReadError(f"JSON cut off at line {line}; the rest is lost", kind="truncated")
        return ReadError(f"{message} at line {line}; the rest is lost", kind=kind)


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
