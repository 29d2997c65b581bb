import pytest
from conftest import SEED, SPEECHES

from searcher import Article, Index, read_corpus
from searcher.errors import FilterError


def test_seed_quotes_about_corruption_name_shekenova_and_sharipov(tmp_path) -> None:
    ix = Index(tmp_path / "index")
    ix.add(read_corpus(SEED.parent))
    results = ix.quotes("corruption")
    assert results.total == 3
    assert {quote.speaker for quote in results} == {"Zauresh Shekenova", "Darkhan Sharipov"}
    for quote in results:
        assert [quote.text[a:b].lower() for a, b in quote.spans] == ["corruption"]
        assert quote.cue == "said"
        assert quote.headline.startswith("Russian paratroopers")
        assert quote.source == "The Guardian Australia"


def test_speaker_filter_keeps_that_speakers_quotes(newsroom: Index) -> None:
    results = newsroom.quotes("corruption OR order", speaker="shekenova")
    assert [(q.speaker, q.article_id) for q in results] == [
        ("Zauresh Shekenova", "news/reuters-almaty")
    ]
    assert newsroom.quotes("corruption", speaker="Maria Lopez").total == 0


def test_quotes_with_more_of_the_words_rank_first(newsroom: Index) -> None:
    results = newsroom.quotes("prices rising corruption")
    assert [q.speaker for q in results] == ["Maria Lopez", "Zauresh Shekenova"]
    assert results.quotes[0].score > results.quotes[1].score
    # the body mentions oil prices too, but only quoted words count
    assert all(q.article_id != "news/lemonde-strike" for q in results)


def test_quote_paging(newsroom: Index) -> None:
    every = newsroom.quotes("prices OR corruption OR order", limit=None)
    page = newsroom.quotes("prices OR corruption OR order", limit=1, offset=1)
    assert every.total == page.total == 3
    assert page.quotes == every.quotes[1:2]


def test_speakers_counts_quotes_and_articles(newsroom: Index) -> None:
    everyone = newsroom.speakers()
    assert {s.name: (s.quotes, s.articles) for s in everyone} == {
        "Zauresh Shekenova": (1, 1),
        "Maria Lopez": (1, 1),
        "Kassym Tokayev": (1, 1),
    }
    about = newsroom.speakers("corruption")
    assert [s.name for s in about] == ["Zauresh Shekenova"]
    assert len(newsroom.speakers(limit=1)) == 1


def test_a_quote_repeated_by_copies_of_a_story_is_listed_once(tmp_path) -> None:
    body = (
        "The minister defended the budget on Monday. “These cuts protect the poorest "
        "families,” said Anna Berg. Opposition leaders called the plan a disgrace and "
        "promised to vote against it when parliament meets next week."
    )
    other = "Farmers protested in the capital. “We cannot survive these cuts,” said Jon Lind."
    ix = Index(tmp_path / "ix")
    ix.add(
        [
            Article(id="b/1", source="Reuters", headline="Budget defended", body=body),
            Article(id="b/2", source="AP", headline="Minister defends budget", body=body),
            Article(id="f/1", source="AP", headline="Farmers protest", body=other),
        ]
    )
    results = ix.quotes("cuts")
    assert sorted(q.speaker for q in results) == ["Anna Berg", "Jon Lind"]
    assert results.total == 2
    assert ix.quotes("cuts", all_copies=True).total == 3


def _politics(tmp_path) -> Index:
    """Articles that name one politician in full, by surname alone, and with a title,
    another one with his surname, and one article copied by another source."""
    said = (
        "“We will cut waiting lists by half this year,” said Tony Blair. “Schools come "
        "next,” he added. “And then the railways,” Mr Blair said."
    )
    alone = "Blair faced questions on Monday. “The economy is strong and growing,” Blair said."
    titled = "Mr Blair met the unions. “Nobody will lose out on pensions,” he said."
    other = "Police chief Ian Blair spoke. “Crime is falling in the capital,” said Ian Blair."
    copied = "Ministers met. “The budget protects the poorest families,” said Anna Berg."
    ix = Index(tmp_path / "ix")
    ix.add(
        [
            Article(id="p/1", source="BBC", headline="Blair on waiting lists", body=said),
            Article(id="p/2", headline="Blair on the economy", body=alone),
            Article(id="p/3", source="AP", headline="Blair meets unions", body=titled),
            Article(id="p/4", source="AP", headline="Crime falls", body=other),
            Article(id="p/5", source="Reuters", headline="Budget defended", body=copied),
            Article(id="p/6", source="AP", headline="Minister defends budget", body=copied),
        ]
    )
    return ix


