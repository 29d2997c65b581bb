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
    from searcher.corpus import Corpus, parse_fields, read_corpus
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
        ShardUnavailableError,
        WorkerLostError,
    )
    from searcher.index import DEFAULT_INDEX, RUN_LIMIT, Index
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
    from searcher.query.evaluation import (
        DEFAULT_MEASURES,
        DEFAULT_RUN_ID,
        check_measures,
        evaluate,
        read_topics,
        write_run,
    )
    from searcher.query.facets import FACETS
    from searcher.query.filters import DATE_FORMS, parse_date_bound
    from searcher.query.ordering import SORTS
    from searcher.shards.index import open_index
    from searcher.shards.manifest import create_shards
    from searcher.store import DEFAULT_COMMIT_EVERY

# The public names are imported on first use, so that a command such as `search query` does
# not pay for the corpus readers or evaluation it never uses. Where each one is defined:
# the modules below (`jsondocs`: the JSON documents and export records of the CLI and the
# web), `errors` for the exceptions (named ...Error), else `models`.
# READER_FORMATS, SORTS, FACETS and DATE_FORMS are the choices front ends offer.
_HOMES = {
    "Corpus": "corpus",
    "read_corpus": "corpus",
    "parse_fields": "corpus",
    "READER_FORMATS": "corpus.formats",
    "SORTS": "query.ordering",
    "FACETS": "query.facets",
    "DATE_FORMS": "query.filters",
    "DEFAULT_MEASURES": "query.evaluation",
    "DEFAULT_RUN_ID": "query.evaluation",
    "check_measures": "query.evaluation",
    "evaluate": "query.evaluation",
    "read_topics": "query.evaluation",
    "write_run": "query.evaluation",
    "parse_date_bound": "query.filters",
    "Index": "index",
    "create_shards": "shards.manifest",
    "open_index": "shards.index",
    "DEFAULT_COMMIT_EVERY": "store",
    "DEFAULT_INDEX": "index",
    "RUN_LIMIT": "index",
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
    "DEFAULT_COMMIT_EVERY",
    "DEFAULT_INDEX",
    "DEFAULT_MEASURES",
    "DEFAULT_RUN_ID",
    "FACETS",
    "READER_FORMATS",
    "RUN_LIMIT",
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
    "ShardUnavailableError",
    "Snippet",
    "SpeakerCount",
    "Topic",
    "WorkerLostError",
    "article_json",
    "check_measures",
    "clean",
    "create_shards",
    "evaluate",
    "evaluation_json",
    "hit_json",
    "hit_row",
    "json_text",
    "open_index",
    "parse_date_bound",
    "parse_fields",
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
