import random
import time

import pytest
from typer.testing import CliRunner
from whoosh import fields

from searcher import FilterError, Index, QuerySyntaxError
from searcher.cli import app
from searcher.query.syntax import (
    MAX_DEPTH,
    MAX_EDITS,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    MAX_VARIANT_TERMS,
    MAX_WORD_CHARS,
    check_syntax,
)
from searcher.store.schema import QUERY_FIELDS, build_schema

runner = CliRunner()


def ids(ix: Index, text: str) -> set[str]:
    return {hit.id for hit in ix.search(text, limit=None)}


def refusal(ix: Index, text: str) -> QuerySyntaxError:
    with pytest.raises(QuerySyntaxError) as raised:
        ix.search(text)
    assert raised.value.hint  # a next step, fitting the problem
    return raised.value


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("*", "A wildcard needs 2 characters before it", 0),
        ("headline:*", "A wildcard needs 2 characters before it", 9),
        ("(oil OR *)", "A wildcard needs 2 characters before it", 8),
        ("date:foo", "Not a date: 'foo'", 5),
        ("date:2022-13", "Not a date: '2022-13'", 5),
        (
            "date:[2005 to 2004]",
            "The date range ends (2004-12-31) before it starts (2005-01-01)",
            5,
        ),
        ("date:>garbage", "Not a date: 'garbage'", 6),
        ("date:[garbage to 2022]", "Not a date: 'garbage'", 5),
        ("date:[* to *]", "Not a date: '*'", 5),
        ("date:[a to b]", "Not a date: 'a'", 5),
        ("date:oil*", "date: takes a date or a range of dates", 8),  # at the wildcard
        ("oil~5", f"A fuzzy term allows at most {MAX_EDITS} edits, not 5", 0),
        ("oil~10", f"A fuzzy term allows at most {MAX_EDITS} edits, not 10", 0),
        ("a~1/2", "A fuzzy term's fixed prefix (2) is longer than it", 0),
        ("url:oil", "No field 'url' to search", 0),
        ("metadata:oil", "No field 'metadata' to search", 0),
        ("oil topics:crude", "No field 'topics' to search", 4),
        ("<oil", "< compares a field with a value", 0),
        (">2004", "> compares a field with a value", 0),
        ("oil^0", "A boost must be above 0", 3),
        ("[a TO]", "Ranges are for dates only", 0),
        ("body:[a to zzzz]", "Ranges are for dates only", 5),
        ("headline:>oil", "Ranges are for dates only", 10),
        ("x REQUIRE", "REQUIRE has nothing after it", 2),
        ("oil \udcff", "A character that is not text (a lone surrogate)", 4),
    ],
)
def test_malformed_queries_are_refused_with_the_problem_and_position(
    newsroom: Index, text: str, message: str, position: int
) -> None:
    error = refusal(newsroom, text)
    assert error.message == message
    assert error.position == position


def test_an_unknown_field_is_refused_naming_every_field_a_query_can_search(
    newsroom: Index,
) -> None:
    error = refusal(newsroom, "dat:>2022")  # a misspelt field: once a range over every word
    for field, others in QUERY_FIELDS.items():
        assert field in error.hint
        for other in others:
            assert other in error.hint
    # what only looks like a field is text: a time, a word ending in a colon
    assert check_syntax("10:30 talks") is None
    assert ids(newsroom, "oil: prices") == ids(newsroom, "oil prices")


def test_every_query_field_is_an_indexed_field_of_the_schema() -> None:
    schema = build_schema()
    for field in QUERY_FIELDS:
        assert field in schema and not isinstance(schema[field], fields.STORED)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(" * 5000 + "oil" + ")" * 5000, f"longer than {MAX_QUERY_CHARS:,} characters"),
        ("(" * (MAX_DEPTH + 1) + "oil" + ")" * (MAX_DEPTH + 1), f"more than {MAX_DEPTH} deep"),
        ("dat:>2022", "No field 'dat'"),
        ("[a TO]", "Ranges are for dates only"),
        ("body:[a to zzzz]", "Ranges are for dates only"),
        ("a" * 9000, f"longer than {MAX_QUERY_CHARS:,} characters"),
        ("a" * 100_000, f"longer than {MAX_QUERY_CHARS:,} characters"),
        ("a" * (MAX_WORD_CHARS + 1), f"A word longer than {MAX_WORD_CHARS} characters"),
        (" ".join(["word~2"] * 300), f"longer than {MAX_QUERY_CHARS:,} characters"),
        (" ".join(["word~2"] * (MAX_VARIANT_TERMS + 1)), "fuzzy and wildcard terms"),
        ("oil~2 pr* " * MAX_VARIANT_TERMS, "fuzzy and wildcard terms"),
        ("economy~9", "at most 2 edits"),
        (" AND ".join(f"w{n}" for n in range(3000)), f"longer than {MAX_QUERY_CHARS:,}"),
        (" AND ".join(["oil"] * (MAX_QUERY_WORDS + 1)), f"more than {MAX_QUERY_WORDS} words"),
    ],
)
def test_queries_that_would_run_long_are_refused_at_once(
    newsroom: Index, text: str, message: str
) -> None:
    start = time.perf_counter()
    assert message in refusal(newsroom, text).message
    assert time.perf_counter() - start < 5  # a hang guard: these ran for seconds or minutes


