"""The import rules of docs/ARCHITECTURE.md: import-linter contracts in pyproject.toml, kept."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
ROOT = Path(__file__).resolve().parents[1]


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def test_the_contracts_name_the_stages_and_their_rules() -> None:
    rules = contracts()
    readers = rules["readers-enrichers"]
    assert set(readers["source_modules"]) == {"searcher.corpus", "searcher.enrich"}
    assert {"whoosh", "searcher.store", "searcher.query", "searcher.index"} <= set(
        readers["forbidden_modules"]
    )
    query = rules["query"]
    assert query["source_modules"] == ["searcher.query"]
    assert {"searcher.corpus", "searcher.enrich", "searcher.store.writer"} <= set(
        query["forbidden_modules"]
    )
    library = rules["library-no-cli"]
    package = ROOT / "searcher"
    members = {
        f"searcher.{path.stem}"
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").exists()
    }
    # every part of the package but the CLI is held to it (the web front end too)
    assert set(library["source_modules"]) == members - {"searcher.cli"}
    assert {"rich", "typer", "searcher.cli"} <= set(library["forbidden_modules"])
    cli = rules["cli-public-api"]
    assert cli["source_modules"] == ["searcher.cli"]
    assert set(cli["forbidden_modules"]) >= members - {
        "searcher.cli",
        "searcher.web",
        "searcher.errors",
        "searcher.models",
    }
    web = rules["web-public-api"]
    assert web["source_modules"] == ["searcher.web"]
    assert set(web["forbidden_modules"]) >= members - {
        "searcher.web",
        "searcher.errors",
        "searcher.models",
    } | {"rich", "typer"}
    assert all(rule["type"] == "forbidden" for rule in rules.values())


def test_the_makefile_lints_the_imports() -> None:
    lint = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "lint-imports" in lint


def test_the_package_keeps_the_contracts() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.skip("import-linter is not installed (the `test` extra brings it)")
    done = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in done.stdout
