import pytest
from conftest import NEWSROOM

from searcher import Index
from searcher.query.docsets import matching_docs
from searcher.query.parsing import parse_query

QUERIES = (
    "oil",
    "oil prices",
    "oil AND prices",
    "oil OR strike",
    "oil -gas",
    "oil NOT prices",
    '"oil prices" protests',
    "source:reuters oil",
    "oil prices date:2023",
    "nosuchword",
    "NOT oil",
)


@pytest.fixture(scope="module")
def split_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The newsroom in two segments, with one article deleted (replaced by an edit)."""
    ix = Index(tmp_path_factory.mktemp("docsets") / "index")
    ix.add(NEWSROOM[:3])
    ix.add(NEWSROOM[3:])
    ix.add(NEWSROOM[1:2])  # replaces: the first copy stays in its segment, deleted
    return ix


@pytest.mark.parametrize("text", QUERIES)
def test_match_sets_equal_whooshs(split_index: Index, text: str) -> None:
    whoosh_ix = split_index._open()
    assert len(whoosh_ix._segments()) > 1
    with whoosh_ix.searcher() as searcher:
        assert searcher.reader().has_deletions()
        strict, loose = parse_query(text, searcher.schema)
        for q in (strict, loose):
            if q is not None:
                assert matching_docs(searcher, q) == set(searcher.docs_for_query(q))


def test_a_replaced_article_matches_once(split_index: Index) -> None:
    with split_index._open().searcher() as searcher:
        strict, _ = parse_query("oil prices", searcher.schema)
        found = {searcher.stored_fields(n)["id"] for n in matching_docs(searcher, strict)}
        assert len(matching_docs(searcher, strict)) == len(found)
