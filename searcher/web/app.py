"""The web app of `search serve`: a search page for reading and a JSON API over one index.

Parts:
- `create_app(index_path)`: the Starlette app. One `Index` serves every request; its
  reader pool lets the threads that run the requests search at once, and each call reads
  the newest commit, so what an indexer commits shows without a restart. Read-only.
- Pages (server-rendered with Jinja2, no script): `/search` (also `/`), `/articles/{id}`,
  `/quotes`, `/speakers`, `/stats`. The URL's query holds the whole state of a page
  (`params.PageState`, with the options read from it), so a search is shared by copying
  its address; `markup` has what the templates call.
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
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from searcher import (
    CSV_COLUMNS,
    Index,
    article_json,
    hit_json,
    hit_row,
    json_text,
    open_index,
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
from searcher.web.markup import article_url, day, marked, speaker_url, web_link
from searcher.web.params import (
    FILTERS,
    PageState,
    comma_list,
    facet_filter,
    flag,
    required_query,
    search_options,
    whole_number,
)

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


def create_app(
    index_path: str | Path, scheduler: str | None = None, replicas: int = 1
) -> Starlette:
    """The app serving the index at `index_path` (a sharded one searched by the workers
    of the Dask `scheduler` when given, see `open_index`). Raises `IndexMissingError` (or
    the error that says why it cannot be read) when there is no index with articles there."""
    ix = open_index(index_path, scheduler, replicas)
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
        page = whole_number(params, "page", 1, 1, MAX_OFFSET // PAGE_SIZE)
        facets = comma_list(params.get("facets", "")) or [
            name for name in self.ix.facet_names() if name not in UNSHOWN_FACETS
        ]
        results = self.ix.search(
            text,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            options=search_options(params, facets),
            all_copies=flag(params, "all_copies"),
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
        if not (text or speaker):
            return self.render(request, "quotes.html", q="", speaker="", results=None)
        page = whole_number(params, "page", 1, 1, MAX_OFFSET // PAGE_SIZE)
        results = self.ix.quotes(
            text or None,
            speaker=speaker or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
            all_copies=flag(params, "all_copies"),
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
            required_query(params),
            limit=whole_number(params, "limit", 10, 1, MAX_LIMIT),
            offset=whole_number(params, "offset", 0, 0, MAX_OFFSET),
            options=search_options(params, comma_list(params.get("facets", ""))),
            all_copies=flag(params, "all_copies"),
        )
        return json_response(results_json(results))

    def api_export(self, request: Request) -> Response:
        """Every match, streamed: CSV rows (`CSV_COLUMNS`) or JSON Lines (a hit a line)."""
        params = request.query_params
        form = params.get("format", "jsonl")
        if form not in ("csv", "jsonl"):
            raise FilterError(f"format={form!r} is not csv or jsonl", hint="format=csv")
        hits = self.ix.iter_search(required_query(params), search_options(params))
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
            params.get("q"),  # without q the speaker's quotes; with neither, a FilterError
            speaker=params.get("speaker", "").strip() or None,
            limit=whole_number(params, "limit", 10, 1, MAX_LIMIT),
            offset=whole_number(params, "offset", 0, 0, MAX_OFFSET),
            all_copies=flag(params, "all_copies"),
        )
        return json_response(quotes_json(results))

    def api_speakers(self, request: Request) -> Response:
        params = request.query_params
        text = params.get("q", "").strip() or None
        limit = whole_number(params, "limit", 20, 1, MAX_LIMIT)
        return json_response(speakers_json(self.ix.speakers(text, limit=limit)))

    def api_article(self, request: Request) -> Response:
        text = request.query_params.get("q", "").strip() or None
        return json_response(article_json(self.ix.show(request.path_params["article_id"], text)))

    def api_similar(self, request: Request) -> Response:
        params = request.query_params
        results = self.ix.similar(
            request.path_params["article_id"],
            limit=whole_number(params, "limit", 10, 1, MAX_LIMIT),
            all_copies=flag(params, "all_copies"),
        )
        return json_response(results_json(results))

    def api_stats(self, request: Request) -> Response:
        return json_response(stats_json(self.ix.stats()))

    def api_openapi(self, request: Request) -> Response:
        from searcher.web.openapi import OPENAPI

        return json_response(OPENAPI)


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
