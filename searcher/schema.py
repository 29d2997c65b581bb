"""The Whoosh schema and the ranking parameters, in one place.

BM25F in Whoosh scores each field with BM25 and adds the fields up, each multiplied by its
query-time weight below. The headline and the quotes weigh more than the body: a story
*about* X names X in its headline, and a quote match is what a reporter is after. Captions
weigh less than the body. `B` normalises for field length.

The headline weight, `K1`, `B` and `HEADLINE_B` were chosen on the odd-numbered Cranfield
queries and checked on the even-numbered ones (`python -m bench.relevance`, table in
bench/RELEVANCE.md): a heavier headline (3.0) or a smaller headline `B` (0.3) ranked worse.
Cranfield has no quotes or captions, so their weights are judgement, not measurement.
"""

from __future__ import annotations

from whoosh import columns, fields, scoring

from searcher.analysis import label_analyzer, name_analyzer, news_analyzer

HEADLINE_WEIGHT = 1.5
QUOTES_WEIGHT = 1.5
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
# for it. Any other field name in a query is refused with this list.
QUERY_FIELDS: dict[str, tuple[str, ...]] = {
    "headline": (),
    "body": (),
    "quotes": ("quote",),
    "captions": (),
    "speakers": ("speaker",),
    "source": (),
    "authors": ("author",),
    "country": (),
    "language": (),
    "date": (),
}

BM25_K1 = 1.2
BM25_B = 0.75
HEADLINE_B = 0.75

# Per-article columns read to count facets (exact labels, lists joined by LIST_SEPARATOR).
SOURCE_COLUMN = "source_facet"
AUTHORS_COLUMN = "authors_facet"

# Separates the values of multi-valued fields (authors, speakers) in stored text.
LIST_SEPARATOR = "; "


def file_field() -> fields.ID:
    """The id of the file an article was read from: what incremental runs replace by."""
    return fields.ID()


def build_schema() -> fields.Schema:
    """The schema of a new index."""
    news = news_analyzer()
    names = name_analyzer()
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        file=file_field(),
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
        metadata=fields.STORED(),
        **{
            SOURCE_COLUMN: fields.COLUMN(columns.VarBytesColumn()),
            AUTHORS_COLUMN: fields.COLUMN(columns.VarBytesColumn()),
        },
    )


def weighting() -> scoring.BM25F:
    """The ranking model of every search."""
    return scoring.BM25F(B=BM25_B, K1=BM25_K1, headline_B=HEADLINE_B)
