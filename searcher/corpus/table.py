"""CSV and TSV with a header row: one article a row, columns named as in `records`.

Rows are read one at a time, so a file of any size is streamed. The delimiter is a tab for
`.tsv` files and for headers with more tabs than commas, else a comma. A row whose number of
fields differs from the header's is reported as `file:line` and skipped.

Rows are split here rather than by Python's `csv` module, whose fields are limited to
128 KB (past that it raises and reads on from inside the field, turning its lines into
rows): the same dialect (fields quoted with `"`, `""` a quote inside one, a quote inside an
unquoted field taken as it is, line breaks inside quotes kept), read in pieces of a line at
most `PIECE_CHARS` long. A row over `MAX_ARTICLE_CHARS` is read past without being kept and
reported as one problem; the rows after it are read as usual.

Cells are cleaned of the escapes the AG News data carries, harmless elsewhere: a backslash
(an escaped line break) becomes a space, entities that lost their `&` (`#36;` for `$`, `#39;`
for an apostrophe, `quot;`, `amp;`; the space AG News left in the `&`'s place goes with it)
and HTML entities (`&lt;`) are decoded. An article's id is the row's own `id` column, else
the row's number below the header: `ag_news/test.csv#1`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from searcher.corpus.base import (
    MAX_ARTICLE_CHARS,
    TOO_LARGE,
    Reader,
    ReadError,
    Source,
    extension,
    unescape_html,
)
from searcher.corpus.records import KEYS, article_from_record
from searcher.models import Article, Problem

NAME = "csv"
EXTENSIONS = (".csv", ".tsv", ".tab")
PIECE_CHARS = 64 * 1024
MAX_FIELDS = 100_000  # a row of more fields is read past like one over MAX_ARTICLE_CHARS
QUOTE = '"'
_QUOTED_RUN = re.compile(r'[^"]*(?:""[^"]*)*')  # a quoted field's text up to a lone quote
# An entity whose `&` AG News turned into a space (or dropped): numeric, or one of the
# names its text uses. The space, if any, is the lost `&`.
_LOST_AMPERSAND = re.compile(
    r"(?: |(?<!&))(#\d{1,7}|(?<![\w&])(?:quot|amp|lt|gt|apos|nbsp|hellip|mdash|ndash));"
)
_KNOWN = frozenset(name for names in KEYS.values() for name in names)


def sniff(head: str) -> bool:
    """A header line of known column names (title, description, ...) split by , or tab."""
    header = head.split("\n", 1)[0].strip()
    names = {name.strip().strip('"').lower() for name in re.split(r"[,\t]", header)}
    return len(names) > 1 and len(names & _KNOWN) >= 1 and all(len(n) < 40 for n in names)


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield an article for every well-formed row, a problem for every other one."""
    header = source.head.split("\n", 1)[0]
    tab = extension(source.path) in (".tsv", ".tab") or header.count("\t") > header.count(",")
    rows = _rows(source.stream, "\t" if tab else ",")
    header_row = next((row for row in rows if row.too_large or row.fields != [""]), None)
    if header_row is None:
        raise ReadError("CSV without a header row", kind="empty")
    if header_row.too_large:
        raise ReadError("CSV header row too large", kind="too-large")
    columns = header_row.fields
    number = 0
    for row in rows:
        if row.too_large:
            reason = f"row {TOO_LARGE} or {MAX_FIELDS} fields"
            yield Problem(source.path, reason, row.line, kind="too-large")
            continue
        if not any(cell.strip() for cell in row.fields):
            continue
        number += 1
        if len(row.fields) != len(columns):
            yield Problem(
                source.path,
                f"ragged row: {len(row.fields)} fields where the header has {len(columns)}",
                row.line,
                kind="bad-record",
            )
            continue
        record = {column: clean(cell) for column, cell in zip(columns, row.fields, strict=True)}
        yield article_from_record(record, source, number=number, line=row.line)


def clean(cell: str) -> str:
    """A cell without AG News escapes: `\\` as a space, `#36;`, ` quot;` and `&lt;` decoded."""
    cell = cell.replace("\\", " ")
    if ";" in cell:  # which ends every entity: spares the search for one
        cell = _LOST_AMPERSAND.sub(r"&\1;", cell)
    return unescape_html(cell)


