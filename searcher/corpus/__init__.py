"""Read news articles from files and folders in the formats newsrooms and archives use.

    corpus = read_corpus("corpus/", "../shared/corpora/bbc")
    for article in corpus:          # read lazily, file by file
        ...
    corpus.problems                 # what was skipped, and why

One module per format (`newspaper`, `text`), registered in `registry`; `walk` finds and names
the files, `decode` turns bytes into text, `stream` ties them together.
"""

from searcher.corpus.registry import FORMATS
from searcher.corpus.stream import Corpus, read_corpus
from searcher.corpus.walk import FileRef

__all__ = ["FORMATS", "Corpus", "FileRef", "read_corpus"]
