"""Read news articles from files and folders in the formats newsrooms and archives use.

    corpus = read_corpus("corpus/", "../shared/corpora/bbc")
    for article in corpus:          # read lazily, file by file
        ...
    corpus.problems                 # what was skipped, and why

One module per format (`sgml`, `webpage`, `mail`, `jsonl`, `jsondoc`, `table`, `newspaper`,
`text`), registered in `registry`; `records` maps JSON and CSV keys to article fields, `dates`
parses dates; `walk` finds and names the files, `decode` opens them as text (gzip included),
`stream` ties them together.
"""

from searcher.corpus.records import parse_fields
from searcher.corpus.registry import FORMATS
from searcher.corpus.stream import Corpus, read_corpus
from searcher.corpus.walk import FileRef

__all__ = ["FORMATS", "Corpus", "FileRef", "parse_fields", "read_corpus"]
