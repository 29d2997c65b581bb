"""The library's errors speak no command line: the CLI alone adds commands and flags."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import searcher
from searcher.cli import app

LIBRARY = Path(searcher.__file__).parent
# A flag (--rebuild) or a command line (search index ...).
CLI_WORDS = re.compile(r"(?<![\w-])--[a-z]|\bsearch (index|query|show|similar|quotes|run)\b")


def _message_strings(path: Path) -> list[str]:
    """The string constants of a module, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def _library_modules() -> list[Path]:
    return [
        path
        for path in sorted(LIBRARY.rglob("*.py"))
        if not {"cli", "web"} & set(path.relative_to(LIBRARY).parts)
        and path.name not in {"cli.py", "render.py", "problems.py"}
    ]


def test_library_messages_and_hints_name_no_flag_or_command() -> None:
    offending = [
        f"{path.relative_to(LIBRARY)}: {text!r}"
        for path in _library_modules()
        for text in _message_strings(path)
        if CLI_WORDS.search(text)
    ]
    assert not offending


def test_the_check_sees_a_flag_in_a_string() -> None:
    assert CLI_WORDS.search("Rebuild it: search index PATH --rebuild")
    assert not CLI_WORDS.search("a well-known 2022--2023 range")


@pytest.mark.parametrize(
    ("make", "hint"),
    [
        (lambda ix: None, "search index PATH --index {ix}"),
        (lambda ix: ix.mkdir(), "search index PATH --index {ix}"),
    ],
)
def test_the_cli_turns_a_missing_index_into_the_command_that_builds_it(
    tmp_path: Path, make: object, hint: str
) -> None:
    index = tmp_path / "ix"
    make(index)  # type: ignore[operator]
    result = CliRunner().invoke(app, ["query", "oil", "--index", str(index)])
    assert result.exit_code == 2
    assert hint.format(ix=index) in " ".join(result.stderr.split())
