"""`search quotes` and `search speakers`: quotations and who is quoted most."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from searcher import DEFAULT_INDEX, open_index, quotes_json, speakers_json
from searcher.cli.app import (
    AllCopiesOption,
    IndexOption,
    JsonOption,
    ReplicasOption,
    SchedulerOption,
    _echo_json,
    _print,
    _user_errors,
)


def quotes_command(
    text: Annotated[
        str | None,
        typer.Argument(
            help="What the quotes are about (optional with --speaker).", show_default=False
        ),
    ] = None,
    index: IndexOption = Path(DEFAULT_INDEX),
    speaker: Annotated[
        str | None,
        typer.Option(
            "--speaker",
            help="Only quotes by this person (words of the name); without TEXT, every quote"
            " of theirs, newest first.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Quotes to show.")] = 10,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Quotes to skip first.")] = 0,
    as_json: JsonOption = False,
    all_copies: AllCopiesOption = False,
    scheduler: SchedulerOption = None,
    replicas: ReplicasOption = 1,
) -> None:
    """Find quotations about TEXT: who said it, how, and in which article. Ranked, highlighted;
    a quote that copies of one story repeat is listed once. With --speaker and no TEXT,
    everything that person said, newest article first.

    Example: search quotes corruption --speaker Shekenova
    """
    from searcher.cli.render_quotes import quotes_heading, quotes_lines, quotes_renderable

    with _user_errors(), open_index(index, scheduler, replicas) as ix:
        results = ix.quotes(
            text, speaker=speaker, limit=limit, offset=offset, all_copies=all_copies
        )
    if as_json:
        _echo_json(quotes_json(results))
    else:
        _print(quotes_renderable(results), quotes_lines(results, offset), quotes_heading(results))


def speakers_command(
    text: Annotated[
        str | None, typer.Argument(help="Only quotes about this (optional).", show_default=False)
    ] = None,
    index: IndexOption = Path(DEFAULT_INDEX),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Speakers to show.")] = 20,
    as_json: JsonOption = False,
    all_copies: AllCopiesOption = False,
    scheduler: SchedulerOption = None,
    replicas: ReplicasOption = 1,
) -> None:
    """List who is quoted most, over the whole index or in quotes about TEXT; a person
    counts once whatever the form of the name, a quote that copies repeat once.

    Example: search speakers protests --limit 5
    """
    from searcher.cli.render_quotes import speakers_heading, speakers_lines, speakers_renderable

    with _user_errors(), open_index(index, scheduler, replicas) as ix:
        speakers = ix.speakers(text, limit=limit, all_copies=all_copies)
    if as_json:
        _echo_json(speakers_json(speakers))
    else:
        heading = speakers_heading(speakers, text)
        _print(speakers_renderable(speakers, text), speakers_lines(speakers), heading)
