import os
from pathlib import Path

from searcher.filestate import STATE_FILE, FileSignature, load_state, save_state, signature


def test_signature_sees_size_mtime_and_content(tmp_path: Path) -> None:
    file = tmp_path / "a.txt"
    file.write_text("one")
    first = signature(file)
    assert first.same_stat(file.stat())
    os.utime(file, ns=(1, 1))
    assert not first.same_stat(file.stat())
    assert signature(file).sha1 == first.sha1
    file.write_text("two")
    assert signature(file).sha1 != first.sha1


def test_state_round_trips_and_a_broken_file_means_no_state(tmp_path: Path) -> None:
    state = {"news/a.txt": FileSignature(3, 123, "abc")}
    save_state(tmp_path, state)
    assert load_state(tmp_path) == state
    assert not list(tmp_path.glob("*.tmp"))
    (tmp_path / STATE_FILE).write_text("{not json")
    assert load_state(tmp_path) == {}
    assert load_state(tmp_path / "missing") == {}
