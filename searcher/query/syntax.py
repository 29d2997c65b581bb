"""Query checks: what the parser refuses, and the bounds on what could run long.

Whoosh's query parser is forgiving: it reads almost any text as some query, which may
match nothing, match everything, crash, or run for minutes. So before a query runs:

- `check_syntax()` refuses, on the text alone, an empty or overlong query
  (`MAX_QUERY_CHARS`, `MAX_QUERY_WORDS`, `MAX_WORD_CHARS`), a lone surrogate (what
  undecodable bytes of a command line become), brackets nested deeper than `MAX_DEPTH`,
  unbalanced quotes or brackets, and an operator with nothing to join.
- `QueryChecks`, a parser plugin, refuses what the parsed syntax would misread or run
  long: a field name outside `schema.QUERY_FIELDS`, a comparison (`>`) without a field, a
  range on anything but `date:`, a fuzzy term of more than `MAX_EDITS` edits, a wildcard
  with fewer than `MIN_WILDCARD_PREFIX` characters before it, more than
  `MAX_VARIANT_TERMS` fuzzy and wildcard terms, a boost of 0. It reads the values of
  `date:` as the date filters read theirs (`filters.date_period`, `filters.date_range`),
  refusing what is not a date and a range that ends before it starts.

Each refusal is a `QuerySyntaxError` naming the problem, its position and what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from whoosh import qparser, query
from whoosh.qparser import syntax
from whoosh.qparser.common import attach
from whoosh.util.text import rcompile

from searcher.errors import FilterError, QuerySyntaxError
from searcher.query.filters import DATE_HINT, date_period, date_range, parse_date_bound
from searcher.store.analysis import TOKEN_PATTERN
from searcher.store.schema import QUERY_FIELDS

MAX_QUERY_CHARS = 2_000
MAX_QUERY_WORDS = 100  # words besides the operators
MAX_WORD_CHARS = 64
MAX_DEPTH = 10  # brackets inside brackets
MAX_EDITS = 2  # of a fuzzy term: oil~2
MIN_WILDCARD_PREFIX = 2  # characters before the first wildcard: pr*, not p*
MAX_VARIANT_TERMS = 3  # fuzzy and wildcard terms in one query

OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE")
_BINARY = ("AND", "OR", "ANDNOT", "ANDMAYBE", "REQUIRE")
_WORD = re.compile(r'"[^"]*"|[()]|[^\s()"]+')
_TOKEN = re.compile(TOKEN_PATTERN)
_WILDCARDS = re.compile(f"[*\\[{qparser.WildcardPlugin.qmarks}]")
# Half of a UTF-16 pair: what undecodable bytes of a command line become in Python.
_SURROGATE = re.compile("[\ud800-\udfff]")

_SHORTER = "Shorten the query: search for its most telling words."
_FEWER_VARIANTS = "Spell out some of the words, or search for their common stem."


class MoreFields(Protocol):
    """Field names a query may use besides `QUERY_FIELDS` (an index's metadata keys)."""

    def __contains__(self, name: object) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...


def field_names(more: Iterable[str] = ()) -> str:
    """The fields a query may name, with their other names: "quotes (quote), …"."""
    return ", ".join(
        [
            *(
                f"{field} ({', '.join(others)})" if others else field
                for field, others in QUERY_FIELDS.items()
            ),
            *more,
        ]
    )


def check_syntax(text: str) -> None:
    """Raise `QuerySyntaxError` for an empty or overlong query, brackets nested too
    deep, unbalanced quotes or brackets, or an operator with nothing to join."""
    if not text.strip():
        raise QuerySyntaxError("Empty query", 0, hint="Give words to look for: oil prices")
    if len(text) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            f"The query is longer than {MAX_QUERY_CHARS:,} characters", MAX_QUERY_CHARS, _SHORTER
        )
    if surrogate := _SURROGATE.search(text):
        raise QuerySyntaxError(
            "A character that is not text (a lone surrogate)",
            surrogate.start(),
            "Type the query as UTF-8 text.",
        )
    depth_starts: list[int] = []
    quote_at = -1
    for i, char in enumerate(text):
        if char == '"':
            quote_at = -1 if quote_at >= 0 else i
        elif quote_at < 0 and char == "(":
            depth_starts.append(i)
            if len(depth_starts) > MAX_DEPTH:
                raise QuerySyntaxError(
                    f"Brackets nested more than {MAX_DEPTH} deep", i, "Use fewer brackets."
                )
        elif quote_at < 0 and char == ")":
            if not depth_starts:
                raise QuerySyntaxError("Closing bracket without an opening one", i)
            depth_starts.pop()
    if quote_at >= 0:
        raise QuerySyntaxError("Unclosed double quote", quote_at)
    if depth_starts:
        raise QuerySyntaxError("Unclosed bracket", depth_starts[-1])
    _check_operators(text)
    _check_words(text)


