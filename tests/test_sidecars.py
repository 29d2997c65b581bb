"""SQLite sidecars read without writing, and damage named (`searcher.store.sidecars`)."""

import sqlite3
from pathlib import Path

import pytest

from searcher import IndexDamagedError
from searcher.store.sidecars import connect_read_only, damage, has_table, sidecar_damage


def _database(path: Path, wal: bool = False) -> None:
    db = sqlite3.connect(path)
    if wal:
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE words (word TEXT)")
    db.execute("INSERT INTO words VALUES ('oil')")
    db.commit()
    db.close()


def test_a_read_only_connection_reads_and_never_writes(tmp_path: Path) -> None:
    assert connect_read_only(tmp_path / "none.sqlite") is None
    path = tmp_path / "odd #?% name.sqlite"  # a URI needs these escaped
    _database(path, wal=True)
    db = connect_read_only(path)
    assert db is not None and has_table(db, "words") and not has_table(db, "stems")
    assert db.execute("SELECT word FROM words").fetchall() == [("oil",)]
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("INSERT INTO words VALUES ('gas')")
    db.close()


def test_damage_is_found_and_named(tmp_path: Path) -> None:
    sound, broken = tmp_path / "sound.sqlite", tmp_path / "broken.sqlite"
    _database(sound)
    broken.write_bytes(b"not a database at all" * 100)
    assert damage(sound) is None and damage(tmp_path / "none.sqlite") is None
    assert damage(broken) == "file is not a database"
    with (
        pytest.raises(IndexDamagedError, match=r"damaged: broken\.sqlite cannot be read") as error,
        sidecar_damage(tmp_path, "sound.sqlite", "broken.sqlite"),
    ):
        sqlite3.connect(broken).execute("SELECT 1 FROM words")
    assert error.value.file == "broken.sqlite"
    with pytest.raises(sqlite3.OperationalError), sidecar_damage(tmp_path, "sound.sqlite"):
        raise sqlite3.OperationalError("database is locked")  # not damage
