"""searcher: full-text search for news corpora.

from searcher import Index, read_corpus
ix = Index("index")
report = ix.add(read_corpus("corpus/"))
for hit in ix.search("CSTO troops", limit=10):
    print(hit.rank, hit.headline, hit.score)
"""

from searcher.corpus import Corpus, read_corpus
from searcher.errors import (
    BadInputError,
    IndexLockedError,
    IndexMissingError,
    QuerySyntaxError,
    SearcherError,
)
from searcher.index import Index
from searcher.models import (
    Article,
    Hit,
    IndexReport,
    IndexStats,
    Problem,
    Progress,
    Quote,
    Results,
    Snippet,
)

__all__ = [
    "Article",
    "BadInputError",
    "Corpus",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexMissingError",
    "IndexReport",
    "IndexStats",
    "Problem",
    "Progress",
    "QuerySyntaxError",
    "Quote",
    "Results",
    "SearcherError",
    "Snippet",
    "read_corpus",
]
