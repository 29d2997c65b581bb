"""Quotation search: who said what about X, and who is quoted most.

Quotes stay part of their article (the stored `quote_list`, the indexed `quotes` and
`speakers` fields), so every article count is unchanged. At query time:

- `search_quotes()` finds the articles whose quotes match, then ranks each quote of those
  articles: the article's BM25F score on the quotes field, times the share of the query's
  words the quote itself contains. Quotes containing none are left out; `--speaker`
  keeps the quotes whose speaker's name holds all the given words, or is the surname
  alone of the name given ("Blair" for "Tony Blair"). With a speaker and no query words
  it lists every quote of that speaker, newest article first: not ranked, so scored 0.0.
  A quote repeated by copies of one story (see `stories`) is listed once, from the copy
  listed first.
- `count_speakers()` counts quotations and articles per speaker, over the whole index or
  over the quotes matching a query; a quote that copies of one story repeat counts once,
  and a surname-only speaker counts under the full name that holds most of its quotes
  (`merged_forms()`: "Blair" joins "Tony Blair" when no other Blair comes near; within an
  article, `enrich.speakers` has already given every speaker the fullest name there).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeGuard

from whoosh import query
from whoosh.searching import Searcher

from searcher.errors import FilterError
from searcher.models import QuoteHit, QuoteResults, Span, SpeakerCount
from searcher.query.parsing import parse_field_query
from searcher.query.search import Searchable
from searcher.query.spelling import expand_variants
from searcher.query.whoosh_scoring import FieldStatistics, field_statistics, weighting
from searcher.store.analysis import name_analyzer, news_analyzer
from searcher.store.documents import stored_date
from searcher.store.stories import StoryStore

Said = tuple[str, str, str]  # a quotation: article id, words, speaker


def _name_words(name: str) -> set[str]:
    return {token.text for token in name_analyzer()(name)}


def _wanted_words(speaker: str) -> list[str]:
    """The words of the name asked for, in order (the last one is the surname)."""
    return [token.text for token in name_analyzer()(speaker)]


def _speaker_query(speaker: str) -> query.Query:
    words = _wanted_words(speaker)
    if not words:
        raise FilterError(
            f"The speaker {speaker!r} has no words of a name",
            hint="Give words of the speaker's name, such as Shekenova.",
        )
    every = query.And([query.Term("speakers", word) for word in words])
    return query.Or([every, query.Term("speakers", words[-1])]) if len(words) > 1 else every


def _is_form_of(wanted: list[str], speaker: set[str]) -> bool:
    """Is a speaker with these name words one the `wanted` words ask for: all of them, or
    the surname alone ("Blair" for "Tony Blair")?"""
    return set(wanted) <= speaker or (len(speaker) == 1 and wanted[-1:] == list(speaker))


def search_quotes(
    ix: Searchable,
    text: str | None,
    speaker: str | None = None,
    limit: int | None = 10,
    offset: int = 0,
    stories: StoryStore | None = None,
) -> QuoteResults:
    """The quotations matching `text` (by `speaker` when given), best first; with no
    `text` (None or blank), every quote of `speaker` in `newest_first` order, each scored
    0.0 (no relevance to rank by). With `stories`, a quote that copies of one story repeat
    once. Neither words nor a speaker: a `FilterError`."""
    if has_words(text):
        found = sorted(_matching_quotes(ix, text, speaker), key=quote_order)
    else:
        found = sorted(_quotes_by(ix, asked_speaker(speaker)), key=newest_first)
    if stories is not None:
        found = once_per_story(found, stories)
    return quote_page(found, text, speaker, limit, offset)


def has_words(text: str | None) -> TypeGuard[str]:
    """Is `text` words to look for (neither None nor blank)?"""
    return bool(text and text.strip())


def asked_speaker(speaker: str | None) -> str:
    """`speaker`, when quotes are asked for with no words: without one too, a `FilterError`."""
    if speaker and speaker.strip():
        return speaker
    raise FilterError(
        "Quotes need words to look for or a speaker",
        hint="Give the words the quotes are about, a speaker's name, or both.",
    )


def quote_page(
    found: list[QuoteHit], text: str | None, speaker: str | None, limit: int | None, offset: int
) -> QuoteResults:
    """The page `offset`, `limit` of the quotes `found` for `text` by `speaker`."""
    end = None if limit is None else offset + limit
    return QuoteResults(
        query=text if has_words(text) else None,
        total=len(found),
        quotes=tuple(found[offset:end]),
        speaker=speaker or None,
    )


def quote_order(quote: QuoteHit) -> tuple[float, str]:
    """The order of quotes found: best first, ties by article (in order within one)."""
    return (-quote.score, quote.article_id)


def newest_first(quote: QuoteHit) -> tuple[bool, float, str]:
    """The order of a speaker's quotes: newest article first, undated articles after the
    dated ones, ties by article (in order within one)."""
    moment = quote.date.timestamp() if quote.date else 0.0
    return (quote.date is None, -moment, quote.article_id)


def once_per_story(quotes: list[QuoteHit], stories: StoryStore) -> list[QuoteHit]:
    """`quotes` less those that copies of a story repeat after their first."""
    keys = [(q.article_id, q.text, q.speaker) for q in quotes]
    return [q for q, first in zip(quotes, _first_of_story(keys, stories), strict=True) if first]


def quote_statistics(ix: Searchable, text: str, speaker: str | None = None) -> FieldStatistics:
    """What ranking the quotes of `text` reads from `ix` (`whoosh_scoring`): summed over
    the shards of an index, it lets each shard score as the whole would."""
    with ix.searcher() as searcher:
        q = _quote_query(searcher, text, speaker)
        return field_statistics(searcher, q.iter_all_terms())


def _quote_query(searcher: Searcher, text: str, speaker: str | None) -> query.Query:
    """`text` searched in the quotes, by `speaker` when given."""
    q = expand_variants(parse_field_query(text, searcher.schema, "quotes"), searcher.reader())
    return query.And([q, _speaker_query(speaker)]) if speaker else q


def _first_of_story(quotes: list[tuple[str, str, str]], stories: StoryStore) -> list[bool]:
    """For each quote (article id, words, speaker): is it the first of its repeats (same
    words, same speaker) in copies of its article's story?"""
    story_of = stories.stories_of({article_id for article_id, _, _ in quotes})
    seen: set[tuple[str, str, str]] = set()
    first = []
    for article_id, text, speaker in quotes:
        key = (story_of.get(article_id, article_id), " ".join(text.lower().split()), speaker)
        first.append(key not in seen)
        seen.add(key)
    return first


