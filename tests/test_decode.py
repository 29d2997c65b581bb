"""Tests for searcher.corpus.decode: gzip, encodings, binary and empty files, streaming."""

from __future__ import annotations

import gzip
import io
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from searcher.corpus import decode, read_corpus
from searcher.corpus.base import ReadError
from searcher.corpus.decode import SAMPLE_BYTES, detect_encoding, open_text, repair_text


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def read_all(path: Path) -> str:
    with open_text(path) as (stream, _head):
        return stream.read()


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Caf\u00e9 \u00a3 \u20ac".encode(), "Caf\u00e9 \u00a3 \u20ac"),
        ("\ufeffBOM text".encode(), "BOM text"),
        ("UTF-16 \u00e9".encode("utf-16"), "UTF-16 \u00e9"),
        (b"Pound \xa3 up, caf\xe9", "Pound \u00a3 up, caf\u00e9"),  # stray Latin-1 bytes
        (b"It\x92s \x93quoted\x94", "It\u2019s \u201cquoted\u201d"),  # Windows-1252
    ],
)
def test_encodings(tmp_path: Path, data: bytes, text: str) -> None:
    assert read_all(write(tmp_path / "a.txt", data)) == text


def test_non_latin_legacy_encoding_is_detected(tmp_path: Path) -> None:
    text = (
        "Президент России подписал в пятницу закон о федеральном бюджете на следующий год, "
        "сообщила пресс-служба Кремля. Документ предусматривает рост расходов на образование."
    )
    assert read_all(write(tmp_path / "ru.txt", text.encode("cp1251"))) == text


def test_stray_byte_after_the_sample_is_decoded_not_fatal(tmp_path: Path) -> None:
    data = b"a" * (SAMPLE_BYTES + 100) + b" M\xfcller\n"
    assert read_all(write(tmp_path / "big.txt", data)).endswith(" M\u00fcller\n")


def test_a_character_cut_by_the_sample_end_is_still_utf8() -> None:
    sample = ("x" * (SAMPLE_BYTES - 2) + "\u20ac").encode()[:SAMPLE_BYTES]  # 2 of its 3 bytes
    assert detect_encoding(sample, complete=False) == "utf-8"
    assert detect_encoding(sample, complete=True) != "utf-8"


def test_gzip_is_read_whatever_the_name(tmp_path: Path) -> None:
    write(tmp_path / "d" / "story.txt.gz", gzip.compress(b"Zipped headline\n\nBody.\n"))
    write(tmp_path / "d" / "feed.jsonl.gz", gzip.compress(b'{"title": "J1"}\n{"title": "J2"}\n'))
    write(tmp_path / "d" / "misnamed.txt", gzip.compress(b"Really gzip\n"))
    articles = {a.id: a.headline for a in read_corpus(tmp_path / "d")}
    assert articles == {
        "d/feed.jsonl.gz#1": "J1",
        "d/feed.jsonl.gz#2": "J2",
        "d/misnamed.txt": "Really gzip",
        "d/story.txt.gz": "Zipped headline",
    }


def test_corrupt_and_cut_gzip_are_reported(tmp_path: Path) -> None:
    lines = (f'{{"title": "Story {n}", "body": "{n * 7919 % 100003}"}}\n' for n in range(50000))
    whole = gzip.compress("".join(lines).encode())
    write(tmp_path / "d" / "cut.jsonl.gz", whole[: len(whole) // 2])
    write(tmp_path / "d" / "bad.txt.gz", b"\x1f\x8b" + b"not gzip at all")
    corpus = read_corpus(tmp_path / "d")
    assert sum(1 for _ in corpus) > 0  # the records before the cut are kept
    assert {(p.path.rsplit("/", 1)[1], p.kind) for p in corpus.problems} == {
        ("bad.txt.gz", "unreadable"),
        ("cut.jsonl.gz", "unreadable"),
    }


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"GIF89a\x00\x01", "binary"), (b"", "empty"), (b" \n\t\n", "empty")],
)
def test_binary_and_empty_files_are_refused(tmp_path: Path, data: bytes, kind: str) -> None:
    with pytest.raises(ReadError) as error, open_text(write(tmp_path / "a.txt", data)):
        pass
    assert error.value.kind == kind


def test_utf8_with_a_few_bad_bytes_stays_utf8(tmp_path: Path) -> None:
    data = "Zürich, Genève, São Paulo: café crème ".encode() * 3 + b"price \xa3\xa3 5"
    text = read_all(write(tmp_path / "a.txt", data))
    assert text.startswith("Zürich, Genève, São Paulo") and text.endswith("price ££ 5")


TEXT = "Café headline\n\nThe body of a story, with “quotes” and a € sign.\n"


