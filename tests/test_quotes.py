"""Tests for searcher.enrich.quotes: marks, attribution, speakers, scare quotes, robustness."""

from __future__ import annotations

from pathlib import Path

import pytest

from searcher.enrich.quotes import extract_quotes
from searcher.models import Quote

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_c62dc9544255aea0.txt"


def quotes_of(body: str) -> tuple[Quote, ...]:
    """extract_quotes, checking the offset contract of every quote it returns."""
    quotes = extract_quotes(body)
    for quote in quotes:
        assert 0 <= quote.start < quote.end <= len(body)
        covered = body[quote.start : quote.end]
        # A quote in several segments covers the marks and breaks between them as well.
        assert covered == quote.text or squeeze(covered) == squeeze(quote.text)
    return quotes


def squeeze(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in '“”"«»')


def only(body: str) -> Quote:
    quotes = quotes_of(body)
    assert len(quotes) == 1, quotes
    return quotes[0]


def seed_body() -> str:
    """The seed article's body: the paragraphs after the "- " byline, before the captions."""
    if not SEED.is_file():
        pytest.skip(f"{SEED} is absent: ../shared sits beside the checkout in CI only")
    paragraphs = SEED.read_text(encoding="utf-8").split("\n\n")
    first = next(k for k, text in enumerate(paragraphs) if text.startswith("- ")) + 1
    body: list[str] = []
    for text in paragraphs[first:]:
        if text.startswith((" ?? Photograph", "Newspapers in")):
            break
        body.append(text)
    return "\n\n".join(body)


# The seed article ----------------------------------------------------------------------------


def test_seed_article_quotes_and_speakers() -> None:
    body = seed_body()
    quotes = quotes_of(body)
    assert [q.speaker for q in quotes] == [
        "Leonid Kalashnikov",
        "Tokayev",
        "Zauresh Shekenova",
        "Zauresh Shekenova",
        "Darkhan Sharipov",
    ]
    kalashnikov, tokayev, shekenova, shekenova_again, sharipov = quotes
    assert kalashnikov.text == "for as long as the president of Kazakhstan believes it necessary"
    assert kalashnikov.cue == "told"
    assert tokayev.text.startswith("Almaty was attacked, destroyed, vandalised")
    assert tokayev.text.endswith("to protect our state")
    assert tokayev.cue == "said"
    assert shekenova.text.startswith("Nazarbayev and his family have monopolised")
    assert shekenova_again.text.startswith("It all started with the increase in gas prices")
    assert shekenova_again.text.endswith("joblessness, corruption.")
    assert sharipov.text.startswith("People are sick of corruption and nepotism")
    assert "don’t listen" in sharipov.text
    assert sharipov.text.endswith("hold fair elections.")
    for quote in quotes:
        assert body[quote.start : quote.end] == quote.text


def test_seed_article_scare_quotes_are_not_quotes() -> None:
    texts = {q.text for q in quotes_of(seed_body())}
    for scare in ("peacekeeping", "stabilise", "infrastructure", "terrorists", "attacks"):
        assert scare not in texts


# Attribution patterns ------------------------------------------------------------------------


def test_cue_then_name_after_the_quote() -> None:
    quote = only("“We will rebuild the city,” said Mayor Anna Petrova, speaking on Monday.")
    assert (quote.text, quote.speaker, quote.cue) == (
        "We will rebuild the city",
        "Anna Petrova",
        "said",
    )


def test_name_then_cue_after_the_quote() -> None:
    quote = only("“The talks were useful,” Dr Jane Smith said on Monday.")
    assert (quote.text, quote.speaker, quote.cue) == ("The talks were useful", "Jane Smith", "said")


def test_name_cue_colon_before_the_quote() -> None:
    quote = only("Prime Minister Boris Johnson said: “We will get Brexit done.”")
    assert (quote.text, quote.speaker, quote.cue) == (
        "We will get Brexit done.",
        "Boris Johnson",
        "said",
    )


def test_name_with_description_between_commas() -> None:
    body = (
        "Aliya Nurova, a teacher from the movement Wake Up, Kazakhstan, said: "
        "“We are tired of waiting for change.”"
    )
    quote = only(body)
    assert (quote.speaker, quote.cue) == ("Aliya Nurova", "said")
    assert quote.text == "We are tired of waiting for change."


def test_description_before_the_name_is_dropped() -> None:
    body = (
        "“Prices doubled in a week,” said 55-year-old Zauresh Shekenova, who has been protesting."
    )
    assert only(body).speaker == "Zauresh Shekenova"


def test_told_somebody_then_a_fragment() -> None:
    body = (
        "Russian MP Leonid Kalashnikov told Interfax the troops would stay “for as long as needed”."
    )
    quote = only(body)
    assert (quote.text, quote.speaker, quote.cue) == (
        "for as long as needed",
        "Leonid Kalashnikov",
        "told",
    )


def test_told_somebody_colon() -> None:
    quote = only("Ms Hewitt told the seminar: “We need to extend the period of payment.”")
    assert (quote.speaker, quote.cue) == ("Hewitt", "told")