def test_speakers_count_a_person_once_whatever_the_form(tmp_path) -> None:
    counts = {s.name: (s.quotes, s.articles) for s in _politics(tmp_path).speakers()}
    assert counts == {"Tony Blair": (5, 3), "Ian Blair": (1, 1), "Anna Berg": (1, 1)}


def test_speakers_count_a_quote_repeated_by_copies_once(tmp_path) -> None:
    ix = _politics(tmp_path)
    assert {s.name: s.quotes for s in ix.speakers()}["Anna Berg"] == 1
    assert {s.name: s.quotes for s in ix.speakers(all_copies=True)}["Anna Berg"] == 2


def test_speaker_filter_matches_every_form_of_the_name(tmp_path) -> None:
    ix = _politics(tmp_path)
    query = "waiting OR economy OR pensions OR crime"
    by_surname = ix.quotes(query, speaker="blair", limit=None)
    assert sorted(q.article_id for q in by_surname) == ["p/1", "p/2", "p/3", "p/4"]
    by_name = ix.quotes(query, speaker="Tony Blair", limit=None)
    assert sorted(q.article_id for q in by_name) == ["p/1", "p/2", "p/3"]
    field = ix.search("speaker:blair", limit=None)
    assert sorted(hit.id for hit in field) == ["p/1", "p/2", "p/3", "p/4"]


def test_a_speaker_with_no_words_of_a_name_is_refused(newsroom: Index) -> None:
    with pytest.raises(FilterError, match="The speaker '!!' has no words of a name"):
        newsroom.quotes("corruption", speaker="!!")


def _speeches(tmp_path) -> Index:
    ix = Index(tmp_path / "ix")
    ix.add(SPEECHES)
    return ix


def test_a_speakers_quotes_without_words_newest_first_undated_last(tmp_path) -> None:
    results = _speeches(tmp_path).quotes(speaker="Tony Blair", limit=None)
    assert [(q.article_id, q.text.split()[0]) for q in results] == [
        ("s/3", "Nobody"),
        ("s/6", "Europe"),  # its copy s/7 left out
        ("s/1", "We"),
        ("s/1", "Schools"),  # an article's quotes in their order
        ("s/2", "The"),  # by "Blair" alone, undated
    ]
    assert results.total == 5 and results.query is None and results.speaker == "Tony Blair"
    assert all(q.score == 0.0 and q.spans == () for q in results)


def test_a_surname_lists_every_blair_and_all_copies_every_copy(tmp_path) -> None:
    ix = _speeches(tmp_path)
    by_surname = ix.quotes(speaker="blair", limit=None)
    assert [q.article_id for q in by_surname] == ["s/4", "s/3", "s/6", "s/1", "s/1", "s/2"]
    every = ix.quotes(speaker="Tony Blair", limit=None, all_copies=True)
    assert [q.article_id for q in every] == ["s/3", "s/6", "s/7", "s/1", "s/1", "s/2"]
    page = ix.quotes("", speaker="Tony Blair", limit=2, offset=1)
    assert page.total == 5 and [q.article_id for q in page] == ["s/6", "s/1"]


def test_a_speakers_quotes_are_the_same_from_an_index_of_many_segments(tmp_path) -> None:
    """The articles added one commit at a time (a segment each, an undated one among them,
    the two copies of a story in different segments) give the same quotes, in order."""
    one = _speeches(tmp_path)
    many = Index(tmp_path / "many")
    for article in SPEECHES:
        many.add([article])
    assert many.stats().segments > 1
    for speaker, copies in (("Tony Blair", False), ("blair", False), ("Tony Blair", True)):
        expected = one.quotes(speaker=speaker, limit=None, all_copies=copies)
        assert many.quotes(speaker=speaker, limit=None, all_copies=copies) == expected


def test_quotes_with_neither_words_nor_a_speaker_are_refused(newsroom: Index) -> None:
    for text, speaker in ((None, None), ("  ", " ")):
        with pytest.raises(FilterError, match="Quotes need words to look for or a speaker"):
            newsroom.quotes(text, speaker=speaker)
