"""`search serve`: the web page and JSON API over an index."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from searcher import DEFAULT_INDEX, clean
from searcher.cli.app import IndexOption, ReplicasOption, SchedulerOption, _user_errors, errors
from searcher.errors import SearcherError


def serve_command(
    index: IndexOption = Path(DEFAULT_INDEX),
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: this machine only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    scheduler: SchedulerOption = None,
    replicas: ReplicasOption = 1,
) -> None:
    """Serve a search page and a JSON API over the index (read-only) until Ctrl+C.

    Pages: search with facets, articles, quotes, speakers, stats; the API under /api
    (described at /api/openapi.json) gives the documents of --json.

    Example: search serve --index bbc-index --port 8080
    """
    import socket

    import uvicorn  # the web stack: only this command needs it

    from searcher.web import create_app

    with _user_errors():
        web_app = create_app(index, scheduler, replicas)
        try:
            sock = socket.create_server((host, port))
        except OSError as error:
            reason = os.strerror(error.errno) if error.errno else str(error)
            raise SearcherError(
                f"Cannot listen on {host}:{port}: {reason}",
                "Choose another --port, or stop what listens there.",
            ) from None
    from rich.text import Text

    errors().print(Text(clean(f"Serving {index} at http://{host}:{port}/ (Ctrl+C stops)")))
    server = uvicorn.Server(uvicorn.Config(web_app, log_level="warning"))
    server.run(sockets=[sock])
