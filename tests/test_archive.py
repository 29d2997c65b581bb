"""Archives read in place: the members of a .tar.gz, .tgz, .tar, .tar.bz2, .tar.xz or .zip
give the articles and ids of the same files unpacked beside it, one archive is one file to
incremental indexing, and damaged or hostile archives cost only what they must."""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import count_with_peak_memory
from whoosh.index import open_dir

from searcher import Article, Index, Problem, read_corpus

FILES: dict[str, bytes] = {
    "news/a.txt": b"Plain headline\n\nPlain body.\n",
    "news/feed.jsonl": b'{"title": "Line one", "text": "x"}\n{"title": "Line two", "text": "y"}\n',
    "news/sub/packed.txt.gz": gzip.compress(b"Gzip headline\n\nGzip body.\n"),
    "news/README.md": b"About these files\n",
    "news/.hidden.txt": b"Hidden headline\n",
    ".git/config": b"Hidden folder\n",
}
HEADLINES = {"Plain headline", "Line one", "Line two", "Gzip headline"}
ARCHIVES = ("news.tar.gz", "news.tgz", "news.tar", "news.tar.bz2", "news.tar.xz", "news.zip")


def pack(path: Path, files: dict[str, bytes]) -> Path:
    """An archive at `path` holding `files` (name: bytes), in that order; its format by
    its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return path
    compression = {".tar": "", ".bz2": "bz2", ".xz": "xz"}.get(path.suffix, "gz")
    with tarfile.open(path, f"w:{compression}") as archive:
        for name, data in files.items():
            add(archive, name, data)
    return path


def add(archive: tarfile.TarFile, name: str, data: bytes = b"", **fields: object) -> None:
    """Add a member to a tar: a regular file holding `data`, or as `fields` say."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in fields.items():
        setattr(info, key, value)
    archive.addfile(info, io.BytesIO(data) if data else None)


def unpack(files: dict[str, bytes], folder: Path) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def read(path: Path) -> tuple[list[Article], list[Problem]]:
    corpus = read_corpus(path)
    return sorted(corpus, key=lambda article: article.id), corpus.problems


def indexed(index: Path) -> dict[str, str]:
    """Article id: headline, of every article in the index."""
    with open_dir(str(index)).searcher() as searcher:
        return {fields["id"]: fields["headline"] for fields in searcher.all_stored_fields()}


@pytest.mark.parametrize("name", ARCHIVES)
def test_members_read_as_the_files_unpacked_beside_the_archive(tmp_path: Path, name: str) -> None:
    archive = pack(tmp_path / "packed" / "corpora" / name, FILES)
    # Unpacked beside the archive, into a folder named like it.
    unpacked = unpack(FILES, tmp_path / "unpacked" / "corpora" / name)
    articles, problems = read(archive.parent)
    expected, expected_problems = read(unpacked.parent)
    assert problems == expected_problems == []
    assert {article.headline for article in articles} == HEADLINES
    assert [article.id for article in articles] == [
        f"corpora/{name}/news/a.txt",
        f"corpora/{name}/news/feed.jsonl#1",
        f"corpora/{name}/news/feed.jsonl#2",
        f"corpora/{name}/news/sub/packed.txt.gz",
    ]
    assert articles == [
        dataclasses.replace(article, path=article.path.replace("unpacked", "packed"))
        for article in expected
    ]
    assert articles[0].path == f"{archive}/news/a.txt" and articles[0].section == "news"
    # Named itself, the archive gives the same ids: its folder's name, then its own.
    assert [article.id for article in read(archive)[0]] == [article.id for article in articles]


def test_an_archive_is_one_file_to_incremental_indexing(tmp_path: Path) -> None:
    folder = tmp_path / "corpora"
    archive = pack(folder / "news.zip", FILES)
    index = tmp_path / "ix"
    first = Index(index).update(read_corpus(folder), workers=1)
    assert (first.added, first.files_seen) == (4, 1)
    assert set(indexed(index).values()) == HEADLINES
    # Unchanged: not read again.
    again = Index(index).update(read_corpus(folder), workers=1)
    assert not again.changed and again.files_unchanged == 1
    # Changed: read again whole; its articles replace the old ones, those gone are removed.
    changed = {**FILES, "news/a.txt": b"New headline\n\nNew body.\n"}
    del changed["news/feed.jsonl"]
    archive.unlink()
    pack(archive, changed)
    third = Index(index).update(read_corpus(folder), workers=1)
    assert (third.replaced, third.removed) == (2, 2)
    assert indexed(index) == {
        "corpora/news.zip/news/a.txt": "New headline",
        "corpora/news.zip/news/sub/packed.txt.gz": "Gzip headline",
    }
    # Gone: its articles go too.
    archive.unlink()
    (folder / "other.txt").write_text("Other headline\n", encoding="utf-8")
    last = Index(index).update(read_corpus(folder), workers=1)
    assert last.removed == 2
    assert indexed(index) == {"corpora/other.txt": "Other headline"}


