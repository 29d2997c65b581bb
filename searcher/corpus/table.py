"""CSV and TSV with a header row: one article a row, columns named as in `records`.

Rows are read one at a time, so a file of any size is streamed. The delimiter is a tab for
`.tsv` files and for headers with more tabs than commas, else a comma. A row whose number of
fields differs from the header's is reported as `file:line` and skipped.

Cells are cleaned of the escapes the AG News data carries, harmless elsewhere: a backslash
(an escaped line break) becomes a space, numeric entities that lost their `&` (`#36;` for
`$`, `#39;` for an apostrophe) and HTML entities (`&lt;`) are decoded. An article's id is
the row's own `id` column, else the row's number below the header: `ag_news/test.csv#1`.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator

from searcher.corpus.base import Reader, ReadError, Source, extension
from searcher.corpus.records import KEYS, article_from_record
from searcher.models import Article, Problem

NAME = "csv"
EXTENSIONS = (".csv", ".tsv", ".tab")
_BARE_ENTITY = re.compile(r"(?<!&)#(\d{2,7});")
_KNOWN = frozenset(name for names in KEYS.values() for name in names)


def sniff(head: str) -> bool:
    """A header line of known column names (title, description, ...) split by , or tab."""
    header = head.split("\n", 1)[0].strip()
    names = {name.strip().strip('"').lower() for name in re.split(r"[,\t]", header)}
    return len(names) > 1 and len(names & _KNOWN) >= 1 and all(len(n) < 40 for n in names)


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield an article for every well-formed row, a problem for every ragged one."""
    header = source.head.split("\n", 1)[0]
    tab = extension(source.path) in (".tsv", ".tab") or header.count("\t") > header.count(",")
    rows = csv.reader(source.stream, delimiter="\t" if tab else ",")
    try:
        columns = next(rows)
    except csv.Error as error:
        raise ReadError(f"bad CSV header: {error}", kind="bad-format") from error
    except StopIteration:
        raise ReadError("CSV without a header row", kind="empty") from None
    number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as error:
            yield Problem(source.path, f"bad CSV row: {error}", rows.line_num, kind="bad-record")
            continue
        if not any(cell.strip() for cell in row):
            continue
        number += 1
        if len(row) != len(columns):
            yield Problem(
                source.path,
                f"ragged row: {len(row)} fields where the header has {len(columns)}",
                rows.line_num,
                kind="bad-record",
            )
            continue
        record = {column: clean(cell) for column, cell in zip(columns, row, strict=True)}
        yield article_from_record(
            record, file_id=source.id, path=source.path, number=number, fields=source.fields
        )


def clean(cell: str) -> str:
    """A cell without AG News escapes: `\\` as a space, `#36;` and `&lt;` decoded."""
    return html.unescape(_BARE_ENTITY.sub(r"&#\1;", cell.replace("\\", " ")))


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
