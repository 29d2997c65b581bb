"""Quotation search: who said what about X, and who is quoted most.

Quotes stay part of their article (the stored `quote_list`, the indexed `quotes` and
`speakers` fields), so every article count is unchanged. At query time:

- `search_quotes()` finds the articles whose quotes match, then ranks each quote of those
  articles: the article's BM25F score on the quotes field, times the share of the query's
  words the quote itself contains. Quotes containing none are left out; `--speaker`
  keeps the quotes whose speaker's name holds all the given words. A quote repeated by
  copies of one story (see `stories`) is listed once, from its best-ranked copy.
- `count_speakers()` counts quotations and articles per speaker, over the whole index or
  over the quotes matching a query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh import query

from searcher.errors import FilterError
from searcher.models import QuoteHit, QuoteResults, Span, SpeakerCount
from searcher.query.parsing import parse_field_query
from searcher.query.search import Searchable
from searcher.query.spelling import expand_variants
from searcher.store.analysis import name_analyzer, news_analyzer
from searcher.store.documents import stored_date
from searcher.store.schema import weighting
from searcher.store.stories import StoryStore


def _name_words(name: str) -> set[str]:
    return {token.text for token in name_analyzer()(name)}


def _speaker_query(speaker: str) -> query.Query:
    words = [token.text for token in name_analyzer()(speaker)]
    if not words:
        raise FilterError(
            f"The speaker {speaker!r} has no words of a name",
            hint="Give words of the speaker's name, such as Shekenova.",
        )
    return query.And([query.Term("speakers", word) for word in words])


def search_quotes(
    ix: Searchable,
    text: str,
    speaker: str | None = None,
    limit: int | None = 10,
    offset: int = 0,
    stories: StoryStore | None = None,
) -> QuoteResults:
    """The quotations matching `text` (by `speaker` when given), best first; with
    `stories`, a quote that copies of one story repeat once."""
    found = sorted(_matching_quotes(ix, text, speaker), key=lambda q: (-q.score, q.article_id))
    if stories is not None:
        found = _once_a_story(found, stories)
    end = None if limit is None else offset + limit
    return QuoteResults(query=text, total=len(found), quotes=tuple(found[offset:end]))


def _once_a_story(quotes: list[QuoteHit], stories: StoryStore) -> list[QuoteHit]:
    """`quotes` without the repeats of a quote (same words, same speaker) in other copies
    of its article's story: the first one stays."""
    story_of = stories.stories_of({q.article_id for q in quotes})
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for quote in quotes:
        key = (
            story_of.get(quote.article_id, quote.article_id),
            " ".join(quote.text.lower().split()),
            quote.speaker,
        )
        if key not in seen:
            seen.add(key)
            kept.append(quote)
    return kept


def _matching_quotes(ix: Searchable, text: str, speaker: str | None) -> Iterator[QuoteHit]:
    wanted = _name_words(speaker) if speaker else set()
    with ix.searcher(weighting=weighting()) as searcher:
        q = expand_variants(parse_field_query(text, searcher.schema, "quotes"), searcher.reader())
        stems = {word for field, word in q.iter_all_terms() if field == "quotes"}
        if speaker:
            q = query.And([q, _speaker_query(speaker)])
        for hit in searcher.search(q, limit=None):
            stored = hit.fields()
            for quote in stored.get("quote_list", ()):
                said, who, cue = quote[0], quote[1], quote[2]
                if wanted and not wanted <= _name_words(who):
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
    ix: Searchable, text: str | None = None, limit: int | None = 20
) -> tuple[SpeakerCount, ...]:
    """Who is quoted most: over every article, or over the quotes matching `text`."""
    if text:
        pairs = ((q.speaker, q.article_id) for q in _matching_quotes(ix, text, None))
        return _ranked_speakers(pairs, limit)
    with ix.searcher() as searcher:
        pairs = (
            (quote[1], stored["id"])
            for stored in searcher.all_stored_fields()
            for quote in stored.get("quote_list", ())
        )
        return _ranked_speakers(pairs, limit)


def _ranked_speakers(
    pairs: Iterable[tuple[str, str]], limit: int | None
) -> tuple[SpeakerCount, ...]:
    quotes: Counter[str] = Counter()
    articles: dict[str, set[str]] = {}
    for speaker, article_id in pairs:
        if speaker:
            quotes[speaker] += 1
            articles.setdefault(speaker, set()).add(article_id)
    ranked = sorted(quotes, key=lambda name: (-quotes[name], -len(articles[name]), name))
    return tuple(SpeakerCount(name, quotes[name], len(articles[name])) for name in ranked[:limit])
