import errno
import os
from pathlib import Path

import pytest

from searcher.models import Problem
from searcher.store.filestate import (
    STATE_FILE,
    FileFingerprint,
    FileState,
    fingerprint,
    load_state,
    read_fingerprint,
    save_state,
)


def test_signature_sees_size_mtime_and_content(tmp_path: Path) -> None:
    file = tmp_path / "a.txt"
    file.write_text("one")
    first = fingerprint(file)
    assert first.same_stat(file.stat())
    os.utime(file, ns=(1, 1))
    assert not first.same_stat(file.stat())
    assert fingerprint(file).sha1 == first.sha1
    file.write_text("two")
    assert fingerprint(file).sha1 != first.sha1


def test_state_round_trips_and_a_broken_file_means_no_state(tmp_path: Path) -> None:
    state = FileState({"news/a.txt": FileFingerprint(3, 123, "abc")}, (4, ("MAIN_x", "MAIN_y")))
    save_state(tmp_path, state)
    assert load_state(tmp_path) == state
    assert not list(tmp_path.glob("*.tmp"))
    (tmp_path / STATE_FILE).write_text("{not json")
    assert load_state(tmp_path) == FileState()
    assert load_state(tmp_path / "missing") == FileState()


def test_a_state_saved_before_states_named_their_commit_keeps_its_files(tmp_path: Path) -> None:
    (tmp_path / STATE_FILE).write_text('{"news/a.txt": [3, 123, "abc"]}')
    assert load_state(tmp_path) == FileState({"news/a.txt": FileFingerprint(3, 123, "abc")})


def test_a_failed_save_leaves_the_last_state_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_state(tmp_path, FileState({"news/a.txt": FileFingerprint(3, 123, "abc")}))

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        save_state(tmp_path, FileState({}))
    assert load_state(tmp_path).files == {"news/a.txt": FileFingerprint(3, 123, "abc")}
    assert sorted(p.name for p in tmp_path.iterdir()) == [STATE_FILE]


def test_a_skipped_file_round_trips_with_its_problems(tmp_path: Path) -> None:
    skipped = Problem("d/x.bin", "binary file, not text", kind="binary")
    state = {
        "d/x.bin": FileFingerprint(8, 9, "", (skipped,)),
        "d/a.txt": FileFingerprint(3, 4, "ab"),
    }
    save_state(tmp_path, FileState(state))
    assert load_state(tmp_path).files == state


def test_read_signature_hashes_only_on_request_and_not_a_file_that_changed(
    tmp_path: Path,
) -> None:
    file = tmp_path / "a.txt"
    file.write_text("one")
    before = file.stat()
    assert read_fingerprint(file, before, hashed=True) == fingerprint(file)
    assert read_fingerprint(file, before, True, b"one") == fingerprint(file)  # as read
    assert read_fingerprint(file, before, hashed=False).sha1 == ""
    file.write_text("three")  # changed while it was read: no hash vouches for it
    assert read_fingerprint(file, before, hashed=True).sha1 == ""
