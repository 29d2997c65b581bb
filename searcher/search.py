"""Searching: check and parse the query, rank with BM25F, cut snippets, copy out `Results`.

Parts:
- `parse_query()`: the query over the weighted fields, as a strict form (every term
  required) and, for a plain multi-word query, a loose form (any term), once
  `querycheck` has refused what Whoosh's forgiving parser would misread or run long. A
  metadata key the index holds names a field too (`topics:crude`, see `MetadataPlugin`).
- `run_search()`: all-terms matches first, then the partial ones, each tier by score (or
  by date, or by score times recency), within the filters of `SearchOptions`; with the
  facets, the undated articles a date filter dropped, and a did-you-mean suggestion.
  Match counts come from set operations over the postings (`docsets`) and top-k ranks
  score only the matching documents (`topk`); near-duplicates collapse on the ranked
  document numbers, so only the hits shown are read in full and get snippets.
- `iter_search()`: every match in the same order, one `Hit` at a time, for export.
- `rank_documents()`: the same ranking without snippets, through a searcher kept open
  for a batch of queries (`Index.run`).
- `hit_at()`: a ranked document copied out as a `Hit`, its headline's matches marked
  and its snippets cut (`snippets`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any, Protocol, cast

from whoosh import qparser, query, scoring
from whoosh.qparser import syntax
from whoosh.searching import Searcher

from searcher.docsets import Postings, matching_docs
from searcher.errors import FilterError
from searcher.facets import check_facets, count_facets
from searcher.filters import date_query, filter_query, named_filters
from searcher.models import Hit, Results, SearchOptions
from searcher.ordering import SORTS, UNDATED, RecencyWeighting, by_date, date_column
from searcher.querycheck import FuzzyTerms, MoreFields, PlusMinus, QueryChecks, check_syntax
from searcher.schema import (
    FIELD_ALIASES,
    FIELD_WEIGHTS,
    METADATA_FIELD,
    has_metadata_key,
    metadata_keys,
    metadata_term,
    weighting,
)
from searcher.snippets import (
    NO_MARKS,
    Marks,
    Occurrences,
    body_characters,
    body_marks,
    marked_terms,
    snippets,
    text_spans,
)
from searcher.spelling import VARIANT_PREFIX, expand_variants, respell_variants, suggest
from searcher.stories import StoryStore
from searcher.topk import top_documents

EXPORT_BATCH = 500  # hits of an export whose body offsets are read in one pass

# "troops?" or "now!": sentence punctuation at the end of a word, not a wildcard.
_TRAILING_PUNCTUATION = re.compile(r"(?<=\w)[?!.,;]+(?=[\s)]|$)")
# A user's own AND asks for every term: no relaxed tier then.
_EXPLICIT_AND = re.compile(r"\bAND\b")
# "-word" excludes at the start of a word only, so "pre-war" stays one phrase.
_MINUS = r"(?<![^\s(])-(?=[^\s-])"

Ranked = tuple[int, float]  # (document number, score)

# The least gap between the last score of a tier and the first of the next in a run.
RUN_SCORE_GAP = 0.001
# Hits ranked beyond a page when collapsing, for the copies it drops.
COLLAPSE_SPARE = 5
COLLAPSE_CHUNK = 500  # ranked documents whose stories are looked up at a time, for every match


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
    parser.add_plugins(
        [
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
    """Parse user text into (strict, loose) queries; loose is None when there is no
    plain multi-term form to relax. With the index's `reader`, its metadata keys are
    fields too."""
    check_syntax(text)
    strict = _parse(_without_trailing_punctuation(text), schema, reader=reader)
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


class Searchable(Protocol):
    """What a search opens: a Whoosh `FileIndex`, or one commit of an index with its reader
    kept open (`searcher.indexfolder.Snapshot`)."""

    def searcher(self, **kwargs: Any) -> Searcher: ...


def run_search(
    ix: Searchable,
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
        postings = Postings(searcher)
        # Every strict match is a loose match too.
        loose = plan.loose or plan.strict
        unfiltered = matching_docs(searcher, loose, postings)
        found = _narrow(unfiltered, plan.filtered)
        matched = _narrow(found, plan.dated)
        if stories is None:
            ranked = _ranked(searcher, plan, wanted, options.sort, postings)
            page = [("", docnum, score) for docnum, score in islice(ranked, offset, wanted)]
        else:
            page = collapse(
                searcher,
                lambda depth: list(_ranked(searcher, plan, depth, options.sort, postings)),
                stories,
                wanted,
                len(matched),
            )[offset:wanted]
        marked = marked_terms(plan.strict)
        characters = body_characters(
            searcher, [docnum for _, docnum, _ in page], body_marks(marked).terms
        )
        hits = []
        for rank, (story, docnum, score) in enumerate(page, start=offset + 1):
            hit = hit_at(searcher, rank, docnum, score, marked, characters[docnum])
            hits.append(
                hit if stories is None else with_copies(searcher, hit, stories, story, matched)
            )
        facets = count_facets(searcher, matched, options.facets) if options.facets else {}
        undated = _undated(searcher, found) if plan.dated is not None else 0
        emptied_by = _emptying(searcher, unfiltered, options) if unfiltered and not matched else ()
        suggestion = None if emptied_by else suggest(postings, text, matched=bool(unfiltered))
    return Results(
        query=text,
        total=len(matched),
        hits=tuple(hits),
        facets=facets,
        suggestion=suggestion,
        undated_excluded=undated,
        emptied_by=emptied_by,
    )


def _emptying(searcher: Searcher, found: set[int], options: SearchOptions) -> tuple[str, ...]:
    """The filters of `options` that leave none of `found`: each that does alone, else
    all of them (they do together)."""
    named = named_filters(options)
    alone = tuple(name for name, q in named.items() if not found & set(searcher.docs_for_query(q)))
    return alone or tuple(named)


def collapse(
    searcher: Searcher,
    rank: Callable[[int | None], Sequence[Ranked]],
    stories: StoryStore,
    wanted: int | None,
    total: int,
    leave_out: str = "",
) -> list[tuple[str, int, float]]:
    """(story, document number, score) of the best-ranked copy of each of the first
    `wanted` stories, in ranked order, the story `leave_out` left out. `rank(depth)` ranks
    the best `depth` of the `total` matches (all with None).

    The ranking is deepened until it holds `wanted` stories or every match; only the
    stored ids of the ranked documents are read, so dropped copies cost no snippets.
    """
    depth = None if wanted is None else wanted + COLLAPSE_SPARE
    kept: dict[str, tuple[int, float]] = {}
    seen = 0
    chunk = COLLAPSE_CHUNK if wanted is None else wanted + COLLAPSE_SPARE
    while True:
        ranked = rank(depth)
        # A date order ranks every match at once: read ids only until the page is full.
        while seen < len(ranked) and (wanted is None or len(kept) < wanted):
            fresh = ranked[seen : seen + chunk]
            ids = [searcher.reader().stored_fields(docnum)["id"] for docnum, _ in fresh]
            story_of = stories.stories_of(ids)
            for found, article_id in zip(fresh, ids, strict=True):
                story = story_of.get(article_id, article_id)
                if story != leave_out:
                    kept.setdefault(story, found)
            seen += len(fresh)
        if wanted is None or depth is None or len(kept) >= wanted:
            break
        if len(ranked) < depth or len(ranked) >= total:  # every match ranked
            break
        depth *= 4
    return [(story, docnum, score) for story, (docnum, score) in kept.items()][:wanted]


def with_copies(
    searcher: Searcher, hit: Hit, stories: StoryStore, story: str, matched: set[int]
) -> Hit:
    """`hit` as the best copy of `story`, listing the story's other copies among the
    `matched` documents: a copy that the query or the filters leave out is no result,
    so not listed."""
    copies = tuple(
        c
        for c in stories.story(story).copies
        if c.id != hit.id and searcher.document_number(id=c.id) in matched
    )
    return replace(hit, story=story, copies=copies)


def story_documents(searcher: Searcher, stories: StoryStore, article_id: str) -> set[int]:
    """The documents of every copy in the story of `article_id`."""
    story = stories.stories_of([article_id]).get(article_id, article_id)
    found = (searcher.document_number(id=c.id) for c in stories.story(story).copies)
    return {docnum for docnum in found if docnum is not None}


def iter_search(
    ix: Searchable,
    text: str,
    options: SearchOptions | None = None,
    stories: StoryStore | None = None,
) -> Iterator[Hit]:
    """Every match of `text` in `run_search`'s order, each `Hit` copied out as it is
    reached while the index stays open: memory holds the ranked document numbers and the
    snippet offsets of `EXPORT_BATCH` hits (read together), not the hits. With `stories`,
    each hit names its story and the story's other copies among the matches (which are
    listed in their own places too)."""
    options = _checked(options or SearchOptions())
    with ix.searcher(weighting=_weighting(options)) as searcher:
        plan = _plan(searcher, text, options)
        marked = marked_terms(plan.strict)
        postings = Postings(searcher)
        ranked = _ranked(searcher, plan, None, options.sort, postings)
        matched: set[int] = set()
        if stories is not None:
            matched = matching_docs(searcher, plan.loose or plan.strict, postings)
            matched = _narrow(_narrow(matched, plan.filtered), plan.dated)
        rank = 0
        while batch := list(islice(ranked, EXPORT_BATCH)):
            docnums = [docnum for docnum, _ in batch]
            characters = body_characters(searcher, docnums, body_marks(marked).terms)
            hits = []
            for docnum, score in batch:
                rank += 1
                hits.append(hit_at(searcher, rank, docnum, score, marked, characters[docnum]))
            if stories is None:
                yield from hits
                continue
            story_of = stories.stories_of(hit.id for hit in hits)
            for hit in hits:
                yield with_copies(searcher, hit, stories, story_of.get(hit.id, hit.id), matched)


def _checked(options: SearchOptions) -> SearchOptions:
    """`options`, or a `FilterError` naming what is wrong with them (facets are checked
    against the index, see `_plan`)."""
    if options.sort not in SORTS:
        raise FilterError(f"Unknown sort {options.sort!r}", choices=SORTS)
    if options.recent is not None and options.recent <= 0:
        raise FilterError(
            f"The recency half-life must be positive, not {options.recent}",
            hint="Give a half-life in days, e.g. 30.",
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
    reader = searcher.reader()
    check_facets(options.facets, reader)
    strict, loose = parse_query(text, searcher.schema, reader)
    return _Plan(
        strict=expand_variants(strict, reader),
        loose=loose and expand_variants(loose, reader),
        filtered=_docs(searcher, filter_query(options)),
        dated=_docs(searcher, date_query(options)),
    )


def _tiers(
    searcher: Searcher, plan: _Plan, wanted: int | None, postings: Postings | None
) -> list[list[Ranked]]:
    """The result tiers, all-terms first, that hold the best `wanted` documents. The
    partial matches are ranked only when the all-terms tier holds fewer than `wanted`.

    With `postings` (terms read in this searcher), a tier is ranked as a Whoosh search
    with `terms=True` ranks it, through `top_documents` where it can; without, by a
    Whoosh search alone (`terms=False`)."""
    allowed = plan.allowed
    tiers = [_top(searcher, plan.strict, wanted, allowed, None, postings)]
    if plan.loose is not None and (wanted is None or len(tiers[0]) < wanted):
        room = None if wanted is None else wanted - len(tiers[0])
        mask = matching_docs(searcher, plan.strict, postings)
        tiers.append(_top(searcher, plan.loose, room, allowed, mask, postings))
    return tiers


def _top(
    searcher: Searcher,
    q: query.Query,
    limit: int | None,
    allowed: set[int] | None,
    mask: set[int] | None,
    postings: Postings | None,
) -> list[Ranked]:
    if postings is not None and limit is not None:
        found = top_documents(searcher, q, limit, allowed, mask, postings)
        if found is not None:
            return found
    results = searcher.search(q, limit=limit, filter=allowed, mask=mask, terms=postings is not None)
    return [(hit.docnum, float(hit.score or 0.0)) for hit in results]


def _ranked(
    searcher: Searcher, plan: _Plan, wanted: int | None, sort: str, postings: Postings
) -> Iterator[Ranked]:
    """The documents of each tier in turn: the top `wanted` by score, or (sorted by
    date) all."""
    for tier in _tiers(searcher, plan, None if sort != "relevance" else wanted, postings):
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
    for scores in _tiers(searcher, plan, limit, postings=None):
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


def hit_at(
    searcher: Searcher,
    rank: int,
    docnum: int,
    score: float,
    marked: Marks,
    characters: Occurrences | None = None,
) -> Hit:
    """A ranked `Hit` copied out of document `docnum`, with its headline and snippets
    marking the matches of `marked` (see `marked_terms`); `characters`: its entry of
    `body_characters()`, when a page's were read together."""
    stored = searcher.reader().stored_fields(docnum)
    date = stored.get("date_iso")
    headline = stored.get("headline", "")
    headline_marks = marked.get("headline", NO_MARKS)
    headline_spans = text_spans(searcher.schema["headline"].analyzer, headline, headline_marks)
    return Hit(
        rank=rank,
        id=stored["id"],
        score=round(score, 4),
        headline=headline,
        headline_spans=tuple((start, end) for start, end, _ in headline_spans),
        source=stored.get("source", ""),
        byline=stored.get("byline", ""),
        date=datetime.fromisoformat(date) if date else None,
        path=stored.get("path", ""),
        snippets=snippets(searcher, docnum, stored, marked, characters),
    )
