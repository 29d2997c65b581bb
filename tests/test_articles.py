import pytest

from searcher import ArticleNotFoundError, Index
from searcher.models import Article


def test_show_rebuilds_the_article_with_its_quotes(newsroom: Index) -> None:
    view = newsroom.show("news/guardian-oil")
    article = view.article
    assert isinstance(article, Article)
    assert (article.source, article.authors, article.country) == (
        "The Guardian",
        ("Bob Ray", "Ann Lee"),
        "GB",
    )
    assert article.date is not None and article.date.year == 2023
    [quote] = article.quotes
    assert (quote.text, quote.speaker, quote.cue) == (
        "Prices will keep rising",
        "Maria Lopez",
        "said",
    )  # as extracted
    assert view.body_spans == () and view.headline_spans == ()


def test_show_marks_the_query_words_after_stemming(newsroom: Index) -> None:
    view = newsroom.show("news/guardian-oil", "price rises")
    article = view.article
    assert [article.headline[a:b] for a, b in view.headline_spans] == ["prices", "rise"]
    marked = [article.body[a:b] for a, b in view.body_spans]
    assert marked == ["prices", "rose"] or marked.count("prices") + marked.count("Prices") == 2


def test_show_of_an_unknown_id_says_so(newsroom: Index) -> None:
    with pytest.raises(ArticleNotFoundError, match="No article with id or path 'news/nope'"):
        newsroom.show("news/nope")


def test_similar_finds_the_articles_on_the_same_story_not_itself(make_index) -> None:
    ix = make_index(
        Article(
            id="t/a",
            headline="Volcano erupts in Iceland",
            body="Lava and ash from the volcano closed airports across Iceland.",
        ),
        Article(
            id="t/b",
            headline="Ash cloud grounds flights",
            body="The volcano ash cloud from Iceland grounded flights; airports closed.",
        ),
        Article(
            id="t/c",
            headline="Budget vote delayed",
            body="Parliament delayed the budget vote after a row over taxes.",
        ),
        Article(
            id="t/d",
            headline="Football cup final",
            body="The cup final ended in a draw after extra time.",
        ),
    )
    results = ix.similar("t/a", limit=3)
    assert results.hits[0].id == "t/b"
    assert "t/a" not in {hit.id for hit in results}
    assert results.total == len(results)


VOLCANO = (
    "Lava and ash from the volcano in the south of Iceland closed airports across the "
    "island on Tuesday, and thousands of travellers were stranded as airlines cancelled "
    "flights. Scientists said the eruption could go on for weeks."
)
ASH = (
    "The ash cloud from the Icelandic volcano drifted over Norway and Scotland, where "
    "airports shut on Wednesday; air traffic controllers expect the cloud to reach the "
    "Netherlands by the evening, and airlines warned of further cancellations."
)


def test_similar_collapses_copies_and_leaves_out_the_articles_own(tmp_path) -> None:
    ix = Index(tmp_path / "ix")
    ix.add(
        [
            Article(id="v/1", source="Reuters", headline="Volcano erupts in Iceland", body=VOLCANO),
            Article(id="v/2", source="AP", headline="Iceland eruption", body=VOLCANO),
            Article(id="a/1", source="Reuters", headline="Ash cloud spreads", body=ASH),
            Article(id="a/2", source="AFP", headline="Ash over Norway", body=ASH),
            Article(id="a/3", source="BBC", headline="Ash cloud grows", body=ASH[:-60]),
            Article(id="x/1", headline="Budget vote", body="Parliament delayed the budget."),
        ]
    )
    results = ix.similar("v/1")
    first = results.hits[0]
    assert first.story == "a/1" and [hit.story for hit in results].count("a/1") == 1
    assert sorted([first.id, *(c.id for c in first.copies)]) == ["a/1", "a/2", "a/3"]
    assert "v/2" not in {hit.id for hit in results}  # the article's own copy
    assert len(ix.similar("v/1", limit=1).hits) == 1
    everything = ix.similar("v/1", all_copies=True)
    assert {"v/2", "a/1", "a/2", "a/3"} <= {hit.id for hit in everything}
