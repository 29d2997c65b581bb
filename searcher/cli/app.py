"""The `search` command line: the Typer app, the options and arguments commands share, how
library errors become one line and an exit code, and writing results to stdout. The commands
live in modules by job, registered on `app` in `searcher.cli`.

Exit codes: 0 success (also when nothing matched), 1 input skipped under --strict,
2 usage or query error, index missing or locked, 3 an unexpected internal error.
"""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from typer.core import TyperCommand, TyperOption

from searcher import clean, json_text
from searcher.errors import (
    ArticleNotFoundError,
    DiskFullError,
    IndexDamagedError,
    IndexMissingError,
    IndexOutdatedError,
    IndexReadOnlyError,
    NotAnIndexError,
    SearcherError,
    ShardsOnWorkersError,
    WorkerLostError,
)

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class _Search(typer.Typer):
    """The `search` command line, run as a process: while it starts (imports, reading its
    arguments) it makes only objects that live as long as it does, so the garbage
    collector stays off until the command runs, and is kept from walking them again
    (`gc.freeze`): a whole `search query` takes some 15% less time."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        gc.disable()
        try:
            return super().__call__(*args, **kwargs)
        finally:
            gc.enable()


app = _Search(
    help="Full-text search for news corpora: index articles, then query them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _started() -> None:
    # Every command starts here, its arguments read: what the process made so far stays.
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


# The consoles are made on first use: a query that prints JSON and no note never imports
# rich (some 30 ms of a whole `search query` process).


@cache
def console() -> Console:
    """Results go to stdout: drawn by rich on a terminal, else plain records, one a line."""
    from rich.console import Console

    return Console(highlight=False)


@cache
def errors() -> Console:
    """Errors, notes, progress and summaries go to stderr, one line per message."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


IndexOption = Annotated[
    Path,
    typer.Option(
        "--index",
        envvar="SEARCHER_INDEX",
        help="Index folder (default ./index, or $SEARCHER_INDEX).",
        show_default=False,
    ),
]


SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="SEARCHER_SCHEDULER",
        help="A Dask scheduler (tcp://HOST:PORT, or $SEARCHER_SCHEDULER) whose workers "
        "write and search the shards of a sharded index.",
        show_default=False,
    ),
]
ReplicasOption = Annotated[
    int,
    typer.Option(
        "--replicas",
        min=1,
        help="With --scheduler: workers serving each shard (a query moves to the next "
        "when one is lost).",
    ),
]


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
AllCopiesOption = Annotated[
    bool, typer.Option("--all-copies", help="Show every copy of a story, not only the best one.")
]


FeedbackOption = Annotated[
    bool,
    typer.Option(
        "--feedback/--no-feedback",
        help="Rerank with words of the best articles (pseudo-relevance feedback; on by default).",
    ),
]


ArticleArgument = Annotated[
    str,
    typer.Argument(
        metavar="ARTICLE",
        help="The article's id, or the path of its file (absolute or relative).",
        show_default=False,
    ),
]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn library errors into one line on stderr and an exit code; never a traceback."""
    try:
        yield
    except SearcherError as error:
        from rich.text import Text  # here: a query that succeeds never imports rich

        errors().print(Text.assemble(("Error:", "red"), " ", clean(str(error))))
        if hint := _hint(error):
            errors().print(Text(clean(hint), style="dim"))
        raise typer.Exit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        errors().print("Interrupted; the index keeps its last commit.")
        raise typer.Exit(130) from None
    except Exception as error:  # a bug: still one line, but with a way to see more
        if os.environ.get("SEARCHER_DEBUG"):
            raise
        message = f"{type(error).__name__}: {clean(str(error))}"
        from rich.text import Text

        errors().print(Text.assemble(("Internal error:", "red"), " ", message))
        errors().print("Set SEARCHER_DEBUG=1 to see the traceback, and please report it.")
        raise typer.Exit(EXIT_INTERNAL) from None


def _hint(error: SearcherError) -> str:
    """The next step after `error`, naming the command and flags that take it; else the
    library's own hint."""
    if isinstance(error, (IndexDamagedError, IndexOutdatedError)):
        return f"Rebuild it from the articles: search index PATH --rebuild --index {error.folder}"
    if isinstance(error, IndexMissingError):
        return f"Build one first with: search index PATH --index {error.folder}"
    if isinstance(error, ArticleNotFoundError):
        return "Article ids are shown under each result of: search query TEXT"
    if isinstance(error, NotAnIndexError):
        return "Give --index a folder of its own: a new or empty one, or a searcher index."
    if isinstance(error, DiskFullError):
        return "Free some space, then run the command again: indexing goes on from the last commit."
    if isinstance(error, WorkerLostError):
        return "If memory ran out, index with fewer --workers: it goes on from the last commit."
    if isinstance(error, ShardsOnWorkersError):
        return "Give --scheduler the address of the scheduler of the workers that hold them."
    if isinstance(error, IndexReadOnlyError):
        return "It can still be searched; to index, copy it to a writable place (--index DIR)."
    return error.hint


def _print(terminal: RenderableType, lines: Iterable[str], heading: Text | None = None) -> None:
    """Results: `terminal` drawn on a terminal; else the plain `lines` on stdout and their
    `heading` on stderr."""
    if console().is_terminal:
        console().print(terminal)
        return
    if heading is not None:
        errors().print(heading)
    with _stdout() as out:
        for line in lines:
            out.write(line + "\n")


def _echo_json(document: object) -> None:
    """One JSON document on stdout."""
    with _stdout() as out:
        out.write(json_text(document) + "\n")


@contextmanager
def _stdout() -> Iterator[TextIO]:
    """stdout to write records to; a reader that stops early (`| head`) is no error."""
    try:
        yield sys.stdout
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again when flushing stdout at exit: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class DashedText(TyperCommand):
    """A command whose TEXT may start with a dash: `search query -oil` is the query
    "-oil" (articles without oil), not an unknown option. Options keep their meaning."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, _dashed_text_last(self, args))


def _dashed_text_last(command: TyperCommand, args: list[str]) -> list[str]:
    """`args` with a word that starts with one dash and is no option of `command` moved
    after `--`, where it is read as an argument."""
    options = [param for param in command.params if isinstance(param, TyperOption)]
    names = {name for option in options for name in (*option.opts, *option.secondary_opts)}
    takes_value = {
        name for option in options if not (option.is_flag or option.count) for name in option.opts
    }
    kept: list[str] = []
    texts: list[str] = []
    rest = iter(args)
    for arg in rest:
        if arg == "--":
            texts += rest
        elif arg in takes_value:
            kept += [arg, *islice(rest, 1)]  # its value, whatever it looks like
        elif re.match(r"-[^\W\d]", arg) and not _option(arg, names, takes_value):
            texts.append(arg)
        else:
            kept.append(arg)
    return [*kept, "--", *texts] if texts else kept


def _option(arg: str, names: set[str], takes_value: set[str]) -> bool:
    """Whether `arg` is an option: one of `names`, or a short one with its number attached
    (`-n5`)."""
    return arg in names or (arg[:2] in takes_value and arg[2:].isdigit())
