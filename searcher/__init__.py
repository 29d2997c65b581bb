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
    MissingDependencyError,
    QuerySyntaxError,
    SearcherError,
)
from searcher.evaluation import evaluate, read_topics, write_run
from searcher.index import Index
from searcher.models import (
    Article,
    Evaluation,
    Hit,
    IndexReport,
    Problem,
    Quote,
    Results,
    RunRow,
    Snippet,
    Topic,
)

__all__ = [
    "Article",
    "BadInputError",
    "Corpus",
    "Evaluation",
    "Hit",
    "Index",
    "IndexLockedError",
    "IndexMissingError",
    "IndexReport",
    "MissingDependencyError",
    "Problem",
    "QuerySyntaxError",
    "Quote",
    "Results",
    "RunRow",
    "SearcherError",
    "Snippet",
    "Topic",
    "evaluate",
    "read_corpus",
    "read_topics",
    "write_run",
]
