"""Every use of Whoosh's private internals is in `searcher/whoosh_internals.py`: elsewhere no
private name is imported from Whoosh, read off an object other than `self`/`cls`, or passed
as a keyword (`_lk=`)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "searcher"
HOME = PACKAGE / "whoosh_internals.py"
# Private names of Python's own, not Whoosh's, used where they are explained: the pipe of
# a process pool's notifier (`store/workers.py`, `_Pool`).
NOT_WHOOSH = {"store/workers.py": {"._reader"}}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_uses(path: Path) -> list[str]:
    """The private names `path` imports from Whoosh or reads off other objects."""
    uses = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            uses += [f"{node.lineno}: import {a.name}" for a in node.names if _private(a.name)]
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
                uses.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg and _private(node.arg):
            uses.append(f"{node.lineno}: {node.arg}=")
    return uses


def test_only_whoosh_internals_uses_whoosh_private_names() -> None:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE))
        allowed = NOT_WHOOSH.get(name, set())
        uses = [use for use in private_uses(path) if use.split(": ")[1] not in allowed]
        if path != HOME and uses:
            found[name] = uses
    assert found == {}
    assert len(private_uses(HOME)) > 20  # the check sees them where they are
