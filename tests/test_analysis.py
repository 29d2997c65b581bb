import pickle
import subprocess
import sys

import pytest
from conftest import SEED, shared_path
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.support.charset import accent_map

from searcher import read_corpus
from searcher.store.analysis import (
    STOP_WORDS,
    TOKEN_PATTERN,
    NormalizeFilter,
    ProseTerms,
    analysed_words,
    name_analyzer,
    news_analyzer,
    stem,
    stemming_with,
)
from searcher.store.schema import LEAD_CHARS, lead_text, lead_words


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


def test_short_names_joined_by_an_ampersand_are_one_word() -> None:
    # "at" is a stop word: split, AT&T would be searched as "t" (T-Mobile)
    assert terms("AT&T's deal with P&G, S&P and R&D") == ["at&t", "deal", "p&g", "s&p", "r&d"]
    assert [t.text for t in name_analyzer()("AT&T Inc")] == ["at&t", "inc"]
    assert terms("Johnson&Johnson rock & roll") == ["johnson", "johnson", "rock", "roll"]


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


def reference_chain() -> Analyzer:
    """The prose analyzer as a chain of Whoosh filters: what `NewsAnalyzer` must equal."""
    return (
        RegexTokenizer(TOKEN_PATTERN)
        | CharsetFilter(accent_map)
        | LowercaseFilter()
        | NormalizeFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(stemfn=stem)
    )


MODES = [
    {"positions": True, "chars": True},  # indexing the body
    {"positions": True, "start_pos": 7, "start_char": 3},
    {"mode": "query", "removestops": False, "chars": True, "positions": True},
    {"tokenize": False, "positions": True, "chars": True},
    {"keeporiginal": True, "no_morph": True},  # no stemming: CompositeAnalyzer skips it
]


def token_stream(analyzer: Analyzer, text: str, **options: object) -> list[tuple[object, ...]]:
    return [
        (
            t.text,
            t.stopped,
            getattr(t, "pos", None),
            getattr(t, "startchar", None),
            getattr(t, "endchar", None),
            getattr(t, "original", None),
        )
        for t in analyzer(text, **options)
    ]


@pytest.mark.parametrize("options", MODES)
def test_the_one_pass_analyzer_equals_the_filter_chain(options: dict[str, object]) -> None:
    texts = [
        SEED.read_text(),
        "The U.S. and U.K. didn’t say; Kazakhstan's CAFÉ “quoted” — the of a 2022 e.g.",
        "AT&T's talks at P&G & S&P, A&B&C, Johnson&Johnson",
        "the",
        "",
        "Über naïve résumés",
        "".join(map(chr, range(32, 127))),  # ASCII (whole with tokenize=False): "`" and "."
        "Don`t SHIP P.S. Why's",
    ]
    for text in texts:
        assert token_stream(news_analyzer(), text, **options) == token_stream(
            reference_chain(), text, **options
        )


def test_the_one_pass_analyzer_equals_the_chain_on_bbc() -> None:
    bbc = shared_path("corpora", "bbc")
    chain, fused = reference_chain(), news_analyzer()
    for article in list(read_corpus(bbc / "politics"))[:150]:
        for text in (article.headline, article.body):
            assert token_stream(fused, text, positions=True, chars=True) == token_stream(
                chain, text, positions=True, chars=True
            )


class _Table:
    """A stem table that knows one word."""

    def stem(self, word: str) -> str | None:
        return "troopz" if word == "troops" else None


def test_analysed_words_are_the_analyzer_terms() -> None:
    texts = [SEED.read_text(), "The U.S. didn’t say; AT&T's CAFÉ troops — the of", "", "the"]
    bbc = shared_path("corpora", "bbc")
    texts += [a.body[:600] for a in list(read_corpus(bbc / "business"))[:100]]
    prose = ProseTerms()
    for text in texts:
        assert analysed_words(text) == terms(text) == prose.analysed(text)
        with stemming_with(_Table()):
            assert analysed_words(text) == terms(text)
    with stemming_with(_Table()):
        assert analysed_words("Troops said") == ["troopz", "said"]


def test_lead_words_come_from_the_body_analysis_read_once(monkeypatch) -> None:
    # The lead is the body's first LEAD_CHARS characters: a word cut there, or an acronym,
    # a joined name or an apostrophe at the cut, reads as analysed_words reads the cut text.
    import searcher.store.analysis as analysis

    splits = []
    split = analysis._WORDS_BETWEEN

    class Counted:
        def split(self, text: str) -> list[str]:
            splits.append(text)
            return split.split(text)

    monkeypatch.setattr(analysis, "_WORDS_BETWEEN", Counted())
    prose, fresh = ProseTerms(), ProseTerms()
    for tail in ["U.S.A. troops", "AT&T's deal", "don't say", "governments", " said", "\nsaid"]:
        for shift in range(-8, 3):
            body = "Troops " * 80 + "x" * (LEAD_CHARS - 560 + shift) + " " + tail + " end"
            for text in (body, body.replace(" ", "-"), body[:LEAD_CHARS], ""):
                words = lead_words("The U.S. headline", text, prose.analysed)
                expected = analysed_words(lead_text("The U.S. headline", text))
                assert words == " ".join(expected).encode()
                expected_terms = fresh.terms(text, chars=True)
                before = len(splits)
                assert prose.terms(text, chars=True) == expected_terms
                assert len(splits) == before  # the body was split once, for its lead