def test_the_bounds_themselves_are_allowed(newsroom: Index) -> None:
    words = " ".join(["oil"] * MAX_QUERY_WORDS)
    assert newsroom.search(words).total == 3
    assert newsroom.search("o" * MAX_WORD_CHARS).total == 0
    nested = "(" * MAX_DEPTH + "oil" + ")" * MAX_DEPTH
    assert newsroom.search(nested).total == 3
    assert ids(newsroom, "protes* coruption~2 kaz?khstan") == ids(newsroom, "protests")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date:2022-06-15", {"news/lemonde-strike"}),
        ("date:[2022 to 2022-06]", {"news/reuters-almaty", "news/lemonde-strike"}),
        ("date:[2022-06 to]", {"news/lemonde-strike", "news/guardian-oil"}),
        ("date:>=2023", {"news/guardian-oil"}),
        ("date:<=2021", {"news/ap-troops"}),
        ("date:>30d", set()),  # the newest article is from 2023
        ("oil -date:2022", {"news/guardian-oil", "news/reuters-output"}),  # undated too
        ("oil date:(2022 OR 2023)", {"news/guardian-oil", "news/lemonde-strike"}),
    ],
)
def test_dates_in_the_query_are_read_as_the_date_filters_read_them(
    newsroom: Index, text: str, expected: set[str]
) -> None:
    assert ids(newsroom, text) == expected


def test_plus_and_minus_work_inside_brackets(newsroom: Index) -> None:
    assert ids(newsroom, "oil (prices -protests)") == {"news/reuters-output"}
    both = {"news/ap-troops", "news/reuters-almaty"}  # "troops" is optional
    assert ids(newsroom, "(troops +kazakhstan)") == ids(newsroom, "troops +kazakhstan") == both


def test_a_range_the_other_way_round_is_a_query_error_not_a_filter_error(
    newsroom: Index,
) -> None:
    error = refusal(newsroom, "date:[2023 to 2022]")
    assert not isinstance(error, FilterError)
    assert error.hint == "Give the earlier date first."


# A seeded fuzz of the query parser: queries built from the syntax's pieces, with
# operators, brackets, quotes, fields, wildcards, ranges, unicode and control characters.
WORDS = [
    *("oil", "prices", "Protesters", "kazakhstan", "corruption", "the", "of", "a", "AT&T"),
    *("U.S.", "don't", "xyzzy", "café", "Zhanaözen", "東京", "İstanbul", "straße", "🛢"),
    *("النفط", "e\u0301", "2022", "10:30", "http://x.org/a?b=c", "o" * MAX_WORD_CHARS),
]
FIELDS = [
    *QUERY_FIELDS,
    *(other for others in QUERY_FIELDS.values() for other in others),
    *("dat", "topics", "url", "metadata", "id", "path", "date_iso", "source_key", "*", "Body"),
]
DATES = [
    *("2022", "2022-06", "2022-13", "2022-02-30", "2022-06-15", "7d", "0000", "9999"),
    *("garbage", "2022-01-31T10:00", "*", "", "99999999d", "2022-00"),
]
OPERATORS = ["AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE", "TO", "+", "-", "&&", "!"]
SYMBOLS = [
    *"()[]{}\"'*?~^:<>=&\\/,.;!",
    *("~2", "~9", "~10", "~/3", "~1/2", "^2", "^0", "^0.5", "^", ">=", "<=", "*:*"),
]
CONTROLS = ["\x00", "\x1b[31m", "\x1b]0;x\x07", "\t", "\n", "\r", "\x7f", "\u200b", "\u202e"]


