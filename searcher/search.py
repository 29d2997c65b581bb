"""Searching: check and parse the query, rank with BM25F, cut snippets, copy out `Results`.

Parts:
- `check_syntax()`: rejects what Whoosh's forgiving parser would silently misread
  (unbalanced quotes or brackets, a lone operator), naming the position.
- `parse_query()`: the query over the weighted fields, as a strict form (every term
  required) and, for a plain multi-word query, a loose form (any term).
- `run_search()`: all-terms matches first, then the partial ones, each tier by score (or
  by date, or by score times recency), within the filters of `SearchOptions`; with the
  facets, the undated articles a date filter dropped, and a did-you-mean suggestion.
- `iter_search()`: every match in the same order, one `Hit` at a time, for export.
- `rank_documents()`: the same ranking without snippets, through a searcher kept open
  for a batch of queries (`Index.run`).
- `SnippetFormatter`: turns Whoosh's highlight fragments into `Snippet` data (text plus
  the character spans of the matches); rendering them is someone else's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from typing import Any, cast

from whoosh import highlight, qparser, query, scoring
from whoosh.index import FileIndex
from whoosh.searching import Hit as WhooshHit
from whoosh.searching import Results as WhooshResults
from whoosh.searching import Searcher

from searcher import whoosh_fixes  # noqa: F401  (corrects top-k pruning on import)
from searcher.docsets import matching_docs
from searcher.errors import FilterError, QuerySyntaxError
from searcher.facets import check_facets, count_facets
from searcher.filters import date_query, filter_query
from searcher.models import Copy, Hit, Results, SearchOptions, Snippet
from searcher.ordering import SORTS, UNDATED, RecencyWeighting, by_date, date_column
from searcher.schema import FIELD_WEIGHTS, weighting
from searcher.spelling import VARIANT_PREFIX, expand_variants, respell_variants, suggest
from searcher.stories import StoryStore

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
# A user's own AND asks for every term: no relaxed tier then.
_EXPLICIT_AND = re.compile(r"\bAND\b")
# "-word" excludes at the start of a word only, so "pre-war" stays one phrase.
_MINUS = r"(?<![^\s(])-(?=[^\s-])"
# Field names users type, for the fields they mean.
FIELD_ALIASES = {"quotes": ["quote"], "speakers": ["speaker"], "authors": ["author"]}

Snippets = tuple[Snippet, ...]

# The least gap between the last score of a tier and the first of the next in a run.
RUN_SCORE_GAP = 0.001
# Hits ranked beyond a page when collapsing, for the copies it drops.
COLLAPSE_SPARE = 5


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
    parser = qparser.MultifieldParser(
        list(FIELD_WEIGHTS), schema, fieldboosts=FIELD_WEIGHTS, group=qparser.AndGroup
    )
    return _with_plugins(parser)


def _with_plugins(parser: qparser.QueryParser) -> qparser.QueryParser:
    parser.add_plugins(
        [
            qparser.FuzzyTermPlugin(),
            qparser.GtLtPlugin(),
            qparser.FieldAliasPlugin(FIELD_ALIASES),
            qparser.PlusMinusPlugin(plusexpr=r"(?<![^\s(])\+(?=\S)", minusexpr=_MINUS),
        ]
    )
    return parser


def parse_field_query(text: str, schema: Any, field: str) -> query.Query:
    """Parse user text against one field, any of its words matching (for quote search)."""
    check_syntax(text)
    parser = _with_plugins(qparser.QueryParser(field, schema, group=qparser.OrGroup))
    return _parse(_TRAILING_PUNCTUATION.sub("", text), schema, parser)


def _parse(text: str, schema: Any, parser: qparser.QueryParser | None = None) -> query.Query:
    parser = parser or _parser(schema)
    tree = respell_variants(parser.process(text))
    return cast(query.Query, tree.query(parser) or query.NullQuery).normalize()


def parse_query(text: str, schema: Any) -> tuple[query.Query, query.Query | None]:
    """Parse user text into (strict, loose) queries; loose is None when there is no
    plain multi-term form to relax."""
    check_syntax(text)
    strict = _parse(_TRAILING_PUNCTUATION.sub("", text), schema)
    return strict, None if _EXPLICIT_AND.search(text) else _relaxed(strict)


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


def _is_plain(q: query.Query) -> bool:
    """True for a word or phrase the user gave no field for (searched in every field)."""
    if not isinstance(q, query.Or):
        return False
    fields = {(sub.field() or "").removeprefix(VARIANT_PREFIX) for sub in q.subqueries}
    return fields == set(FIELD_WEIGHTS)


def run_search(
    ix: FileIndex,
    text: str,
    limit: int | None = 10,
    offset: int = 0,
    options: SearchOptions | None = None,
    stories: StoryStore | None = None,
) -> Results:
    """Search `ix`: articles with all terms rank above articles with some, within the
    filters of `options` and in its order; with its facets over every match.

    With `stories`, near-duplicates collapse into their best-ranked copy, which lists the
    others in `Hit.copies`; ranks and pages then count stories, `total` still articles.
    """
    options = _checked(options or SearchOptions())
    wanted = None if limit is None else offset + limit
    with ix.searcher(weighting=_weighting(options)) as searcher:
        plan = _plan(searcher, text, options)
        # Every strict match is a loose match too.
        found = _narrow(matching_docs(searcher, plan.loose or plan.strict), plan.filtered)
        matched = _narrow(found, plan.dated)
        if stories is None:
            ranked = _ranked(searcher, plan, wanted, options.sort)
            hits = tuple(
                to_hit(rank, hit)
                for rank, hit in enumerate(islice(ranked, offset, wanted), start=offset + 1)
            )
        else:
            page = _collapsed(searcher, plan, options.sort, stories, wanted, len(matched))
            hits = tuple(
                replace(to_hit(rank, hit), story=story, copies=_copies(stories, story, hit))
                for rank, (story, hit) in enumerate(page[offset:wanted], start=offset + 1)
            )
        facets = count_facets(searcher, matched, options.facets) if options.facets else {}
        undated = _undated(searcher, found) if plan.dated is not None else 0
        suggestion = suggest(searcher.reader(), text, matched=bool(matched))
    return Results(
        query=text,
        total=len(matched),
        hits=hits,
        facets=facets,
        suggestion=suggestion,
        undated_excluded=undated,
    )


def _collapsed(
    searcher: Searcher,
    plan: _Plan,
    sort: str,
    stories: StoryStore,
    wanted: int | None,
    total: int,
) -> list[tuple[str, WhooshHit]]:
    """(story, best-ranked copy) of the first `wanted` stories in ranked order.

    The ranking is deepened until it holds `wanted` stories or every match; only the
    stored ids of the ranked hits are read, so dropped copies cost no snippets.
    """
    depth = None if wanted is None else wanted + COLLAPSE_SPARE
    kept: dict[str, WhooshHit] = {}
    seen = 0
    while True:
        ranked = list(_ranked(searcher, plan, depth, sort))
        fresh = ranked[seen:]
        ids = [hit["id"] for hit in fresh]
        story_of = stories.stories_of(ids)
        for hit, article_id in zip(fresh, ids, strict=True):
            kept.setdefault(story_of.get(article_id, article_id), hit)
        seen = len(ranked)
        if wanted is None or depth is None or len(kept) >= wanted:
            break
        if len(ranked) < depth or len(ranked) >= total:  # every match ranked
            break
        depth *= 4
    return list(kept.items())


def _copies(stories: StoryStore, story: str, hit: WhooshHit) -> tuple[Copy, ...]:
    """The other copies of the story of `hit`."""
    return tuple(c for c in stories.story(story).copies if c.id != hit["id"])


def iter_search(ix: FileIndex, text: str, options: SearchOptions | None = None) -> Iterator[Hit]:
    """Every match of `text` in `run_search`'s order, each `Hit` copied out as it is
    reached while the index stays open: memory holds the ranked document numbers, not
    the hits."""
    options = _checked(options or SearchOptions())
    with ix.searcher(weighting=_weighting(options)) as searcher:
        plan = _plan(searcher, text, options)
        for rank, hit in enumerate(_ranked(searcher, plan, None, options.sort), start=1):
            yield to_hit(rank, hit)


def _checked(options: SearchOptions) -> SearchOptions:
    """`options`, or a `FilterError` naming what is wrong with them."""
    check_facets(options.facets)
    if options.sort not in SORTS:
        raise FilterError(f"Unknown sort {options.sort!r}", hint=f"Choose from {', '.join(SORTS)}.")
    if options.recent is not None and options.recent <= 0:
        raise FilterError(
            f"The recency half-life must be positive, not {options.recent}",
            hint="Give it in days, e.g. --recent 30.",
        )
    return options


def _weighting(options: SearchOptions) -> scoring.WeightingModel:
    if options.recent is None:
        return weighting()
    return RecencyWeighting(weighting(), half_life=options.recent)


@dataclass(frozen=True)
class _Plan:
    """A query ready to run: its strict and loose forms with fuzzy and wildcard terms
    expanded, and the documents passing the filters and the date range (None: all)."""

    strict: query.Query
    loose: query.Query | None
    filtered: set[int] | None
    dated: set[int] | None

    @property
    def allowed(self) -> set[int] | None:
        if self.filtered is None or self.dated is None:
            return self.dated if self.filtered is None else self.filtered
        return self.filtered & self.dated


def _plan(searcher: Searcher, text: str, options: SearchOptions) -> _Plan:
    strict, loose = parse_query(text, searcher.schema)
    reader = searcher.reader()
    return _Plan(
        strict=expand_variants(strict, reader),
        loose=loose and expand_variants(loose, reader),
        filtered=_docs(searcher, filter_query(options)),
        dated=_docs(searcher, date_query(options)),
    )


def _tiers(
    searcher: Searcher, plan: _Plan, wanted: int | None, terms: bool = True
) -> list[WhooshResults]:
    """The result tiers, all-terms first, that hold the best `wanted` hits; `terms` keeps
    the matched terms for highlighting. The partial matches are ranked only when the
    all-terms tier holds fewer than `wanted`."""
    allowed = plan.allowed
    tiers = [searcher.search(plan.strict, limit=wanted, filter=allowed, terms=terms)]
    if plan.loose is not None and (wanted is None or tiers[0].scored_length() < wanted):
        room = None if wanted is None else wanted - tiers[0].scored_length()
        mask = matching_docs(searcher, plan.strict)
        tiers.append(
            searcher.search(plan.loose, limit=room, filter=allowed, mask=mask, terms=terms)
        )
    return tiers


def _ranked(searcher: Searcher, plan: _Plan, wanted: int | None, sort: str) -> Iterator[WhooshHit]:
    """The hits of each tier in turn: the top `wanted` by score, or (sorted by date) all."""
    for tier in _tiers(searcher, plan, None if sort != "relevance" else wanted):
        if sort == "relevance":
            yield from tier
        else:
            yield from by_date(tier, date_column(searcher.reader()), newest=sort == "newest")


def rank_documents(searcher: Searcher, text: str, limit: int | None) -> list[tuple[int, float]]:
    """(document number, score) of the best `limit` matches of `text`, best first, as
    `run_search` ranks them but without snippets: one query of a batch run through an
    open `searcher` (made with `weighting()`).

    Scores never rise down the list, since evaluation tools such as trec_eval rank a run
    by score: a lower tier's scores are shifted to below the last score of the tier above.
    """
    plan = _plan(searcher, text, SearchOptions())
    ranked: list[tuple[int, float]] = []
    for tier in _tiers(searcher, plan, limit, terms=False):
        scores = [(hit.docnum, float(hit.score or 0.0)) for hit in tier]
        shift = 0.0
        if ranked and scores:
            shift = min(0.0, ranked[-1][1] - scores[0][1] - RUN_SCORE_GAP)
        ranked += [(docnum, score + shift) for docnum, score in scores]
    return ranked[:limit]


def _docs(searcher: Searcher, filters: query.Query | None) -> set[int] | None:
    """The documents passing a filter, found once per search (None: no filter)."""
    return None if filters is None else set(searcher.docs_for_query(filters))


def _narrow(docs: set[int], allowed: set[int] | None) -> set[int]:
    return docs if allowed is None else docs & allowed


def _undated(searcher: Searcher, docs: set[int]) -> int:
    """How many of `docs` have no date."""
    dates = date_column(searcher.reader())
    return sum(1 for docnum in docs if dates[docnum] == UNDATED)


def to_hit(rank: int, hit: WhooshHit) -> Hit:
    """A ranked `Hit` copied out of a Whoosh hit, with its snippets."""
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
