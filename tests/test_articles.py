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
