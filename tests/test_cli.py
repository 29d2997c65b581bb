import errno
import gc
import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEED, SPEECHES
from rich.console import Console
from typer.testing import CliRunner

from searcher import Index, QuoteHit, QuoteResults
from searcher.cli import app
from searcher.cli.render_quotes import quotes_renderable
from searcher.corpus import FORMATS
from searcher.corpus.registry import READERS

runner = CliRunner()
HIT_KEYS = {
    *("rank", "id", "score", "headline", "source", "byline", "date", "path", "snippets"),
    *("story", "copies", "headline_spans"),
}


@pytest.fixture
def indexed(tmp_path: Path) -> Path:
    index = tmp_path / "ix"
    result = runner.invoke(app, ["index", str(SEED.parent), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 article (1 new, 0 replaced) from 1 file" in result.stderr
    return index


def test_query_lists_the_seed_first_with_highlights(indexed: Path) -> None:
    result = runner.invoke(app, ["query", "CSTO troops", "--index", str(indexed)])
    assert result.exit_code == 0
    assert result.stderr.startswith("1 article matches 'CSTO troops' (showing 1-1)")
    hit, *snippets = result.stdout.splitlines()
    rank, score, article_id, _date, source, byline, headline = hit.split("\t")[1:]
    assert (rank, article_id) == ("1", "corpus/000_c62dc9544255aea0.txt") and float(score) > 0
    assert source == "The Guardian Australia" and byline.startswith("Shaun Walker and Naubet")
    assert headline == "Russian paratroopers arrive in Kazakhstan as unrest continues"
    assert snippets and all(s.startswith(f"snippet\t1\t{article_id}\t") for s in snippets)


def test_query_json_has_the_design_document_with_spans(indexed: Path) -> None:
    result = runner.invoke(app, ["query", "CSTO troops", "--index", str(indexed), "--json"])
    assert result.exit_code == 0
    doc = json.loads(result.output)
    assert doc["query"] == "CSTO troops" and doc["total"] == 1
    [hit] = doc["hits"]
    assert hit["rank"] == 1 and hit["id"] == "corpus/000_c62dc9544255aea0.txt"
    assert set(hit) == HIT_KEYS
    assert hit["story"] == hit["id"] and hit["copies"] == []
    words = {s["text"][a:b] for s in hit["snippets"] for a, b in s["spans"]}
    assert {"CSTO", "troops"} <= words


def test_index_from_environment_variable(indexed: Path) -> None:
    result = runner.invoke(app, ["query", "paratroopers"], env={"SEARCHER_INDEX": str(indexed)})
    assert result.exit_code == 0 and "\tRussian paratroopers" in result.stdout


def test_no_match_is_success(indexed: Path) -> None:
    result = runner.invoke(app, ["query", "volcano", "--index", str(indexed)])
    assert result.exit_code == 0
    assert "No articles match 'volcano'" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", '"CSTO troops', "--index", "{index}"], "Unclosed double quote at position 1"),
        (["query", "troops AND", "--index", "{index}"], "AND has nothing after it at position 8"),
        (["query", "troops", "--index", "{missing}"], "No index at"),
        (["index", "{missing}/nothing", "--index", "{index}"], "nothing"),
    ],
)
def test_errors_are_one_line_and_exit_code_2(
    indexed: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a.format(index=indexed, missing=tmp_path / "missing") for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr
    # nothing already indexed was lost
    assert runner.invoke(app, ["query", "CSTO", "--index", str(indexed)]).exit_code == 0


def test_strict_turns_skipped_input_into_exit_code_1(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Good headline\n\nGood body.\n")
    (folder / "empty.txt").write_text("")
    index = str(tmp_path / "ix")
    loose = runner.invoke(app, ["index", str(folder), "--index", index])
    assert loose.exit_code == 0 and "empty.txt" in loose.stderr
    strict = runner.invoke(app, ["index", str(folder), "--index", index, "--strict"])
    assert strict.exit_code == 1
    # Neither file is read again, but the skipped one is still reported.
    assert "No changes: the index is up to date from 2 files (2 unchanged)" in strict.output
    assert "empty.txt: empty file" in strict.stderr


def test_no_arguments_prints_help() -> None:
    result = runner.invoke(app, [])
    assert "query" in result.output and "index" in result.output


@pytest.fixture(scope="module")
def newsroom_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import NEWSROOM

    from searcher import Index

    index = tmp_path_factory.mktemp("cli-newsroom") / "ix"
    Index(index).add(NEWSROOM)
    return index


def run(index: Path, *args: str):
    return runner.invoke(app, [*args, "--index", str(index)])


def test_query_json_adds_facets_and_suggestion(newsroom_dir: Path) -> None:
    result = run(newsroom_dir, "query", "oil", "--json", "--facets", "source,year")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) == {"query", "total", "hits", "facets", "suggestion"}
    assert doc["facets"]["source"] == {"Reuters": 1, "Le Monde": 1, "The Guardian": 1}
    assert sum(doc["facets"]["year"].values()) == doc["total"] == 3
    assert doc["suggestion"] is None
    misspelt = json.loads(run(newsroom_dir, "query", "coruption", "--format", "json").output)
    assert misspelt["total"] == 0 and misspelt["suggestion"] == "corruption"


def test_query_table_shows_facets_suggestion_and_undated_note(newsroom_dir: Path) -> None:
    result = run(newsroom_dir, "query", "oil", "--since", "2022-07", "--facets", "source")
    assert result.exit_code == 0
    assert "1 article matches 'oil'" in result.stderr
    assert "facet\tsource\tThe Guardian\t1" in result.stdout.splitlines()
    assert "1 matching article has no date and was left out" in result.stderr
    assert "Did you mean: Kazakhstan" in run(newsroom_dir, "query", "Kazakstan").stderr


def test_a_note_names_the_filters_that_left_no_match(newsroom_dir: Path) -> None:
    result = run(newsroom_dir, "query", "corruption", "--since", "2030", "--source", "reuters")
    assert result.exit_code == 0
    assert "No articles match 'corruption'." in result.output
    assert "The query matches articles, but none of them passes --since." in result.output
    assert "Did you mean" not in result.output
    as_json = run(newsroom_dir, "query", "corruption", "--since", "2030", "--json")
    assert json.loads(as_json.stdout)["suggestion"] is None
    assert "none of them passes --since" in as_json.stderr


def test_filters_sort_and_paging_options(newsroom_dir: Path) -> None:
    args = ["query", "oil OR protests", "--json", "--sort", "newest", "--limit", "2"]
    doc = json.loads(run(newsroom_dir, *args, "--offset", "1").output)
    assert [(h["rank"], h["id"]) for h in doc["hits"]] == [
        (2, "news/lemonde-strike"),
        (3, "news/reuters-almaty"),
    ]
    filtered = ["--source", "reuters", "--source", "AP", "--country", "us", "--language", "en"]
    doc = json.loads(run(newsroom_dir, "query", "oil OR troops", "--json", *filtered).output)
    assert {h["id"] for h in doc["hits"]} == {"news/reuters-output", "news/ap-troops"}
    doc = json.loads(run(newsroom_dir, "query", "protests", "--json", "--author", "Ann Lee").output)
    assert doc["total"] == 2
    recent = run(newsroom_dir, "query", "kazakhstan", "--recent", "365", "--json")
    assert recent.exit_code == 0 and json.loads(recent.output)["total"] == 2


def test_until_the_last_year_there_is(newsroom_dir: Path) -> None:
    result = run(newsroom_dir, "query", "oil", "--until", "9999", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 2  # the dated ones


def test_csv_export_streams_every_match_not_a_page(newsroom_dir: Path) -> None:
    import csv
    import io

    result = run(newsroom_dir, "query", "oil OR protests", "--format", "csv", "--limit", "1")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 5  # every match, whatever --limit says
    assert [row["rank"] for row in rows] == ["1", "2", "3", "4", "5"]
    assert {row["id"] for row in rows} >= {"news/ap-troops", "news/reuters-output"}
    assert all(row["snippet"] for row in rows)


def test_jsonl_export_is_one_hit_per_line(newsroom_dir: Path) -> None:
    result = run(newsroom_dir, "query", "oil", "--format", "jsonl", "--since", "2022")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [hit["id"] for hit in lines] == ["news/guardian-oil", "news/lemonde-strike"]
    assert set(lines[0]) == HIT_KEYS


def test_show_similar_quotes_and_speakers_commands(newsroom_dir: Path) -> None:
    shown = run(newsroom_dir, "show", "news/reuters-almaty", "--query", "corruption")
    assert shown.exit_code == 0
    assert "Protesters gather in Almaty" in shown.output
    assert "quote\tZauresh Shekenova\tsaid\tCorruption is everywhere" in shown.stdout
    doc = json.loads(run(newsroom_dir, "show", "news/reuters-almaty", "--json").output)
    assert doc["quotes"][0]["speaker"] == "Zauresh Shekenova" and doc["body_spans"] == []
    similar = json.loads(run(newsroom_dir, "similar", "news/reuters-almaty", "--json").output)
    assert "news/reuters-almaty" not in {hit["id"] for hit in similar["hits"]}
    quotes = json.loads(run(newsroom_dir, "quotes", "prices", "--json").output)
    assert quotes == {
        "query": "prices",
        "total": 1,
        "quotes": [
            {
                "text": "Prices will keep rising",
                "speaker": "Maria Lopez",
                "cue": "said",
                "score": quotes["quotes"][0]["score"],
                "article": {
                    "id": "news/guardian-oil",
                    "headline": "Oil prices rise",
                    "source": "The Guardian",
                    "date": "2023-03-01T12:00:00+00:00",
                },
            }
        ],
    }
    speakers = run(newsroom_dir, "speakers", "corruption")
    assert "Most quoted about 'corruption'" in speakers.output
    assert "Zauresh Shekenova" in speakers.output and "Maria Lopez" not in speakers.output


def test_seed_quotes_corruption_names_shekenova_and_sharipov(indexed: Path) -> None:
    result = run(indexed, "quotes", "corruption")
    assert result.exit_code == 0
    assert "3 quotes match 'corruption'" in result.stderr
    speakers = [line.split("\t")[6:8] for line in result.stdout.splitlines()]
    assert ["Zauresh Shekenova", "said"] in speakers and ["Darkhan Sharipov", "said"] in speakers


@pytest.fixture(scope="module")
def speeches_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("cli-speeches") / "ix"
    Index(index).add(SPEECHES)
    return index


def test_quotes_by_a_speaker_without_text_newest_first(speeches_dir: Path) -> None:
    result = run(speeches_dir, "quotes", "--speaker", "Tony Blair")
    assert result.exit_code == 0, result.output
    assert result.stderr == "5 quotes by Tony Blair\n"
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [row[1:5] for row in rows] == [
        ["1", "0.00", "s/3", "2005-05-01"],
        ["2", "0.00", "s/6", "2005-03-01"],
        ["3", "0.00", "s/1", "2005-01-01"],
        ["4", "0.00", "s/1", "2005-01-01"],
        ["5", "0.00", "s/2", ""],
    ]
    doc = json.loads(run(speeches_dir, "quotes", "--speaker", "blair", "--json").output)
    assert doc["query"] is None and doc["total"] == 6
    assert [q["article"]["id"] for q in doc["quotes"]][:2] == ["s/4", "s/3"]
    assert {q["score"] for q in doc["quotes"]} == {0.0}


def test_quotes_with_text_and_speaker_name_both_in_the_heading(speeches_dir: Path) -> None:
    result = run(speeches_dir, "quotes", "pensions", "--speaker", "Blair")
    assert result.exit_code == 0 and result.stderr == "1 quote by Blair matches 'pensions'\n"
    nobody = run(speeches_dir, "quotes", "--speaker", "Gordon Brown")
    assert nobody.exit_code == 0 and nobody.stderr == "No quotes by Gordon Brown.\n"


def test_quotes_by_a_speaker_drawn_for_a_terminal_show_no_score() -> None:
    said = QuoteHit("Schools come next", "Tony Blair", "added", 0.0, "s/1", "Schools")
    out = io.StringIO()
    Console(file=out, width=100).print(
        quotes_renderable(QuoteResults(None, 1, (said,), speaker="Tony Blair"))
    )
    assert out.getvalue().startswith("1 quote by Tony Blair\n") and "score" not in out.getvalue()
    assert "— Tony Blair (added)" in out.getvalue()


@pytest.mark.parametrize("args", [["quotes"], ["quotes", " ", "--speaker", ""]])
def test_quotes_with_neither_text_nor_speaker_exit_2(speeches_dir: Path, args: list[str]) -> None:
    result = run(speeches_dir, *args)
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()
    assert error == "Error: Quotes need words to look for or a speaker"
    assert "a speaker's name" in hint


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "oil", "--since", "last week"], "Not a date: 'last week'"),
        (["query", "oil", "--since", "99999999d"], "Not a date: '99999999d'"),
        (["query", "oil", "--since", "0000"], "Not a date: '0000'"),
        (["query", "oil", "--since", "2023", "--until", "2022"], "ends (2022-12-31) before it"),
        (["query", "oil", "--facets", "colour"], "Unknown facet 'colour'"),
        (["query", "oil", "--sort", "size"], "Unknown sort 'size'"),
        (["query", "(oil", "--format", "csv"], "Unclosed bracket at position 1"),
        (["show", "news/nope"], "No article with id or path 'news/nope'"),
        (["similar", "news/nope"], "No article with id or path 'news/nope'"),
        (["quotes", '"prices'], "Unclosed double quote at position 1"),
    ],
)
def test_bad_options_and_ids_exit_2_with_one_line(
    newsroom_dir: Path, args: list[str], message: str
) -> None:
    result = run(newsroom_dir, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["query", "*"], "A wildcard needs 2 characters before it at position 1", "protest*"),
        (["query", "oil~5"], "A fuzzy term allows at most 2 edits, not 5 at position 1", "oil~2"),
        (["query", "oil", "--sort", "size"], "Unknown sort 'size'", "relevance, newest, oldest"),
        (["show", "news/nope"], "No article with id or path", "search query TEXT"),
        (["query", "dat:>2022"], "No field 'dat' to search at position 1", "headline, body"),
        (
            ["query", "oil", "--format", "jsonl", "--since", "2023", "--until", "2022"],
            "ends",
            "first",
        ),
        (["quotes", "url:oil"], "No field 'url' to search at position 1", "headline, body"),
        (["show", "news/guardian-oil", "--query", "oil^0"], "A boost must be above 0", "oil^2"),
        (["speakers", "(" * 11 + "oil" + ")" * 11], "Brackets nested more than 10 deep", "fewer"),
        (["query", ""], "Empty query at position 1", "Give words to look for"),
    ],
)
def test_query_errors_exit_2_with_the_position_and_a_hint_that_fits(
    newsroom_dir: Path, args: list[str], message: str, hint: str
) -> None:
    result = run(newsroom_dir, *args)
    assert result.exit_code == 2
    error, next_step = result.stderr.splitlines()
    assert message in error and hint in next_step


