"""Tests for searcher.enrich.speakers (names within an article) and the forms
searcher.query.quote_search merges across articles."""

from __future__ import annotations

import pytest

from searcher.enrich.speakers import clean_name, fullest_name
from searcher.query.quote_search import merged_forms


@pytest.mark.parametrize(
    ("words", "name"),
    [
        ("Deputy Prime Minister John Prescott", "John Prescott"),
        ("Labour's Yvette Cooper", "Yvette Cooper"),
        ("Margaret Moran MP", "Margaret Moran"),
        ("The Attorney General Lord Goldsmith", "Lord Goldsmith"),
        ("Lord Chancellor Lord Falconer", "Lord Falconer"),
        ("Co-chairman Liam Fox", "Liam Fox"),
        ("The Association of Chief Police Officers", "Association of Chief Police Officers"),
        ("Tony Blair's", ""),
        ("Prime Minister", ""),
    ],
)
def test_clean_name_drops_titles_and_keeps_a_peer_before_a_lone_surname(
    words: str, name: str
) -> None:
    assert clean_name(words.split()) == name


def test_fullest_name_is_the_longest_form_the_article_gives() -> None:
    body = (
        "General secretary Brendan Barber spoke. Mr Barber said more. Singer Simon Le Bon "
        "agreed, and Le Bon left. Hong Kong director Wong Kar-Wai was honoured; Wong said."
    )
    assert fullest_name("Barber", body, len(body)) == "Brendan Barber"
    assert fullest_name("Le Bon", body, len(body)) == "Simon Le Bon"
    assert fullest_name("Wong", body, len(body)) == "Wong Kar-Wai"
    assert fullest_name("Wong", body, len(body), given_after=False) == "Wong"
    assert fullest_name("Smith", body, len(body)) == "Smith"


def test_fullest_name_of_a_shared_surname_is_the_one_named_last_before() -> None:
    body = "Ralf Schumacher won. Michael Schumacher was third. Later Schumacher said it was hard."
    assert fullest_name("Schumacher", body, body.index("Later")) == "Michael Schumacher"
    assert fullest_name("Schumacher", body, 0) == "Ralf Schumacher"


def test_fullest_name_stays_inside_its_paragraph() -> None:
    body = "The talks ended in Wales.\n\nMs Hutt said the targets were met."
    assert fullest_name("Hutt", body, len(body)) == "Hutt"


def test_merged_forms_join_a_surname_to_the_name_that_dominates() -> None:
    counts = {"Tony Blair": 130, "Blair": 9, "Ian Blair": 2, "Brown": 5, "Gordon Brown": 52}
    counts |= {"Nick Brown": 20, "Howard": 3}
    assert merged_forms(counts) == {"Blair": "Tony Blair"}
