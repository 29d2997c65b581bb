"""Spelling: fuzzy and wildcard terms over stemmed fields, and did-you-mean suggestions.

The word list is the index's vocabulary (`stemtable.Vocabulary`, active inside
`stemtable.StemTable.reading`): every unstemmed word the indexer met in a headline, body or
caption (quotes are part of the body), with its stem. A word counts as often as its stem
does in the prose fields (its document frequency there), and a word whose articles were
all deleted counts nothing. Matching a fuzzy (`kazakstan~`) or wildcard (`protest*`) term
against stems would miss or mangle words, so:

- `respell_variants()` keeps the parser from stemming fuzzy and wildcard terms on the
  prose fields (and marks them with `VARIANT_PREFIX`), and `expand_variants()` replaces
  each by the stems of the words it matches in the word list, in its own field:
  `protestrs~` finds "protesters", whose stem "protest" then finds protests, protested
  and protesters.
- `suggest()` proposes a corrected query: each word the index does not know (or, when the
  query found nothing, a word with a far more common close neighbour) is replaced by the
  neighbour within one edit (else two) that makes the query match most: the one found in
  the most articles together with all the other words of the query, then with each of
  them, then alone. So "tony blare iraq" becomes "tony blair iraq", not the more common
  "blame".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from whoosh import query
from whoosh.qparser import FuzzyTermPlugin, PrefixPlugin, WildcardPlugin

from searcher.query.docsets import Postings
from searcher.stopwords import STOP_WORDS
from searcher.store.analysis import fold, name_analyzer
from searcher.store.schema import FIELD_WEIGHTS
from searcher.store.stemtable import Vocabulary, vocabulary

MAX_VARIANTS = 64  # the most frequent stems a fuzzy or wildcard term expands to
MIN_WORD = 3  # shorter words are never corrected
COMMONER = 10  # a known word is corrected (when nothing matched) only to a word this much commoner
MAX_LOOKUPS = 3  # words of one query whose neighbours are looked for (each costs ~50 ms)
MAX_CANDIDATES = 10  # the most frequent words at each edit distance weighed as corrections

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
_SYNTAX_BEFORE = re.compile(r"[:*?]")  # a field's value, or the rest of a wildcard


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
    """Replace the marked fuzzy and wildcard queries by the stems of the words they match
    (none outside `StemTable.reading`, which makes the index's word list active)."""
    if isinstance(q, query.MultiTerm) and (q.field() or "").startswith(VARIANT_PREFIX):
        return _expand(q, reader)
    if q.is_leaf():
        return q
    return q.apply(lambda child: expand_variants(child, reader))


def _expand(q: query.MultiTerm, reader: Any) -> query.Query:
    field = (q.field() or "")[len(VARIANT_PREFIX) :]
    words = vocabulary()
    found = {} if words is None else dict(_variant_stems(q, words))
    frequency = {s: int(reader.doc_frequency(field, s)) for s in set(found.values())}
    stems = sorted((s for s, n in frequency.items() if n), key=lambda s: (-frequency[s], s))
    terms = [query.Term(field, s, boost=getattr(q, "boost", 1.0)) for s in stems[:MAX_VARIANTS]]
    if not terms:
        return query.NullQuery
    return terms[0] if len(terms) == 1 else query.Or(terms)


def _variant_stems(q: query.MultiTerm, words: Vocabulary) -> Iterable[tuple[str, str]]:
    """The words (with their stems) that a fuzzy, prefix or wildcard query matches."""
    text: str = getattr(q, "text", "")
    if isinstance(q, query.FuzzyTerm):
        within = words.within(text, int(q.maxdist), q.prefixlength)
        return ((word, s) for word in within if (s := words.stem(word)) is not None)
    if isinstance(q, query.Prefix):
        return words.starting(text)
    if isinstance(q, query.Wildcard):
        return words.matching(text)
    return ()


def _frequency(reader: Any, words: Vocabulary, word: str) -> int:
    """How many articles hold `word`: its stem's greatest document frequency over the
    prose fields, 0 for a word the index never met."""
    stemmed = words.stem(word)
    if stemmed is None:
        return 0
    return max(_live_frequency(reader, field, stemmed) for field in FIELD_WEIGHTS)


def _known(reader: Any, words: Vocabulary, word: str) -> bool:
    """Whether an article holds `word` (`_frequency` above 0), read from as few prose
    fields as it takes."""
    stemmed = words.stem(word)
    return stemmed is not None and any(
        _live_frequency(reader, field, stemmed) for field in FIELD_WEIGHTS
    )


def _live_frequency(reader: Any, field: str, stemmed: str) -> int:
    """The document frequency of `stemmed` in `field`; 0 when every article holding it
    was deleted (Whoosh counts deleted articles until their segment is merged away)."""
    count = int(reader.doc_frequency(field, stemmed))
    if count and reader.has_deletions() and not reader.postings(field, stemmed).is_active():
        return 0
    return count


def _neighbour(
    postings: Postings, words: Vocabulary, word: str, beside: list[set[int]]
) -> tuple[str, int] | None:
    """The indexed word close to `word` that makes the query match most, with its
    frequency: found in the most articles together with all the other words (`beside`:
    the articles holding each), then with each of them; then the closest, then the most
    frequent. Close is one edit, or two for a word with the same first letter (or any,
    when nothing is one edit away). Without other words, the most frequent word one edit
    away, else two."""
    reader = postings.searcher.reader()
    candidates: dict[str, tuple[int, int]] = {}  # word: (edits, frequency)
    for distance in (1, 2):
        prefix = 1 if distance == 2 and candidates else 0  # a first-letter slip is rare
        counted = {
            other: _frequency(reader, words, other)
            for other in words.within(word, distance, prefix)
            if other != word and other not in candidates
        }
        commonest = sorted((o for o, n in counted.items() if n), key=lambda o: -counted[o])
        candidates |= {o: (distance, counted[o]) for o in commonest[:MAX_CANDIDATES]}
        if candidates and not beside:
            break
    if not candidates:
        return None

    def rank(candidate: str) -> tuple[int, int, int, int, str]:
        distance, frequency = candidates[candidate]
        holding = _articles(postings, words, candidate) if beside else set()
        together = len(holding.intersection(*beside)) if beside else 0
        pairs = sum(len(holding & other) for other in beside)
        return -together, -pairs, distance, -frequency, candidate

    best = min(candidates, key=rank)
    return best, candidates[best][1]


def _articles(postings: Postings, words: Vocabulary, word: str) -> set[int]:
    """The articles holding `word` (its stem) in a prose field."""
    stemmed = words.stem(word)
    found: set[int] = set()
    for field in FIELD_WEIGHTS if stemmed is not None else ():
        found.update(postings.weights(field, stemmed))
    return found


def suggest(postings: Postings, text: str, matched: bool) -> str | None:
    """A corrected form of the query `text`, or None when no word needs correcting (or
    outside `StemTable.reading`, which makes the index's word list active).
    `matched`: whether the query found anything, filters aside. `postings` reads the
    index (and keeps what the search read)."""
    words = vocabulary()
    if words is None:
        return None
    reader = postings.searcher.reader()
    # Whoosh reuses one Token object: copy each token's values before the next.
    tokens = [
        (word, start, end)
        for word, start, end in (
            (t.text, t.startchar, t.endchar) for t in name_analyzer()(text, chars=True)
        )
        if _is_plain_word(text, word, start, end)
    ]
    if matched:  # only unknown words are corrected: how common the others are cannot matter
        known = {word: int(_known(reader, words, word)) for word, _, _ in tokens}
    else:
        known = {word: _frequency(reader, words, word) for word, _, _ in tokens}
    doubtful = [token for token in reversed(tokens) if not (known[token[0]] and matched)]
    if not doubtful:
        return None
    holding = {word: _articles(postings, words, word) for word, n in known.items() if n}
    corrected = text
    for word, start, end in doubtful[:MAX_LOOKUPS]:
        beside = [articles for other, articles in holding.items() if other != word]
        neighbour = _neighbour(postings, words, word, beside)
        if neighbour is None or neighbour[1] < max(1, known[word] * COMMONER):
            continue
        original = text[start:end]
        replacement = neighbour[0].capitalize() if original[:1].isupper() else neighbour[0]
        corrected = corrected[:start] + replacement + corrected[end:]
    return corrected if corrected != text else None


def _is_plain_word(text: str, word: str, start: int, end: int) -> bool:
    """True for a word of `text` that suggestions may correct: no operator, field name,
    field value, wildcard or fuzzy term, stop word or short word."""
    return not (
        text[start:end] in _OPERATORS
        or _SYNTAX_AFTER.match(text[end : end + 1])
        or _SYNTAX_BEFORE.match(text[start - 1 : start])
        or len(word) < MIN_WORD
        or word in STOP_WORDS
        or not word.isalpha()
    )
