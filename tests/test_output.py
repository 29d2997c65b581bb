"""What the CLI prints: records for pipes and files, summaries on stderr, messages that fit,
and nothing from the data that a terminal would obey (issues 11 and 12)."""

import io
import json
import re
import time
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner

from searcher import Article, Index
from searcher.cli import app
from searcher.cli.render import MATCH_STYLE, facet_table, snippet_text
from searcher.cli.render_articles import WrappedText, article_renderable
from searcher.cli.render_quotes import speakers_renderable
from searcher.cli.render_results import results_renderable
from searcher.models import ArticleView, Hit, Results, Snippet, SpeakerCount

runner = CliRunner()

LONG_HEADLINE = "Oil prices climb as exporters agree to cut output again " * 3
ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\x1b[31m"
MARKUP = "[bold red]x[/] [link=https://example.com]y[/link]"


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of a few articles with quotes, one undated, one with escapes and markup in
    every field, one a copy of another, built by the CLI from files."""
    folder = tmp_path_factory.mktemp("output") / "wire"
    folder.mkdir()
    story = "Rescue teams evacuated dozens of homes near the river after heavy rain. " * 4
    files = {
        "long.txt": f"{LONG_HEADLINE}\n\nOil exporters said on Monday they would cut output. "
        "“We will cut again,” said Ana Ruiz. " + "Markets moved. " * 60,
        "flood-a.txt": "Floods in the north\n\n" + story,
        "flood-b.txt": "River floods homes\n\n" + story,
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    index = folder / "ix"
    result = runner.invoke(app, ["index", str(folder), "--index", str(index)])
    assert result.exit_code == 0, result.output
    Index(index).add(
        [
            Article(
                id="evil/1",
                headline=f"{ESCAPES}Oil {MARKUP} rises",
                body=f"The oil price{ESCAPES} rose {MARKUP}. “Oil\x1b[2J will rise,” said Bo\x07b.",
                source=f"Evil{ESCAPES} News {MARKUP}",
                byline=f"Mal{ESCAPES}lory",
            )
        ]
    )
    return index


def query(index: Path, *args: str):
    return runner.invoke(app, [*args, "--index", str(index)])


# A. Off a terminal: one record a line, unwrapped, no trailing spaces, no colour.


def test_piped_query_is_one_record_a_line_with_the_summary_on_stderr(wire: Path) -> None:
    result = query(wire, "query", "oil")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    hits = [line.split("\t") for line in lines if line.startswith("hit\t")]
    assert [hit[7] for hit in hits if hit[3].endswith("long.txt")] == [LONG_HEADLINE.strip()]
    for line in lines:
        assert line == line.rstrip() and "\x1b" not in line
        kind, rank, *_ = line.split("\t")
        assert kind in {"hit", "snippet"} and rank.isdigit()
    snippet = next(line for line in lines if line.startswith("snippet\t1\t"))
    assert "\n" not in snippet and len(snippet) > 80  # a whole snippet, unwrapped
    assert re.fullmatch(r"2 articles match 'oil' \(showing 1-2\)\n", result.stderr)


@pytest.mark.parametrize(
    ("args", "kinds"),
    [
        (["quotes", "cut"], {"quote"}),
        (["speakers"], {"speaker"}),
        (["show", "wire/long.txt", "--query", "oil"], {"id", "path", "headline", "body", "quote"}),
        (["similar", "wire/flood-a.txt", "--all-copies"], {"hit", "snippet"}),
        (["duplicates"], {"story", "copy"}),
    ],
)
def test_every_command_prints_records_off_a_terminal(
    wire: Path, args: list[str], kinds: set[str]
) -> None:
    result = query(wire, *args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines and {line.split("\t")[0] for line in lines} >= kinds
    assert all("\t" in line and line == line.rstrip() and "\x1b" not in line for line in lines)


def test_piped_stats_are_name_value_records(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Oil headline\n\nOil body.\n")
    index = str(tmp_path / "ix")
    runner.invoke(app, ["index", str(folder), "--index", index])
    lines = runner.invoke(app, ["stats", "--index", index]).stdout.splitlines()
    assert {"articles\t1", "segments\t1"} <= set(lines)
    assert "source\t(none)\t1" in lines
    assert all(re.fullmatch(r"[a-z_]+\t\S.*\S|[a-z_]+\t\S", line) for line in lines)


def test_piped_show_keeps_each_body_line_whole(wire: Path) -> None:
    result = query(wire, "show", "wire/long.txt")
    [body] = [line for line in result.stdout.splitlines() if line.startswith("body\t")]
    assert body.endswith("Markets moved.") and len(body) > 900


def test_index_prints_nothing_on_stdout_and_its_summary_on_stderr(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Good headline\n\nGood body.\n")
    (folder / "empty.txt").write_text("")
    result = runner.invoke(app, ["index", str(folder), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "Indexed 1 article (1 new, 0 replaced) from 2 files" in result.stderr
    assert "Skipped 1 file (1 empty)" in result.stderr


# C. Messages: plurals, hints that fit, a query that starts with a dash.


def test_one_of_a_thing_is_never_plural(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Oil headline\n\nOil body.\n")
    index = str(tmp_path / "ix")
    indexed = runner.invoke(app, ["index", str(folder), "--index", index])
    assert "Indexed 1 article (1 new, 0 replaced) from 1 file into" in indexed.stderr
    again = runner.invoke(app, ["index", str(folder), "--index", index])
    assert "up to date from 1 file (1 unchanged)" in again.stderr
    found = runner.invoke(app, ["query", "oil", "--index", index, "--since", "2000"])
    assert "1 matching article has no date and was left out" in found.stderr
    found = runner.invoke(app, ["query", "oil", "--index", index])
    assert "1 article matches 'oil'" in found.stderr


@pytest.mark.parametrize(
    ("args", "message", "unfit"),
    [
        (["query", "  "], "Empty query", "bracket"),
        (["query", "oil", "--source", ""], "Nothing to match in the source filter", "Dates"),
        (["index", "{tmp}/nowhere"], "no such file or folder", "--format"),
    ],
)
def test_every_hint_fits_its_error(
    wire: Path, tmp_path: Path, args: list[str], message: str, unfit: str
) -> None:
    result = query(wire, *(arg.format(tmp=tmp_path) for arg in args))
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()
    assert message in error and hint and unfit not in hint


def test_a_query_may_start_with_a_dash(wire: Path) -> None:
    result = query(wire, "query", "-oil", "--json", "-n", "5")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["query"] == "-oil"
    assert query(wire, "quotes", "-cut").exit_code == 0
    misspelt = query(wire, "query", "oil", "--limt", "5")
    assert misspelt.exit_code == 2 and "--limt" in misspelt.stderr


# D. Export options.


def test_json_with_another_format_is_a_usage_error(wire: Path) -> None:
    result = query(wire, "query", "oil", "--format", "csv", "--json")
    assert result.exit_code == 2 and result.stdout == ""
    assert "--json and --format csv" in result.stderr.splitlines()[0]


def test_jsonl_export_carries_the_story_and_its_copies(wire: Path) -> None:
    result = query(wire, "query", "river", "--format", "jsonl")
    hits = {hit["id"]: hit for hit in map(json.loads, result.stdout.splitlines())}
    a, b = hits["wire/flood-a.txt"], hits["wire/flood-b.txt"]
    assert a["story"] == b["story"] and a["story"] in hits
    assert [copy["id"] for copy in a["copies"]] == ["wire/flood-b.txt"]
    assert [copy["id"] for copy in b["copies"]] == ["wire/flood-a.txt"]


# E. Escapes and markup from the data.


def _terminal(renderable: object, width: int = 100) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=True, width=width, color_system="truecolor").print(renderable)
    return out.getvalue()


def test_no_escape_sequence_from_the_data_reaches_a_terminal(wire: Path) -> None:
    index = Index(wire)
    results = index.search("oil", limit=10)
    shown = index.show("evil/1", "oil")
    for renderable in (results_renderable(results), article_renderable(shown)):
        text = _terminal(renderable)
        assert "\x1b]" not in text and "\x07" not in text and "\x1b[2J" not in text
        assert "\x1b[31m" not in text and "\x1b[5m" not in text
        assert "␛]0;PWNED␇␛[2J␛[31m" in text  # shown, not obeyed
        assert MARKUP in text  # printed as text, not read as rich markup
        assert "Bo␇b" in text or "Oil" in text


def test_no_escape_reaches_a_pipe_and_json_escapes_c1_controls(wire: Path) -> None:
    for args in (["query", "oil"], ["show", "evil/1"], ["quotes", "rise"], ["speakers"]):
        result = query(wire, *args)
        assert result.exit_code == 0, result.output
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.stdout), args
        assert "\x1b" not in result.stderr
    index = Index(wire.parent / "c1")
    index.add([Article(id="c1/1", headline="Oil \x9b2J up", body="Oil \x9b31m rose.\x7f")])
    doc = query(wire.parent / "c1", "show", "c1/1", "--json").stdout
    assert "\x9b" not in doc and "\x7f" not in doc and "\\u009b" in doc
    assert json.loads(doc)["headline"] == "Oil \x9b2J up"


def test_skipped_lines_and_errors_show_no_escapes(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Good headline\n\nGood body.\n")
    (folder / "bad\x1b[2Jname.txt").write_bytes(b"\x00\x01\x02binary")
    result = runner.invoke(app, ["index", str(folder), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0
    assert "\x1b" not in result.stderr and "bad␛[2Jname.txt" in result.stderr
    missing = runner.invoke(app, ["show", "[red]x\x1b[2J", "--index", str(tmp_path / "ix")])
    assert missing.exit_code == 2
    assert "'[red]x\\x1b[2J'" in missing.stderr  # the markup printed, the escape shown
    assert "\x1b" not in missing.stderr


def test_rich_markup_in_table_cells_prints_as_text() -> None:
    facets = _terminal(facet_table("source", {MARKUP: 2}))
    speakers = _terminal(speakers_renderable([SpeakerCount(MARKUP, 1, 1)], None))
    assert MARKUP in facets and MARKUP in speakers


def test_snippet_spans_mark_the_same_words_after_cleaning() -> None:
    text = "\x1b[31mred\x07 oil\x1b]0;x\x07 prices"
    spans = ((text.index("oil"), text.index("oil") + 3), (text.index("prices"), len(text)))
    styled = snippet_text(Snippet(text, spans))
    assert "\x1b" not in styled.plain and "\x07" not in styled.plain
    marked = [styled.plain[s.start : s.end] for s in styled.spans if s.style == MATCH_STYLE]
    assert marked == ["oil", "prices"]


# F. A huge article on a terminal.


def test_showing_a_huge_article_on_a_terminal_takes_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paragraph = "Troops were sent to the border as the oil price rose again today. " * 6
    body = "\n\n".join([paragraph] * 37_000)  # about 15 MB in 37,000 paragraphs
    spans = tuple((n, n + 6) for n in range(0, len(body), 2_000_000) if body[n : n + 6])
    view = ArticleView(Article(id="big/1", headline="Big", body=body), (), spans)
    wrap = Text.wrap

    def one_line_at_most(text: Text, *args: object, **kwargs: object) -> object:
        assert len(text) < 100_000, "rich's wrapping is not linear in a long text's length"
        return wrap(text, *args, **kwargs)

    monkeypatch.setattr(Text, "wrap", one_line_at_most)
    started = time.monotonic()
    out = _terminal(article_renderable(view))
    assert time.monotonic() - started < 60  # rich alone took minutes
    assert out.count("\n") > len(body) // 100


def test_wrapped_text_fits_the_width_and_keeps_words_and_marks() -> None:
    text = "alpha beta gamma delta epsilon\n\nzeta eta theta iota kappa lambdamulambdamu"
    start = text.index("delta epsilon")
    renderable = WrappedText(text, [(start, start + len("delta epsilon"))])
    out = io.StringIO()
    Console(file=out, width=12, force_terminal=True).print(renderable)
    lines = Text.from_ansi(out.getvalue()).plain.splitlines()
    assert lines == [
        "alpha beta",
        "gamma delta",
        "epsilon",
        "",
        "zeta eta",
        "theta iota",
        "kappa",
        "lambdamulamb",
        "damu",
    ]
    marked = out.getvalue()
    assert marked.count("\x1b[1;30;43m") == 2  # "delta" and "epsilon", each on its row


def test_results_of_hits_with_escapes_keep_their_layout() -> None:
    hit = Hit(rank=1, id="x\x1b[2J", score=1.0, headline="a\rb", snippets=(Snippet("c\x1bd"),))
    text = _terminal(results_renderable(Results(query="q", total=1, hits=(hit,))))
    assert "a␍b" in text and "c␛d" in text and "x␛[2J" in text