def as_text(text: str) -> str:
    """`text` read as words, not as syntax, the way evaluation tools read a topic: its
    words with operator words in lower case ("AND" is the word *and*), brackets, quotes,
    fields and wildcards left out, and no more than the bounds allow."""
    words = [
        word.lower() if word in OPERATORS else word[:MAX_WORD_CHARS]
        for word in _TOKEN.findall(text)
    ]
    return " ".join(words[:MAX_QUERY_WORDS])


def _check_operators(text: str) -> None:
    previous = None  # None at the start of the query or of a group
    for match in _WORD.finditer(text):
        word = match.group()
        if word in _BINARY and previous in (None, "(", *OPERATORS):
            raise QuerySyntaxError(f"{word} has nothing before it", match.start())
        if word == ")" and previous in OPERATORS:
            raise QuerySyntaxError(f"{previous} has nothing after it", match.start())
        previous = word
    if previous in OPERATORS:
        last = list(_WORD.finditer(text))[-1]
        raise QuerySyntaxError(f"{previous} has nothing after it", last.start())


def _check_words(text: str) -> None:
    words = 0
    for match in _TOKEN.finditer(text):
        if len(match.group()) > MAX_WORD_CHARS:
            raise QuerySyntaxError(
                f"A word longer than {MAX_WORD_CHARS} characters", match.start(), _SHORTER
            )
        words += match.group() not in OPERATORS
        if words > MAX_QUERY_WORDS:
            raise QuerySyntaxError(
                f"The query has more than {MAX_QUERY_WORDS} words", match.start(), _SHORTER
            )


class FuzzyTerms(qparser.FuzzyTermPlugin):
    """Whoosh's fuzzy terms, reading every digit of the distance: `oil~10` is ten edits
    (Whoosh reads one digit, and `oil~1` then the word `0`)."""

    expr = rcompile(r"(?<=\S)~(?P<maxdist>[0-9]+)?(/(?P<prefix>[1-9][0-9]*))?")


class Boosts(qparser.BoostPlugin):
    """Whoosh's `troops^3` and `(oil gas)^2`, the boost carried down to the terms. Whoosh
    leaves it on the group it makes of a word's fields, where the regrouping of `+`/`-`
    drops it and an `OR` after it spreads it over the next word."""

    def do_boost(self, parser: Any, group: syntax.GroupNode) -> syntax.GroupNode:
        return _boost_down(super().do_boost(parser, group))


def _boost_down(group: syntax.GroupNode, boost: float = 1.0) -> syntax.GroupNode:
    """`group` with its boost and its groups' multiplied into the boosts of the nodes
    inside them (the groups left at 1)."""
    boost *= group.boost
    group.set_boost(1.0)
    for node in group:
        if isinstance(node, syntax.GroupNode):
            _boost_down(node, boost)
        elif node.has_boost:
            node.set_boost(node.boost * boost)
    return group


class PlusMinus(qparser.PlusMinusPlugin):
    """Whoosh's `+word` (required) and `-word` (excluded), inside brackets too: Whoosh
    reads them in the outermost group only, and fails on them in a bracket."""

    def do_plusminus(self, parser: Any, group: syntax.GroupNode) -> syntax.GroupNode:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.do_plusminus(parser, node)
        return super().do_plusminus(parser, group)


