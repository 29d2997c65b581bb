from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import SEED

from searcher import Article, Index, IndexLockedError, IndexMissingError, read_corpus


def test_library_indexes_the_sample_corpus_and_finds_the_seed_first(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix")
    report = ix.add(read_corpus(SEED.parent))
    assert (report.added, report.replaced, report.problems) == (1, 0, ())
    assert report.files_seen == 1
    results = ix.search("CSTO troops")
    top = results.hits[0]
    assert top.id == "corpus/000_c62dc9544255aea0.txt"
    assert top.headline == "Russian paratroopers arrive in Kazakhstan as unrest continues"
    assert top.source == "The Guardian Australia"
    highlighted = {s.text[a:b].lower() for s in top.snippets for a, b in s.spans}
    assert {"csto", "troops"} <= highlighted


def test_adding_again_replaces_instead_of_duplicating(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix")
    ix.add([Article(id="a/1", headline="Old headline", body="text")])
    report = ix.add([Article(id="a/1", headline="New headline", body="text")])
    assert (report.added, report.replaced) == (0, 1)
    assert len(ix) == 1
    assert [hit.headline for hit in ix.search("headline")] == ["New headline"]


def test_dates_keep_their_timezone(tmp_path: Path) -> None:
    date = datetime(2022, 1, 6, 9, 30, tzinfo=timezone(timedelta(hours=6)))
    ix = Index(tmp_path / "ix")
    ix.add([Article(id="a/1", headline="Almaty", body="x", date=date)])
    assert ix.search("almaty").hits[0].date == date


def test_articles_without_text_are_reported_not_indexed(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix")
    report = ix.add([Article(id="a/1", path="a/1.txt"), Article(id="a/2", headline="ok")])
    assert report.added == 1
    assert [str(p) for p in report.problems] == ["a/1.txt: no text"]


def test_missing_and_empty_indexes_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="No index at"):
        Index(tmp_path / "nowhere").search("troops")
    ix = Index(tmp_path / "empty")
    ix.add([])
    with pytest.raises(IndexMissingError, match="has no articles"):
        ix.search("troops")


def test_a_locked_index_is_a_clear_error_and_keeps_its_articles(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix")
    ix.add([Article(id="a/1", headline="Kept", body="x")])
    writer = ix._open().writer()
    try:
        with pytest.raises(IndexLockedError, match="being written by another writer"):
            ix.add([Article(id="a/2", headline="Lost", body="x")])
    finally:
        writer.cancel()
    assert [hit.id for hit in ix.search("kept")] == ["a/1"]


def test_a_failing_article_stream_keeps_what_was_indexed(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix")
    ix.add([Article(id="a/1", headline="Kept", body="x")])

    def broken():
        yield Article(id="a/2", headline="Half", body="x")
        raise OSError("disk gone")

    with pytest.raises(OSError):
        ix.add(broken())
    assert len(ix) == 1
    ix.add([Article(id="a/3", headline="After", body="x")])  # the lock was released
    assert len(ix) == 2


def test_an_index_from_an_older_version_is_refused_with_a_clear_error(tmp_path) -> None:
    from whoosh.filedb.filestore import FileStorage

    from searcher import IndexOutdatedError
    from searcher.store.schema import build_schema

    folder = tmp_path / "old"
    folder.mkdir()
    schema = build_schema()
    schema.remove("source_key")  # added after the first versions
    old = FileStorage(str(folder)).create_index(schema)
    with old.writer() as writer:
        writer.add_document(id="a", headline="Old")
    ix = Index(folder)
    with pytest.raises(IndexOutdatedError, match="built by an older version"):
        ix.search("anything")
    with pytest.raises(IndexOutdatedError):
        ix.add([Article(id="b", headline="New")])


def test_an_index_whose_words_were_split_otherwise_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from searcher import IndexOutdatedError
    from searcher.store import analysis

    # The words as this version's predecessor split them: "AT&T" was "at" (a stop word), "t".
    monkeypatch.setattr(analysis, "TOKEN_PATTERN", r"(?:\w\.){2,}(?!\w)|\w+(?:['’]\w+)*")
    Index(tmp_path / "old").add([Article(id="a", headline="AT&T news", body="Text.")])
    monkeypatch.undo()
    with pytest.raises(IndexOutdatedError, match=r"splits the words of .*headline") as error:
        Index(tmp_path / "old").search("AT&T")
    assert "Rebuild" in error.value.hint
    Index(tmp_path / "new").add([Article(id="a", headline="AT&T news", body="Text.")])
    assert [hit.id for hit in Index(tmp_path / "new").search("AT&T")] == ["a"]


def test_stats_count_live_articles_sources_dates_and_languages(tmp_path: Path) -> None:
    utc = timezone.utc
    ix = Index(tmp_path / "ix")
    ix.add(
        [
            Article(
                id="a/1",
                headline="One",
                source="BBC",
                language="en",
                date=datetime(2004, 5, 1, tzinfo=utc),
            ),
            Article(id="a/2", headline="Two", source="BBC", language="en"),
            Article(
                id="a/3",
                headline="Three",
                source="Reuters",
                language="fr",
                date=datetime(1987, 2, 26, tzinfo=utc),
            ),
            Article(
                id="a/4",
                headline="Four",
                date=datetime(2001, 1, 2, 9, tzinfo=timezone(timedelta(hours=-5))),
            ),
        ]
    )
    ix.add([Article(id="a/3", headline="Three again", source="AP", language="de")])
    stats = ix.stats()
    assert (stats.articles, stats.segments) == (4, 2)
    assert list(stats.sources.items()) == [("BBC", 2), ("(none)", 1), ("AP", 1)]
    assert stats.languages == ("de", "en")  # "fr" went with the replaced article
    assert stats.first_date == datetime(2001, 1, 2, 14, tzinfo=utc)
    assert stats.last_date == datetime(2004, 5, 1, tzinfo=utc)
    assert stats.size > 0 and stats.updated is not None


def test_an_index_whose_schema_names_moved_code_asks_for_a_rebuild(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whoosh.index import TOC

    from searcher import IndexOutdatedError

    Index(tmp_path / "ix").add([Article(id="a", headline="Oil news", body="Text.")])

    def old_schema(*args: object, **kwargs: object) -> None:
        # what unpickling a schema written before the analyzers moved raises
        raise ModuleNotFoundError("No module named 'searcher.analysis'", name="searcher.analysis")

    monkeypatch.setattr(TOC, "read", old_schema)
    with pytest.raises(IndexOutdatedError, match=r"its schema names searcher\.analysis") as error:
        Index(tmp_path / "ix").search("oil")
    assert error.value.folder == str(tmp_path / "ix")
