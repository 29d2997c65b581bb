import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED

from searcher import Index, read_corpus
from searcher.analysis import _snowball, stem
from searcher.stemtable import STEM_FILE, known_stems


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stems") / "ix"
    Index(path).update(read_corpus(SEED.parent), workers=2)
    return path


def test_every_recorded_stem_is_nltks_own(index: Path) -> None:
    rows = sqlite3.connect(index / STEM_FILE).execute("SELECT word, stem FROM stems").fetchall()
    assert len(rows) > 200
    assert ("troops", "troop") in rows
    assert all(_snowball()(word) == stemmed for word, stemmed in rows)


def test_unknown_words_still_go_to_nltk(index: Path) -> None:
    with known_stems(index):
        assert stem("zigzagging") == _snowball()("zigzagging") == "zigzag"


def test_a_query_process_does_not_import_nltk_and_ranks_the_same(index: Path) -> None:
    script = (
        "import json, sys\nfrom searcher import Index\n"
        f"hits = [h.id for h in Index({str(index)!r}).search('CSTO troops protesters')]\n"
        "print(json.dumps([hits, 'nltk' in sys.modules]))"
    )
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    hits, imported_nltk = json.loads(output.stdout)
    assert not imported_nltk
    assert hits == [h.id for h in Index(index).search("CSTO troops protesters")]
