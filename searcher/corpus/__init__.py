"""Read news articles from files and folders in the formats newsrooms and archives use.

    corpus = read_corpus("corpus/", "../shared/corpora/bbc")
    for article in corpus:          # read lazily, file by file
        ...
    corpus.problems                 # what was skipped, and why

One module per format (`sgml`, `webpage`, `mail`, `jsonl`, `jsondoc`, `table`, `newspaper`,
`text`), registered in `registry`; `records` maps JSON and CSV keys to article fields, `dates`
parses dates; `walk` finds and names the files, `archive` reads tar and zip archives as
folders, `decode` opens files as text (gzip included), `stream` ties them together;
`formats` names the formats without loading the readers.

The names below are imported on first use, so that `searcher.corpus.formats` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from searcher.corpus.records import parse_fields
    from searcher.corpus.registry import FORMATS
    from searcher.corpus.stream import Corpus, read_corpus
    from searcher.corpus.walk import FileRef

_HOMES = {
    "FORMATS": "registry",
    "Corpus": "stream",
    "FileRef": "walk",
    "parse_fields": "records",
    "read_corpus": "stream",
}
__all__ = ["FORMATS", "Corpus", "FileRef", "parse_fields", "read_corpus"]


def __getattr__(name: str) -> Any:
    """The public `name`, importing its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"searcher.corpus.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