def test_an_archive_in_a_folder_is_read_with_the_files_beside_it(tmp_path: Path) -> None:
    pack(tmp_path / "in" / "news.tar.gz", FILES)
    (tmp_path / "in" / "loose.txt").write_text("Loose headline\n", encoding="utf-8")
    articles, problems = read(tmp_path / "in")
    assert problems == []
    assert {article.headline for article in articles} == HEADLINES | {"Loose headline"}


def test_with_a_format_every_member_is_read_as_it(tmp_path: Path) -> None:
    archive = pack(tmp_path / "in" / "news.tar.gz", {"a.txt": b'{"title": "As JSON Lines"}\n'})
    (article,) = read_corpus(archive, format="jsonl")
    assert (article.id, article.headline) == ("in/news.tar.gz/a.txt#1", "As JSON Lines")


STORY = '<REUTERS NEWID="{n}"><TEXT><TITLE>STORY {n}</TITLE><BODY>Text.</BODY></TEXT></REUTERS>\n'


@pytest.mark.parametrize("name", ["reuters.tar.gz", "reuters.zip"])
def test_documentation_beside_sgm_members_is_reported(tmp_path: Path, name: str) -> None:
    # The notes come first in the archive: the documentation rule needs the listing.
    files = {"r/notes.txt": b"Notes on the collection\n"}
    files |= {f"r/reut2-00{n}.sgm": STORY.format(n=n).encode() for n in range(3)}
    files["other/plain.txt"] = b"Elsewhere\n"
    articles, problems = read(pack(tmp_path / name, files))
    assert {article.headline for article in articles} == {
        "STORY 0",
        "STORY 1",
        "STORY 2",
        "Elsewhere",
    }
    assert [(p.path, p.kind) for p in problems] == [
        (f"{tmp_path / name}/r/notes.txt", "documentation")
    ]
    assert "unpack it to index it" in problems[0].reason


