"""A request's parameters: the state of a page, which its URL carries whole, and the
search options, numbers and flags read from it (a bad value is a `FilterError`, a 400)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from searcher import SORTS, SearchOptions, parse_date_bound
from searcher.errors import FilterError, QuerySyntaxError
from searcher.web.markup import article_url

# The filters of a search: URL parameter and `SearchOptions` field, each repeatable.
FILTERS = {
    "source": "sources",
    "author": "authors",
    "country": "countries",
    "language": "languages",
    "section": "sections",
}
KEPT_PARAMS = (*FILTERS, "meta", "facets", "feedback")


class PageState:
    """The state of a page as its URL's query: name-value pairs in order (empty values
    left out), and the URLs of the states a click away. A new state starts at page 1."""

    def __init__(self, path: str, params: QueryParams) -> None:
        self.path = path
        self.params = [(name, value) for name, value in params.multi_items() if value.strip()]

    def get(self, name: str) -> str:
        return next((value for key, value in self.params if key == name), "")

    def getlist(self, name: str) -> list[str]:
        return [value for key, value in self.params if key == name]

    def has(self, name: str, value: str) -> bool:
        return (name, value) in self.params

    def article(self, article_id: str) -> str:
        """The page of an article, keeping this page's search (its query marks the
        article's words; the article's page leads back to the search)."""
        return self.href(path=article_url(article_id), set={"page": self.get("page")})

    def search(self) -> str:
        """The search this page keeps, at its page."""
        return self.href(path="/search", set={"page": self.get("page")})

    @property
    def kept(self) -> list[tuple[str, str]]:
        """The pairs a new query keeps (the search form's hidden fields): the filters
        and the facets chosen."""
        return [(name, value) for name, value in self.params if name in KEPT_PARAMS]

    def href(
        self,
        set: dict[str, str] | None = None,
        add: tuple[str, str] | None = None,
        remove: tuple[str, str] | None = None,
        path: str | None = None,
    ) -> str:
        """This page's URL with the names of `set` given those values (or dropped when
        ""), the pair `add` added and the pair `remove` left out."""
        changes = {"page": "", **(set or {})}
        pairs = []
        for name, value in self.params:
            if name in changes:  # set where it stood, once
                value = changes.pop(name)
            if value and (name, value) != remove:
                pairs.append((name, value))
        pairs += [(name, value) for name, value in changes.items() if value]
        if add is not None and add not in pairs:
            pairs.append(add)
        query = urlencode(pairs)
        return (path or self.path) + (f"?{query}" if query else "")


def facet_filter(name: str, label: str) -> dict[str, Any] | None:
    """How a click on the value `label` of the facet `name` filters: `add` a pair or `set`
    parameters; None for "(none)", which no filter selects."""
    if label == "(none)":
        return None
    if name == "year":
        return {"set": {"since": label, "until": label}}
    if name in FILTERS:
        return {"add": (name, label)}
    return {"add": ("meta", f"{name}={label}")}


def whole_number(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
    """The parameter `name` as a whole number from `low` to `high`."""
    text = params.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise FilterError(
            f"{name}={text!r} is not a whole number from {low:,} to {high:,}",
            hint=f"For example: {name}={default}",
        )
    return int(text)


def flag(params: QueryParams, name: str, default: bool = False) -> bool:
    """The parameter `name` as a yes (1, true, yes, on) or a no (any other value);
    `default` when it is absent or empty (`feedback=0` turns feedback off)."""
    text = params.get(name, "").strip().lower()
    return text in ("1", "true", "yes", "on") if text else default


def _date(params: QueryParams, name: str) -> datetime | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_date_bound(text, end=name == "until")
    except FilterError as error:
        raise FilterError(f"{name}: {error}", error.hint) from None


def search_options(params: QueryParams, facets: Sequence[str] = ()) -> SearchOptions:
    """The filters, order and facets a URL's query asks of a search."""
    metadata: dict[str, tuple[str, ...]] = {}
    for pair in params.getlist("meta"):
        key, sep, value = pair.partition("=")
        if not (sep and key.strip() and value.strip()):
            hint = "For example: meta=topics=crude"
            raise FilterError(f"meta={pair!r} is not KEY=VALUE", hint=hint)
        metadata[key.strip()] = (*metadata.get(key.strip(), ()), value.strip())
    sort = params.get("sort", "").strip() or "relevance"
    if sort not in SORTS:
        raise FilterError(f"sort={sort!r} is not one of {', '.join(SORTS)}", choices=SORTS)
    recent = None
    if text := params.get("recent", "").strip():
        try:
            recent = float(text)
        except ValueError:
            recent = -1.0
        if not 0.001 <= recent <= 1e6:
            raise FilterError(f"recent={text!r} is not a half-life in days", hint="recent=30")

    def values(param: str) -> tuple[str, ...]:
        return tuple(value.strip() for value in params.getlist(param) if value.strip())

    return SearchOptions(
        sources=values("source"),
        authors=values("author"),
        countries=values("country"),
        languages=values("language"),
        sections=values("section"),
        metadata=metadata,
        since=_date(params, "since"),
        until=_date(params, "until"),
        sort=sort,
        recent=recent,
        facets=tuple(facets),
        feedback=flag(params, "feedback", default=True),
    )


def required_query(params: QueryParams) -> str:
    text = params.get("q", "")
    if not text.strip():
        raise QuerySyntaxError("Empty query: give q", 0)
    return text


def comma_list(text: str) -> tuple[str, ...]:
    """Comma-separated names (`facets=source,year`)."""
    return tuple(name.strip() for name in text.split(",") if name.strip())