@pytest.mark.parametrize(
    "encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-32", "utf-16"]
)
def test_utf16_and_utf32_with_or_without_a_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    # "utf-16"/"utf-32" write a byte-order mark; the others none.
    assert read_all(write(tmp_path / "a.txt", TEXT.encode(encoding))) == TEXT


def test_nul_bytes_that_are_not_utf16_are_binary(tmp_path: Path) -> None:
    for data in (bytes(range(256)) * 8, b"\x00" * 4096, b"ab\x00\x00\x07\x00" * 100):
        with pytest.raises(ReadError) as error, open_text(write(tmp_path / "a.txt", data)):
            pass
        assert error.value.kind == "binary"


def test_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    outcome: list[str] = []

    def read(path: Path) -> None:
        try:
            with open_text(path):
                outcome.append("read")
        except ReadError as error:
            outcome.append(error.kind)

    for path in (fifo, Path("/dev/zero")):
        worker = threading.Thread(target=read, args=(path,), daemon=True)
        worker.start()
        worker.join(timeout=10)  # opening a FIFO without a writer blocked for ever
    assert outcome == ["not-a-file", "not-a-file"]


@pytest.mark.parametrize(
    ("text", "repaired"),
    [
        ("plain", "plain"),
        ("head\ud800line", "head\ufffdline"),  # a lone surrogate from a JSON escape
        ("caf\udce9.txt", "caf\u00e9.txt"),  # the byte 0xE9 of a file name, read as cp1252
        ("\udc81\udcff", "\ufffd\u00ff"),  # 0x81 is one of cp1252's holes
    ],
)
def test_repair_text(text: str, repaired: str) -> None:
    assert repair_text(text) == repaired
    repaired.encode("utf-8")


def _wrapped(data: bytes) -> tuple[str, list[str], str]:
    """What a `TextIOWrapper` over the file's bytes reads (all of it, and its lines cut at
    seven characters, as readers ask for lines), and the file's head."""
    encoding = detect_encoding(data[:SAMPLE_BYTES], len(data) < SAMPLE_BYTES)
    assert encoding is not None
    whole = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=decode.ERRORS).read()
    lines = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors=decode.ERRORS)
    head = data[:SAMPLE_BYTES].decode(encoding, errors=decode.ERRORS)[: decode.HEAD_CHARS]
    return whole, list(iter(lambda: lines.readline(7), "")), head


_PIECES = st.sampled_from(
    [
        *[b"a", b"b c", b"\r", b"\n", b"\r\n", b"\xc3\xa9", b"\xe2\x82\xac", b"\xe2\x82"],
        *[b"\xa3", b"\x80", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\x0c", "\u2028".encode()],
    ]
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_PIECES, min_size=1, max_size=40), bom=st.booleans())
def test_a_short_file_read_at_once_reads_as_a_text_wrapper_reads_it(
    tmp_path: Path, pieces: list[bytes], bom: bool
) -> None:
    data = b"\xef\xbb\xbfx" * bom + b"".join(pieces) + b"z"
    whole, lines, head = _wrapped(data)
    path = write(tmp_path / "short.txt", data)
    with open_text(path) as (stream, its_head):
        assert (stream.read(), its_head) == (whole, head)
    with open_text(path) as (stream, _head):
        assert list(iter(lambda: stream.readline(7), "")) == lines


def test_the_head_keeps_the_line_ends_of_the_file(tmp_path: Path) -> None:
    with open_text(write(tmp_path / "crlf.txt", b"Head\r\n\r\nBody\rend\n")) as (stream, head):
        assert (head, stream.read()) == ("Head\r\n\r\nBody\rend\n", "Head\n\nBody\nend\n")


def test_a_short_file_is_read_without_a_file_object_and_its_bytes_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A short uncompressed UTF-8 file is read with one sample of its bytes, given to
    `on_bytes`; a compressed or long one is streamed through a file object, its bytes not
    given (they were not read whole)."""
    opened: list[int] = []
    real_open = open

    def spy(file: int, *args: object, **options: object) -> object:
        opened.append(file)
        return real_open(file, *args, **options)  # type: ignore[call-overload]

    monkeypatch.setattr(decode, "open", spy, raising=False)
    short = write(tmp_path / "short.txt", "Head\r\n\r\nBody é\n".encode())
    packed = write(tmp_path / "packed.txt.gz", gzip.compress(b"Head\n\nBody\n"))
    long = write(tmp_path / "long.txt", b"Head\n\n" + b"word " * SAMPLE_BYTES)
    for path, text, whole in [
        (short, "Head\n\nBody é\n", [short.read_bytes()]),
        (packed, "Head\n\nBody\n", []),
        (long, long.read_text(), []),
    ]:
        given: list[bytes] = []
        with open_text(path, given.append) as (stream, _head):
            assert stream.read() == text
        assert given == whole
    assert len(opened) == 2
