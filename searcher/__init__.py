"""searcher: full-text search for news corpora.

from searcher import Index, read_corpus
with Index("index") as ix:
    report = ix.add(read_corpus("corpus/"))
    for hit in ix.search("CSTO troops", limit=10):
        print(hit.rank, hit.headline, hit.score)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from searcher.corpus import Corpus, read_corpus
    from searcher.corpus.formats import READER_FORMATS
    from searcher.errors import (
        ArticleNotFoundError,
        BadInputError,
        DiskFullError,
        FilterError,
        IndexDamagedError,
        IndexLockedError,
        IndexMissingError,
        IndexOutdatedError,
        IndexReadOnlyError,
        MissingDependencyError,
        NotAnIndexError,
        QuerySyntaxError,
        SearcherError,
    )
    from searcher.evaluation import evaluate, read_topics, write_run
    from searcher.facets import FACETS
    from searcher.filters import DATE_FORMS, parse_date_bound
    from searcher.index import Index
    from searcher.jsondocs import (
        CSV_COLUMNS,
        article_json,
        clean,
        evaluation_json,
        hit_json,
        hit_row,
        json_text,
        quotes_json,
        results_json,
        speakers_json,
        stats_json,
        stories_json,
    )
    from searcher.models import (
        Article,
        ArticleView,
        Evaluation,
        Hit,
        IndexReport,
        IndexStats,
        Problem,
        Progress,
        Quote,
        QuoteHit,
        QuoteResults,
        Results,
        RunRow,
        SearchOptions,
        Snippet,
        SpeakerCount,
        Topic,
    )
    from searcher.ordering import SORTS

# The public names are imported on first use, so that a command such as `search query` does
# not pay for the corpus readers or evaluation it never uses. Where each one is defined:
# the modules below (`jsondocs`: the JSON documents and export records of the CLI and the
# web), `errors` for the exceptions (named ...Error), else `models`.
# READER_FORMATS, SORTS, FACETS and DATE_FORMS are the choices front ends offer.
_HOMES = {
    "Corpus": "corpus",
    "read_corpus": "corpus",
    "READER_FORMATS": "corpus.formats",
    "SORTS": "ordering",
    "FACETS": "facets",
    "DATE_FORMS": "filters",
    "evaluate": "evaluation",
    "read_topics": "evaluation",
    "write_run": "evaluation",
    "parse_date_bound": "filters",
    "Index": "index",
    "CSV_COLUMNS": "jsondocs",
    "article_json": "jsondocs",
    "clean": "jsondocs",
    "evaluation_json": "jsondocs",
    "hit_json": "jsondocs",
    "hit_row": "jsondocs",
    "json_text": "jsondocs",
    "quotes_json": "jsondocs",
    "results_json": "jsondocs",
    "speakers_json": "jsondocs",
    "stats_json": "jsondocs",
    "stories_json": "jsondocs",
}

__all__ = [
    "CSV_COLUMNS",
    "DATE_FORMS",
    "FACETS",
    "READER_FORMATS",
    "SORTS",
    "Article",
    "ArticleNotFoundError",
    "ArticleView",
    "BadInputError",
    "Corpus",
    "DiskFullError",
    "Evaluation",
    "FilterError",
    "Hit",
    "Index",
    "IndexDamagedError",
    "IndexLockedError",
    "IndexMissingError",
    "IndexOutdatedError",
    "IndexReadOnlyError",
    "IndexReport",
    "IndexStats",
    "MissingDependencyError",
    "NotAnIndexError",
    "Problem",
    "Progress",
    "QuerySyntaxError",
    "Quote",
    "QuoteHit",
    "QuoteResults",
    "Results",
    "RunRow",
    "SearchOptions",
    "SearcherError",
    "Snippet",
    "SpeakerCount",
    "Topic",
    "article_json",
    "clean",
    "evaluate",
    "evaluation_json",
    "hit_json",
    "hit_row",
    "json_text",
    "parse_date_bound",
    "quotes_json",
    "read_corpus",
    "read_topics",
    "results_json",
    "speakers_json",
    "stats_json",
    "stories_json",
    "write_run",
]


def __getattr__(name: str) -> Any:
    """The public `name`, importing its module on first use."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _HOMES.get(name, "errors" if name.endswith("Error") else "models")
    value = getattr(import_module(f"searcher.{module}"), name)
    globals()[name] = value
    return value
