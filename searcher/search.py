"""Searching: check and parse the query, rank with BM25F, cut snippets, copy out `Results`.

Parts:
- `check_syntax()`: rejects what Whoosh's forgiving parser would silently misread
  (unbalanced quotes or brackets, a lone operator), naming the position.
- `parse_query()`: the query over the weighted fields, as a strict form (every term
  required) and, for a plain multi-word query, a loose form (any term).
- `run_search()`: all-terms matches first, then the partial ones, each tier by score.
- `rank_documents()`: the same ranking without snippets, through a searcher kept open
  for a batch of queries (`Index.run`).
- `SnippetFormatter`: turns Whoosh's highlight fragments into `Snippet` data (text plus
  the character spans of the matches); rendering them is someone else's job.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from whoosh import highlight, qparser, query
from whoosh.index import FileIndex
from whoosh.searching import Hit as WhooshHit
from whoosh.searching import Results as WhooshResults
from whoosh.searching import Searcher

from searcher import whoosh_fixes  # noqa: F401  (corrects top-k pruning on import)
from searcher.errors import QuerySyntaxError
from searcher.models import Hit, Results, Snippet
from searcher.schema import FIELD_WEIGHTS, weighting

MAX_SNIPPETS = 3
SNIPPET_CHARS = 240
SNIPPET_CONTEXT = 70
LEAD_CHARS = 200

_OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE")
_BINARY = ("AND", "OR", "ANDNOT", "ANDMAYBE")
_WORD = re.compile(r'"[^"]*"|[()]|[^\s()"]+')
# "troops?" or "now!": sentence punctuation at the end of a word, not a wildcard.
_TRAILING_PUNCTUATION = re.compile(r"(?<=\w)[?!.,;]+(?=[\s)]|$)")
_SPACE = re.compile(r"\s+")

Snippets = tuple[Snippet, ...]

# The least gap between the last score of a tier and the first of the next in a run.
RUN_SCORE_GAP = 0.001


def check_syntax(text: str) -> None:
    """Raise `QuerySyntaxError` for an empty query, unbalanced quotes or brackets, or an
    operator with nothing to join."""
    if not text.strip():
        raise QuerySyntaxError("Empty query", 0)
    depth_starts: list[int] = []
    quote_at = -1
    for i, char in enumerate(text):
        if char == '"':
            quote_at = -1 if quote_at >= 0 else i
        elif quote_at < 0 and char == "(":
            depth_starts.append(i)
        elif quote_at < 0 and char == ")":
            if not depth_starts:
                raise QuerySyntaxError("Closing bracket without an opening one", i)
            depth_starts.pop()
    if quote_at >= 0:
        raise QuerySyntaxError("Unclosed double quote", quote_at)
    if depth_starts:
        raise QuerySyntaxError("Unclosed bracket", depth_starts[-1])
    _check_operators(text)


def _check_operators(text: str) -> None:
    previous = None  # None at the start of the query or of a group
    for match in _WORD.finditer(text):
        word = match.group()
        if word in _BINARY and previous in (None, "(", *_OPERATORS):
            raise QuerySyntaxError(f"{word} has nothing before it", match.start())
        if word == ")" and previous in _OPERATORS:
            raise QuerySyntaxError(f"{previous} has nothing after it", match.start())
        previous = word
    if previous in _OPERATORS:
        last = list(_WORD.finditer(text))[-1]
        raise QuerySyntaxError(f"{previous} has nothing after it", last.start())


def _parser(schema: Any) -> qparser.QueryParser:
    return qparser.MultifieldParser(
        list(FIELD_WEIGHTS), schema, fieldboosts=FIELD_WEIGHTS, group=qparser.AndGroup
    )


def parse_query(text: str, schema: Any) -> tuple[query.Query, query.Query | None]:
    """Parse user text into (strict, loose) queries; loose is None when there is no
    plain multi-term form to relax."""
    check_syntax(text)
    strict = _parser(schema).parse(_TRAILING_PUNCTUATION.sub("", text))
    if not isinstance(strict, query.And):
        return strict, None
    required = [q for q in strict.subqueries if not isinstance(q, query.Not)]
    excluded = [q.query for q in strict.subqueries if isinstance(q, query.Not)]
    if len(required) < 2:
        return strict, None
    loose: query.Query = query.Or(required)
    if excluded:
        loose = query.AndNot(loose, query.Or(excluded))
    return strict, loose


def run_search(ix: FileIndex, text: str, limit: int | None = 10, offset: int = 0) -> Results:
    """Search `ix`: articles with all terms rank above articles with some."""
    strict, loose = parse_query(text, ix.schema)
    wanted = None if limit is None else offset + limit
    with ix.searcher(weighting=weighting()) as searcher:
        tiers = _tiers(searcher, strict, loose, wanted, terms=True)
        ranked = [hit for tier in tiers for hit in tier][offset:wanted]
        hits = tuple(_to_hit(rank, hit) for rank, hit in enumerate(ranked, start=offset + 1))
        # Every strict match is a loose match too; Whoosh's count ignores the mask.
        total = len(tiers[0]) if len(tiers) == 1 else len(list(searcher.docs_for_query(tiers[1].q)))
    return Results(query=text, total=total, hits=hits)


def _tiers(
    searcher: Searcher,
    strict: query.Query,
    loose: query.Query | None,
    wanted: int | None,
    terms: bool = False,
) -> list[WhooshResults]:
    """The result tiers, all-terms first, that hold the best `wanted` hits; `terms` keeps
    the matched terms for highlighting."""
    tiers = [searcher.search(strict, limit=wanted, terms=terms)]
    if loose is not None:
        room = None if wanted is None else max(wanted - tiers[0].scored_length(), 1)
        tiers.append(searcher.search(loose, limit=room, mask=tiers[0].docs(), terms=terms))
    return tiers


def rank_documents(searcher: Searcher, text: str, limit: int | None) -> list[tuple[int, float]]:
    """(document number, score) of the best `limit` matches of `text`, best first, as
    `run_search` ranks them but without snippets: one query of a batch run through an
    open `searcher` (made with `weighting()`).

    Scores never rise down the list, since evaluation tools such as trec_eval rank a run
    by score: a lower tier's scores are shifted to below the last score of the tier above.
    """
    strict, loose = parse_query(text, searcher.schema)
    ranked: list[tuple[int, float]] = []
    for tier in _tiers(searcher, strict, loose, limit):
        scores = [(hit.docnum, float(hit.score or 0.0)) for hit in tier]
        shift = 0.0
        if ranked and scores:
            shift = min(0.0, ranked[-1][1] - scores[0][1] - RUN_SCORE_GAP)
        ranked += [(docnum, score + shift) for docnum, score in scores]
    return ranked[:limit]


def _to_hit(rank: int, hit: WhooshHit) -> Hit:
    stored = hit.fields()
    date = stored.get("date_iso")
    return Hit(
        rank=rank,
        id=stored["id"],
        score=round(float(hit.score or 0.0), 4),
        headline=stored.get("headline", ""),
        source=stored.get("source", ""),
        byline=stored.get("byline", ""),
        date=datetime.fromisoformat(date) if date else None,
        path=stored.get("path", ""),
        snippets=snippets(hit),
    )


class SnippetFormatter(highlight.Formatter):
    """Formats Whoosh fragments as `Snippet` data instead of marked-up text."""

    def format(self, fragments: Any, replace: bool = False) -> Any:
        return tuple(_to_snippet(f) for f in fragments)


def _to_snippet(fragment: highlight.Fragment) -> Snippet:
    text = fragment.text
    parts = ["… "] if fragment.startchar > 0 else []
    length = len(parts[0]) if parts else 0
    spans: list[tuple[int, int]] = []
    cursor = fragment.startchar
    for match in fragment.matches:
        if match.startchar < cursor:
            continue
        between = _SPACE.sub(" ", text[cursor : match.startchar])
        word = text[match.startchar : match.endchar]
        parts += [between, word]
        spans.append((length + len(between), length + len(between) + len(word)))
        length += len(between) + len(word)
        cursor = match.endchar
    parts.append(_SPACE.sub(" ", text[cursor : fragment.endchar]))
    if fragment.endchar < len(text):
        parts.append(" …")
    return Snippet(text="".join(parts), spans=tuple(spans))


_BODY_HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.PinpointFragmenter(
        maxchars=SNIPPET_CHARS, surround=SNIPPET_CONTEXT, autotrim=True
    ),
    formatter=SnippetFormatter(),
)
_SHORT_FIELD_HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.WholeFragmenter(), formatter=SnippetFormatter()
)


def snippets(hit: WhooshHit) -> tuple[Snippet, ...]:
    """Up to three fragments of the body around the matches; when only the captions or
    the headline matched, that field; failing all, the article's lead."""
    found: Snippets = ()
    if hit.get("body"):
        found = cast(Snippets, _BODY_HIGHLIGHTER.highlight_hit(hit, "body", top=MAX_SNIPPETS))
    if found:
        return found
    for field in ("captions", "headline"):
        if hit.get(field):
            found = cast(Snippets, _SHORT_FIELD_HIGHLIGHTER.highlight_hit(hit, field, top=1))
            if found:
                return found
    lead = _SPACE.sub(" ", hit.get("body", "")[:LEAD_CHARS]).strip()
    return (Snippet(text=lead + " …"),) if lead else ()
