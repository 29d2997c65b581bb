"""The web app of `search serve`: a search page for reading and a JSON API over one index.

Parts:
- `create_app(index_path)`: the Starlette app. One `Index` serves every request; its
  reader pool lets the threads that run the requests search at once, and each call reads
  the newest commit, so what an indexer commits shows without a restart. Read-only.
- Pages (server-rendered with Jinja2, no script): `/search` (also `/`), `/articles/{id}`,
  `/quotes`, `/speakers`, `/stats`. The URL's query holds the whole state of a page
  (`PageState`), so a search is shared by copying its address.
- The JSON API: `/api/search`, `/api/export` (every match as CSV or JSON Lines, streamed),
  `/api/quotes`, `/api/speakers`, `/api/articles/{id}`, `/api/similar/{id}`, `/api/stats`,
  described by `/api/openapi.json`; the documents are the CLI's `--json` ones
  (`searcher.jsondocs`).
- Errors: a malformed query or parameter is a page or a JSON error with status 400 that
  names the problem, an unknown article 404, an index that cannot be read 503; anything
  else is logged and answered 500 without a traceback.

Text from the articles reaches pages escaped (autoescape); the highlight marks are the
only markup made from data (`marked`). Every answer carries a Content-Security-Policy
that allows no script at all.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searcher import (
    CSV_COLUMNS,
    SORTS,
    Index,
    SearchOptions,
    article_json,
    hit_json,
    hit_row,
    json_text,
    parse_date_bound,
    quotes_json,
    results_json,
    speakers_json,
    stats_json,
)
from searcher.errors import (
    ArticleNotFoundError,
    FilterError,
    IndexMissingError,
    QuerySyntaxError,
    SearcherError,
)
from searcher.models import Span

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 10  # results a page
MAX_LIMIT = 100  # results an API call
MAX_OFFSET = 10_000  # results skipped at most: deeper pages cost every earlier one
SIMILAR_SHOWN = 5  # similar articles under an article
SPEAKERS_SHOWN = 50
FACET_VALUES = 10  # values of a facet shown before "more"
FACET_LIMIT = 50  # values of a facet on a page at most
# Facets the search page leaves out unless its URL asks for them (`facets=`): country and
# language (few indexes have them), and Reuters' DATELINE, a place and day a story
# (1,888 values for "oil prices"; counting them took 1 s of the page's 1.2 s on BBC and
# Reuters).
UNSHOWN_FACETS = ("country", "language", "dateline")
# The filters of a search: URL parameter and `SearchOptions` field, each repeatable.
FILTERS = {
    "source": "sources",
    "author": "authors",
    "country": "countries",
    "language": "languages",
    "section": "sections",
}
KEPT_PARAMS = (*FILTERS, "meta", "facets")
# What the page says of a filter that left no match (`Results.emptied_by`).
FILTER_NAMES = {field: param for param, field in FILTERS.items()} | {
    "since": "the start date",
    "until": "the end date",
}

SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; "
        b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


def create_app(index_path: str | Path) -> Starlette:
    """The app serving the index at `index_path`. Raises `IndexMissingError` (or the
    error that says why it cannot be read) when there is no index with articles there."""
    ix = Index(index_path)
    if not ix.exists():
        raise IndexMissingError(str(index_path))
    if len(ix) == 0:
        raise IndexMissingError(str(index_path), f"The index at {index_path} has no articles")
    site = Site(ix)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        ix.close()

    return Starlette(
        routes=site.routes(),
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: site.http_error},
        lifespan=lifespan,
    )


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def marked(text: str, spans: Iterable[Span]) -> Markup:
    """`text` escaped, with the character ranges `spans` in `<mark>`."""
    parts: list[Markup] = []
    at = 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        parts += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end])]
        parts.append(Markup("</mark>"))
        at = end
    parts.append(escape(text[at:]))
    return Markup("").join(parts)


def article_url(article_id: str, query: str = "") -> str:
    """The page of an article, with the words of `query` marked."""
    url = "/articles/" + quote(article_id, safe="/")
    return f"{url}?{urlencode({'q': query})}" if query else url


def speaker_url(name: str, query: str = "") -> str:
    """Where a speaker's name leads: their quotes about `query`, or with no query the
    articles quoting them (a quote search needs words to look for)."""
    if query:
        return "/quotes?" + urlencode({"q": query, "speaker": name})
    words = " ".join(name.replace('"', " ").split())
    return "/search?" + urlencode({"q": f'speaker:"{words}"'})


def web_link(url: str) -> str:
    """`url` when it is a web address a page may link to, else "" (`javascript:` and the
    like stay text)."""
    return url if url.lower().startswith(("http://", "https://")) else ""


def day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


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


def _whole_number(params: QueryParams, name: str, default: int, low: int, high: int) -> int:
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


def _flag(params: QueryParams, name: str) -> bool:
    return params.get(name, "").strip().lower() in ("1", "true", "yes", "on")


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
    )


def _status(error: SearcherError) -> int:
    if isinstance(error, (QuerySyntaxError, FilterError)):
        return 400
    if isinstance(error, ArticleNotFoundError):
        return 404
    return 503  # the index cannot be read (gone, damaged, another version's)


def error_json(status: int, message: str, hint: str = "", position: int | None = None) -> Response:
    """A JSON error: `{"error": {"status", "message", "hint"[, "position"]}}`; the
    position (0-based) of a query's problem when there is one."""
    error: dict[str, Any] = {"status": status, "message": message, "hint": hint}
    if position is not None:
        error["position"] = position
    return json_response({"error": error}, status)


