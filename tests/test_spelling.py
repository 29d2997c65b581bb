import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import NEWSROOM
from whoosh import fields

from searcher import Index, SearchOptions, read_corpus
from searcher.query import spelling
from searcher.query.spelling import MAX_LOOKUPS
from searcher.store import writer
from searcher.store.schema import FIELD_WEIGHTS, build_schema


def ids(ix: Index, text: str) -> set[str]:
    return {hit.id for hit in ix.search(text, limit=None)}


def test_fuzzy_word_finds_its_inflected_forms(newsroom: Index) -> None:
    # "protestrs" is one edit from "protesters", whose stem finds "protests" and "protested"
    assert (
        ids(newsroom, "protestrs~")
        == ids(newsroom, "protesters")
        == {
            "news/reuters-almaty",
            "news/guardian-oil",
            "news/lemonde-strike",
            "news/ap-troops",
        }
    )
    assert ids(newsroom, "kazakstan~") == {"news/reuters-almaty", "news/ap-troops"}
    assert ids(newsroom, "kazakstan") == set()


def test_fuzzy_distance_is_honoured(newsroom: Index) -> None:
    assert ids(newsroom, "korupton~") == set()
    assert ids(newsroom, "korupton~2") == set()  # three edits from "corruption"
    assert ids(newsroom, "coruption~") == {"news/reuters-almaty", "news/lemonde-strike"}


def test_prefix_and_wildcard_match_unstemmed_words_then_their_stems(newsroom: Index) -> None:
    # "protes*" matches protesters/protests/protested: every inflection is found
    assert ids(newsroom, "protes*") == ids(newsroom, "protests")
    assert ids(newsroom, "kaz?khstan") == {"news/reuters-almaty", "news/ap-troops"}
    assert ids(newsroom, "headline:protest*") == {"news/reuters-almaty"}


def test_expanded_words_are_highlighted(newsroom: Index) -> None:
    [hit] = newsroom.search("corrupt*", options=None, limit=1).hits
    words = {s.text[a:b] for s in hit.snippets for a, b in s.spans}
    assert "Corruption" in words or "corruption" in words


def test_an_unknown_word_gets_a_suggestion(newsroom: Index) -> None:
    results = newsroom.search("Kazakstan protests")
    assert results.suggestion == "Kazakhstan protests"
    assert results.total > 0  # "protests" still matched


def test_a_query_with_no_hits_gets_a_suggestion(newsroom: Index) -> None:
    results = newsroom.search("coruption")
    assert results.total == 0
    assert results.suggestion == "corruption"


def test_known_words_operators_and_fields_are_left_alone(newsroom: Index) -> None:
    assert newsroom.search("oil prices").suggestion is None
    assert newsroom.search("headline:oil AND NOT protests").suggestion is None
    assert newsroom.search("source:reuters oil").suggestion is None
    assert newsroom.search("protes* kazakstan~").suggestion is None
    assert newsroom.search("pr?testers").suggestion is None  # not "pr?protesters"


