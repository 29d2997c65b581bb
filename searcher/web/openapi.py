"""The OpenAPI description of the JSON API (`/api/openapi.json`), written by hand."""

from __future__ import annotations

from typing import Any


def _param(name: str, description: str, kind: str = "string", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": kind, **extra},
    }


def _many(name: str, description: str) -> dict[str, Any]:
    """A query parameter that may be repeated."""
    return {
        "name": name,
        "in": "query",
        "description": description + " Repeatable: any of the values.",
        "schema": {"type": "array", "items": {"type": "string"}},
        "style": "form",
        "explode": True,
    }


ARTICLE_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The article's id, URL-encoded (`bbc/tech/001.txt`, `reut2-000.sgm%231`).",
    "schema": {"type": "string"},
}
QUERY = _param("q", "The query, in the syntax of `search query` (README, Queries).")
REQUIRED_QUERY = {**QUERY, "required": True}
LIMIT = _param("limit", "Results to return.", "integer", minimum=1, maximum=100, default=10)
OFFSET = _param("offset", "Results to skip first.", "integer", minimum=0, maximum=10000)
ALL_COPIES = _param("all_copies", "1: every copy of a story, not only the best one.")
FILTERS = [
    _many("source", "Only this publication (words of its name)."),
    _many("author", "Only this author."),
    _many("country", "Only this country."),
    _many("language", "Only this language code."),
    _many("section", "Only this section, e.g. sport."),
    _many("meta", "KEY=VALUE: only articles with this metadata value, e.g. topics=crude."),
    _param("since", "Dated on or after: 2022-01-31, 2022-01, 2022, 7d, 2w, 3m, 1y."),
    _param("until", "Dated on or before (the same forms as since)."),
    _param("sort", "Order of results.", enum=["relevance", "newest", "oldest"]),
    _param("recent", "Weigh relevance by recency: half-life in days.", "number"),
    _param(
        "feedback", "0: rank by BM25F alone, without pseudo-relevance feedback (on by default)."
    ),
]
ERROR = {
    "description": "A malformed query or parameter (400), an unknown article (404), an "
    'index that cannot be read (503): `{"error": {"status", "message", "hint", '
    '"position"}}`, `position` (0-based) for a query\'s problem.',
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _get(summary: str, parameters: list[dict[str, Any]], document: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": document,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "400": ERROR,
                "404": ERROR,
                "503": ERROR,
            },
        }
    }


OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "searcher",
        "version": "1",
        "description": "Full-text search of a news index. The documents are those of the "
        "CLI's --json (README, Using it).",
    },
    "paths": {
        "/api/search": _get(
            "Rank the articles matching q",
            [
                REQUIRED_QUERY,
                LIMIT,
                OFFSET,
                *FILTERS,
                _param("facets", "Count all matches by: source,year,author,... or metadata keys."),
                ALL_COPIES,
            ],
            'As `search query --json`: {"query", "total", "hits", "facets", "suggestion"}.',
        ),
        "/api/export": {
            "get": {
                "summary": "Every match of q, streamed in ranked order",
                "parameters": [
                    REQUIRED_QUERY,
                    *FILTERS,
                    _param("format", "csv or jsonl.", enum=["csv", "jsonl"], default="jsonl"),
                ],
                "responses": {
                    "200": {
                        "description": "As `search query --format csv` or `--format jsonl`.",
                        "content": {
                            "text/csv": {"schema": {"type": "string"}},
                            "application/x-ndjson": {"schema": {"type": "string"}},
                        },
                    },
                    "400": ERROR,
                    "503": ERROR,
                },
            }
        },
        "/api/quotes": _get(
            "Quotations about q, ranked; or every quote of a speaker, newest first",
            [
                _param(
                    "q",
                    "What the quotes are about, in the syntax of `search query`. Without it,"
                    " every quote of the speaker, newest article first, unranked (score 0).",
                ),
                _param("speaker", "Only quotes by this person. Give q, speaker or both."),
                LIMIT,
                OFFSET,
                ALL_COPIES,
            ],
            'As `search quotes --json`: {"query", "total", "quotes"}; "query" is null without q.',
        ),
        "/api/speakers": _get(
            "Who is quoted most, over the index or about q",
            [QUERY, {**LIMIT, "schema": {**LIMIT["schema"], "default": 20}}],
            'As `search speakers --json`: [{"name", "quotes", "articles"}].',
        ),
        "/api/articles/{id}": _get(
            "A whole article, with the words of q marked",
            [ARTICLE_ID, QUERY],
            "As `search show --json`.",
        ),
        "/api/similar/{id}": _get(
            "The articles most like this one",
            [ARTICLE_ID, LIMIT, ALL_COPIES],
            "As `search similar --json`.",
        ),
        "/api/stats": _get("What the index holds", [], "As `search stats --json`."),
    },
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {
                            "status": {"type": "integer"},
                            "message": {"type": "string"},
                            "hint": {"type": "string"},
                            "position": {"type": "integer"},
                        },
                        "required": ["status", "message", "hint"],
                    }
                },
            }
        }
    },
}
