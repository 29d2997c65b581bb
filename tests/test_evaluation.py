"""Topics, runs and measures over a four-article collection scored by hand.

Topic 1 "wing flutter": d1 has both words (all-terms tier), d2 only "wing". Judged d2=2,
d1=1, d3=0. Run d1, d2: AP 1, RR 1, P@10 2/10, R@100 1; nDCG@10 with linear gains
(trec_eval) = (1 + 2/log2 3) / (2 + 1/log2 3) = 0.859719.
Topic 2 "shock wing": d2 has both, d1 only "wing". Judged d1=1. d1 at rank 2: AP 1/2,
RR 1/2, P@10 1/10, R@100 1, nDCG@10 = (1/log2 3) / 1 = 0.630930.
Topic 3 "hypersonic": not judged, so not scored.
Topic 4 "volcano": nothing matches, judged d3=1: every measure 0.
"""

import math
import re
from pathlib import Path

import pytest

from searcher import Article, BadInputError, Index, RunRow, Topic, evaluate, read_topics
from searcher.errors import MissingDependencyError, QuerySyntaxError
from searcher.query.evaluation import write_run

ARTICLES = (
    Article(id="c/1", docno="d1", headline="Wing flutter", body="Flutter of a wing in flight."),
    Article(id="c/2", docno="d2", headline="Shock waves", body="Hypersonic shock at the wing."),
    Article(id="c/3", docno="d3", headline="Boundary layer", body="A laminar boundary layer."),
    Article(id="c/ash", headline="Volcanic ash", body="Ash clouds and jet engines."),
)
TSV = "1\twing flutter\n2\tshock wing\n\n3\thypersonic\n4\tvolcano\n"
TREC = """<top>
<num> Number: 1
<title> wing flutter
<desc> Description:
Flutter of wings.
</top>
<top>
<num> Number: 2
<title> Topic: shock
wing
</top>
<top> <num> 3 <title> hypersonic </top>
<top><num>4</num><title>volcano</title><desc>Ash.</desc></top>
"""
QRELS = "1 0 d2 2\n1 0 d1 1\n1 0 d3 0\n2 0 d1 1\n4 0 d3 1\n"
NDCG_1 = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
NDCG_2 = 1 / math.log2(3)
TOPICS = [Topic("1", "wing flutter"), Topic("2", "shock wing"), Topic("3", "hypersonic")]
TOPICS.append(Topic("4", "volcano"))


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> tuple[Index, Path]:
    folder = tmp_path_factory.mktemp("collection")
    ix = Index(folder / "index")
    ix.add(ARTICLES)
    (folder / "topics.tsv").write_text(TSV)
    (folder / "topics.trec").write_text(TREC)
    (folder / "qrels.txt").write_text(QRELS)
    return ix, folder


@pytest.mark.parametrize("name", ["topics.tsv", "topics.trec"])
def test_topics_from_tsv_and_trec_files(collection: tuple[Index, Path], name: str) -> None:
    assert read_topics(collection[1] / name) == TOPICS


def test_run_names_articles_by_docno_else_id_in_rank_order(
    collection: tuple[Index, Path],
) -> None:
    ix, _ = collection
    rows = ix.run([*TOPICS, Topic("5", "ash")])
    assert [(r.qid, r.docno, r.rank) for r in rows] == [
        ("1", "d1", 1),
        ("1", "d2", 2),
        ("2", "d2", 1),
        ("2", "d1", 2),
        ("3", "d2", 1),
        ("5", "c/ash", 1),
    ]
    # trec_eval ranks by score: the all-terms tier must stay above the partial one
    assert rows[0].score > rows[1].score and rows[2].score > rows[3].score


def test_run_limit_cuts_each_topic(collection: tuple[Index, Path]) -> None:
    rows = collection[0].run(TOPICS, limit=1)
    assert [(r.qid, r.docno) for r in rows] == [("1", "d1"), ("2", "d2"), ("3", "d2")]


def test_malformed_topic_is_named_when_topics_are_read_in_the_syntax(
    collection: tuple[Index, Path],
) -> None:
    with pytest.raises(QuerySyntaxError, match="topic 7: Unclosed bracket at position 1"):
        collection[0].run([Topic("7", "(wing")], syntax=True)


