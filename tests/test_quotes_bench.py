"""Tests for bench/quotes.py: the scoring of ../shared/quotes/README.md."""

from __future__ import annotations

from bench.quotes import Score, speaker_right, starts_alike
from searcher.models import Quote


def test_starts_compare_the_first_four_words_without_case_or_punctuation() -> None:
    assert starts_alike("We want to make sure we", "we want, to make it happen")
    assert starts_alike(" very important to the development of", "very important to the end")
    assert starts_alike("every lawful move", "every lawful move")
    assert not starts_alike("We want to make sure we", "We want two makes")


def test_speaker_right_by_surname_key_words_or_silence() -> None:
    assert speaker_right("Brendan Barber", "Barber")
    assert not speaker_right("Brendan Barber", "Brendan Smith")
    assert speaker_right("a Delta spokesperson", "a Delta spokesperson")
    assert not speaker_right("a Delta spokesperson", "a spokesperson")
    assert speaker_right(None, "")
    assert not speaker_right(None, "Tony Blair")


def test_score_counts_found_right_taken_and_extra() -> None:
    gold = [
        {"start": "We will rebuild the city", "speaker": "Anna Petrova", "kind": "quote"},
        {"start": "Nobody will be left", "speaker": "a city spokesman", "kind": "quote"},
        {"start": "Britain is working", "speaker": None, "kind": "not_quote"},
    ]
    ours = [
        Quote("We will rebuild the city now", speaker="Petrova"),
        Quote("Britain is working"),
        Quote("A stray span of words"),
    ]
    score = Score()
    score.add("a.txt", gold, ours)
    assert (score.found, score.quotes, score.named_right, score.named) == (1, 2, 1, 1)
    assert (score.roles_right, score.roles) == (0, 1)
    assert (score.not_quotes_taken, score.extra, score.extracted) == (1, 1, 3)
    assert len(score.misses) == 3