def _quotes_by(ix: Searchable, speaker: str) -> Iterator[QuoteHit]:
    """Every quote of `speaker` (matched as with a query: `_is_form_of`), unranked: scored 0.0,
    without spans; each article's quotes in their order."""
    q = _speaker_query(speaker)
    wanted = _wanted_words(speaker)
    with ix.searcher() as searcher:
        for docnum in searcher.docs_for_query(q):
            stored = searcher.stored_fields(docnum)
            for quote in stored.get("quote_list", ()):
                said, who, cue = quote[0], quote[1], quote[2]
                if _is_form_of(wanted, _name_words(who)):
                    yield _quote_hit(stored, said, who, cue, 0.0, ())


def _matching_quotes(ix: Searchable, text: str, speaker: str | None) -> Iterator[QuoteHit]:
    wanted = _wanted_words(speaker) if speaker else []
    with ix.searcher(weighting=weighting()) as searcher:
        q = _quote_query(searcher, text, speaker)
        stems = {word for field, word in q.iter_all_terms() if field == "quotes"}
        for hit in searcher.search(q, limit=None):
            stored = hit.fields()
            for quote in stored.get("quote_list", ()):
                said, who, cue = quote[0], quote[1], quote[2]
                if wanted and not _is_form_of(wanted, _name_words(who)):
                    continue
                matches = [
                    (t.startchar, t.endchar, t.text)
                    for t in news_analyzer()(said, chars=True)
                    if t.text in stems
                ]
                if not matches:
                    continue
                share = len({word for _, _, word in matches}) / len(stems)
                spans = tuple((start, end) for start, end, _ in matches)
                yield _quote_hit(stored, said, who, cue, float(hit.score or 0.0) * share, spans)


