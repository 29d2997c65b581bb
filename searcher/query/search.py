"""Searching: rank a parsed query with BM25F, within filters, into `Results`.

Parts:
- `run_search()`: the matches by BM25F score (`bm25f`; or by date, or by score times
  recency), optionally reranked by feedback (`feedback`), within the filters of
  `SearchOptions`; with the facets, the undated articles a date filter dropped, and a
  did-you-mean suggestion. Queries of up to `ALL_TERMS_FIRST_WORDS` words (and every
  query sorted by date) rank their all-terms matches first, in a tier of their own.
  Match sets come from set operations over the postings (`docsets`), and every match is
  scored from the same postings; near-duplicates collapse on the ranked document
  numbers, so only the hits shown are read in full and get snippets. A tier's
  candidates, first scores and rescored are computed once a search (`_Tier`), however
  deep a collapse ranks: with feedback, one pass scores every candidate, for the first
  ranking it learns from and for the best `RESCORED` it rescores.
- `iter_search()`: every match in the same order, one `Hit` at a time, for export.
- `rank_documents()`: the same ranking without snippets, through a searcher kept open
  for a batch of queries (`Index.run`).
Parsing is `parsing`, collapsing copies `copies`, copying a hit out `hits`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any, Protocol

from whoosh import query, scoring
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from searcher.errors import FilterError
from searcher.models import Hit, Results, SearchOptions
from searcher.query import bm25f, feedback
from searcher.query.copies import Ranked, collapse, with_copies
from searcher.query.docsets import Postings, matching_docs
from searcher.query.facets import check_facets, count_facets
from searcher.query.filters import date_query, filter_query, named_filters
from searcher.query.hits import hit_at
from searcher.query.ordering import SORTS, RecencyWeighting, by_date
from searcher.query.parsing import parse_query, plain_words
from searcher.query.snippets import (
    body_characters,
    body_marks,
    marked_terms,
)
from searcher.query.spelling import expand_variants, suggest
from searcher.query.whoosh_scoring import FieldStatistics
from searcher.store.documents import UNDATED, date_column
from searcher.store.schema import weighting
from searcher.store.stories import StoryStore

EXPORT_BATCH = 500  # hits of an export whose body offsets are read in one pass

# A sharded index's last article feedback rescores in a tier: (first score, id).
Bound = tuple[float, str]
# The least gap between the last score of a tier and the first of the next, relative.
TIER_SCORE_GAP = 0.001
# Ranked by relevance, queries of at most this many plain words rank the articles holding
# them all first; longer ones rank every match by score alone (bench/RELEVANCE.md: tiers
# ranked worse for every query length). Sorted by date, all-terms matches always come first.
ALL_TERMS_FIRST_WORDS = 0


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
    """Search `ix`: the matching articles by BM25F score, within the filters of `options`
    and in its order; with its facets over every match.

    With `stories`, near-duplicates collapse into their best-ranked copy, which lists the
    others in `Hit.copies`; ranks and pages then count stories, `total` still articles.
    """
    options = _checked(options or SearchOptions())
    wanted = None if limit is None else offset + limit
    with ix.searcher(weighting=_weighting(options)) as searcher:
        postings = Postings(searcher)
        plan = _plan(searcher, text, options, postings)
        unfiltered = _unfiltered(searcher, plan, postings)
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


def query_statistics(
    ix: Searchable, text: str, options: SearchOptions | None = None
) -> bm25f.CollectionStatistics:
    """What ranking `text` in `ix` reads from the collection (`bm25f.local_statistics`):
    summed over the shards of an index, it lets each shard score as the whole would."""
    options = _checked(options or SearchOptions())
    with ix.searcher(weighting=_weighting(options)) as searcher:
        postings = Postings(searcher)
        plan = _plan(searcher, text, replace(options, feedback=False), postings)
        queries = [q for q in (plan.strict, plan.loose) if q is not None]
        given = bm25f.current_statistics()
        more = given.expansion if options.feedback and isinstance(given, FieldStatistics) else None
        if more is not None:  # the rescored query's terms too
            queries += [query.AndMaybe(q, more) for q in queries]
        return bm25f.local_statistics(searcher, queries, postings)


def matching_ids(
    ix: Searchable, text: str, ids: Iterable[str], options: SearchOptions | None = None
) -> dict[str, bool]:
    """Which of the articles `ids` match `text` within the filters of `options` (as
    `run_search` counts them): each that does, True when it is in the first tier (holds
    every word, where tiers apply). A sharded index lists a hit's copies and merges
    the shards' tiers by it."""
    options = _checked(options or SearchOptions())
    with ix.searcher() as searcher:
        postings = Postings(searcher)
        plan = _plan(searcher, text, replace(options, feedback=False), postings)
        first = _narrow(matching_docs(searcher, plan.strict, postings), plan.allowed)
        loose = plan.loose or plan.strict
        matched = first | _narrow(matching_docs(searcher, loose, postings), plan.allowed)
        found = {}
        for article_id in ids:
            docnum = searcher.document_number(id=article_id)
            if docnum in matched:
                found[article_id] = docnum in first
        return found


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
        postings = Postings(searcher)
        plan = _plan(searcher, text, options, postings)
        marked = marked_terms(plan.strict)
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
    expanded, the documents passing the filters and the date range (None: all), and the
    terms feedback adds to the ranking (not to the matches, nor the marked words) with,
    for a shard, each tier's last article the whole index rescores (`Bound`)."""

    strict: query.Query
    loose: query.Query | None
    filtered: set[int] | None
    dated: set[int] | None
    feedback: query.Query | None = None
    bounds: tuple[Bound | None, ...] = ()
    # Feedback reranks it (or learns from its first ranking): each tier scores all its
    # candidates once, for the first ranking and for the articles feedback rescores.
    rescoring: bool = False
    # Each tier's figures, by number, computed once a search (a plan with other filters
    # needs its own: see `feedback_expansion`).
    tiers: dict[int, _Tier] = field(default_factory=dict, compare=False, repr=False)

    @property
    def allowed(self) -> set[int] | None:
        if self.filtered is None or self.dated is None:
            return self.dated if self.filtered is None else self.filtered
        return self.filtered & self.dated