def test_hostile_members_are_reported_and_never_followed(tmp_path: Path) -> None:
    path = tmp_path / "hostile.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        add(archive, "../escape.txt", b"Escaped headline\n")
        add(archive, "/etc/absolute.txt", b"Absolute headline\n")
        add(archive, "ok/link.txt", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        add(archive, "ok/hard.txt", type=tarfile.LNKTYPE, linkname="ok/good.txt")
        add(archive, "ok/fifo", type=tarfile.FIFOTYPE)
        add(archive, "ok/device", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
        add(archive, "ok/inner.zip", b"PK\x05\x06" + bytes(18))
        add(archive, "ok/good.txt", b"Good headline\n\nGood body.\n")
        add(archive, "ok/picture.png", b"\x89PNG\r\n")
        add(archive, "ok/binary.txt", b"GIF89a\x00\x01\x02")
    articles, problems = read(path)
    assert [article.headline for article in articles] == ["Good headline"]
    assert [(p.path.removeprefix(f"{path}/"), p.kind) for p in problems] == [
        ("../escape.txt", "unsafe-name"),
        ("/etc/absolute.txt", "unsafe-name"),
        ("ok/link.txt", "link"),
        ("ok/hard.txt", "link"),
        ("ok/fifo", "not-a-file"),
        ("ok/device", "not-a-file"),
        ("ok/inner.zip", "nested-archive"),
        ("ok/picture.png", "no-reader"),
        ("ok/binary.txt", "binary"),
    ]
    assert not (tmp_path.parent / "escape.txt").exists()  # nothing is extracted


def test_a_zip_symlink_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "links.zip"
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("link.txt")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("good.txt", "Good headline\n")
    articles, problems = read(path)
    assert [article.headline for article in articles] == ["Good headline"]
    assert [(p.path, p.kind) for p in problems] == [(f"{path}/link.txt", "link")]


def big_member(name: str) -> dict[str, bytes]:
    """A good member, then one that is large and does not compress well, then another."""
    noise = os.urandom(200_000).hex().encode()  # text, 400 KB
    return {"a.txt": b"First headline\n", name: b"Big headline\n\n" + noise, "z.txt": b"Last\n"}


def test_a_cut_off_tar_keeps_the_members_before_the_cut(tmp_path: Path) -> None:
    path = pack(tmp_path / "cut.tar.gz", big_member("b.txt"))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    articles, problems = read(path)
    assert [article.headline for article in articles] == ["First headline"]
    (problem,) = problems
    assert (problem.path, problem.kind) == (str(path), "bad-archive")
    assert problem.reason.startswith("archive cut off or corrupt at member b.txt (")
    assert problem.reason.endswith("); the rest is not read")


@pytest.mark.parametrize("content", [b"not an archive at all\n", b"\x1f\x8b" + bytes(100)])
@pytest.mark.parametrize("name", ["bad.tar.gz", "bad.zip"])
def test_a_file_that_is_no_archive_is_one_problem(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    articles, problems = read(path)
    assert articles == []
    assert [(p.path, p.kind) for p in problems] == [(str(path), "bad-archive")]


def test_a_cut_off_zip_reads_nothing_and_says_so(tmp_path: Path) -> None:
    path = pack(tmp_path / "cut.zip", big_member("b.txt"))
    path.write_bytes(path.read_bytes()[:-100])
    articles, problems = read(path)
    assert articles == []
    (problem,) = problems
    assert problem.kind == "bad-archive" and "nothing read" in problem.reason


def test_a_corrupt_zip_member_is_one_problem_and_the_others_are_read(tmp_path: Path) -> None:
    path = pack(tmp_path / "corrupt.zip", big_member("b.txt"))
    data = bytearray(path.read_bytes())
    middle = data.index(b"b.txt") + 2000  # inside the member's compressed bytes
    data[middle : middle + 50] = bytes(50)
    path.write_bytes(bytes(data))
    articles, problems = read(path)
    assert [article.headline for article in articles] == ["First headline", "Last"]
    assert [(p.path, p.kind) for p in problems] == [(f"{path}/b.txt", "unreadable")]


def test_decompression_bombs_are_bounded_by_the_size_limits(tmp_path: Path) -> None:
    text = b"Huge headline\n\n" + b"word " * (8 << 20)  # 40 MB of text, 40 KB packed
    path = pack(tmp_path / "bomb.tar.gz", {"huge.txt": text, "good.txt": b"Good headline\n"})
    assert path.stat().st_size < 1 << 20
    count, peak = count_with_peak_memory(path)
    assert count == 1
    assert peak < 40 << 20  # the member is read in pieces, up to the limit of one article
    assert [(p.path, p.kind) for p in read(path)[1]] == [(f"{path}/huge.txt", "too-large")]


def test_a_tar_header_bomb_ends_the_archive(tmp_path: Path) -> None:
    path = tmp_path / "header.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        add(archive, "a.txt", b"First headline\n")
        add(archive, "b.txt", b"Second\n", pax_headers={"comment": "x" * (20 << 20)})
    count, peak = count_with_peak_memory(path)
    assert count == 1 and peak < 40 << 20  # `tarfile` would read the 20 MB header whole
    (problem,) = read(path)[1]
    assert problem.kind == "bad-archive" and "a tar header over 16 MB" in problem.reason


def test_member_names_not_utf8_are_repaired_as_file_names_are(tmp_path: Path) -> None:
    path = pack(tmp_path / "in" / "names.zip", {"cafX.txt": b"Cafe headline\n"})
    # zipfile writes any name that is not ASCII as UTF-8: put Latin-1 bytes in its place.
    path.write_bytes(path.read_bytes().replace(b"cafX.txt", b"caf\xe9.txt"))
    corpus = read_corpus(path)
    (article,) = corpus
    assert article.id == "in/names.zip/caf\u00e9.txt"
    assert [(p.path, p.kind) for p in corpus.problems] == [(f"{path}/caf\u00e9.txt", "bad-name")]
    tar = tmp_path / "in" / "names.tar"
    with tarfile.open(tar, "w", encoding="utf-8", errors="surrogateescape") as archive:
        add(archive, "caf\udce9.txt", b"Cafe headline\n")
    (article,) = read_corpus(tar)
    assert article.id == "in/names.tar/caf\u00e9.txt"


def test_names_are_those_unpacked_without_dot_folders(tmp_path: Path) -> None:
    # `tar czf news.tgz .` names its members `./a.txt`; unpacked, they are `a.txt`.
    path = pack(tmp_path / "in" / "news.tgz", {"./": b"", "./sub/./a.txt": b"Dotted\n"})
    (article,) = read_corpus(path)
    assert article.id == "in/news.tgz/sub/a.txt"


def test_an_empty_archive_is_reported(tmp_path: Path) -> None:
    articles, problems = read(pack(tmp_path / "empty.zip", {"README.txt": b"Nothing here\n"}))
    assert articles == []
    assert [p.kind for p in problems] == ["no-articles"]


def test_the_cli_indexes_an_archive_named_on_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from searcher.cli import app

    archive = pack(tmp_path / "news.tar.gz", FILES)
    index = tmp_path / "ix"
    result = CliRunner().invoke(app, ["index", str(archive), "--index", str(index), "--strict"])
    assert result.exit_code == 0, result.output
    assert "Indexed 4 articles (4 new, 0 replaced) from 1 file" in " ".join(result.stderr.split())
    assert set(indexed(index).values()) == HEADLINES