def json_response(document: object, status: int = 200) -> Response:
    """`document` as the CLI's `--json` writes it (`json_text`)."""
    return Response(json_text(document), status, media_type="application/json")


Endpoint = Callable[[Request], Response]


class Site:
    """The pages and the API over one shared `Index`."""

    def __init__(self, ix: Index) -> None:
        self.ix = ix
        self.env = Environment(
            loader=PackageLoader("searcher.web", "templates"),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
        )
        self.env.filters |= {"marked": marked, "day": day}
        self.env.globals |= {
            "article_url": article_url,
            "web_link": web_link,
            "facet_filter": facet_filter,
            "speaker_url": speaker_url,
            "FACET_VALUES": FACET_VALUES,
            "FACET_LIMIT": FACET_LIMIT,
            "PAGE_SIZE": PAGE_SIZE,
        }

    def routes(self) -> list[BaseRoute]:
        page, api = self._page, self._api
        return [
            Route("/", page(self.search_page)),
            Route("/search", page(self.search_page)),
            Route("/articles/{article_id:path}", page(self.article_page)),
            Route("/quotes", page(self.quotes_page)),
            Route("/speakers", page(self.speakers_page)),
            Route("/stats", page(self.stats_page)),
            Route("/api/search", api(self.api_search)),
            Route("/api/export", api(self.api_export)),
            Route("/api/quotes", api(self.api_quotes)),
            Route("/api/speakers", api(self.api_speakers)),
            Route("/api/articles/{article_id:path}", api(self.api_article)),
            Route("/api/similar/{article_id:path}", api(self.api_similar)),
            Route("/api/stats", api(self.api_stats)),
            Route("/api/openapi.json", api(self.api_openapi)),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]

    # Answers and errors

    def render(self, request: Request, template: str, code: int = 200, **context: Any) -> Response:
        """The page `template` with `context` and the page's state, status `code`."""
        state = PageState(request.url.path, request.query_params)
        html = self.env.get_template(template).render(state=state, **context)
        return HTMLResponse(html, code)

    def _page(self, endpoint: Endpoint) -> Endpoint:
        """`endpoint` answering errors with a page that names the problem."""

        def answer(request: Request) -> Response:
            try:
                return endpoint(request)
            except SearcherError as error:
                return self.error_page(request, _status(error), error)
            except Exception:
                log.exception("internal error answering %s", request.url.path)
                return self.error_page(request, 500)

        return answer

    def _api(self, endpoint: Endpoint) -> Endpoint:
        """`endpoint` answering errors with a JSON error."""

        def answer(request: Request) -> Response:
            try:
                return endpoint(request)
            except QuerySyntaxError as error:
                return error_json(400, str(error), error.hint, error.position)
            except SearcherError as error:
                return error_json(_status(error), str(error), error.hint)
            except Exception:
                log.exception("internal error answering %s", request.url.path)
                return error_json(500, "Internal error: the server's log says more")

        return answer

    def error_page(
        self, request: Request, status: int, error: SearcherError | None = None
    ) -> Response:
        query = request.query_params.get("q", "")
        position = error.position if isinstance(error, QuerySyntaxError) else None
        if position is not None and position < len(query):
            shown = marked(query, [(position, position + 1)])
        else:
            shown = None
        return self.render(
            request,
            "error.html",
            status,
            status=status,
            error=error,
            query=query,
            marked_query=shown,
            # A query to mend keeps its filters; a bad filter is left out.
            kept=PageState(request.url.path, request.query_params).kept if shown else [],
        )

    async def http_error(self, request: Request, exc: Exception) -> Response:
        """A route that does not exist (404) or a method it does not take (405)."""
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if request.url.path.startswith("/api/"):
            return error_json(status, "No such address" if status == 404 else "Not allowed")
        return self.error_page(request, status)

    # Pages

    def search_page(self, request: Request) -> Response:
        params = request.query_params
        text = params.get("q", "").strip()
        if not text:
            return self.render(request, "search.html", q="", results=None, stats=self.ix.stats())
        page = _whole_number(params, "page", 1, 1, MAX_OFFSET // PAGE_SIZE)
        facets = _names(params.get("facets", "")) or [
            name for name in self.ix.facet_names() if name not in UNSHOWN_FACETS
        ]
        results = self.ix.search(
            text,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            options=search_options(params, facets),
            all_copies=_flag(params, "all_copies"),
        )
        pages = min(-(-results.total // PAGE_SIZE), MAX_OFFSET // PAGE_SIZE)
        export = urlencode([(k, v) for k, v in params.multi_items() if k != "page"])
        return self.render(
            request,
            "search.html",
            q=text,
            results=results,
            page=page,
            pages=pages,
            export=export,
            emptied_by=[
                FILTER_NAMES.get(name, name.removeprefix("meta:")) for name in results.emptied_by
            ],
        )

    def article_page(self, request: Request) -> Response:
        article_id = request.path_params["article_id"]
        text = request.query_params.get("q", "").strip()
        view = self.ix.show(article_id, text or None)
        similar = self.ix.similar(view.article.id, limit=SIMILAR_SHOWN)
        return self.render(request, "article.html", view=view, q=text, similar=similar)

    def quotes_page(self, request: Request) -> Response:
        params = request.query_params
        text, speaker = params.get("q", "").strip(), params.get("speaker", "").strip()
        if not text:
            return self.render(request, "quotes.html", q="", speaker=speaker, results=None)
        page = _whole_number(params, "page", 1, 1, MAX_OFFSET // PAGE_SIZE)
        results = self.ix.quotes(
            text,
            speaker=speaker or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            all_copies=_flag(params, "all_copies"),
        )
        pages = min(-(-results.total // PAGE_SIZE), MAX_OFFSET // PAGE_SIZE)
        return self.render(
            request,
            "quotes.html",
            q=text,
            speaker=speaker,
            results=results,
            page=page,
            pages=pages,
        )

    def speakers_page(self, request: Request) -> Response:
        text = request.query_params.get("q", "").strip()
        speakers = self.ix.speakers(text or None, limit=SPEAKERS_SHOWN)
        return self.render(request, "speakers.html", q=text, speakers=speakers)

    def stats_page(self, request: Request) -> Response:
        return self.render(request, "stats.html", stats=self.ix.stats(), index=self.ix.path)

    # The JSON API

    def api_search(self, request: Request) -> Response:
        params = request.query_params
        results = self.ix.search(
            _required_query(params),
            limit=_whole_number(params, "limit", 10, 1, MAX_LIMIT),
            offset=_whole_number(params, "offset", 0, 0, MAX_OFFSET),
            options=search_options(params, _names(params.get("facets", ""))),
            all_copies=_flag(params, "all_copies"),
        )
        return json_response(results_json(results))

    def api_export(self, request: Request) -> Response:
        """Every match, streamed: CSV rows (`CSV_COLUMNS`) or JSON Lines (a hit a line)."""
        params = request.query_params
        form = params.get("format", "jsonl")
        if form not in ("csv", "jsonl"):
            raise FilterError(f"format={form!r} is not csv or jsonl", hint="format=csv")
        hits = self.ix.iter_search(_required_query(params), search_options(params))
        first = next(hits, None)  # a malformed query fails here, before the answer starts
        found = chain([first], hits) if first is not None else iter(())
        if form == "csv":
            rows = (csv_line(hit_row(hit)) for hit in found)
            lines: Iterator[str] = chain([csv_line(CSV_COLUMNS)], rows)
            media, name = "text/csv; charset=utf-8", "search.csv"
        else:
            lines = (json_text(hit_json(hit)) + "\n" for hit in found)
            media, name = "application/x-ndjson", "search.jsonl"
        disposition = {"content-disposition": f'attachment; filename="{name}"'}
        return StreamingResponse(_logged(lines), media_type=media, headers=disposition)

    def api_quotes(self, request: Request) -> Response:
        params = request.query_params
        results = self.ix.quotes(
            _required_query(params),
            speaker=params.get("speaker", "").strip() or None,
            limit=_whole_number(params, "limit", 10, 1, MAX_LIMIT),
            offset=_whole_number(params, "offset", 0, 0, MAX_OFFSET),
            all_copies=_flag(params, "all_copies"),
        )
        return json_response(quotes_json(results))

    def api_speakers(self, request: Request) -> Response:
        params = request.query_params
        text = params.get("q", "").strip() or None
        limit = _whole_number(params, "limit", 20, 1, MAX_LIMIT)
        return json_response(speakers_json(self.ix.speakers(text, limit=limit)))

    def api_article(self, request: Request) -> Response:
        text = request.query_params.get("q", "").strip() or None
        return json_response(article_json(self.ix.show(request.path_params["article_id"], text)))

    def api_similar(self, request: Request) -> Response:
        params = request.query_params
        results = self.ix.similar(
            request.path_params["article_id"],
            limit=_whole_number(params, "limit", 10, 1, MAX_LIMIT),
            all_copies=_flag(params, "all_copies"),
        )
        return json_response(results_json(results))

    def api_stats(self, request: Request) -> Response:
        return json_response(stats_json(self.ix.stats()))

    def api_openapi(self, request: Request) -> Response:
        from searcher.web.openapi import OPENAPI

        return json_response(OPENAPI)


def _required_query(params: QueryParams) -> str:
    text = params.get("q", "")
    if not text.strip():
        raise QuerySyntaxError("Empty query: give q", 0)
    return text


def _names(text: str) -> tuple[str, ...]:
    """Comma-separated names (`facets=source,year`)."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def csv_line(row: Sequence[object]) -> str:
    """One CSV row as the CLI's export writes it (`csv.writer`, `\\r\\n` line ends)."""
    out = io.StringIO()
    csv.writer(out).writerow(row)
    return out.getvalue()


def _logged(lines: Iterator[str]) -> Iterator[str]:
    """`lines`, stopping with a log entry if reading on fails (the answer has begun, so
    its status can no longer say so)."""
    try:
        yield from lines
    except Exception:
        log.exception("export stopped")
