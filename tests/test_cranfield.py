from pathlib import Path

from conftest import shared_path

from searcher import read_corpus

SAMPLE = """.I 1
.T
experimental investigation of the aerodynamics of a
wing in a slipstream .
.A
brenckman,m. and smith,j.
.B
j. ae. scs. 25, 1958, 324.
.W
experimental investigation of the aerodynamics of a
wing in a slipstream .
  an experimental study of a wing in a propeller slipstream was
made in order to determine the spanwise distribution of the lift .
.I 2
.T
.A
.B
.W
.I 3
.T
separated flow .
.A
chapman
.B
naca technote 3792
.W
separated flow .
the flow field analyzed consists of a thin layer
.A
application to turbulent separations
"""


def write(tmp_path: Path) -> Path:
    path = tmp_path / "cran" / "cran.all.1400"
    path.parent.mkdir()
    path.write_text(SAMPLE)
    return path


def test_records_become_articles_named_by_their_docno(tmp_path: Path) -> None:
    corpus = read_corpus(write(tmp_path))  # sniffed: no format given
    first, third = list(corpus)
    assert first.id == "cran/cran.all.1400#1" and first.docno == "1"
    assert (
        first.headline
        == "experimental investigation of the aerodynamics of a wing in a slipstream ."
    )
    assert first.authors == ("brenckman,m.", "smith,j.")
    assert first.source == "j. ae. scs. 25, 1958, 324."
    # the abstract's copy of the title is dropped
    assert first.body.startswith("an experimental study of a wing in a propeller slipstream")
    # a stray tag line inside the abstract is dropped, its text stays in the body
    assert third.docno == "3"
    assert third.body == (
        "the flow field analyzed consists of a thin layer application to turbulent separations"
    )
    [problem] = corpus.problems
    assert (problem.reason, problem.line) == ("record 2 has no text", 14)


def test_the_whole_cranfield_collection_reads() -> None:
    corpus = read_corpus(shared_path("relevance", "cran", "cran.all.1400"))
    articles = list(corpus)
    assert len(articles) == 1398
    assert {p.reason for p in corpus.problems} == {
        "record 471 has no text",
        "record 995 has no text",
    }
    assert [a.docno for a in articles[:3]] == ["1", "2", "3"] and articles[-1].docno == "1400"
    assert all(a.headline and a.body for a in articles)
