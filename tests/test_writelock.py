import os
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from searcher import IndexLockedError, SearcherError
from searcher.store.writelock import HOLDER_FILE, write_lock


def test_the_holder_is_named_while_the_lock_is_held_and_forgotten_after(tmp_path: Path) -> None:
    storage = FileStorage(str(tmp_path))
    with write_lock(storage, []):
        assert (tmp_path / HOLDER_FILE).read_text() == str(os.getpid())
        with (
            pytest.raises(IndexLockedError, match=f"indexer process {os.getpid()}"),
            write_lock(storage, []),
        ):
            pass
    assert not (tmp_path / HOLDER_FILE).exists()
    with write_lock(storage, []):  # released
        pass


def test_a_holder_file_without_a_lock_is_a_dead_indexer(tmp_path: Path) -> None:
    (tmp_path / HOLDER_FILE).write_text("4242")
    notes: list[str] = []
    with write_lock(FileStorage(str(tmp_path)), notes):
        pass
    assert len(notes) == 1 and "indexer process 4242" in notes[0]


def test_a_folder_where_the_lock_file_belongs_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "MAIN_WRITELOCK").mkdir()
    with (
        pytest.raises(SearcherError, match=r"its lock file .*MAIN_WRITELOCK is a folder") as error,
        write_lock(FileStorage(str(tmp_path)), []),
    ):
        pass
    assert "Remove that folder" in error.value.hint
    assert not (tmp_path / HOLDER_FILE).exists()
