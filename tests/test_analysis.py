import pickle
import subprocess
import sys

from searcher.analysis import STOP_WORDS, name_analyzer, news_analyzer, stem


def terms(text: str) -> list[str]:
    return [t.text for t in news_analyzer()(text)]


def test_stemming_conflates_inflections() -> None:
    assert terms("troops troop") == ["troop", "troop"]
    assert terms("protesters protests protesting") == ["protest", "protest", "protest"]


def test_news_is_not_stemmed_to_new() -> None:
    assert terms("news") == ["news"]
    assert stem("news") != stem("new")


def test_stop_words_are_dropped_but_us_is_kept() -> None:
    assert terms("the troops of the alliance") == ["troop", "allianc"]
    assert "us" not in STOP_WORDS
    assert terms("U.S. troops") == ["us", "troop"]


def test_unicode_words_accents_and_curly_apostrophes() -> None:
    assert terms("Kazakhstan’s café in Zhanaozen") == ["kazakhstan", "cafe", "zhanaozen"]
    assert terms("Almaty’s") == terms("Almaty's")


def test_name_analyzer_keeps_words_whole() -> None:
    assert [t.text for t in name_analyzer()("The Guardian, Shaun Walker")] == [
        "the",
        "guardian",
        "shaun",
        "walker",
    ]


def test_analyzer_survives_pickling_and_stems_afterwards() -> None:
    restored = pickle.loads(pickle.dumps(news_analyzer()))
    assert [t.text for t in restored("protesters")] == ["protest"]


def test_opening_an_index_does_not_import_nltk(tmp_path) -> None:
    from searcher import Article, Index

    Index(tmp_path / "ix").add([Article(id="a/1", headline="Troops arrive", body="x")])
    code = (
        "import sys; from searcher import Index; "
        f"assert len(Index({str(tmp_path / 'ix')!r})) == 1; "
        "print('nltk' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