def test_topics_are_read_as_text_not_as_syntax(collection: tuple[Index, Path]) -> None:
    ix, _ = collection
    topics = [
        Topic("6", "WING AND VOLCANIC ASH"),  # AND is a word: partial matches are ranked
        Topic("7", "(the ?wing) flutter"),  # a wildcard from a Cranfield topic
        Topic("8", 'headline:"shock" NOT wing*'),
    ]
    rows = ix.run(topics)
    assert {r.docno for r in rows if r.qid == "6"} == {"c/ash", "d1", "d2"}
    assert [r.docno for r in rows if r.qid == "7"][:2] == ["d1", "d2"]
    assert next(r.docno for r in rows if r.qid == "8") == "d2"
    with pytest.raises(QuerySyntaxError, match="topic 7: A wildcard"):
        ix.run(topics[1:2], syntax=True)


def test_evaluate_with_graded_qrels_matches_the_hand_computed_values(
    collection: tuple[Index, Path],
) -> None:
    ix, folder = collection
    result = evaluate(ix.run(TOPICS), folder / "qrels.txt", topics=TOPICS)
    assert result.measures == ("AP", "nDCG@10", "P@10", "R@100", "RR")
    assert list(result.per_query) == ["1", "2", "4"]  # topic 3 has no judgments
    expected = {
        "1": {"AP": 1.0, "nDCG@10": NDCG_1, "P@10": 0.2, "R@100": 1.0, "RR": 1.0},
        "2": {"AP": 0.5, "nDCG@10": NDCG_2, "P@10": 0.1, "R@100": 1.0, "RR": 0.5},
        "4": {"AP": 0.0, "nDCG@10": 0.0, "P@10": 0.0, "R@100": 0.0, "RR": 0.0},
    }
    assert result.per_query == {q: pytest.approx(v) for q, v in expected.items()}
    assert result.overall == pytest.approx(
        {"AP": 0.5, "nDCG@10": (NDCG_1 + NDCG_2) / 3, "P@10": 0.1, "R@100": 2 / 3, "RR": 0.5}
    )


def test_evaluate_named_measures_and_a_run_without_topics(
    collection: tuple[Index, Path],
) -> None:
    ix, folder = collection
    rows = ix.run(TOPICS)
    # without topics, the judged topics in the run are scored: 1 and 2
    result = evaluate(rows, folder / "qrels.txt", ["P@1", "MAP"])
    assert result.overall == pytest.approx({"P@1": 0.5, "AP": 0.75})


def test_write_run_in_trec_format() -> None:
    from io import StringIO

    out = StringIO()
    write_run([RunRow("1", "d1", 1, 2.5), RunRow("1", "c/ash", 2, 1.25)], out, "mine")
    assert out.getvalue() == "1 Q0 d1 1 2.5000 mine\n1 Q0 c/ash 2 1.2500 mine\n"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("t.tsv", "1 wing\n", "t.tsv:1: expected 'qid<TAB>query', got '1 wing'"),
        ("t.tsv", "\n\n", "t.tsv: no topics found"),
        ("t.trec", "<top><title>wing</title></top>", "t.trec:1: a <top> without <num> or <title>"),
        ("missing.tsv", None, "cannot read topics file"),
    ],
)
def test_bad_topic_files_say_where(tmp_path: Path, name: str, text: str, message: str) -> None:
    if text is not None:
        (tmp_path / name).write_text(text)
    with pytest.raises(BadInputError, match=re.escape(message)):
        read_topics(tmp_path / name)


def test_bad_qrels_and_unknown_measures(tmp_path: Path) -> None:
    rows = [RunRow("1", "d1", 1, 1.0)]
    (tmp_path / "q.txt").write_text("1 0 d1 1\n1 d2 1\n")
    with pytest.raises(BadInputError, match=r"q\.txt:2: expected 'qid iter docno grade'"):
        evaluate(rows, tmp_path / "q.txt")
    (tmp_path / "q.txt").write_text("1 0 d1 1\n")
    with pytest.raises(BadInputError, match="unknown measure 'nDCG@x'"):
        evaluate(rows, tmp_path / "q.txt", ["nDCG@x"])


def test_missing_ir_measures_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "ir_measures", None)
    with pytest.raises(MissingDependencyError, match="needs the ir-measures package"):
        evaluate([], tmp_path / "q.txt")


def test_a_run_opens_one_searcher_for_all_topics(
    collection: tuple[Index, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from searcher.store.indexfolder import Snapshot

    opened: list[int] = []
    original = Snapshot.searcher

    def counting(self: Snapshot, **kwargs: object) -> object:
        opened.append(1)
        return original(self, **kwargs)

    monkeypatch.setattr(Snapshot, "searcher", counting)
    rows = collection[0].run(TOPICS * 50)
    assert len(opened) == 1 and len(rows) == 5 * 50