def test_according_to() -> None:
    quote = only("“Prices will keep rising for months,” according to Janet Yellen.")
    assert (quote.speaker, quote.cue) == ("Janet Yellen", "according to")


@pytest.mark.parametrize(
    "verb",
    ["said", "says", "told", "added", "asked", "stated", "declared", "warned", "explained",
     "insisted", "noted", "claimed", "argued", "wrote", "tweeted"],
)  # fmt: skip
def test_cue_verbs(verb: str) -> None:
    after = only(f"“We must act before it is too late,” {verb} Maria Lopez.")
    before = only(f"Maria Lopez {verb}: “We must act before it is too late.”")
    assert (after.speaker, after.cue) == (before.speaker, before.cue) == ("Maria Lopez", verb)


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("President Tokayev", "Tokayev"),
        ("Russian MP Leonid Kalashnikov", "Leonid Kalashnikov"),
        ("Deputy Prime Minister John Prescott", "John Prescott"),
        ("Labour's Yvette Cooper", "Yvette Cooper"),
        ("Sir Digby Jones", "Digby Jones"),
        ("Margaret Moran MP", "Margaret Moran"),
        ("Tory co-chairman Liam Fox", "Liam Fox"),
        ("But Dr Fox", "Fox"),
        ("On Monday Stephen King", "Stephen King"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("Armenia’s prime minister, Nikol Pashinyan,", "Nikol Pashinyan"),
    ],
)
def test_titles_and_descriptors_are_dropped(subject: str, name: str) -> None:
    assert only(f"{subject} said: “We have nothing more to add today.”").speaker == name


def test_no_name_in_the_subject_leaves_the_speaker_empty() -> None:
    quote = only("“We have nothing more to add today,” the spokeswoman said.")
    assert (quote.speaker, quote.cue) == ("", "said")
    assert only("Reuters witnesses said: “The shooting went on for an hour.”").speaker == ""


def test_a_sentence_after_a_quote_is_not_its_attribution() -> None:
    body = 'Mr Blair said: "We made a firm commitment today." She said ministers would consult.'
    assert only(body).speaker == "Blair"


# Quotes over paragraphs, unattributed paragraphs, pronouns -----------------------------------


def test_quote_running_over_a_paragraph_break_is_one_quote() -> None:
    body = (
        "Darkhan Sharipov said: “People are sick of corruption.\n\n"
        "“We want real political reforms.”\n\nThe protests went on."
    )
    quote = only(body)
    assert quote.text == "People are sick of corruption.\n\nWe want real political reforms."
    assert quote.speaker == "Darkhan Sharipov"
    assert body[quote.start : quote.end] == (
        "People are sick of corruption.\n\n“We want real political reforms."
    )


def test_reopened_quote_inside_a_paragraph_is_one_quote() -> None:
    body = 'Ms Hewitt said: "We have doubled it. "We will extend it to nine months." She left.'
    quote = only(body)
    assert quote.text == "We have doubled it. We will extend it to nine months."
    assert quote.speaker == "Hewitt"
    assert body[quote.start : quote.end] == 'We have doubled it. "We will extend it to nine months.'


def test_unattributed_quoted_paragraph_takes_the_previous_speaker() -> None:
    body = (
        "“Prices doubled in a week,” said Zauresh Shekenova.\n\n"
        "“It all started with the gas prices.”\n\n"
        "Officials declined to comment."
    )
    first, second = quotes_of(body)
    assert first.speaker == second.speaker == "Zauresh Shekenova"
    assert (second.text, second.cue) == ("It all started with the gas prices.", "said")


def test_unattributed_quote_far_from_any_speaker_stays_anonymous() -> None:
    body = (
        "“Prices doubled in a week,” said Zauresh Shekenova.\n\n"
        "The government met on Monday.\n\nThe talks went on.\n\n"
        "“It all started with the gas prices.”"
    )
    assert [q.speaker for q in quotes_of(body)] == ["Zauresh Shekenova", ""]


def test_unattributed_fragment_inside_a_sentence_is_not_inherited() -> None:
    body = "“We will win,” said Tom Lee. The plan was called “a disaster for everyone” by critics."
    assert [q.speaker for q in quotes_of(body)] == ["Tom Lee", ""]


def test_pronoun_resolves_to_the_nearest_named_speaker() -> None:
    body = (
        "Mayor Anna Petrova said the work would take years.\n\n"
        "“We will rebuild every house,” she said.\n\n"
        "She added: “Nobody will be left behind.”"
    )
    assert [(q.speaker, q.cue) for q in quotes_of(body)] == [
        ("Anna Petrova", "said"),
        ("Anna Petrova", "added"),
    ]


def test_pronoun_takes_the_latest_speaker() -> None:
    body = (
        "“We won,” said Tom Lee. “They lost badly tonight,” said Ann Shaw. “Yes, we did,” he said."
    )
    assert [q.speaker for q in quotes_of(body)] == ["Tom Lee", "Ann Shaw", "Ann Shaw"]


