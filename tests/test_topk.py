import pytest
from conftest import NEWSROOM, filler

from searcher import Article, Index
from searcher.query.docsets import matching_docs
from searcher.query.parsing import parse_query
from searcher.query.topk import top_documents
from searcher.store.schema import weighting

QUERIES = (
    "oil",
    "oil prices",
    "oil -gas",
    "prices OR protests",
    "market prices gas",
    "oil ANDNOT rise",
)


@pytest.fixture(scope="module")
def ranked_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The newsroom and forty more articles about oil and prices, in two segments with
    a deletion: enough matches for a top-k to leave some out."""
    ix = Index(tmp_path_factory.mktemp("topk") / "index")
    more = [
        Article(
            id=f"more/{n}",
            source="Wire",
            headline="Oil prices" if n % 5 == 0 else f"Item {n}",
            body=filler(f"more-{n}") + " oil" * (n % 4) + " prices" * (n % 3) + " gas" * (n % 2),
        )
        for n in range(40)
    ]
    ix.add([*NEWSROOM, *more[:20]])
    ix.add(more[20:])
    ix.add(more[3:4])  # replaced: its first copy stays behind, deleted
    return ix


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("limit", [1, 3, 10])
def test_top_documents_rank_as_whoosh_does(ranked_index: Index, text: str, limit: int) -> None:
    with ranked_index._open().searcher(weighting=weighting()) as searcher:
        strict, loose = parse_query(text, searcher.schema)
        for q in (strict, loose):
            if q is None:
                continue
            expected = [
                (hit.docnum, hit.score) for hit in searcher.search(q, limit=limit, terms=True)
            ]
            assert top_documents(searcher, q, limit) == expected
            # Within a filter and without the documents of a tier above, as the tiers ask.
            allowed = set(range(0, searcher.doc_count_all(), 2))
            excluded = matching_docs(searcher, strict)
            expected = [
                (hit.docnum, hit.score)
                for hit in searcher.search(
                    q, limit=limit, filter=allowed, mask=excluded, terms=True
                )
            ]
            assert top_documents(searcher, q, limit, allowed, excluded) == expected


def test_shapes_it_cannot_score_are_left_to_whoosh(ranked_index: Index) -> None:
    with ranked_index._open().searcher(weighting=weighting()) as searcher:
        phrase, _ = parse_query('"oil prices"', searcher.schema)
        assert top_documents(searcher, phrase, 5) is None
