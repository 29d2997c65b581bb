"""The README's examples run as written on the shipped data (corpus/, the seed article)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SEED
from typer.testing import CliRunner

from searcher.cli import app

# Examples that name data the repository does not ship (templates for the reader's own
# files, the shared corpora, the indexes built from them).
ELSEWHERE = re.compile(r"~/archive|reuters21578/|feed\.jsonl|bbc/|-index\b|topics\.|qrels")
# Dates: the seed article has none, so date filters find nothing (and say so).
DATED = ("--since", "--until")
SEED_ID = f"corpus/{SEED.name}"


def examples() -> list[str]:
    """The `search ...` lines of the README's sh blocks, comments removed."""
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    lines = [line for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith("search ")]


def test_every_shipped_data_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SEARCHER_INDEX", raising=False)
    runner = CliRunner()
    ran = []
    for line in examples():
        if ELSEWHERE.search(line):
            continue
        args = shlex.split(line, comments=True)[1:]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (line, result.output)
        if args[0] in ("query", "show", "quotes") and not set(DATED) & set(args):
            assert SEED_ID in result.output, (line, result.output)  # the seed is found
        ran.append(args[0])
    assert ran[0] == "index" and len(ran) >= 18


def test_the_python_examples_run_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert "Russian paratroopers arrive in Kazakhstan" in capsys.readouterr().out
