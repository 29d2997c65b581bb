"""Metadata people search by: Reuters topics and places, AG News labels, sections (the
category folder), a default source, and articles found by their file's path."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from conftest import filler
from rich.console import Console
from typer.testing import CliRunner

from searcher import FilterError, Index, SearchOptions, read_corpus
from searcher.cli import app
from searcher.cli.render_articles import article_renderable
from searcher.store import writer
from searcher.store.schema import METADATA_FIELD, metadata_keys, query_fields

runner = CliRunner()


def _story(newid: int, title: str, topics: str, places: str) -> str:
    tags = "".join(f"<D>{t}</D>" for t in topics.split())
    where = "".join(f"<D>{p}</D>" for p in places.split())
    return (
        f'<REUTERS NEWID="{newid}">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n'
        f"<TOPICS>{tags}</TOPICS>\n<PLACES>{where}</PLACES>\n"
        f"<TEXT>\n<TITLE>{title}</TITLE>\n<BODY>Oil and markets. {filler(title)}\n"
        " Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n"
    )


STORIES = [
    (1, "TEXACO CUTS CRUDE PRICES", "crude", "usa"),
    (2, "BONN OIL IMPORTS FALL", "crude", "west-germany"),
    (3, "TANKER HIT IN GULF", "ship crude", "usa"),
    (4, "WHEAT OUTPUT RISES", "grain wheat", ""),
    (5, "OIL MARKET QUIET", "", ""),
]


def write_archive(root: Path) -> Path:
    """A folder as archives come: Reuters SGML, an AG News CSV, BBC-style category folders
    whose publication a `.searcher-source` names, and a loose text file with no source."""
    (root / "reuters").mkdir(parents=True)
    (root / "reuters" / "wire.sgm").write_text(
        '<!DOCTYPE lewis SYSTEM "lewis.dtd">\n' + "".join(_story(*s) for s in STORIES)
    )
    (root / "agnews").mkdir()
    rows = [(label, f"Oil story {label}", filler(f"ag{label}")) for label in (1, 2, 3, 3)]
    (root / "agnews" / "news.csv").write_text(
        "label,title,description\n" + "".join(f'{a},"{b}","{c}"\n' for a, b, c in rows)
    )
    for section in ("sport", "business"):
        (root / "bbc" / section).mkdir(parents=True)
        (root / "bbc" / section / "001.txt").write_text(
            f"Oil and {section}\n\n{filler(section)} Oil again.\n"
        )
    (root / "bbc" / ".searcher-source").write_text("\nBBC News\n")
    (root / "loose.txt").write_text(f"Oil loose\n\n{filler('loose')}\n")
    return root


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Index]:
    root = write_archive(tmp_path_factory.mktemp("meta") / "archive")
    ix = Index(root.parent / "ix")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer, "TASK_FILES", 1)  # a task a file: a segment a commit or two
        ix.update(read_corpus(root), workers=2, commit_every=2)
    assert ix.stats().segments > 1
    return root, ix


def ids(ix: Index, text: str, **options: object) -> list[str]:
    found = ix.search(text, limit=None, options=SearchOptions(**options), all_copies=True)  # type: ignore[arg-type]
    return sorted(hit.id for hit in found)


def test_metadata_keys_are_query_fields(archive: tuple[Path, Index]) -> None:
    _, ix = archive
    assert ids(ix, "topics:crude") == [f"archive/reuters/wire.sgm#{n}" for n in (1, 2, 3)]
    assert ids(ix, "oil topics:ship") == ["archive/reuters/wire.sgm#3"]
    assert ids(ix, "Topics:(GRAIN OR ship)") == [
        "archive/reuters/wire.sgm#3",
        "archive/reuters/wire.sgm#4",
    ]
    # A value is matched whole, its case and punctuation aside.
    west = ["archive/reuters/wire.sgm#2"]
    assert ids(ix, "places:west-germany") == ids(ix, 'places:"West Germany"') == west
    assert ids(ix, "places:germany") == []
    assert ids(ix, "oil -places:usa topics:crude") == west
    assert ids(ix, "label:3") == ["archive/agnews/news.csv#3", "archive/agnews/news.csv#4"]
    assert ids(ix, "section:sport") == ["archive/bbc/sport/001.txt"]


def test_metadata_and_sections_filter(archive: tuple[Path, Index]) -> None:
    _, ix = archive
    crude_usa = ids(ix, "oil", metadata={"topics": ("crude",), "places": ("USA",)})
    assert crude_usa == ["archive/reuters/wire.sgm#1", "archive/reuters/wire.sgm#3"]
    either = ids(ix, "oil", metadata={"topics": ("grain", "ship")})
    assert either == ["archive/reuters/wire.sgm#3", "archive/reuters/wire.sgm#4"]
    assert ids(ix, "oil", sections=("Sport", "business")) == [
        "archive/bbc/business/001.txt",
        "archive/bbc/sport/001.txt",
    ]


def test_metadata_and_sections_are_facets_counted_alike_on_every_segment_layout(
    archive: tuple[Path, Index], tmp_path: Path
) -> None:
    root, ix = archive
    facets = ("topics", "places", "label", "section", "source")
    results = ix.search("oil", options=SearchOptions(facets=facets))
    assert results.total == 12
    assert results.facets["topics"] == {
        "(none)": 8,
        "crude": 3,
        "grain": 1,
        "ship": 1,
        "wheat": 1,
    }
    assert results.facets["places"] == {"(none)": 9, "usa": 2, "west germany": 1}
    assert results.facets["label"] == {"(none)": 8, "3": 2, "1": 1, "2": 1}
    assert results.facets["section"] == {
        "reuters": 5,
        "agnews": 4,
        "archive": 1,
        "business": 1,
        "sport": 1,
    }
    assert results.facets["source"] == {"(none)": 5, "Reuters": 5, "BBC News": 2}
    merged = Index(tmp_path / "one")
    merged.update(read_corpus(root), workers=1)
    merged.optimize()
    assert merged.search("oil", options=SearchOptions(facets=facets)).facets == results.facets


def test_unknown_facets_name_the_metadata_keys_of_the_index(archive: tuple[Path, Index]) -> None:
    _, ix = archive
    with pytest.raises(FilterError, match="Unknown facet 'colour'") as error:
        ix.search("oil", options=SearchOptions(facets=("colour",)))
    assert "section" in error.value.hint and "topics" in error.value.hint
    assert "label" in error.value.hint


def test_the_known_query_fields_come_from_the_schema_and_the_index(
    archive: tuple[Path, Index],
) -> None:
    _, ix = archive
    with ix._readers.lend() as kept, kept.searcher() as searcher:
        reader = searcher.reader()
        assert metadata_keys(reader) == ("label", "places", "topics")
        known = query_fields(reader)
    assert {"headline", "quote", "author", "section", "date", "topics", "places", "label"} <= set(
        known
    )
    assert METADATA_FIELD not in known


def test_a_source_for_articles_that_name_none(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "archive")
    sources = {a.id: a.source for a in read_corpus(root, source="Wire")}
    assert sources["archive/reuters/wire.sgm#1"] == "Reuters"  # its own
    assert sources["archive/bbc/sport/001.txt"] == "Wire"  # the option before the folder's
    assert sources["archive/loose.txt"] == "Wire"
    folder_only = {a.id: a.source for a in read_corpus(root / "bbc" / "sport")}
    assert folder_only == {"sport/001.txt": "BBC News"}  # a folder above names it too
    assert {a.source for a in read_corpus(root / "loose.txt")} == {""}

    index = tmp_path / "ix"
    result = runner.invoke(app, ["index", str(root), "--index", str(index), "--source", "Wire"])
    assert result.exit_code == 0, result.output
    found = runner.invoke(
        app, ["query", "oil", "--index", str(index), "--json", "--all-copies", "-n", "20"]
    )
    hits = json.loads(found.output)["hits"]
    assert sorted(hit["source"] for hit in hits) == ["Reuters"] * 5 + ["Wire"] * 7


def test_sections_are_the_folder_holding_the_file(tmp_path: Path) -> None:
    root = write_archive(tmp_path / "archive")
    sections = {a.id: a.section for a in read_corpus(root / "bbc")}
    assert sections == {"bbc/business/001.txt": "business", "bbc/sport/001.txt": "sport"}
    # Category folders indexed one by one (as the BBC relevance collection's ids need).
    sections = {a.id: a.section for a in read_corpus(root / "bbc" / "sport", root / "loose.txt")}
    assert sections == {"sport/001.txt": "sport", "archive/loose.txt": "archive"}


def test_cli_filters_and_facets_by_metadata_and_section(archive: tuple[Path, Index]) -> None:
    _, ix = archive

    def query(*args: str) -> dict:
        result = runner.invoke(app, ["query", "oil", "--index", str(ix.path), "--json", *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    found = query("--meta", "topics=crude", "--meta", "places=west-germany", "--facets", "topics")
    assert [hit["id"] for hit in found["hits"]] == ["archive/reuters/wire.sgm#2"]
    assert found["facets"] == {"topics": {"crude": 1}}
    assert query("--section", "sport")["total"] == 1
    bad = runner.invoke(app, ["query", "oil", "--index", str(ix.path), "--meta", "topics"])
    assert bad.exit_code == 2 and "--meta 'topics' is not KEY=VALUE" in bad.output


def test_show_displays_section_and_metadata(archive: tuple[Path, Index]) -> None:
    _, ix = archive
    shown = runner.invoke(app, ["show", "archive/reuters/wire.sgm#3", "--index", str(ix.path)])
    labels = {"label\tsection\treuters", "label\ttopics\tship, crude", "label\tplaces\tusa"}
    assert labels <= set(shown.stdout.splitlines())  # records off a terminal
    out = io.StringIO()
    Console(file=out, width=120).print(article_renderable(ix.show("archive/reuters/wire.sgm#3")))
    assert "section: reuters · topics: ship, crude · places: usa" in out.getvalue()
    data = json.loads(
        runner.invoke(
            app, ["show", "archive/reuters/wire.sgm#3", "--index", str(ix.path), "--json"]
        ).output
    )
    assert data["section"] == "reuters" and data["metadata"]["topics"] == ["ship", "crude"]


def test_paths_are_stored_absolute_and_name_articles_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_archive(tmp_path / "archive")
    monkeypatch.chdir(tmp_path)
    index = tmp_path / "ix"
    assert runner.invoke(app, ["index", "archive", "--index", str(index)]).exit_code == 0
    article = root / "bbc" / "sport" / "001.txt"
    monkeypatch.chdir(root / "bbc")  # another folder than the one indexing ran from
    ix = Index(index)
    (hit,) = ix.search("section:sport")
    assert hit.path == str(article)
    for given in (str(article), "sport/001.txt", "./sport/../sport/001.txt", hit.id):
        assert ix.show(given).article.id == "archive/bbc/sport/001.txt", given
        assert ix.similar(given).query == "similar:archive/bbc/sport/001.txt"
    shown = runner.invoke(app, ["show", "sport/001.txt", "--index", str(index), "--json"])
    assert json.loads(shown.output)["path"] == str(article)
    similar = runner.invoke(app, ["similar", str(article), "--index", str(index)])
    assert similar.exit_code == 0, similar.output
    many = runner.invoke(app, ["show", str(root / "reuters" / "wire.sgm"), "--index", str(index)])
    assert many.exit_code == 2
    assert "holds several articles: give the id of one, such as archive/reuters/wire.sgm#1" in (
        many.output
    )
    assert os.getcwd() == str(root / "bbc")
