"""What feedback reads, for shards on their workers' own disks.

Feedback learns its expansion from the first ranking's best articles, read through one
reader on every shard (`search.feedback_expansion`). When the shards live on the disks of
their workers, no reader here sees them: the best articles are fetched from the workers
holding them and written to a scratch index of their own, whose reader stands in for the
shards' together: it counts the documents of all the shards, and a word's documents in
all of them (gathered from every shard: those of the best articles' words at once, any
other's when first asked), which is what feedback reads from the collection besides the
articles themselves.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from whoosh.reading import IndexReader, MultiReader

from searcher.errors import ArticleNotFoundError
from searcher.index import Index
from searcher.models import Article
from searcher.query.whoosh_scoring import FieldStatistics, field_key

# A field's terms, (field, text) pairs, and their statistics over every shard.
Figures = Callable[[list[tuple[str, str]]], FieldStatistics]


def held_articles(shard: Index, ids: Sequence[str]) -> list[Article]:
    """On the machine holding `shard`: the articles of `ids` that it holds."""
    found = []
    for article_id in ids if len(shard) else ():
        try:
            found.append(shard.show(article_id).article)
        except ArticleNotFoundError:
            continue
    return found


@contextmanager
def stand_in(articles: Iterable[Article], figures: Figures) -> Iterator[IndexReader]:
    """A reader on `articles` alone that counts documents and words' documents as every
    shard together does (`figures`: the shards' statistics of some terms)."""
    with (
        tempfile.TemporaryDirectory(prefix="searcher-feedback-") as folder,
        Index(folder) as copy,
    ):
        copy.add(articles)
        with copy.reading() as reader:
            yield _Together(reader, figures)


class _Together(MultiReader):
    """The segments of `reader`, with the document count and document frequencies of
    every shard (`figures`): those in the body of its headline and body words (feedback's
    candidates) gathered at once."""

    def __init__(self, reader: IndexReader, figures: Figures) -> None:
        super().__init__([leaf for leaf, _ in reader.leaf_readers()])
        self._figures = figures
        read = {word for name in ("headline", "body") for word in reader.field_terms(name)}
        words = [("body", word) for word in sorted(read)]
        self._whole = figures(words)
        self._df = dict(self._whole.df)

    def doc_count(self) -> int:
        return self._whole.live

    def doc_frequency(self, fieldname: str, text: str | bytes) -> int:
        key = field_key(fieldname, text)
        if key not in self._df:
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            self._df[key] = self._figures([(fieldname, word)]).df.get(key, 0)
        return self._df[key]