def _quote_hit(
    stored: dict[str, Any], text: str, speaker: str, cue: str, score: float, spans: tuple[Span, ...]
) -> QuoteHit:
    return QuoteHit(
        text=text,
        speaker=speaker,
        cue=cue,
        score=round(score, 4),
        article_id=stored["id"],
        headline=stored.get("headline", ""),
        source=stored.get("source", ""),
        date=stored_date(stored),
        spans=spans,
    )


def count_speakers(
    ix: Searchable,
    text: str | None = None,
    limit: int | None = 20,
    stories: StoryStore | None = None,
) -> tuple[SpeakerCount, ...]:
    """Who is quoted most: over every article, or over the quotes matching `text`; with
    `stories`, a quote that copies of one story repeat counts once."""
    return rank_speakers(quotations(ix, text), limit, stories)


def quotations(ix: Searchable, text: str | None = None) -> list[Said]:
    """Every quotation (article id, words, speaker; of every article those with a
    speaker), or those matching `text`, best first."""
    if text:
        return [(q.article_id, q.text, q.speaker) for q in _matching_quotes(ix, text, None)]
    with ix.searcher() as searcher:
        return [
            (stored["id"], quote[0], quote[1])
            for stored in searcher.all_stored_fields()
            for quote in stored.get("quote_list", ())
            if quote[1]
        ]


def rank_speakers(
    said: list[Said], limit: int | None, stories: StoryStore | None = None
) -> tuple[SpeakerCount, ...]:
    """Who is quoted most in the quotations `said`; with `stories`, a quote that copies of
    one story repeat counts once."""
    if stories is not None:
        said = [q for q, first in zip(said, _first_of_story(said, stories), strict=True) if first]
    return _ranked_speakers(((who, article_id) for article_id, _, who in said), limit)


def merged_forms(counts: Mapping[str, int]) -> dict[str, str]:
    """Each one-word name among `counts` (name -> quotes) mapped to the longer name that
    ends with it, when one holds at least three quarters of those names' quotes (130
    "Tony Blair" against 2 "Ian Blair"; not 52 "Gordon Brown" against 20 "Nick Brown")."""
    longer: dict[str, list[str]] = {}
    for name in counts:
        words = name.split()
        if len(words) > 1 and name[:1].isupper():
            longer.setdefault(words[-1], []).append(name)
    merged = {}
    for name in counts:
        forms = longer.get(name, []) if " " not in name else []
        if forms:
            best = max(forms, key=lambda form: (counts[form], form))
            if counts[best] * 4 >= sum(counts[form] for form in forms) * 3:
                merged[name] = best
    return merged


def _names_someone(speaker: str) -> bool:
    """A name, or a role with an organisation's name ("a Delta spokesperson"); not a role
    that names no one ("a spokesman", "judges")."""
    return any(char.isupper() for char in speaker)


def _ranked_speakers(
    pairs: Iterable[tuple[str, str]], limit: int | None
) -> tuple[SpeakerCount, ...]:
    said = [(speaker, article_id) for speaker, article_id in pairs if _names_someone(speaker)]
    merged = merged_forms(Counter(speaker for speaker, _ in said))
    quotes: Counter[str] = Counter()
    articles: dict[str, set[str]] = {}
    for speaker, article_id in said:
        name = merged.get(speaker, speaker)
        quotes[name] += 1
        articles.setdefault(name, set()).add(article_id)
    ranked = sorted(quotes, key=lambda name: (-quotes[name], -len(articles[name]), name))
    return tuple(SpeakerCount(name, quotes[name], len(articles[name])) for name in ranked[:limit])
