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
    QuerySyntaxError,
    SearcherError,
)
from searcher.filters import parse_date_bound
from searcher.index import Index
from searcher.models import (
    Article,
    ArticleView,
    Hit,
    IndexReport,
    IndexStats,
    Problem,
    Progress,
    Quote,
    QuoteHit,
    QuoteResults,
    Results,
    SearchOptions,
    Snippet,
    SpeakerCount,
)

__all__ = [
    "Article",
    "ArticleNotFoundError",
    "ArticleView",
    "BadInputError",
    "Corpus",
    "FilterError",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexMissingError",
    "IndexOutdatedError",
    "IndexReport",
    "IndexStats",
    "Problem",
    "Progress",
    "QuerySyntaxError",
    "Quote",
    "QuoteHit",
    "QuoteResults",
    "Results",
    "SearchOptions",
    "SearcherError",
    "Snippet",
    "SpeakerCount",
    "parse_date_bound",
    "read_corpus",
]
