"""searcher: full-text search for news corpora.

from searcher import Index, read_corpus
ix = Index("index")
report = ix.add(read_corpus("corpus/"))
for hit in ix.search("CSTO troops", limit=10):
    print(hit.rank, hit.headline, hit.score)
"""

from searcher.corpus import Corpus, read_corpus
from searcher.errors import (
    ArticleNotFoundError,
    BadInputError,
    FilterError,
    IndexLockedError,
    IndexMissingError,
    IndexOutdatedError,
    MissingDependencyError,
    QuerySyntaxError,
    SearcherError,
)
from searcher.evaluation import evaluate, read_topics, write_run
from searcher.filters import parse_date_bound
from searcher.index import Index
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

__all__ = [
    "Article",
    "ArticleNotFoundError",
    "ArticleView",
    "BadInputError",
    "Corpus",
    "Evaluation",
    "FilterError",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexMissingError",
    "IndexOutdatedError",
    "IndexReport",
    "IndexStats",
    "MissingDependencyError",
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
    "evaluate",
    "parse_date_bound",
    "read_corpus",
    "read_topics",
    "write_run",
]