def _plan(searcher: Searcher, text: str, options: SearchOptions, postings: Postings) -> _Plan:
    reader = searcher.reader()
    check_facets(options.facets, reader)
    strict, loose = parse_query(text, searcher.schema, reader)
    relevance = options.sort == "relevance"
    if loose is not None and relevance and plain_words(strict) > ALL_TERMS_FIRST_WORDS:
        strict, loose = loose, None  # one tier: ranked by score alone
    plan = _Plan(
        strict=expand_variants(strict, reader),
        loose=loose and expand_variants(loose, reader),
        filtered=_docs(searcher, filter_query(options)),
        dated=_docs(searcher, date_query(options)),
    )
    if not (options.feedback and relevance):
        return plan
    plan = replace(plan, rescoring=True)
    given = bm25f.current_statistics()
    if isinstance(given, FieldStatistics) and given.expansion is not None:
        # learnt by a sharded index over all its shards
        return replace(plan, feedback=given.expansion, bounds=given.rescored)
    return _learnt(searcher, plan, _first(searcher, plan, postings), postings)


def _first(searcher: Searcher, plan: _Plan, postings: Postings) -> list[Ranked]:
    """The best `feedback.FEEDBACK_DOCS` + 1 of `plan`'s first ranking (what feedback
    learns from), the articles tied at the last place it learns from ordered by id, as a
    sharded index merges its shards': which of the tied (copies, often) it reads depends
    on no document number."""
    size = feedback.FEEDBACK_DOCS
    depth = size + 1
    while True:
        first = list(_ranked(searcher, plan, depth, "relevance", postings))
        if len(first) < depth or first[-1][1] != first[size - 1][1]:
            break
        depth *= 2
    if len(first) <= size or first[size][1] != first[size - 1][1]:
        return first[: size + 1]
    last = first[size - 1][1]
    stored = searcher.reader().stored_fields
    tied = sorted((found for found in first if found[1] == last), key=lambda f: stored(f[0])["id"])
    return ([found for found in first if found[1] > last] + tied)[: size + 1]


