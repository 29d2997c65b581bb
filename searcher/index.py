"""`Index`: the library's entry point. Opens or creates a Whoosh index and writes articles.

An index is a folder. `Index(path)` only remembers where it is: the folder is created by
the first write, and reading a folder that holds no index raises `IndexMissingError`.
Articles are stored as Whoosh documents keyed by their unique `id`, so adding an article
again replaces it. Quotes are extracted here, on the way in, unless the reader already set
them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from searcher.corpus import Corpus
from searcher.errors import IndexLockedError, IndexMissingError
from searcher.models import Article, IndexReport, Problem, Results, Story
from searcher.quotes import extract_quotes
from searcher.schema import LIST_SEPARATOR, build_schema
from searcher.search import run_search
from searcher.stories import StoryStore, article_text, collapse, open_store, signature

DEFAULT_INDEX = "index"


class Index:
    """A searchable index of news articles stored in the folder `path`."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_INDEX) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        """True when the folder holds an index (possibly with no articles yet)."""
        return self.path.is_dir() and whoosh_index.exists_in(str(self.path))

    def _storage(self) -> FileStorage:
        # Without mmap Whoosh reads the files it needs instead of copying the whole
        # index into memory on open (DESIGN.md, "Whoosh, measured").
        return FileStorage(str(self.path), supports_mmap=False)

    def _open(self) -> whoosh_index.FileIndex:
        if not self.exists():
            raise IndexMissingError(f"No index at {self.path}")
        return self._storage().open_index()

    def _open_or_create(self) -> whoosh_index.FileIndex:
        if self.exists():
            return self._storage().open_index()
        self.path.mkdir(parents=True, exist_ok=True)
        return self._storage().create_index(build_schema())

    def __len__(self) -> int:
        """The number of articles in the index (0 when there is none yet)."""
        if not self.exists():
            return 0
        return int(self._open().doc_count())

    def add(self, articles: Iterable[Article]) -> IndexReport:
        """Index every article, replacing earlier versions with the same id.

        Problems met while reading a `Corpus` (see `read_corpus`) are part of the report.
        Nothing is written unless the whole run commits.
        """
        ix = self._open_or_create()
        try:
            writer = ix.writer()
        except whoosh_index.LockError:
            raise IndexLockedError(
                f"The index at {self.path} is locked by another writer"
            ) from None
        added = replaced = 0
        problems: list[Problem] = []
        stories = StoryStore(self.path)
        try:
            with ix.searcher() as searcher:
                seen: set[str] = set()
                for article in articles:
                    if not (article.headline or article.body):
                        problems.append(Problem(article.path or article.id, "no text"))
                        continue
                    if article.id in seen or searcher.document_number(id=article.id) is not None:
                        replaced += 1
                    else:
                        added += 1
                    seen.add(article.id)
                    writer.update_document(**to_document(article))
                    stories.add(
                        article.id,
                        signature(article_text(article.headline, article.body)),
                        article.source,
                        article.headline,
                    )
            writer.commit()
            stories.commit()
        except BaseException:
            writer.cancel()
            stories.rollback()
            raise
        finally:
            stories.close()
        if isinstance(articles, Corpus):
            problems = [*articles.problems, *problems]
            files_seen = articles.files_seen
        else:
            files_seen = 0
        return IndexReport(
            added=added, replaced=replaced, problems=tuple(problems), files_seen=files_seen
        )

    def search(self, text: str, limit: int | None = 10, all_copies: bool = False) -> Results:
        """Rank the articles matching `text`; `limit=None` returns every match.

        Near-duplicates collapse into their best-ranked copy, which lists the others in
        `Hit.copies`; `all_copies=True` shows every article.
        """
        ix = self._open()
        if ix.doc_count() == 0:
            raise IndexMissingError(f"The index at {self.path} has no articles")
        store = None if all_copies else open_store(self.path)
        if store is None:
            return run_search(ix, text, limit=limit)
        try:
            return collapse(lambda depth: run_search(ix, text, limit=depth), store, limit)
        finally:
            store.close()

    def duplicates(self, min_size: int = 2) -> list[Story]:
        """Stories with at least `min_size` copies, largest first."""
        self._open()
        store = open_store(self.path)
        if store is None:
            return []
        try:
            return list(store.largest(min_size))
        finally:
            store.close()


def to_document(article: Article) -> dict[str, Any]:
    """The Whoosh fields of an article (quotes extracted when the reader left none)."""
    quotes = article.quotes or extract_quotes(article.body)
    speakers = dict.fromkeys(q.speaker for q in quotes if q.speaker)
    document: dict[str, Any] = {
        "id": article.id,
        "docno": article.docno,
        "path": article.path,
        "source": article.source,
        "headline": article.headline,
        "byline": article.byline,
        "authors": LIST_SEPARATOR.join(article.authors),
        "body": article.body,
        "quotes": "\n\n".join(q.text for q in quotes),
        "quote_list": [(q.text, q.speaker, q.cue, q.start, q.end) for q in quotes],
        "speakers": LIST_SEPARATOR.join(speakers),
        "captions": "\n".join(article.captions),
        "url": article.url,
        "language": article.language,
        "country": article.country,
        "metadata": {key: list(values) for key, values in article.metadata.items()},
    }
    if article.date is not None:
        date = article.date
        if date.tzinfo is not None:
            date = date.astimezone(timezone.utc).replace(tzinfo=None)
        document["date"] = date
        document["date_iso"] = article.date.isoformat()
    return {key: value for key, value in document.items() if value not in ("", [], {})}
