"""Searching: rank a parsed query with BM25F in tiers, within filters, into `Results`.

Parts:
- `run_search()`: all-terms matches first, then the partial ones, each tier by score (or
  by date, or by score times recency), within the filters of `SearchOptions`; with the
  facets, the undated articles a date filter dropped, and a did-you-mean suggestion.
  Match counts come from set operations over the postings (`docsets`) and top-k ranks
  score only the matching documents (`topk`); near-duplicates collapse on the ranked
  document numbers, so only the hits shown are read in full and get snippets.
- `iter_search()`: every match in the same order, one `Hit` at a time, for export.
- `rank_documents()`: the same ranking without snippets, through a searcher kept open
  for a batch of queries (`Index.run`).
Parsing is `parsing`, collapsing copies `copies`, copying a hit out `hits`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from whoosh import query, scoring
from whoosh.searching import Searcher

from searcher.errors import FilterError
from searcher.models import Hit, Results, SearchOptions
from searcher.query.copies import Ranked, collapse, with_copies
from searcher.query.docsets import Postings, matching_docs
from searcher.query.facets import check_facets, count_facets
from searcher.query.filters import date_query, filter_query, named_filters
from searcher.query.hits import hit_at
from searcher.query.ordering import SORTS, RecencyWeighting, by_date
from searcher.query.parsing import parse_query
from searcher.query.snippets import (
    body_characters,
    body_marks,
    marked_terms,
)
from searcher.query.spelling import expand_variants, suggest
from searcher.query.topk import top_documents
from searcher.store.documents import UNDATED, date_column
from searcher.store.schema import weighting
from searcher.store.stories import StoryStore

EXPORT_BATCH = 500  # hits of an export whose body offsets are read in one pass

# The least gap between the last score of a tier and the first of the next, in a TREC run.
TIER_SCORE_GAP = 0.001


class Searchable(Protocol):
    """What a search opens: a Whoosh `FileIndex`, or one commit of an index with its reader
    kept open (`searcher.store.indexfolder.Snapshot`)."""

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
            shift = min(0.0, ranked[-1][1] - scores[0][1] - TIER_SCORE_GAP)
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