def test_a_query_that_matched_reads_no_more_than_which_words_the_index_knows(
    newsroom: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the words the index does not know are corrected once a query matched: one
    prose field holding each other word is enough, not the frequency in every one."""
    looked_up: list[tuple[str, str]] = []
    live_frequency = spelling._live_frequency

    def counted(reader: Any, field: str, stemmed: str) -> int:
        looked_up.append((field, stemmed))
        return live_frequency(reader, field, stemmed)

    monkeypatch.setattr(spelling, "_live_frequency", counted)
    assert newsroom.search("oil prices").suggestion is None
    assert looked_up == [("headline", "oil"), ("headline", "price")]
    looked_up.clear()
    assert newsroom.search("coruption").suggestion == "corruption"  # nothing matched
    assert [field for field, _ in looked_up] == list(FIELD_WEIGHTS)


def test_only_the_last_few_unknown_words_are_looked_up(newsroom: Index) -> None:
    # each look-up walks the word list twice (~50 ms): a long query of unknown words
    # must not add seconds
    assert MAX_LOOKUPS == 3
    results = newsroom.search("Kazakstan coruption protestrs Almatyy")
    assert results.suggestion == "Kazakstan corruption protesters Almaty"


def test_fuzzy_distance_two_and_swapped_letters(newsroom: Index) -> None:
    corruption = {"news/reuters-almaty", "news/lemonde-strike"}
    assert ids(newsroom, "corupton~") == set()  # two edits from "corruption"
    assert ids(newsroom, "corupton~2") == corruption
    assert ids(newsroom, "corrutpion~") == corruption  # a swap is one edit
    assert newsroom.search("Kazakhtsan").suggestion == "Kazakhstan"


def test_a_word_of_deleted_articles_is_no_longer_suggested(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for n in range(3):
        (folder / f"a{n}.txt").write_text(f"Council {n}\n\nThe council met about roads {n}.\n")
    (folder / "zoo.txt").write_text("Zebras escape\n\nThe zebras escaped from the zoo.\n")
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(folder), workers=1)
    assert ix.search("zebrass").suggestion == "zebras"
    assert ids(ix, "zebra~") == {"news/zoo.txt"}

    (folder / "zoo.txt").unlink()
    assert ix.update(read_corpus(folder), workers=1).removed == 1
    assert ix.search("zebrass").suggestion is None
    assert ix.search("councl").suggestion == "council"


def test_an_index_with_the_former_words_field_still_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def former_schema() -> fields.Schema:
        schema = build_schema()
        schema.add("words", fields.KEYWORD())
        return schema

    monkeypatch.setattr(writer, "build_schema", former_schema)
    ix = Index(tmp_path / "old")
    ix.add(NEWSROOM)
    monkeypatch.undo()
    assert "words" in ix._open().schema.names()
    assert ids(ix, "kazakstan~") == {"news/reuters-almaty", "news/ap-troops"}
    assert ix.search("coruption").suggestion == "corruption"


def _wire(tmp_path: Path, articles: dict[str, tuple[str, str]]) -> Index:
    """An index of JSON Lines articles {id: (date, text)}, built by two workers a few
    articles a commit (several segments)."""
    folder = tmp_path / "wire"
    folder.mkdir()
    for n, (article_id, (date, text)) in enumerate(articles.items()):
        record = {"id": article_id, "title": f"Item {n}", "text": text, "date": date}
        (folder / f"{n:02d}.jsonl").write_text(json.dumps(record))
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(folder), workers=2, commit_every=3)
    return ix


def test_filters_that_remove_every_match_are_named_and_nothing_is_suggested(
    tmp_path: Path,
) -> None:
    # "oper" (operating, in earnings notices) is far commoner than "opec"
    notices = {f"n{n}": ("1987-03-02", f"Oper shr {n} cts, oper net {n} mln.") for n in range(12)}
    ix = _wire(tmp_path, {**notices, "opec": ("1987-03-02", "OPEC ministers meet in Vienna.")})
    assert ix.search("opec").total == 1
    recent = SearchOptions(since=datetime(2020, 1, 1, tzinfo=timezone.utc))
    results = ix.search("opec", options=recent)
    assert results.total == 0 and results.suggestion is None
    assert results.emptied_by == ("since",)
    both = SearchOptions(sources=("bbc",), until=datetime(1987, 1, 1, tzinfo=timezone.utc))
    assert ix.search("opec", options=both).emptied_by == ("sources", "until")
    # a word the index does not know still gets its correction under a filter
    misspelt = ix.search("opecc", options=recent)
    assert misspelt.suggestion == "opec" and misspelt.emptied_by == ()


def test_a_correction_is_the_word_that_makes_the_query_match_most(tmp_path: Path) -> None:
    blair = "Tony Blair defended the war in Iraq before MPs. {} "
    blame = "Officials took the blame for the delays at the port. {} "
    ix = _wire(
        tmp_path,
        {
            **{f"blair{n}": ("2005-01-0" + str(n + 1), blair.format(n)) for n in range(3)},
            **{f"blame{n}": ("2005-02-0" + str(n + 1), blame.format(n)) for n in range(9)},
        },
    )
    # "blame" is one edit away and commoner, "blair" two edits away, but found with the rest
    assert ix.search("tony blare iraq").suggestion == "tony blair iraq"
    assert ix.search("blare").suggestion == "blame"  # alone, the closest commonest word
