"""Spelling: fuzzy and wildcard terms over stemmed fields, and did-you-mean suggestions.

Each article also indexes its distinct unstemmed words (`schema.WORDS_FIELD`, from the
headline, body and captions; quotes are part of the body). Matching a fuzzy
(`kazakstan~`) or wildcard (`protest*`) term against stems would miss or mangle words, so:

- `respell_variants()` keeps the parser from stemming fuzzy and wildcard terms on the
  prose fields (and marks them with `VARIANT_PREFIX`), and `expand_variants()` replaces
  each by the stems of the words it matches in the word list, in its own field:
  `protestrs~` finds "protesters", whose stem "protest" then finds protests, protested
  and protesters.
- `suggest()` proposes a corrected query: each word the index does not know (or, when the
  query found nothing, a word with a far more common close neighbour) is replaced by its
  most frequent neighbour within two edits.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from whoosh import query
from whoosh.qparser import FuzzyTermPlugin, PrefixPlugin, WildcardPlugin

from searcher.analysis import STOP_WORDS, fold, name_analyzer, stem
from searcher.schema import FIELD_WEIGHTS, WORDS_FIELD

MAX_VARIANTS = 64  # the most frequent words a fuzzy or wildcard term expands to
MIN_WORD = 3  # shorter words are never corrected
COMMONER = 10  # a known word is corrected (when nothing matched) only to a word this much commoner

_VARIANT_NODES = (
    FuzzyTermPlugin.FuzzyTermNode,
    PrefixPlugin.PrefixNode,
    WildcardPlugin.WildcardNode,
)
# Marks a fuzzy or wildcard query on unstemmed text: "variant:body" for the body field.
# It names no schema field, so the parser passes the term through unanalysed.
VARIANT_PREFIX = "variant:"
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_SYNTAX_AFTER = re.compile(r"[:*?~]")


def respell_variants(node: Any) -> Any:
    """Mark the fuzzy and wildcard nodes on prose fields of a parsed syntax tree, with
    their words folded and lowercased as the word list holds them, but not stemmed."""
    for child in getattr(node, "nodes", ()):
        respell_variants(child)
    if getattr(node, "node", None) is not None:
        respell_variants(node.node)
    if isinstance(node, _VARIANT_NODES) and node.fieldname in FIELD_WEIGHTS:
        node.fieldname = VARIANT_PREFIX + node.fieldname
        node.text = fold(node.text)
    return node


def expand_variants(q: query.Query, reader: Any) -> query.Query:
    """Replace the marked fuzzy and wildcard queries by the stems of the words they match."""
    if isinstance(q, query.MultiTerm) and (q.field() or "").startswith(VARIANT_PREFIX):
        return _expand(q, reader)
    if q.is_leaf():
        return q
    return q.apply(lambda child: expand_variants(child, reader))


def _expand(q: query.MultiTerm, reader: Any) -> query.Query:
    field = (q.field() or "")[len(VARIANT_PREFIX) :]
    lookup = copy.copy(q)
    lookup.fieldname = WORDS_FIELD  # type: ignore[attr-defined]
    words = sorted(
        (_as_text(text) for _, text in lookup.expanded_terms(reader)),
        key=lambda text: -reader.doc_frequency(WORDS_FIELD, text),
    )[:MAX_VARIANTS]
    stems = dict.fromkeys(stem(word) for word in words)
    terms = [
        query.Term(field, s, boost=getattr(q, "boost", 1.0)) for s in stems if (field, s) in reader
    ]
    if not terms:
        return query.NullQuery
    return terms[0] if len(terms) == 1 else query.Or(terms)


def _as_text(term: str | bytes) -> str:
    # Whoosh yields wildcard expansions as bytes and fuzzy ones as str.
    return term.decode() if isinstance(term, bytes) else term


def _frequency(reader: Any, word: str) -> int:
    return int(reader.doc_frequency(WORDS_FIELD, word))


def _neighbour(reader: Any, word: str) -> tuple[str, int] | None:
    """The most frequent indexed word within one edit of `word`, else within two."""
    for distance in (1, 2):
        found = set(reader.terms_within(WORDS_FIELD, word, distance)) - {word}
        if found:
            best = max(sorted(found), key=lambda other: _frequency(reader, other))
            return best, _frequency(reader, best)
    return None


def suggest(reader: Any, text: str, matched: bool) -> str | None:
    """A corrected form of the query `text`, or None when no word needs correcting."""
    corrected = text
    # Whoosh reuses one Token object: copy each token's values before the next.
    tokens = [(t.text, t.startchar, t.endchar) for t in name_analyzer()(text, chars=True)]
    for word, start, end in reversed(tokens):
        original = text[start:end]
        if (
            original in _OPERATORS
            or _SYNTAX_AFTER.match(text[end : end + 1])
            or text[start - 1 : start] == ":"
            or len(word) < MIN_WORD
            or word in STOP_WORDS
            or not word.isalpha()
        ):
            continue
        known = _frequency(reader, word)
        if known and matched:
            continue
        neighbour = _neighbour(reader, word)
        if neighbour is None or neighbour[1] < max(1, known * COMMONER):
            continue
        replacement = neighbour[0].capitalize() if original[:1].isupper() else neighbour[0]
        corrected = corrected[:start] + replacement + corrected[end:]
    return corrected if corrected != text else None