def _learnt(searcher: Searcher, plan: _Plan, first: list[Ranked], postings: Postings) -> _Plan:
    """`plan` reranked by feedback learnt from its first ranking `first` (document,
    score). Feedback reranks the matches below the best few by words of those: with no
    more matches than it learns from, it would only reorder them by their own words."""
    if len(first) <= feedback.FEEDBACK_DOCS:
        return plan
    more = feedback.feedback_query(searcher, first, plan.loose or plan.strict, postings)
    return plan if more is None else replace(plan, feedback=more)


def feedback_expansion(
    reader: IndexReader, text: str, options: SearchOptions, best: Iterable[str]
) -> query.Query | None:
    """The terms feedback reranks `text` with, as `run_search` learns them from its
    first ranking, whose best articles are those of ids `best`: for a sharded index,
    found by its shards, and read here through one `reader` on all of them."""
    with Searcher(reader, weighting=_weighting(options), closereader=False) as searcher:
        postings = Postings(searcher)
        plan = _plan(searcher, text, replace(options, feedback=False), postings)
        found = (searcher.document_number(id=article_id) for article_id in best)
        among = replace(plan, filtered={docnum for docnum in found if docnum is not None}, tiers={})
        return _learnt(searcher, plan, _first(searcher, among, postings), postings).feedback


def first_ranking(
    ix: Searchable, text: str, options: SearchOptions
) -> tuple[list[Bound], list[list[Bound]]]:
    """The (score, id) of the best `feedback.FEEDBACK_DOCS` + 1 matches of `text` as
    `run_search` ranks them without feedback (what feedback learns from), and for each
    tier, all-terms first, those of its best `feedback.RESCORED` by BM25F score alone
    (those it rescores), best first: a sharded index merges its shards' into the first
    ranking of the whole and each tier's `Bound`, to rescore the articles one index
    would."""
    options = _checked(options)
    with ix.searcher(weighting=_weighting(options)) as searcher:
        postings = Postings(searcher)
        plan = _plan(searcher, text, replace(options, feedback=False), postings)
        stored = searcher.reader().stored_fields
        best = _first(searcher, plan, postings)
        tiers = (
            bm25f.top(
                searcher,
                q,
                _candidates(searcher, q, plan.allowed, mask, postings),
                postings,
                feedback.RESCORED,
            )
            for q, mask in _tier_queries(searcher, plan, postings)
        )
        return [(score, stored(docnum)["id"]) for docnum, score in best], [
            [(score, stored(docnum)["id"]) for docnum, score in tier] for tier in tiers
        ]


def _tier_queries(
    searcher: Searcher, plan: _Plan, postings: Postings
) -> Iterator[tuple[query.Query, set[int] | None]]:
    """Each tier's query, all-terms first, with the matches of the tiers above."""
    yield plan.strict, None
    if plan.loose is not None:
        yield plan.loose, matching_docs(searcher, plan.strict, postings)


@dataclass
class _Tier:
    """One tier's figures as a search computes them once, for every depth it ranks to (a
    collapse deepens): its candidates, with feedback their first scores (all of them)
    and the rescored (feedback's best `RESCORED` by first score), the least first score
    they hold (None: all are rescored), which the others keep at most, and the `tied`
    at it whose ids are yet to tell which of them are rescored: until then all of them
    are (see `_told_apart`)."""

    candidates: set[int]
    first: dict[int, float] | None = None
    rescored: dict[int, float] | None = None
    floor: float | None = None
    tied: list[int] = field(default_factory=list)
    # Of the tied, those rescored: the first `places` by id, or those of ids up to `last_id`.
    places: int = 0
    last_id: str | None = None


