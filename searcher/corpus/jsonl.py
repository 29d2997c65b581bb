"""JSON Lines: one JSON object a line, each an article (keys as in `records`).

Read line by line, so a file of any size is streamed. A line that is not a JSON object is
reported as `file:line` and the good lines around it are read. An article's id is the
record's own `id`, else its line number: `news/feed.jsonl#12`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from searcher.corpus.base import Reader, Source, numbered_lines
from searcher.corpus.records import JSON, article_from_record
from searcher.models import Article, Problem

NAME = "jsonl"
EXTENSIONS = (".jsonl", ".ndjson", ".jsonlines")


def sniff(head: str) -> bool:
    """Two or more lines that each start a JSON object, the first one whole."""
    lines = [line.strip() for line in head.splitlines() if line.strip()]
    if len(lines) < 2 or not all(line.startswith("{") for line in lines[:2]):
        return False
    try:
        return isinstance(json.loads(lines[0]), dict)
    except ValueError:
        return False


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield an article for every line holding a JSON object, a problem for any other."""
    for number, line in numbered_lines(source.stream):
        if not line.strip():
            continue
        try:
            record = JSON.decode(line)
        except (ValueError, RecursionError) as error:
            yield Problem(source.path, f"bad JSON: {error}", line=number, kind="bad-record")
            continue
        if not isinstance(record, dict):
            kind = type(record).__name__
            yield Problem(
                source.path, f"a JSON {kind}, not an object", line=number, kind="bad-record"
            )
            continue
        yield article_from_record(record, source, number=number, line=number)


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
