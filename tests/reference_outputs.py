"""The product's outputs recorded as a reference, so that a change meant to keep behaviour
(moving code, a new write path) can show it kept it, byte for byte.

The index: the seed, all of BBC and three Reuters files, built the normal way in several
segments (one worker, so that the segments, and with them every tie, come out the same on
every run). The commands: every command with `--json`, queries with syntax, filters,
facets, sorts and suggestions (not recency, which moves with the clock). Paths under the
build folder and ../shared, and the moments of an index (its size, its last update) are masked.

    python tests/reference_outputs.py   # record tests/reference_outputs.json anew

Record anew only for a change that means to change what users see, and say so.
"""

from __future__ import annotations

import json
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from searcher.cli import app

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
RECORD = TESTS / "reference_outputs.json"
REUTERS_FILES = ("reut2-000.sgm", "reut2-009.sgm", "reut2-018.sgm")
SEED_ID = "corpus/000_c62dc9544255aea0.txt"
BBC_ID = "bbc/business/001.txt"
REUTERS_ID = "reuters/reut2-000.sgm#2"

QUERIES: tuple[tuple[str, ...], ...] = (
    ("CSTO troops",),
    ("oil prices",),
    ("oil prices", "--limit", "5", "--offset", "5"),
    ('"interest rates"',),
    ('"oil prices"~5',),
    ("oil -opec",),
    ("(oil OR gas) AND NOT prices",),
    ("headline:oil",),
    ("quote:corruption",),
    ("speaker:blair",),
    ("source:reuters cocoa",),
    ("protest*",),
    ("kaz?khstan",),
    ("goverment~2",),
    ("date:1987-03 oil",),
    ("date:[2004 to 2005] election",),
    ("topics:crude",),
    ("places:usa grain",),
    ("section:sport england",),
    ("tony blare iraq",),
    ("opec", "--since", "2004"),
    ("opec", "--until", "1987-03-31"),
    ("opec", "--sort", "newest"),
    ("opec", "--sort", "oldest"),
    ("oil", "--source", "reuters", "--facets", "source,year,author,section,topics"),
    ("election", "--facets", "source,year,author,country,language,section"),
    ("music", "--section", "entertainment", "--limit", "3"),
    ("oil", "--meta", "topics=crude", "--limit", "3"),
    ("oil", "--all-copies", "--limit", "20"),
    ("mobile phone", "--limit", "20"),
)

COMMANDS: tuple[tuple[str, ...], ...] = (
    *(("query", *q, "--json") for q in QUERIES),
    ("show", SEED_ID, "--query", "CSTO troops", "--json"),
    ("show", BBC_ID, "--json"),
    ("show", REUTERS_ID, "--json"),
    ("similar", BBC_ID, "--json"),
    ("similar", REUTERS_ID, "--limit", "5", "--json"),
    ("quotes", "corruption", "--json"),
    ("quotes", "economy", "--json"),
    ("quotes", "iraq", "--speaker", "blair", "--json"),
    ("speakers", "--json"),
    ("speakers", "election", "--limit", "5", "--json"),
    ("duplicates", "--json"),
    ("stats", "--json"),
)

TOPICS = "t1\toil prices\nt2\tinterest rates rise\nt3\tCSTO troops\nt4\ttony blair iraq\n"
MASKED_KEYS = {"size", "updated", "size_bytes", "last_update"}


def build(work: Path, shared: Path) -> Path:
    """The reference index in `work`, from the seed, BBC and three Reuters files."""
    reuters = work / "reuters"
    reuters.mkdir()
    with tarfile.open(shared / "corpora" / "reuters21578" / "reuters21578.tar.gz") as tar:
        for name in REUTERS_FILES:
            member = tar.extractfile(f"reuters21578/{name}")
            assert member is not None
            (reuters / name).write_bytes(member.read())
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    index = work / "index"
    sources = (corpus, shared / "corpora" / "bbc", reuters)
    options = ("--index", str(index), "-q", "--workers", "1", "--commit-every", "700")
    result = CliRunner().invoke(app, ["index", *map(str, sources), *options])
    assert result.exit_code == 0, result.output
    return index


def outputs(index: Path, work: Path, shared: Path) -> dict[str, Any]:
    """Every command's JSON over `index`, masked, by the command line that gave it."""
    runner = CliRunner()
    recorded: dict[str, Any] = {}
    places = {"<work>": work, "<shared>": shared}
    for command in COMMANDS:
        result = runner.invoke(app, [*command, "--index", str(index)])
        recorded[" ".join(command)] = _masked(json.loads(result.stdout), places)
    topics = work / "topics.tsv"
    topics.write_text(TOPICS, encoding="utf-8")
    result = runner.invoke(app, ["run", str(topics), "--index", str(index), "--limit", "20"])
    recorded["run topics.tsv --limit 20"] = result.stdout.splitlines()
    return recorded


def _masked(value: Any, places: dict[str, Path]) -> Any:
    """`value` with the folders of `places` named by their keys, and moments masked."""
    if isinstance(value, dict):
        return {k: "<masked>" if k in MASKED_KEYS else _masked(v, places) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, places) for v in value]
    if isinstance(value, str):
        for name, folder in places.items():
            value = value.replace(str(folder.resolve()), name).replace(str(folder), name)
    return value


def dumps(recorded: dict[str, Any]) -> str:
    return json.dumps(recorded, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main() -> None:
    import tempfile

    shared = ROOT.parent / "shared"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        RECORD.write_text(dumps(outputs(build(work, shared), work, shared)), encoding="utf-8")
    sys.stdout.write(f"recorded {RECORD}\n")


if __name__ == "__main__":
    main()