def _tiers(
    searcher: Searcher, plan: _Plan, wanted: int | None, postings: Postings
) -> list[list[Ranked]]:
    """The result tiers, all-terms first, that hold the best `wanted` documents. The
    partial matches are ranked only when the all-terms tier holds fewer than `wanted`."""
    tiers: list[list[Ranked]] = []
    for number, (q, mask) in enumerate(_tier_queries(searcher, plan, postings)):
        room = None if wanted is None else wanted - sum(len(tier) for tier in tiers)
        if room is not None and room <= 0:
            break
        bound = plan.bounds[number] if number < len(plan.bounds) else None
        tier = _tier(searcher, plan, number, q, mask, postings)
        if plan.rescoring and tier.first is None:
            tier.first = bm25f.scores(searcher, q, tier.candidates, postings)
        tiers.append(_top(searcher, q, tier, room, postings, plan.feedback, bound))
    return tiers


def _tier(
    searcher: Searcher,
    plan: _Plan,
    number: int,
    q: query.Query,
    mask: set[int] | None,
    postings: Postings,
) -> _Tier:
    """The tier `number` of `plan`, of query `q` less `mask`, as computed once a search."""
    tier = plan.tiers.get(number)
    if tier is None:
        tier = plan.tiers[number] = _Tier(_candidates(searcher, q, plan.allowed, mask, postings))
    return tier


def _candidates(
    searcher: Searcher,
    q: query.Query,
    allowed: set[int] | None,
    mask: set[int] | None,
    postings: Postings,
) -> set[int]:
    """The matches of `q` among `allowed` less `mask`."""
    candidates = _narrow(matching_docs(searcher, q, postings), allowed)
    return candidates - mask if mask else candidates


def _top(
    searcher: Searcher,
    q: query.Query,
    tier: _Tier,
    limit: int | None,
    postings: Postings,
    more: query.Query | None = None,
    bound: Bound | None = None,
) -> list[Ranked]:
    """The best `limit` of the tier's candidates (all with None) by BM25F score for `q`
    (times the weighting's final factor, recency), ties by document number; the terms
    of `more` (feedback) score too, in the best `feedback.RESCORED` by `q` (`_rescored`)."""
    weighting = searcher.weighting
    if more is None and not weighting.use_final:
        if tier.first is not None:
            return bm25f.best(tier.first, limit)
        return bm25f.top(searcher, q, tier.candidates, postings, limit)
    first = tier.first
    if first is None:
        first = tier.first = bm25f.scores(searcher, q, tier.candidates, postings)
    scored = first
    if more is not None:
        rescored = tier.rescored
        if rescored is None:
            rescored = tier.rescored = _rescored(searcher, q, more, tier, first, postings, bound)
        if not weighting.use_final and limit is not None:
            # The others keep their first score, at most the last rescored one's.
            best = bm25f.best(rescored, limit)
            if any(docnum in tier.tied for docnum, _ in best):
                _told_apart(searcher, tier, rescored)
                best = bm25f.best(rescored, limit)
            if tier.floor is None or (len(best) == limit and best[-1][1] > tier.floor):
                return best
        _told_apart(searcher, tier, rescored)
        scored = first | rescored
    if weighting.use_final:
        scored = {d: weighting.final(searcher, d, score) for d, score in scored.items()}
    return bm25f.best(scored, limit)


