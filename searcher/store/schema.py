"""The Whoosh schema and the field weights, in one place.

The field weights below are the BM25F weights of the search ranking (`bm25f`, which holds
its `K1` and per-field `b`): the headline and the quotes weigh more than the body, since a
story *about* X names X in its headline and a quote match is what a reporter is after;
captions weigh less. They were measured on the BBC news topics and checked on Cranfield
(`python -m bench.relevance`, table in bench/RELEVANCE.md). The quotes weight made little
difference there between 0.75 and 1.5 (quoted words are in the body too), so it keeps the
quote boost users asked for at 1.0; the captions weight is judgement (neither collection
has captions).

`weighting()` is Whoosh's own BM25F (per-field BM25 added up), with `BM25_K1`, `BM25_B`
and `HEADLINE_B`: what quote search and `similar` rank with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from whoosh import columns, fields, scoring

from searcher.store.analysis import (
    analysed_words,
    fold,
    keyword_analyzer,
    label_analyzer,
    name_analyzer,
    news_analyzer,
)

HEADLINE_WEIGHT = 3.0
# A quoted word is in the body too: 1.0 counts it twice a body word. Measured with K1 1.2
# (bench/RELEVANCE.md): BBC nDCG@10 0.902 at 0.75, 1.0 and 1.5 alike, 0.898 at 0.5;
# Cranfield has no quotes.
QUOTES_WEIGHT = 1.0
BODY_WEIGHT = 1.0
CAPTIONS_WEIGHT = 0.5

# The fields a plain query searches, with their weights.
FIELD_WEIGHTS: dict[str, float] = {
    "headline": HEADLINE_WEIGHT,
    "quotes": QUOTES_WEIGHT,
    "body": BODY_WEIGHT,
    "captions": CAPTIONS_WEIGHT,
}

# The fields a query may name (`headline:oil`), each with the other names users may type
# for it. Metadata keys (`topics:crude`) come on top of these, from the index
# (`metadata_keys`); any other field name in a query is refused with this list.
QUERY_FIELDS: dict[str, tuple[str, ...]] = {
    "headline": (),
    "body": (),
    "quotes": ("quote",),
    "captions": (),
    "speakers": ("speaker",),
    "source": (),
    "authors": ("author",),
    "byline": (),
    "country": (),
    "language": (),
    "section": (),
    "date": (),
}
# Field names users type, for the fields they mean.
FIELD_ALIASES = {field: list(others) for field, others in QUERY_FIELDS.items() if others}

BM25_K1 = 1.2
BM25_B = 0.75
HEADLINE_B = 0.75

# Per-article columns read to count facets (exact labels, lists joined by LIST_SEPARATOR).
SOURCE_COLUMN = "source_facet"
AUTHORS_COLUMN = "authors_facet"

# Separates the values of multi-valued fields (authors, speakers) in stored text.
LIST_SEPARATOR = "; "

# Characters of an article's body that make its lead (a news story's first lines): with
# the headline, what feedback learns from. Their analysed words are kept, in order and
# joined by spaces, in the column LEAD_WORDS_FIELD (read an article at a time without its
# stored fields), so that a query need not analyse them again.
LEAD_CHARS = 600
LEAD_WORDS_FIELD = "lead_words"
# Fields an index written before they existed lacks and is still current without: its
# articles hold no value there, and what reads them computes it (checked_schema).
OPTIONAL_FIELDS = frozenset({LEAD_WORDS_FIELD})


# Metadata (Reuters topics and places, AG News labels, any other key a reader keeps) is
# indexed as `key=value` keywords of one field: whole values, folded and lowercased.
METADATA_FIELD = "metadata_terms"
# Longer values (free text in a record's other keys) are stored but not indexed.
METADATA_VALUE_CHARS = 100
_NOT_KEY = re.compile(r"\W+")
_WORD = re.compile(r"\w")


def build_schema() -> fields.Schema:
    """The schema of a new index."""
    news = news_analyzer()
    names = name_analyzer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        file=fields.ID(),  # the id of the file an article came from: what updates replace
        docno=fields.ID(stored=True),
        path=fields.ID(stored=True),
        source=fields.TEXT(analyzer=names, stored=True),
        source_key=fields.ID(sortable=True),  # the whole name, as a column (stats, facets)
        headline=fields.TEXT(analyzer=news, stored=True),
        byline=fields.TEXT(analyzer=names, stored=True),
        authors=fields.TEXT(analyzer=names, stored=True),
        date=fields.DATETIME(sortable=True),
        date_iso=fields.STORED(),
        body=fields.TEXT(analyzer=news, stored=True, chars=True),
        quotes=fields.TEXT(analyzer=news),
        quote_list=fields.STORED(),
        speakers=fields.TEXT(analyzer=names, stored=True),
        captions=fields.TEXT(analyzer=news, stored=True),
        url=fields.STORED(),
        language=fields.ID(stored=True, analyzer=label_analyzer()),
        country=fields.ID(stored=True, analyzer=label_analyzer()),
        section=fields.ID(stored=True, analyzer=label_analyzer()),
        metadata=fields.STORED(),
        **{
            LEAD_WORDS_FIELD: fields.COLUMN(columns.VarBytesColumn()),
            METADATA_FIELD: fields.KEYWORD(analyzer=keyword_analyzer()),
            SOURCE_COLUMN: fields.COLUMN(columns.VarBytesColumn()),
            AUTHORS_COLUMN: fields.COLUMN(columns.VarBytesColumn()),
        },
    )


@lru_cache(maxsize=1024)  # a corpus has few keys
def metadata_key(key: str) -> str:
    """A metadata key as queries name it: folded and lowercased, other characters than
    letters, digits and `_` made `_` (`Class Index` is `class_index`)."""
    return _NOT_KEY.sub("_", fold(key)).strip("_")


def metadata_term(key: str, value: str) -> str:
    """The text of one metadata value in the metadata field, `key=value`; the field's
    analyzer folds, lowercases and drops its punctuation (see `metadata_keyword`)."""
    return _metadata_term(metadata_key(key), value)


def _metadata_term(name: str, value: str) -> str:
    """`metadata_term()` of a key already made `name` (`metadata_key()`)."""
    return f"{name}={' '.join(value.split())}"


def metadata_keyword(key: str, value: str) -> str:
    """The keyword indexed for one metadata value: `places=west germany`."""
    return next(iter(keyword_analyzer()(metadata_term(key, value)))).text


def metadata_terms(metadata: Mapping[str, Iterable[str]]) -> str:
    """The text of the metadata field: one `key=value` a line."""
    terms = (
        _metadata_term(name, value)
        for name, values in zip(map(metadata_key, metadata), metadata.values(), strict=True)
        if name
        for value in values
        if len(value) <= METADATA_VALUE_CHARS and _WORD.search(value)
    )
    return "\n".join(dict.fromkeys(terms))


def has_metadata_key(reader: Any, key: str) -> bool:
    """True when an article of the index (a Whoosh reader) has a value for `key`."""
    prefix = metadata_keyword(key, "")
    return next(iter(reader.expand_prefix(METADATA_FIELD, prefix)), None) is not None


def metadata_keys(reader: Any) -> tuple[str, ...]:
    """The metadata keys of the index, in order: one seek a key, not a walk of its values."""
    keys: list[str] = []
    start = ""
    while True:
        term = next(iter(reader.terms_from(METADATA_FIELD, start)), None)
        if term is None or term[0] != METADATA_FIELD:
            return tuple(keys)
        text = term[1].decode() if isinstance(term[1], bytes) else term[1]
        key = text.partition("=")[0]
        keys.append(key)
        start = key + chr(ord("=") + 1)  # past every `key=...`


def query_fields(reader: Any) -> tuple[str, ...]:
    """Every field name a query may use on this index: fields, aliases, metadata keys."""
    aliases = [alias for names in FIELD_ALIASES.values() for alias in names]
    return (*QUERY_FIELDS, *aliases, *(k for k in metadata_keys(reader) if k not in QUERY_FIELDS))


def lead_text(headline: str, body: str) -> str:
    """The text of an article's headline and lead, as feedback reads it."""
    return f"{headline}\n{body[:LEAD_CHARS]}"


def lead_words(
    headline: str, body: str, analyse: Callable[[str, int | None], list[str]] = analysed_words
) -> bytes:
    """The analysed words (stems, stop words left out) of an article's headline and lead
    (`lead_text()`), in order, joined by spaces: the value of LEAD_WORDS_FIELD (UTF-8).
    `analyse(text, end)` gives them for `text[:end]` as `analysed_words()` does (a worker's
    `ProseTerms.analysed`, which keeps the body's analysis for its terms); no word goes on
    past the line break between the headline and the lead."""
    return " ".join([*analyse(headline, None), *analyse(body, LEAD_CHARS)]).encode()


def weighting() -> scoring.BM25F:
    """The ranking model of every search."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1, headline_B=HEADLINE_B)