class QueryChecks(qparser.Plugin):
    """Refuses what the parsed query would misread or run long, and reads `date:`
    values; see the module docstring. Add it to a parser with the plugins it checks;
    `more_fields` are field names it takes besides `QUERY_FIELDS`."""

    def __init__(self, more_fields: MoreFields = ()) -> None:
        self.more_fields = more_fields

    def filters(self, parser: Any) -> list[tuple[Any, int]]:
        # Field names before Whoosh turns unknown ones into words (100) and reads `>`
        # (99); dates once every node has its field, before the fields are multiplied (110).
        return [(self._refuse, 95), (self._read_dates, 105)]

    def _refuse(self, parser: Any, group: syntax.GroupNode) -> syntax.GroupNode:
        variants = 0
        for previous, node, following in _triples(group):
            if isinstance(node, syntax.FieldnameNode):
                _check_field(parser.schema, self.more_fields, previous, node, following)
            elif isinstance(node, qparser.GtLtPlugin.GtLtNode):
                if not isinstance(previous, syntax.FieldnameNode) or not _is_value(following):
                    raise QuerySyntaxError(
                        f"{node.rel} compares a field with a value", _at(node), "E.g. date:>2022-07"
                    )
            elif isinstance(node, qparser.BoostPlugin.BoostNode) and node.boost <= 0:
                raise QuerySyntaxError("A boost must be above 0", _at(node), "E.g. oil^2")
            elif isinstance(node, qparser.FuzzyTermPlugin.FuzzyTermNode):
                if node.maxdist > MAX_EDITS:
                    raise QuerySyntaxError(
                        f"A fuzzy term allows at most {MAX_EDITS} edits, not {node.maxdist}",
                        _at(node),
                        f"E.g. {node.text}~{MAX_EDITS}",
                    )
                if node.prefixlength > len(node.text):
                    raise QuerySyntaxError(
                        f"A fuzzy term's fixed prefix ({node.prefixlength}) is longer than it",
                        _at(node),
                        "E.g. goverment~2/3: two edits after the first three letters",
                    )
                variants += 1
            elif _is_wildcard(node):
                if len(_WILDCARDS.split(node.text, maxsplit=1)[0]) < MIN_WILDCARD_PREFIX:
                    raise QuerySyntaxError(
                        f"A wildcard needs {MIN_WILDCARD_PREFIX} characters before it",
                        _at(node),
                        "E.g. protest* or kaz?khstan",
                    )
                variants += 1
            if variants > MAX_VARIANT_TERMS:
                raise QuerySyntaxError(
                    f"More than {MAX_VARIANT_TERMS} fuzzy and wildcard terms",
                    _at(node),
                    _FEWER_VARIANTS,
                )
        return group

    def _read_dates(self, parser: Any, group: syntax.GroupNode) -> syntax.GroupNode:
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                self._read_dates(parser, node)
            elif isinstance(node, syntax.RangeNode) and node.fieldname != "date":
                raise QuerySyntaxError(
                    "Ranges are for dates only", _at(node), "E.g. date:[2022-01 to 2022-06]"
                )
            elif getattr(node, "fieldname", None) == "date":
                group[i] = _date_node(node)
        return group


def _triples(group: syntax.GroupNode) -> Iterator[tuple[Any, Any, Any]]:
    """(previous, node, following) for every node of `group` and of the groups in it,
    with None where a group starts or ends."""
    nodes = list(group)
    for i, node in enumerate(nodes):
        if isinstance(node, syntax.GroupNode):
            yield from _triples(node)
        else:
            previous = nodes[i - 1] if i else None
            following = nodes[i + 1] if i + 1 < len(nodes) else None
            yield previous, node, following


def _check_field(
    schema: Any, more: MoreFields, previous: Any, node: syntax.FieldnameNode, following: Any
) -> None:
    """Refuse a field name that is not one of `QUERY_FIELDS` (or their other names) where
    Whoosh would read it as one: before a value; inside a word (`x-url:y`) or as a number
    (`10:30`) only when it names a field of the index."""
    known = {name for field, others in QUERY_FIELDS.items() for name in (field, *others)}
    name = node.fieldname
    if name in known or name in more or not _is_value(following):
        return
    inside_word = isinstance(previous, syntax.WordNode) and previous.endchar == node.startchar
    if name not in schema and (inside_word or name.isdigit()):
        return
    raise QuerySyntaxError(
        f"No field {name!r} to search",
        _at(node),
        f"Fields: {field_names(more)}. Put words with a colon in double quotes.",
    )


def _is_value(node: Any) -> bool:
    return node is not None and not node.is_ws()


def _is_wildcard(node: Any) -> bool:
    return isinstance(node, (qparser.WildcardPlugin.WildcardNode, qparser.PrefixPlugin.PrefixNode))


def _at(node: Any) -> int:
    return int(getattr(node, "startchar", None) or 0)


class _DateNode(syntax.SyntaxNode):
    """A `date:` clause read: its date range query. It takes a boost (`date:2022^2`),
    which weighs nothing: a date only filters."""

    has_fieldname = True
    has_boost = True

    def __init__(self, dates: query.Query, where: Any) -> None:
        self.fieldname = "date"
        self.boost = 1.0
        self.dates = dates
        self.startchar, self.endchar = where.startchar, where.endchar

    def r(self) -> str:
        return repr(self.dates)

    def query(self, parser: Any) -> query.Query:
        return attach(self.dates, self)


def _date_node(node: Any) -> _DateNode:
    """The dates `date:2022`, `date:>2022-07` or `date:[2022-01 to 2022-06]` mean."""
    try:
        if isinstance(node, syntax.RangeNode):
            if node.start is None and node.end is None:
                raise FilterError("A date range needs a start or an end", DATE_HINT)
            since = None if node.start is None else parse_date_bound(node.start)
            until = None if node.end is None else parse_date_bound(node.end, end=True)
        elif isinstance(node, syntax.WordNode):
            since, until = date_period(node.text)
        else:
            raise FilterError("date: takes a date or a range of dates", DATE_HINT)
        return _DateNode(date_range(since, until), node)
    except FilterError as error:
        raise QuerySyntaxError(str(error), _at(node), error.hint) from None