def _rescored(
    searcher: Searcher,
    q: query.Query,
    more: query.Query,
    tier: _Tier,
    first: dict[int, float],
    postings: Postings,
    bound: Bound | None,
) -> dict[int, float]:
    """The scores by `q` and `more` of those of the tier's `first` scores feedback
    rescores: down to `bound` when a sharded index gives its shards the whole index's
    last rescored, else the best `feedback.RESCORED` by first score, ties by id as the
    shards of an index merge. The articles tied at the last place are all rescored, and
    told apart by id only when one of them ranks on the page (`_told_apart`). Those
    feedback may not lift (`feedback.lifted`) keep their score by `q`."""
    if bound is not None:
        tier.floor, tier.last_id = bound
    elif len(first) > feedback.RESCORED:
        tier.floor = bm25f.kth_largest(first.values(), feedback.RESCORED)
    rescored = first
    if tier.floor is not None:
        rescored = {docnum: score for docnum, score in first.items() if score >= tier.floor}
        tier.tied = [docnum for docnum, score in rescored.items() if score == tier.floor]
        tier.places = feedback.RESCORED - (len(rescored) - len(tier.tied))
        if bound is None and len(tier.tied) <= tier.places:
            tier.tied = []  # all rescored
    lifted = feedback.lifted(searcher, q, postings)
    if lifted is None:
        return bm25f.extended(searcher, q, more, rescored, postings)
    kept = {docnum: score for docnum, score in rescored.items() if docnum not in lifted}
    fed = {docnum: score for docnum, score in rescored.items() if docnum in lifted}
    return bm25f.extended(searcher, q, more, fed, postings) | kept


def _told_apart(searcher: Searcher, tier: _Tier, rescored: dict[int, float]) -> None:
    """The tier's `rescored` left without those of its `tied` feedback does not rescore."""
    if not tier.tied:
        return
    stored = searcher.reader().stored_fields
    ids = {docnum: stored(docnum)["id"] for docnum in tier.tied}
    if tier.last_id is not None:
        kept = [docnum for docnum in tier.tied if ids[docnum] <= tier.last_id]
    else:
        kept = sorted(tier.tied, key=ids.__getitem__)[: tier.places]
    for docnum in set(tier.tied).difference(kept):
        del rescored[docnum]
    tier.tied = []


def _ranked(
    searcher: Searcher, plan: _Plan, wanted: int | None, sort: str, postings: Postings
) -> Iterator[Ranked]:
    """The documents of each tier in turn: the top `wanted` by score, or (sorted by
    date) all. Scores never rise down a ranking by relevance: a lower tier's are scaled
    to start below the last score of the tier above."""
    above: float | None = None
    for tier in _tiers(searcher, plan, None if sort != "relevance" else wanted, postings):
        if sort != "relevance":
            yield from by_date(tier, date_column(searcher.reader()), newest=sort == "newest")
            continue
        if above is not None and tier and tier[0][1] > above:
            scale = above * (1 - TIER_SCORE_GAP) / tier[0][1]
            tier = [(docnum, score * scale) for docnum, score in tier]
        yield from tier
        if tier:
            above = tier[-1][1]


def rank_documents(
    searcher: Searcher, text: str, limit: int | None, options: SearchOptions | None = None
) -> list[tuple[int, float]]:
    """(document number, score) of the best `limit` matches of `text`, best first, as
    `run_search` ranks them but without snippets: one query of a batch run through an
    open `searcher` (made with `weighting()`). Scores never rise down the list, since
    evaluation tools such as trec_eval rank a run by score."""
    postings = Postings(searcher)
    plan = _plan(searcher, text, options or SearchOptions(), postings)
    return list(_ranked(searcher, plan, limit, "relevance", postings))


def _unfiltered(searcher: Searcher, plan: _Plan, postings: Postings) -> set[int]:
    """Every match of `plan`, its filters aside: those of its loose query (every strict
    match is a loose match too), which with no filter are its one tier's candidates."""
    if plan.loose is None and plan.allowed is None:
        return _tier(searcher, plan, 0, plan.strict, None, postings).candidates
    return matching_docs(searcher, plan.loose or plan.strict, postings)


def _docs(searcher: Searcher, filters: query.Query | None) -> set[int] | None:
    """The documents passing a filter, found once per search (None: no filter)."""
    return None if filters is None else set(searcher.docs_for_query(filters))


def _narrow(docs: set[int], allowed: set[int] | None) -> set[int]:
    return docs if allowed is None else docs & allowed


def _undated(searcher: Searcher, docs: set[int]) -> int:
    """How many of `docs` have no date."""
    dates = date_column(searcher.reader())
    return sum(1 for docnum in docs if dates[docnum] == UNDATED)