def fuzzed_piece(r: random.Random) -> str:
    k = r.random()
    if k < 0.3:
        return r.choice(WORDS)
    if k < 0.42:
        return r.choice(FIELDS) + ":" + fuzzed_piece(r)
    if k < 0.5:
        return "date:" + r.choice(["", ">", "<", ">=", "<="]) + r.choice(DATES)
    if k < 0.56:
        start, end = r.choice(DATES + WORDS), r.choice(DATES + WORDS)
        field = r.choice(["date:", "", "body:"])
        return f"{field}{r.choice('[{')}{start} {r.choice(['to', 'TO', ''])} {end}{r.choice(']}')}"
    if k < 0.66:
        return r.choice(OPERATORS)
    if k < 0.8:
        return r.choice(WORDS) + r.choice(SYMBOLS)
    if k < 0.9:
        return r.choice(SYMBOLS)
    if k < 0.95:
        return r.choice(CONTROLS)
    phrase = " ".join(r.choices(WORDS, k=r.randint(0, 4)))
    return '"' + phrase + r.choice(['"', '"~3', '"^2', ""])


def adversarial(r: random.Random) -> str:
    k = r.randint(0, 7)
    if k == 0:
        return "(" * r.randint(5, 15) + "oil" + ")" * r.randint(5, 15)
    if k == 1:
        return " ".join(r.choices(WORDS, k=r.randint(MAX_QUERY_WORDS - 10, MAX_QUERY_WORDS + 30)))
    if k == 2:
        return "x" * r.randint(MAX_WORD_CHARS - 10, MAX_WORD_CHARS + 10)
    if k == 3:
        stems = r.choices(["oil", "pri", "prot", "kaz", "co", "corruption"], k=r.randint(1, 6))
        return " ".join(stem + r.choice(["~2", "*", "~", "?"]) for stem in stems)
    if k == 4:
        return "NOT " * r.randint(1, 400) + "oil"
    if k == 5:
        alphabet = [*SYMBOLS, *CONTROLS, "a", " ", "oil"]
        return "".join(r.choices(alphabet, k=r.randint(1, MAX_QUERY_CHARS + 100)))
    if k == 6:
        return " AND ".join(r.choices(WORDS, k=r.randint(2, 60)))
    return "-" * r.randint(1, 50) + "oil"


def fuzzed_query(r: random.Random) -> str:
    if r.random() < 0.15:
        return adversarial(r)
    if r.random() < 0.1:
        alphabet = 'abc oil()[]{}"*?~^:<>=&-+\\/ AND OR NOT \x00\x1b東é'
        return "".join(r.choices(alphabet, k=r.randint(0, 40)))
    return r.choice(["", " ", "  "]).join(fuzzed_piece(r) for _ in range(r.randint(1, 8)))


HANG_GUARD = 5.0  # seconds: no query may come near it (they take milliseconds)


def test_fuzzed_queries_end_in_results_or_a_query_error_through_the_library(
    newsroom: Index,
) -> None:
    r = random.Random(20260)
    newsroom.search("zzyzzx")  # stems a word the index never met: NLTK's import, once
    failures, slowest = [], 0.0
    for n in range(2000):
        text = fuzzed_query(r)
        start = time.perf_counter()
        try:
            # a quarter as a user runs them: with copies collapsed (a story store opened
            # for each), and as quote searches (the parser on one field)
            newsroom.search(text, all_copies=n % 4 != 0)
            if n % 4 == 1:
                newsroom.quotes(text)
        except QuerySyntaxError:
            pass
        except Exception as error:  # what the fuzz is for
            failures.append((text, repr(error)))
        slowest = max(slowest, time.perf_counter() - start)
    assert not failures, failures[:5]
    assert slowest < HANG_GUARD


def test_fuzzed_queries_exit_0_or_2_through_the_cli(newsroom: Index) -> None:
    r = random.Random(20261)
    failures = []
    for _ in range(300):
        text = fuzzed_query(r)
        command = r.choice(["query", "query", "quotes", "speakers"])
        extra = r.choice([[], ["--json"], ["--format", "jsonl"]]) if command == "query" else []
        result = runner.invoke(app, [command, text, "--index", str(newsroom.path), *extra])
        if result.exit_code not in (0, 2) or "Internal error" in result.stderr:
            failures.append((command, text, result.exit_code, result.stderr[-300:]))
    assert not failures, failures[:5]