def test_words_are_found_as_the_token_pattern_finds_them() -> None:
    """Indexing finds words with a faster pattern than TOKEN_PATTERN (the one an index
    records): the same words and what lies between them, on tricky text and on news."""
    import random
    import re

    import searcher.store.analysis as analysis

    pattern = re.compile(TOKEN_PATTERN)
    between = re.compile(f"({TOKEN_PATTERN})")
    rng = random.Random(3)
    alphabet = "aZ9_.&'’ é\n-ßİ"
    texts = ["".join(rng.choices(alphabet, k=rng.randrange(30))) for _ in range(50_000)]
    texts += [SEED.read_text(), "U.S.A. AT&T's A&B&C a.b a.b. ab&cd&ef x.y.z.w"]
    for text in texts:
        assert analysis._WORDS_BETWEEN.split(text) == between.split(text), text
        assert analysis._TOKEN.findall(text) == pattern.findall(text), text


def test_a_worker_cache_holds_a_corpus_vocabulary(monkeypatch) -> None:
    """A worker's analysis remembers more words than the shared corpora hold (257,000 as
    written): met again, none is looked up anew (once emptied, every word would be)."""
    import searcher.store.analysis as analysis

    monkeypatch.setattr(analysis, "_indexing_stem", str.upper)  # the cache, not NLTK
    prose = ProseTerms()
    words = [f"q{n}z" for n in range(260_000)]
    prose.terms(" ".join(words))
    assert len(prose.words()) == len(words)
    prose.terms(" ".join(words[:1000]), chars=True)
    assert prose.words() == {}


def test_a_word_that_no_step_of_the_stemmer_ends_with_is_its_own_stem(monkeypatch) -> None:
    """Indexing does not ask NLTK for the stem of a word that ends with no suffix NLTK's
    English stemmer takes off or replaces, nor of a word of two characters: it is NLTK's
    stem all the same."""
    from nltk.stem.snowball import EnglishStemmer

    import searcher.store.analysis as analysis

    suffixes = {
        suffix
        for name, words in vars(EnglishStemmer).items()
        if name.endswith("_suffixes")
        for suffix in words
    }
    # Its last step takes off an "l" after another ("ll"), step 1c makes "y" "i".
    suffixes = suffixes - {"l"} | {"ll", "y"}
    shortest = {s for s in suffixes if not any(o != s and s.endswith(o) for o in suffixes)}
    assert set(analysis._STEMMED_ENDINGS) == shortest
    special = next(v for k, v in vars(EnglishStemmer).items() if k.endswith("_special_words"))
    assert all(word.endswith(analysis._STEMMED_ENDINGS) for word in special)
    nltk_stem = EnglishStemmer().stem
    words = [w for w, _ in (analysis._normal(w) for w in _SAMPLE_WORDS.split())]
    ends = [*"aoz09_ßéldntrgmcis'", *suffixes, *special, "al", "ell", "tal", "ation"]
    bases = ("x", "ab", "gener", "communa", "yay", "boa", "rea", "ies", "sse", "bl", "hop")
    words += [f"{w}{end}" for w in bases for end in ends]
    assert all(analysis._indexing_stem(w) == nltk_stem(w) for w in words)
    asked: list[str] = []
    monkeypatch.setattr(analysis, "_snowball", lambda: lambda word: asked.append(word) or word)
    unstemmed = [w for w in words if analysis._indexing_stem(w) and w not in asked]
    assert {"london", "budget", "board", "oil", "year", "team", "iraqi", "is"} <= set(unstemmed)
    assert len(unstemmed) > 250


_SAMPLE_WORDS = """via data agenda radio tomato studio video taxi judo tuxedo kayak
oath month growth depth ceo bmw mph 1980s 2022 10th 3rd x25b f16 mp3 usb boycott
tempo auto euro photo quota pizza sofa era idea area coca banco ex tax box fax hoax
wax jazz blitz quiz fizz topaz waltz chef cliff staff tariff proof roof belief kebab
club snob crab slab job mob rob lab pub hub bulb jump camp lamp grasp crisp strip
bishop laptop desktop wow view crew screw slow grow know window shadow tomorrow london
budget board oil year team iraqi is israel april nepal market report record ahmad"""