@dataclass
class _Row:
    """One row: the line it starts on and its fields (none kept when it is too large)."""

    line: int
    fields: list[str] = field(default_factory=list)
    too_large: bool = False


class _Splitter:
    """Splits text into fields and rows, piece by piece, as the `csv` module would.

    `state` is where the last piece ended: at the start of a field, inside an unquoted
    field (or after a quoted one's closing quote), inside quotes, or just after a quote
    inside quotes (which the next character decides: `""` or the end of the quoting). The
    current field's text goes into `cell`; with `cell` None (a row too large to keep),
    only the end of the row is looked for.
    """

    START, FIELD, QUOTED, QUOTE_IN_QUOTED = range(4)

    def __init__(self, delimiter: str) -> None:
        self.state = self.START
        self.cell: list[str] | None = []
        self._delimiter = delimiter
        self._field_end = re.compile(f"[{re.escape(delimiter)}\n]")
        self._row_end_or_quote = re.compile(f'\n|{re.escape(delimiter)}"')

    def feed(self, piece: str) -> Iterator[bool]:
        """Split `piece` (a line or part of one): yield at the end of each field, True
        when it also ends the row (without `cell`, only then)."""
        position, end = 0, len(piece)
        while position < end:
            cell = self.cell
            if self.state == self.START:
                quoted = piece[position] == QUOTE
                self.state = self.QUOTED if quoted else self.FIELD
                position += quoted
            elif self.state == self.FIELD and cell is None:
                found = self._row_end_or_quote.search(piece, position)
                if found is None:
                    return
                position = found.end()
                self.state = self.START if found[0] == "\n" else self.QUOTED
                if found[0] == "\n":
                    yield True
            elif self.state == self.FIELD:
                found = self._field_end.search(piece, position)
                cell.append(piece[position : found.start() if found else end])  # type: ignore[union-attr]
                if found is None:
                    return
                self.state, position = self.START, found.end()
                yield found[0] == "\n"
            elif self.state == self.QUOTED:
                run = _QUOTED_RUN.match(piece, position)
                assert run is not None  # the pattern matches the empty string
                if cell is not None:
                    cell.append(run[0].replace('""', QUOTE))
                position = run.end()
                if position < end:  # a quote: it ends the quoting unless another follows
                    self.state, position = self.QUOTE_IN_QUOTED, position + 1
            else:
                char = piece[position]
                if char == QUOTE:
                    if cell is not None:
                        cell.append(QUOTE)
                    self.state, position = self.QUOTED, position + 1
                elif char in ("\n", self._delimiter):
                    self.state, position = self.START, position + 1
                    if char == "\n" or cell is not None:
                        yield char == "\n"
                else:  # text after the closing quote belongs to the field, as in `csv`
                    self.state = self.FIELD


def _rows(stream: TextIO, delimiter: str) -> Iterator[_Row]:
    """The rows of a CSV stream, read in pieces of at most `PIECE_CHARS`; a row of more
    than `MAX_ARTICLE_CHARS` or `MAX_FIELDS` comes back `too_large`, without its fields."""
    splitter = _Splitter(delimiter)
    line = 1  # the line the next piece is on
    row, size = _Row(line), 0
    while piece := stream.readline(PIECE_CHARS):
        size += len(piece)
        ended = False
        for row_ends in splitter.feed(piece):
            if splitter.cell is not None:
                row.fields.append("".join(splitter.cell))
                splitter.cell.clear()
            ended = row_ends
        line += piece.endswith("\n")
        if ended:
            yield row
            row, size, splitter.cell = _Row(line), 0, []
        elif splitter.cell is not None and (
            size > MAX_ARTICLE_CHARS or len(row.fields) > MAX_FIELDS
        ):
            row.too_large, row.fields, splitter.cell = True, [], None
    if splitter.state != splitter.START or row.fields or splitter.cell:
        if splitter.cell is not None:
            row.fields.append("".join(splitter.cell))
        yield row


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