@pytest.mark.parametrize("command", ["query", "show", "similar", "quotes", "speakers"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "Example: search " + command in result.output


def test_query_help_documents_the_options_and_syntax() -> None:
    result = runner.invoke(app, ["query", "--help"], env={"COLUMNS": "200"})
    for option in ("--source", "--author", "--country", "--language", "--since", "--until"):
        assert option in result.output
    for option in ("--sort", "--recent", "--facets", "--offset", "--format"):
        assert option in result.output
    assert "kazakstan~" in result.output and "date:[2022-01 to 2022-06]" in result.output


def test_export_says_how_many_undated_articles_the_date_filter_left_out(
    newsroom_dir: Path,
) -> None:
    result = run(newsroom_dir, "query", "oil", "--format", "csv", "--since", "2022-07")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2  # the header and the Guardian
    assert "1 matching article has no date" in result.stderr


def test_a_second_index_run_says_nothing_changed(indexed: Path) -> None:
    result = runner.invoke(app, ["index", str(SEED.parent), "--index", str(indexed)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert " ".join(result.stderr.split()) == (
        f"No changes: the index is up to date from 1 file (1 unchanged) in {indexed}"
    )


def test_index_writes_nothing_to_stdout_and_quiet_shows_only_the_summary(tmp_path: Path) -> None:
    args = ["index", str(SEED.parent), "--index", str(tmp_path / "ix"), "--workers", "1"]
    quiet = runner.invoke(app, [*args, "--quiet"])
    assert quiet.stdout == ""
    assert " ".join(quiet.stderr.split()) == (
        f"Indexed 1 article (1 new, 0 replaced) from 1 file into {tmp_path / 'ix'}"
    )


def test_stats_as_json_and_as_a_table(indexed: Path) -> None:
    result = runner.invoke(app, ["stats", "--index", str(indexed), "--json"])
    assert result.exit_code == 0
    stats = json.loads(result.output)
    assert stats["articles"] == 1 and stats["segments"] == 1
    assert stats["sources"] == {"The Guardian Australia": 1}
    assert stats["size_bytes"] > 0 and stats["updated"]
    table = runner.invoke(app, ["stats", "--index", str(indexed)])
    assert {"articles\t1", "segments\t1"} <= set(table.stdout.splitlines())
    assert "source\tThe Guardian Australia\t1" in table.stdout.splitlines()


def test_stats_table_names_sources_and_shows_dates_as_days(segmented_index: Index) -> None:
    result = runner.invoke(app, ["stats", "--index", str(segmented_index.path)])
    assert result.exit_code == 0, result.output
    stats = segmented_index.stats()
    assert stats.first_date and stats.last_date
    records = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    days = [records["first_date"], records["last_date"]]
    assert days == [stats.first_date.date().isoformat(), stats.last_date.date().isoformat()]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", records["updated"])
    for source, count in stats.sources.items():
        assert f"source\t{source}\t{count}" in result.stdout.splitlines(), source


def test_optimize_merges_segments(indexed: Path, tmp_path: Path) -> None:
    other = tmp_path / "more"
    other.mkdir()
    (other / "b.txt").write_text("Another headline\n\nMore text.\n")
    runner.invoke(app, ["index", str(other), "--index", str(indexed)])
    result = runner.invoke(app, ["optimize", "--index", str(indexed)])
    assert result.exit_code == 0 and "Merged 2 segments into 1" in result.output
    stats = json.loads(runner.invoke(app, ["stats", "--index", str(indexed), "--json"]).output)
    assert stats["segments"] == 1 and stats["articles"] == 2


def test_optimize_of_one_segment_says_there_is_nothing_to_do(indexed: Path) -> None:
    result = runner.invoke(app, ["optimize", "--index", str(indexed)])
    assert result.exit_code == 0
    assert f"Nothing to do: {indexed} is one segment already" in " ".join(result.output.split())


def test_stats_and_optimize_of_a_missing_index_exit_2(tmp_path: Path) -> None:
    for command in ("stats", "optimize"):
        result = runner.invoke(app, [command, "--index", str(tmp_path / "none")])
        assert result.exit_code == 2 and "No index at" in result.stderr


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-scored collection of test_evaluation.py, indexed, with its topic files."""
    from test_evaluation import ARTICLES, QRELS, TREC, TSV

    from searcher import Index

    folder = tmp_path_factory.mktemp("cli-collection")
    Index(folder / "index").add(ARTICLES)
    for name, text in (("topics.tsv", TSV), ("topics.trec", TREC), ("qrels.txt", QRELS)):
        (folder / name).write_text(text)
    return folder


def test_run_writes_a_trec_run_to_stdout_or_a_file(collection: Path) -> None:
    index = ["--index", str(collection / "index")]
    result = runner.invoke(app, ["run", str(collection / "topics.tsv"), *index, "-n", "1"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert [(q, z, d, r, name) for q, z, d, r, _, name in lines] == [
        ("1", "Q0", "d1", "1", "searcher"),
        ("2", "Q0", "d2", "1", "searcher"),
        ("3", "Q0", "d2", "1", "searcher"),
    ]
    out = collection / "run.txt"
    args = ["run", str(collection / "topics.trec"), *index, "--run-id", "x", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and result.output == ""
    assert [line.split()[2] for line in out.read_text().splitlines()] == [
        "d1",
        "d2",
        "d2",
        "d1",
        "d2",
    ]
    assert out.read_text().splitlines()[0].endswith(" x")


def test_eval_prints_the_means_and_per_query_values(collection: Path) -> None:
    args = ["eval", str(collection / "topics.trec"), str(collection / "qrels.txt")]
    result = runner.invoke(app, [*args, "--index", str(collection / "index"), "--per-query"])
    assert result.exit_code == 0, result.output
    assert "nDCG@10" in result.output and "R@100" in result.output
    rows = {
        line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.strip()
    }
    assert rows["2"] == ["0.5000", "0.6309", "0.1000", "1.0000", "0.5000"]
    assert rows["mean"] == ["(3)", "0.5000", "0.4969", "0.1000", "0.6667", "0.5000"]


def test_eval_json_with_chosen_measures(collection: Path) -> None:
    args = ["eval", str(collection / "topics.tsv"), str(collection / "qrels.txt")]
    args += ["--index", str(collection / "index"), "--json", "--measures", "AP, P@1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"topics": 3, "measures": {"AP": 0.5, "P@1": 1 / 3}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "{dir}/topics.tsv", "{dir}/qrels.txt", "-m", "nope"], "unknown measure 'nope'"),
        (["eval", "{dir}/topics.tsv", "{dir}/none.txt"], "cannot read qrels file"),
        (["run", "{dir}/none.tsv"], "cannot read topics file"),
        (["run", "{dir}/qrels.txt"], "qrels.txt:1: expected"),
        (["run", "{dir}/topics.tsv", "-o", "{dir}/no/run.txt"], "cannot write"),
        (["run", "{dir}/topics.tsv", "--index", "{dir}/none"], "No index at"),
    ],
)
def test_run_and_eval_errors_are_one_line_and_exit_code_2(
    collection: Path, args: list[str], message: str
) -> None:
    args = [a.format(dir=collection) for a in args]
    if "--index" not in args:
        args += ["--index", str(collection / "index")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_eval_refuses_an_unknown_measure_before_running_any_topic(
    collection: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the topics ran before the measures were checked")

    monkeypatch.setattr(Index, "run", no_run)
    args = ["eval", str(collection / "topics.tsv"), str(collection / "qrels.txt")]
    result = runner.invoke(app, [*args, "--index", str(collection / "index"), "-m", "AP,nope"])
    assert result.exit_code == 2, result.output
    assert "unknown measure 'nope'" in result.stderr


def test_run_piped_into_a_reader_that_stops_early_is_no_error(collection: Path) -> None:
    import subprocess
    import sys

    many = collection / "many.tsv"
    many.write_text("".join(f"{n}\twing\n" for n in range(2500)))  # 5,000 lines, > a pipe buffer
    search = Path(sys.executable).with_name("search")
    command = [str(search), "run", str(many), "--index", str(collection / "index")]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"0 Q0 d1 1 ")
        process.stdout.close()  # as `| head -1` does
        stderr = process.stderr.read().decode()
    assert process.returncode == 0, stderr
    assert stderr == ""


def test_duplicates_show_and_all_copies(tmp_path: Path) -> None:
    folder = tmp_path / "wire"
    folder.mkdir()
    story = "Rescue teams evacuated dozens of homes near the river after heavy rain. " * 4
    (folder / "a.txt").write_text("Floods in the north\n\n" + story)
    (folder / "b.txt").write_text("River floods homes\n\n" + story)
    index = str(tmp_path / "ix")
    assert runner.invoke(app, ["index", str(folder), "--index", index]).exit_code == 0
    listed = runner.invoke(app, ["duplicates", "--index", index, "--json"])
    assert json.loads(listed.output)["stories"][0]["size"] == 2
    shown = runner.invoke(app, ["query", "river", "--index", index])
    assert "(showing 1-1)" in shown.stderr
    [hit, *_, copy] = shown.stdout.splitlines()
    assert hit.startswith("hit\t1\t") and copy.startswith("copy\t1\twire/")
    both = runner.invoke(app, ["query", "river", "--index", index, "--json", "--all-copies"])
    assert len(json.loads(both.output)["hits"]) == 2
    article = runner.invoke(app, ["show", "wire/a.txt", "--index", index, "--json"])
    assert [c["id"] for c in json.loads(article.output)["copies"]] == ["wire/b.txt"]


def test_index_help_lists_every_corpus_format() -> None:
    assert tuple(reader.name for reader in READERS) == FORMATS
    result = runner.invoke(app, ["index", "--help"], env={"COLUMNS": "200"})
    assert ", ".join(FORMATS) in " ".join(result.output.split())


@pytest.mark.parametrize(
    "text",
    [
        "troops",
        "troops zigzagging",  # a word the index never met
        "goverment troops",  # a misspelling: did you mean
        "kazakstan~ protest*",  # fuzzy and wildcard terms
    ],
)
def test_query_does_not_import_the_readers_the_indexer_nltk_numpy_or_rich(
    indexed: Path, text: str
) -> None:
    """A JSON answer with no note needs none of them: rich alone costs some 30 ms."""
    code = (
        "import sys\n"
        "from searcher.cli import app\n"
        f"app(['query', {text!r}, '--index', {str(indexed)!r}, '--json'], standalone_mode=False)\n"
        "print(' '.join(sys.modules), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["total"] == 1
    loaded = set(out.stderr.split())
    assert "searcher.index" in loaded
    heavy = {"searcher.corpus.registry", "searcher.store.writer", "searcher.enrich.quotes", "nltk"}
    heavy |= {"rich", "searcher.cli.render", "searcher.cli.render_progress"}
    heavy |= {"numpy", "searcher.enrich.duplicates"}  # story signatures: indexing only
    assert not heavy & loaded


def test_a_command_process_collects_garbage_only_once_the_command_runs(indexed: Path) -> None:
    """Run as a process, `search` keeps the garbage collector off while it starts and
    then frozen out of what starting made (some 15% of a whole query); in-process runs
    (the test runner) are left as they are."""
    code = (
        "import gc, sys\n"
        "from searcher import index\n"
        "from searcher.cli import app\n"
        "search = index.Index.search\n"
        "def watched(*args, **kwargs):\n"
        "    print(gc.isenabled(), gc.get_freeze_count() > 10_000, file=sys.stderr)\n"
        "    return search(*args, **kwargs)\n"
        "index.Index.search = watched\n"
        f"app(['query', 'troops', '--index', {str(indexed)!r}, '--json'], standalone_mode=False)\n"
        "print(gc.isenabled(), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["total"] == 1
    assert out.stderr.split() == ["True", "True", "True"]
    frozen = gc.get_freeze_count()
    assert runner.invoke(app, ["query", "troops", "--index", str(indexed)]).exit_code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def _damage_index(index: Path) -> None:
    [toc] = index.glob("_MAIN_*.toc")
    toc.write_bytes(toc.read_bytes()[:20])


def _foreign_index(index: Path) -> None:
    from whoosh import fields
    from whoosh import index as whoosh_index

    index.mkdir()
    whoosh_index.create_in(str(index), fields.Schema(title=fields.TEXT))


def _lock_folder(index: Path) -> None:
    (index / "MAIN_WRITELOCK").unlink()
    (index / "MAIN_WRITELOCK").mkdir()


def _a_file(index: Path) -> None:
    index.write_text("mine")


@pytest.mark.parametrize(
    ("command", "prepare", "message", "hint"),
    [
        ("query", _damage_index, "is damaged: _MAIN_1.toc cannot be read", "--rebuild --index"),
        ("index", _damage_index, "is damaged: _MAIN_1.toc cannot be read", "--rebuild --index"),
        ("query", _foreign_index, "made by another program", "a folder of its own"),
        ("index", _foreign_index, "made by another program", "a folder of its own"),
        ("index", _a_file, "a file, not a folder", "a folder of its own"),
        ("index", _lock_folder, "MAIN_WRITELOCK is a folder", "Remove that folder"),
    ],
)
def test_an_index_that_cannot_be_used_is_one_line_with_the_way_out_and_exit_2(
    tmp_path: Path,
    command: str,
    prepare: Callable[[Path], None],
    message: str,
    hint: str,
) -> None:
    index = tmp_path / "ix"
    if prepare in (_damage_index, _lock_folder):  # they spoil an index of ours
        runner.invoke(app, ["index", str(SEED.parent), "--index", str(index), "-q"])
    prepare(index)
    args = ["query", "troops"] if command == "query" else ["index", str(SEED.parent), "-q"]
    result = runner.invoke(app, [*args, "--index", str(index)])
    stderr = " ".join(result.stderr.split())
    assert result.exit_code == 2, result.output
    assert message in stderr and hint in stderr
    assert "Traceback" not in result.output and "Internal error" not in stderr


def test_a_full_disk_is_exit_2_and_says_so(
    indexed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whoosh import index as whoosh_index

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    more = tmp_path / "more"
    more.mkdir()
    (more / "b.txt").write_text("Another headline\n\nMore text.\n")
    monkeypatch.setattr(whoosh_index.TOC, "write", no_space)
    result = runner.invoke(app, ["index", str(more), "--index", str(indexed), "-j", "1"])
    assert result.exit_code == 2
    assert "The disk is full" in result.stderr and "Free some space" in result.stderr
    monkeypatch.undo()
    assert runner.invoke(app, ["query", "CSTO", "--index", str(indexed)]).exit_code == 0
