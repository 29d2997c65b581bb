"""Parsing: user text as Whoosh queries.

- `parse_query()`: the query over the weighted fields, as a strict form (every term
  required) and, for a plain multi-word query, a loose form (any term), once
  `syntax` has refused what Whoosh's forgiving parser would misread or run long. A
  metadata key the index holds names a field too (`topics:crude`, see `MetadataPlugin`).
- `parse_field_query()`: user text against one field (quote search).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any, cast

from whoosh import qparser, query
from whoosh.qparser import syntax

from searcher.query.questions import read_query
from searcher.query.spelling import VARIANT_PREFIX, respell_variants
from searcher.query.syntax import (
    Boosts,
    FuzzyTerms,
    MoreFields,
    PlusMinus,
    QueryChecks,
    check_syntax,
)
from searcher.store.schema import (
    FIELD_ALIASES,
    FIELD_WEIGHTS,
    METADATA_FIELD,
    has_metadata_key,
    metadata_keys,
    metadata_term,
)

# "troops?" or "now!": sentence punctuation at the end of a word, not a wildcard.
_TRAILING_PUNCTUATION = re.compile(r"(?<=\w)[?!.,;]+(?=[\s)]|$)")
# A user's own AND asks for every term: no relaxed tier then.
_EXPLICIT_AND = re.compile(r"\bAND\b")
# "-word" excludes at the start of a word only, so "pre-war" stays one phrase.
_MINUS = r"(?<![^\s(])-(?=[^\s-])"


def _parser(schema: Any, reader: Any = None) -> qparser.QueryParser:
    parser = qparser.MultifieldParser(
        list(FIELD_WEIGHTS), schema, fieldboosts=FIELD_WEIGHTS, group=qparser.AndGroup
    )
    if reader is None:
        return _with_plugins(parser)
    keys = _MetadataKeys(schema, reader)
    parser.add_plugin(MetadataPlugin(keys))
    return _with_plugins(parser, keys)


class MetadataPlugin(qparser.PseudoFieldPlugin):
    """Reads `key:value` as the metadata keyword `key=value` when `key` is a metadata key
    of the index (and no field): `topics:crude`, `places:"west-germany"`, `label:(1 OR 2)`,
    `topics:crude*`."""

    def __init__(self, keys: _MetadataKeys) -> None:
        super().__init__(keys)


class _MetadataKeys:
    """The pseudo-fields of `MetadataPlugin` (which only asks `in` and `[]`): every
    metadata key of the index, looked up when a query names it."""

    def __init__(self, schema: Any, reader: Any) -> None:
        self._schema = schema
        self._reader = reader

    def __contains__(self, name: object) -> bool:
        return (
            isinstance(name, str)
            and name not in self._schema
            and has_metadata_key(self._reader, name)
        )

    def __getitem__(self, name: str) -> Any:
        return partial(_metadata_node, name)

    def __iter__(self) -> Iterator[str]:
        return iter(metadata_keys(self._reader))


def _metadata_node(key: str, node: Any) -> Any:
    """`node` (a word, phrase, wildcard or group) as metadata keywords of `key`."""
    if isinstance(node, syntax.GroupNode):
        for child in node:
            _metadata_node(key, child)
    elif node.has_text:
        node.text = metadata_term(key, node.text)
    node.set_fieldname(METADATA_FIELD, override=True)
    return node


def _with_plugins(parser: qparser.QueryParser, metadata: MoreFields = ()) -> qparser.QueryParser:
    parser.remove_plugin_class(qparser.BoostPlugin)
    parser.add_plugins(
        [
            Boosts(),
            FuzzyTerms(),
            qparser.GtLtPlugin(),
            qparser.FieldAliasPlugin(FIELD_ALIASES),
            PlusMinus(plusexpr=r"(?<![^\s(])\+(?=\S)", minusexpr=_MINUS),
            QueryChecks(metadata),
        ]
    )
    return parser


def parse_field_query(text: str, schema: Any, field: str) -> query.Query:
    """Parse user text against one field, any of its words matching (for quote search)."""
    check_syntax(text)
    parser = _with_plugins(qparser.QueryParser(field, schema, group=qparser.OrGroup))
    return _parse(_without_trailing_punctuation(text), schema, parser)


def _without_trailing_punctuation(text: str) -> str:
    """`text` with spaces for the punctuation ending its words, so that positions in it
    are positions in `text`."""
    return _TRAILING_PUNCTUATION.sub(lambda found: " " * len(found.group()), text)


def _parse(
    text: str, schema: Any, parser: qparser.QueryParser | None = None, reader: Any = None
) -> query.Query:
    parser = parser or _parser(schema, reader)
    tree = respell_variants(parser.process(text))
    return cast(query.Query, tree.query(parser) or query.NullQuery).normalize()


def parse_query(
    text: str, schema: Any, reader: Any = None
) -> tuple[query.Query, query.Query | None]:
    """Parse user text, as `questions.read_query` reads it, into (strict, loose)
    queries; loose is None when there is no plain multi-term form to relax. With the
    index's `reader`, its metadata keys are fields too. A question's speaker scores in
    both, matching in neither."""
    reading = read_query(text)
    check_syntax(reading.text)
    strict = _parse(_without_trailing_punctuation(reading.text), schema, reader=reader)
    loose = None if _EXPLICIT_AND.search(reading.text) else _relaxed(strict)
    said = reading.speaker_query()
    if said is not None:
        strict = query.AndMaybe(strict, said)
        loose = loose and query.AndMaybe(loose, said)
    return strict, loose


def _relaxed(strict: query.Query) -> query.Query | None:
    """Any of the plain words instead of all of them; field clauses (`date:2022`,
    `source:reuters`) and exclusions still apply. None with fewer than two plain words."""
    positive, excluded = strict, []
    if isinstance(strict, query.AndNot):
        positive, excluded = strict.a, [strict.b]
    if not isinstance(positive, query.And):
        return None
    required = [q for q in positive.subqueries if not isinstance(q, query.Not)]
    excluded += [q.query for q in positive.subqueries if isinstance(q, query.Not)]
    plain = [q for q in required if _is_plain(q)]
    if len(plain) < 2:
        return None
    fielded = [q for q in required if not _is_plain(q)]
    loose: query.Query = query.And([query.Or(plain), *fielded]) if fielded else query.Or(plain)
    if excluded:
        loose = query.AndNot(loose, query.Or(excluded))
    return loose


def plain_words(strict: query.Query) -> int:
    """How many plain words (or phrases) the strict form of a query requires."""
    positive = strict
    while isinstance(positive, (query.AndNot, query.AndMaybe)):
        positive = positive.a
    return sum(1 for q in getattr(positive, "subqueries", ()) if _is_plain(q))


def _is_plain(q: query.Query) -> bool:
    """True for a word or phrase the user gave no field for (searched in every field)."""
    if not isinstance(q, query.Or):
        return False
    fields = {(sub.field() or "").removeprefix(VARIANT_PREFIX) for sub in q.subqueries}
    return fields == set(FIELD_WEIGHTS)