def test_pronoun_without_a_near_speaker_stays_empty() -> None:
    far = (
        "Anna Petrova said the work would take years.\n\nThe city is large.\n\n"
        "Trams run late.\n\n“We will rebuild every house,” she said."
    )
    assert [(q.speaker, q.cue) for q in quotes_of(far)] == [("", "said")]
    assert only("“We will rebuild every house,” he said.").speaker == ""
    assert only("“We will rebuild every house,” they said.").speaker == ""


# Scare quotes --------------------------------------------------------------------------------


def test_one_or_two_word_quotes_are_scare_quotes() -> None:
    body = (
        "Russia sent troops on a “peacekeeping” mission against “foreign terrorists”, "
        "and Pashinyan said they would “stabilise” the country."
    )
    assert quotes_of(body) == ()


def test_short_quote_with_its_cue_beside_it_is_kept() -> None:
    quote = only("“No comment,” said John Smith.")
    assert (quote.text, quote.speaker) == ("No comment", "John Smith")
    assert quotes_of("Merriam-Webster said “blog” headed the list.") == ()


# Marks ---------------------------------------------------------------------------------------


def test_straight_double_quotes() -> None:
    quote = only('"The plan is dead," he told reporters, and left. Nobody said "yes" or "no".')
    assert (quote.text, quote.cue) == ("The plan is dead", "told")


def test_single_quotes_with_apostrophes_around() -> None:
    body = (
        "Kazakhstan’s leaders didn’t answer. ‘We won’t give up on Kazakhstan’s future,’ she said."
    )
    assert only(body).text == "We won’t give up on Kazakhstan’s future"


def test_plural_apostrophe_inside_single_quotes() -> None:
    quote = only("‘The workers’ rights come first,’ said Ann Lee. The players’ union agreed.")
    assert (quote.text, quote.speaker) == ("The workers’ rights come first", "Ann Lee")


def test_apostrophes_alone_are_not_quotes() -> None:
    body = (
        "Kazakhstan’s leader didn’t say. The players’ union met in the ’90s. "
        "It's the workers' turn."
    )
    assert quotes_of(body) == ()


def test_straight_single_quotes() -> None:
    quote = only("'It's not over for us yet,' said Ann Lee, who didn't stay.")
    assert (quote.text, quote.speaker) == ("It's not over for us yet", "Ann Lee")


def test_guillemets() -> None:
    quote = only("«We will not retreat from here,» said Jean Dupont.")
    assert (quote.text, quote.speaker) == ("We will not retreat from here", "Jean Dupont")
    assert only("« Nous ne reculerons pas », said Jean Dupont.").text == "Nous ne reculerons pas"


def test_nested_quote_stays_inside_the_outer_one() -> None:
    quote = only("“He told me ‘never give up hope’ and I listened,” said Ann Lee.")
    assert quote.text == "He told me ‘never give up hope’ and I listened"
    assert quote.speaker == "Ann Lee"


# Robustness ----------------------------------------------------------------------------------


def test_empty_and_quote_free_bodies() -> None:
    assert extract_quotes("") == ()
    assert extract_quotes("\n\n  \n") == ()
    assert extract_quotes("No quotation marks here at all.") == ()


def test_unclosed_quote_stops_at_its_paragraph() -> None:
    body = (
        "He called it “a disaster for everyone involved.\n\n"
        "The rest of the article goes on without quotes for a long while.\n\n"
        "“Final words are here now,” said Tom Lee."
    )
    first, last = quotes_of(body)
    assert first.text == "a disaster for everyone involved."
    assert first.end <= body.index("\n\n")
    assert (last.text, last.speaker) == ("Final words are here now", "Tom Lee")


def test_unclosed_straight_quote_does_not_swallow_the_article() -> None:
    body = (
        'He said "this will never end and\n\nThe next paragraph is plain text.\n\nSo is this one.'
    )
    quote = only(body)
    assert quote.text == "this will never end and"
    assert "plain" not in quote.text


def test_stray_marks_do_not_crash() -> None:
    for body in ("”", "“", '"', "’", "‘", "«", "»", "“”", "” “ ”", "a ” b “", "“\n\n“\n\n”"):
        assert isinstance(extract_quotes(body), tuple)


@pytest.mark.parametrize(
    "body",
    [
        "“" * 100_000,
        "“" * 50_000 + "x" + "”" * 50_000,
        '"' * 100_000,
        "'" * 100_000,
        "“‘«\"'’»”" * 12_500,
        "“a b c d” " * 10_000 + " said Smith",
        "said “x y z.” he said " * 5_000,
        "“a. " * 25_000,
        "“a b c.\n\n" * 10_000,
        "Tokayev said " * 8_000 + "“a b c d”",
        "a" * 100_000 + "“" + "b." * 1_000,
    ],
    ids=["opens", "opens-closes", "straight", "apostrophes", "mixed", "far-cue", "many", "reopen",
         "paragraphs", "cues", "long-word"],
)  # fmt: skip
def test_pathological_inputs_finish_with_sane_offsets(body: str) -> None:
    for quote in extract_quotes(body):
        assert 0 <= quote.start < quote.end <= len(body)
