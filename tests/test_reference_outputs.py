"""The product's outputs equal the recorded reference (see `reference_outputs.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import shared_path
from reference_outputs import RECORD, build, dumps, outputs

pytestmark = pytest.mark.corpora


def test_every_command_answers_as_recorded(tmp_path: Path) -> None:
    shared = shared_path("corpora").parent
    recorded = json.loads(RECORD.read_text(encoding="utf-8"))
    now = json.loads(dumps(outputs(build(tmp_path, shared), tmp_path, shared)))
    changed = [command for command in recorded if now.get(command) != recorded[command]]
    assert sorted(now) == sorted(recorded)
    assert changed == [], f"answers differ from the reference: {changed}"
