"""The documents searcher's results are given out as: JSON documents (`--json`, the web's
JSON API) and export records (`--format jsonl` lines, `--format csv` rows), built from the
models as plain dicts and tuples. The CLI and the web both print these, so both give the
same documents.

Text in CSV cells passes through `clean` (no control character reaches a terminal or a
spreadsheet); `json_text` writes a document as one line with every control character
escaped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from searcher.models import (
    ArticleView,
    Copy,
    Evaluation,
    Hit,
    IndexStats,
    QuoteResults,
    Results,
    SpeakerCount,
    Story,
)

CSV_COLUMNS = ("rank", "id", "score", "date", "source", "headline", "byline", "path", "snippet")

# Control characters but tab and line feed (C0, DEL, C1), and lone surrogates, which
# cannot be written out.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# What JSON leaves raw but a terminal may obey (DEL, C1) or an encoder refuses (surrogates).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """`text` safe to print: each control character but tab and line feed becomes its
    Unicode control picture (ESC shows as ␛, BEL as ␇, DEL as ␡), a C1 control or a lone
    surrogate becomes U+FFFD. One character for one, so offsets into `text` stay valid."""
    return _UNPRINTABLE.sub(_picture, text)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def json_text(document: object) -> str:
    """`document` as one line of JSON, with every control character escaped."""
    text = json.dumps(document, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def results_json(results: Results) -> dict[str, Any]:
    """The JSON document of DESIGN.md for a page of results, with facets and suggestion."""
    return {
        "query": results.query,
        "total": results.total,
        "hits": [hit_json(hit) for hit in results],
        "facets": {name: dict(counts) for name, counts in results.facets.items()},
        "suggestion": results.suggestion,
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    """One hit as in the JSON document (also one line of --format jsonl)."""
    return {
        "rank": hit.rank,
        "id": hit.id,
        "score": hit.score,
        "headline": hit.headline,
        "headline_spans": [list(span) for span in hit.headline_spans],
        "source": hit.source,
        "byline": hit.byline,
        "date": hit.date.isoformat() if hit.date else None,
        "path": hit.path,
        "story": hit.story or None,
        "copies": [_copy_json(c) for c in hit.copies],
        "snippets": [
            {"text": s.text, "spans": [list(span) for span in s.spans]} for s in hit.snippets
        ],
    }


def _copy_json(copy: Copy) -> dict[str, str]:
    return {"id": copy.id, "source": copy.source, "headline": copy.headline}


def hit_row(hit: Hit) -> tuple[object, ...]:
    """One hit as a CSV row of `CSV_COLUMNS` (the first snippet only), cleaned."""
    snippet = hit.snippets[0].text if hit.snippets else ""
    return (
        hit.rank,
        clean(hit.id),
        hit.score,
        hit.date.isoformat() if hit.date else "",
        clean(hit.source),
        clean(hit.headline),
        clean(hit.byline),
        clean(hit.path),
        clean(snippet),
    )


def article_json(view: ArticleView) -> dict[str, Any]:
    """A whole article as JSON, with the spans of the query's matches."""
    article = view.article
    return {
        "id": article.id,
        "path": article.path,
        "source": article.source,
        "headline": article.headline,
        "byline": article.byline,
        "authors": list(article.authors),
        "date": article.date.isoformat() if article.date else None,
        "url": article.url,
        "language": article.language,
        "country": article.country,
        "section": article.section,
        "metadata": {key: list(values) for key, values in article.metadata.items()},
        "body": article.body,
        "captions": list(article.captions),
        "quotes": [
            {"text": q.text, "speaker": q.speaker, "cue": q.cue, "start": q.start, "end": q.end}
            for q in article.quotes
        ],
        "headline_spans": [list(span) for span in view.headline_spans],
        "body_spans": [list(span) for span in view.body_spans],
        "copies": [_copy_json(c) for c in view.copies],
    }


def quotes_json(results: QuoteResults) -> dict[str, Any]:
    """The `search quotes --json` document (`query` null for a speaker's quotes asked
    for without words)."""
    return {
        "query": results.query,
        "total": results.total,
        "quotes": [
            {
                "text": q.text,
                "speaker": q.speaker,
                "cue": q.cue,
                "score": q.score,
                "article": {
                    "id": q.article_id,
                    "headline": q.headline,
                    "source": q.source,
                    "date": q.date.isoformat() if q.date else None,
                },
            }
            for q in results
        ],
    }


def speakers_json(speakers: Iterable[SpeakerCount]) -> list[dict[str, Any]]:
    """Speakers as JSON: name, quotes, articles."""
    return [{"name": s.name, "quotes": s.quotes, "articles": s.articles} for s in speakers]


def stories_json(stories: Sequence[Story]) -> dict[str, Any]:
    """The JSON document of `search duplicates`."""
    return {
        "stories": [
            {"story": s.id, "size": s.size, "copies": [_copy_json(c) for c in s.copies]}
            for s in stories
        ]
    }


def stats_json(stats: IndexStats) -> dict[str, Any]:
    """The facts of `search stats` as one JSON document."""
    return {
        "articles": stats.articles,
        "sources": dict(stats.sources),
        "first_date": stats.first_date.isoformat() if stats.first_date else None,
        "last_date": stats.last_date.isoformat() if stats.last_date else None,
        "languages": list(stats.languages),
        "size_bytes": stats.size,
        "segments": stats.segments,
        "updated": stats.updated.isoformat() if stats.updated else None,
    }


def evaluation_json(evaluation: Evaluation, per_query: bool = False) -> dict[str, Any]:
    """The measures as one JSON document: `topics` judged, `measures` their means."""
    document: dict[str, Any] = {
        "topics": len(evaluation.per_query),
        "measures": dict(evaluation.overall),
    }
    if per_query:
        document["per_query"] = {qid: dict(v) for qid, v in evaluation.per_query.items()}
    return document
