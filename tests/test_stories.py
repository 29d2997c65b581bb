import hashlib
import json
import random
import re
import sqlite3
from array import array
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from hashlib import blake2b
from pathlib import Path
from zlib import crc32

import pytest
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.codec.base import Segment

from searcher import Article, Index, IndexOutdatedError, SearchOptions, read_corpus
from searcher.enrich.duplicates import (
    _CODE,
    _DATE,
    _DAYS,
    _EXCHANGE,
    _FIGURE,
    _MARKED_CODE,
    _MONTHS,
    _NAME,
    _NUMBER_WORDS,
    THRESHOLD,
    WordHashes,
    _figure,
    _is_capitalised,
    copy_of,
    facts,
    facts_agree,
    signature,
    signatures,
    similarity,
    story_fields,
    story_fields_of,
    word_hashes,
)
from searcher.stopwords import STOP_WORDS
from searcher.store.analysis import TOKEN_PATTERN, ProseTerms
from searcher.store.commits import IndexingRun
from searcher.store.stories import (
    PAGE_SIZE,
    STORE_FILE,
    WRITE_CACHE_KB,
    Agree,
    Entry,
    HeldKeys,
    StoryStore,
    band_keys,
    open_store,
)
from searcher.store.workers import FileResult, SegmentBuilder

TEXT = (
    "The central bank raised its main interest rate by half a point on Thursday, the third "
    "increase this year, saying inflation had proved more stubborn than expected. Markets "
    "had priced in a smaller move, and the currency rose sharply after the announcement. "
    "The governor told reporters that further increases could not be ruled out."
)
OTHER = (
    "Heavy rain flooded roads across the north of the country overnight, and rescue teams "
    "evacuated dozens of homes near the river. Forecasters expect more rain at the weekend."
)


def test_signatures_estimate_overlap() -> None:
    assert similarity(signature(TEXT), signature(TEXT)) == 1.0
    assert similarity(signature(TEXT), signature(TEXT.replace("Thursday", "Friday"))) > 0.7
    assert similarity(signature(TEXT), signature(OTHER)) < 0.1
    assert signature("") == b"" and similarity(b"", signature(TEXT)) == 0.0


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_a_signature_takes_the_same_words_from_ascii_text_as_from_any_text(text: str) -> None:
    # ASCII text is split by its own quick path; a dash (not a word character, not ASCII)
    # sends the same words through the general one.
    assert signature(text) == signature(text + "\u2014")


def _reference_signature(text: str) -> bytes:
    """The MinHash signature by its definition, one shingle and one bin at a time."""
    words = re.findall(r"\w+", text.lower())
    if not words:
        return b""
    table = [array("I", blake2b(word.encode(), digest_size=12).digest()) for word in words]
    table += [array("I", [0, 0, 0])] * (3 - len(table))
    shingles = [a[0] ^ b[1] ^ c[2] for a, b, c in zip(table, table[1:], table[2:], strict=False)]
    least = {
        slot: min(h >> 7 for h in shingles if h & 127 == slot)
        for slot in range(128)
        if any(h & 127 == slot for h in shingles)
    }
    filled = sorted(least)
    # an empty bin: the nearest filled one on its right (around the end), its distance on top
    nearest = [next(f for f in [*filled, filled[0] + 128] if f >= slot) for slot in range(128)]
    return array(
        "I", [least[n % 128] + (n - slot << 25) for slot, n in enumerate(nearest)]
    ).tobytes()


_OLD_TOKEN = re.compile(
    r"(?=[\w.!?\n])(?:[^\W\d_](?:\.(?:[^\W\d_]\.)+(?!\w)|\w*(?:['’]\w+)*)"
    r"|\d(?:[\d,.:/-]*\d)?\w*|[.!?\n]|\w+(?:['’]\w+)*)"
)


def _fact(text: str, kind: int) -> int:
    """A fact: the CRC-32 of its text, its lowest three bits its kind."""
    return crc32(text.encode()) >> 3 << 3 | kind


def _reference_text_facts(text: str, every_capital: bool) -> set[int]:
    """Facts token by token, as `_text_facts` found them before lowercase runs were skipped."""
    found = {
        _fact(_EXCHANGE.sub("", " ".join(c.upper().split())), _CODE)
        for c in _MARKED_CODE.findall(text)
    }
    starts, month, day = True, "", ""
    for token in _OLD_TOKEN.findall(text):
        first, lowered = token[0], token.lower()
        if first in ".!?\n":
            starts, month, day = True, "", ""
            continue
        figure = (
            _figure(token)
            if first.isdigit()
            else _NUMBER_WORDS.get(token if first.islower() else lowered)
        )
        name = (
            lowered.removesuffix("'s").removesuffix("’s")
            if figure is None and first.isupper()
            else ""
        )
        if name and (every_capital or not starts) and name not in STOP_WORDS:
            found.add(_fact(name, _NAME))
        this_month, this_day = _MONTHS.get(name, ""), figure if figure in _DAYS else ""
        if figure is not None:
            found.add(_fact(figure, _FIGURE))
        if (this_month and day) or (month and this_day):
            found.add(_fact(f"{this_month or month} {day or this_day}", _DATE))
        starts, month, day = False, this_month, this_day
    return found


# Capitals, months, days, figures, fractions, number words, codes, non-ASCII words.
_SAMPLES = (
    "March|march|Sept|20|31|32|one|One|TWENTY|twentyone|oNE|one's|ten’s|16-1/2|1,000.5|3RD|abc5"
    "|iPhone|U.S.|e.g.|don't|O'Neill|Reuters's|<HDL>|<UBTC.O>|<Qintex Ltd>|élan|Élan|ÉTÉ|straße"
    "|\u212a|²|_x|the|and"
)
_PIECES = st.sampled_from(_SAMPLES.split("|"))
_GLUE = st.sampled_from([" ", "", ", ", ". ", "\n", "'", "’", "-", "/", ".", "? ", " <", "> "])
_TEXTS = st.lists(
    st.tuples(_PIECES | st.text(alphabet="aZk1 .,'’-/<>\nÉé_", max_size=6), _GLUE), max_size=30
).map(lambda parts: "".join(piece + glue for piece, glue in parts))


@settings(max_examples=500, deadline=None)
@given(_TEXTS, _TEXTS)
def test_signatures_and_facts_are_those_of_the_reference(headline: str, body: str) -> None:
    """Numpy bins and the skipping of lowercase runs change no signature and no fact."""
    assert signature(body) == _reference_signature(body)
    assert signature(headline) == _reference_signature(headline)
    expected = _reference_text_facts(headline, _is_capitalised(headline))
    if body.strip():
        expected |= _reference_text_facts(body, every_capital=False)
    assert facts(headline, body) == array("I", sorted(expected)).tobytes()


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTS | st.sampled_from(["", "one", "two words", "été à"]), max_size=8))
def test_signatures_taken_at_once_are_each_texts_own(texts: list[str]) -> None:
    """No shingle runs from one text of a batch into the next, short texts included."""
    assert signatures(texts) == [_reference_signature(text) for text in texts]


def test_story_fields_of_several_articles_are_those_of_each() -> None:
    articles = [
        Article(id=str(n), headline=head, body=body, source="wire", date=datetime(1987, 3, n + 1))
        for n, (head, body) in enumerate(
            [("RATES UP", TEXT), ("Floods", OTHER), ("Brief", ""), ("", "Two words"), ("X", "x")]
        )
    ]
    assert story_fields_of(articles) == [story_fields(article) for article in articles]
    assert story_fields_of(articles)[2][0] == signature("Brief")  # a bodiless item's headline


# Greek capitals: a capital sigma's small letter depends on the letters around it.
_GREEK = st.sampled_from(["ΑΣ", "ΟΔΟΣ", "Σ", "ΣΑ", "σ", "ς", "İ", "\u212a", "ŉ"])
_TEXTS_AND_GREEK = st.lists(st.tuples(_PIECES | _GREEK, _GLUE), max_size=20).map(
    lambda parts: "".join(piece + glue for piece, glue in parts)
)


@settings(max_examples=300, deadline=None)
@given(_TEXTS | _TEXTS_AND_GREEK)
def test_the_word_hashes_of_a_texts_analysis_are_its_signatures(text: str) -> None:
    """The hashes of a text's words, as the indexing analysis reads them (a body, a
    headline) and its word cache keeps them, are those a signature takes of its words,
    but for a capital sigma's, which the hashes of a text are not noted for."""
    prose, expected = ProseTerms(word_hashes), WordHashes().of_texts([text])[0]
    prose.analysed(text, 600)  # a body
    assert (prose.hashes(text) == expected) or ("Σ" in text)
    headline = text + " "
    prose.analysed(headline, None)
    assert (prose.hashes(headline) == expected) or ("Σ" in text)
    assert prose.hashes(text + "!") is None  # a text it has not read


def test_a_builders_signatures_are_those_of_its_articles(tmp_path: Path) -> None:
    """The story signatures of a worker take their words' hashes from its analysis: those
    of each article's text, its headline when it has no body, and not when a capital
    sigma makes the small letters of the whole text differ from its words' ("ΑΣ.Β")."""
    Index(tmp_path / "ix").add([Article(id="a", headline="Rates up", body=TEXT)])
    articles = [
        Article(id="b", headline="Rates", body=TEXT),
        Article(id="c", headline="Floods at the weekend", body=" \n"),
        Article(id="w", headline="No words", body="\u2014 ..."),
        Article(id="d", headline="ΑΣ.Β", body="Η ΟΔΟΣ.Α ΑΣ.Β U.S. AT&T don't İstanbul"),
        Article(id="e", headline="Same", body=TEXT),  # the same text again
    ]
    builder = SegmentBuilder(tmp_path / "ix", None)
    result = builder.index_records(articles, "", "")
    assert [story[1] for story in result.stories] == [
        signature(article.body if article.body.strip() else article.headline)
        for article in articles
    ]
    assert signature(articles[3].body) != signatures([articles[3].body], _ByWord())[0]


class _ByWord(WordHashes):
    """Word hashes noted a word at a time, as if the small letters of a word alone were
    those it has in its text."""

    def of_texts(self, texts: Sequence[str]) -> list[bytes]:
        return [b"".join(map(word_hashes, re.findall(TOKEN_PATTERN, text))) for text in texts]


def test_word_hashes_are_remembered_by_their_owner_alone() -> None:
    """A worker's cache of word hashes is its own (no state of the module's): signatures
    through it are those without one, and another cache learns none of its words."""
    mine, other = WordHashes(), WordHashes()
    assert signatures([TEXT, OTHER], mine) == [signature(TEXT), signature(OTHER)]
    assert story_fields_of([Article(id="a", body=TEXT)], mine)[0][0] == signature(TEXT)
    assert mine._hashes and not other._hashes
    assert signature(TEXT, other) == signature(TEXT, mine)


def test_store_groups_copies_and_keeps_other_stories_apart(tmp_path: Path) -> None:
    store = StoryStore(tmp_path, copy_of=copy_of)
    assert store.add("a", signature(TEXT), "Reuters", "Rates up") == "a"
    assert store.add("b", signature(TEXT.replace("sharply", "strongly")), "AP") == "a"
    assert store.add("c", signature(OTHER)) == "c"
    store.commit()
    store.close()
    # persisted, and new articles join old stories
    reopened = StoryStore(tmp_path, copy_of=copy_of)
    assert reopened.add("d", signature(TEXT[:-60])) == "a"
    assert [(s.id, s.size) for s in reopened.largest()] == [("a", 3)]
    assert reopened.stories_of(["b", "c", "x"]) == {"b": "a", "c": "c"}


def test_store_replaces_removes_and_rolls_back(tmp_path: Path) -> None:
    store = StoryStore(tmp_path, copy_of=copy_of)
    store.add("a", signature(TEXT))
    store.add("b", signature(TEXT))
    store.commit()
    assert store.add("b", signature(OTHER)) == "b"  # b was rewritten as another story
    store.rollback()
    assert store.stories_of(["b"]) == {"b": "a"}
    store.remove(["a"])
    assert len(store) == 1 and store.story("a").copies[0].id == "b"
    assert store.stories_of(["b"]) == {"b": "a"}  # the story keeps its first article's name
    assert store.add("a", signature(OTHER)) == "a"  # back in the story it started
    assert [c.id for c in store.story("a").copies] == ["a", "b"]
    store.remove(["a", "b"])
    assert len(store) == 0 and store.add("a", signature(OTHER)) == "a"
    assert store.story("a").size == 1


@pytest.mark.parametrize("agree", [None, facts_agree], ids=["bands", "identical"])
def test_a_story_is_found_by_the_bands_of_its_members_whichever_goes(
    tmp_path: Path, agree: Agree | None
) -> None:
    """A story keeps a band value once, by its first member with it. When that member goes
    (removed, or replaced by another text), the next member with the value holds it: a
    copy of the members left still joins their story."""
    store = StoryStore(tmp_path, copy_of=copy_of, agree=agree)
    for id in "abc":
        store.add(id, signature(TEXT))
    store.remove(["a"])
    assert store.add("d", signature(TEXT)) == "a"
    assert store.add("b", signature(OTHER)) == "b"  # replaced: c holds what b held
    assert store.add("e", signature(_edit(TEXT, ("Thursday", "Friday")))) == "a"
    store.remove(["c", "d"])
    assert store.add("f", signature(TEXT)) == "a"  # e's story, named by a still
    assert [c.id for c in store.story("a").copies] == ["e", "f"]


def test_a_copy_of_a_deleted_file_s_article_joins_the_copies_left(tmp_path: Path) -> None:
    """The first file of a story deleted, a new copy of it joins the story's other files."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a", "b"):
        (corpus / f"{name}.txt").write_text(f"{name}\n\n{TEXT}")
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(corpus), workers=1)
    (corpus / "a.txt").unlink()
    (corpus / "c.txt").write_text(f"c\n\n{_edit(TEXT, ('sharply', 'strongly'))}")
    ix.update(read_corpus(corpus), workers=1)
    assert [[c.headline for c in s.copies] for s in ix.duplicates()] == [["b", "c"]]


def test_a_store_in_an_older_layout_asks_for_a_rebuild(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Rates up\n\n" + TEXT)
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(corpus), workers=1)
    (tmp_path / "ix" / "stories.sqlite").unlink()
    old = sqlite3.connect(tmp_path / "ix" / "stories.sqlite")
    old.execute("CREATE TABLE articles (id TEXT PRIMARY KEY, story TEXT, signature BLOB)")
    old.commit()
    old.close()
    with pytest.raises(IndexOutdatedError, match="built by an older version") as error:
        ix.search("rates")
    assert error.value.hint == "Rebuild it from its articles."
    with pytest.raises(IndexOutdatedError):
        ix.update(read_corpus(corpus), workers=1)
    ix.update(read_corpus(corpus), workers=1, rebuild=True)
    assert ix.search("rates").total == 1 and ix.duplicates(min_size=1)[0].size == 1


def test_a_store_of_the_previous_layout_asks_for_a_rebuild(tmp_path: Path) -> None:
    old = sqlite3.connect(tmp_path / "stories.sqlite")  # version 2: no facts
    old.executescript(
        "PRAGMA user_version = 2; CREATE TABLE articles (num INTEGER PRIMARY KEY, id TEXT,"
        " story INTEGER, source TEXT, headline TEXT, signature BLOB);"
    )
    old.close()
    with pytest.raises(IndexOutdatedError, match="built by an older version") as error:
        StoryStore(tmp_path, copy_of=copy_of)
    assert error.value.hint == "Rebuild it from its articles."


DAY = datetime(1987, 3, 2, 12, tzinfo=timezone.utc)
# Reuters dividend notices: the company is named in the headline only.
NOTICES = [
    ("HANDLEMAN CO <HDL> SETS QUARTERLY", "14 cts", "April 10", "March 27"),
    ("BROWNING-FERRIS INDUSTRIES INC <BFI> IN PAYOUT", "20 cts", "April 10", "March 20"),
    ("ANITEC IMAGE TECHNOLOGY CORP <ANTC> SETS PAYOUT", "seven cts", "April 10", "March 27"),
    # the same figures as Handleman's: only the company tells them apart
    ("KENAN TRANSPORT CO <KTCO> SETS QUARTERLY", "14 cts", "April 10", "March 27"),
]


def _notice(n: int, headline: str, amount: str, pay: str, record: str, day: datetime) -> dict:
    body = f"Qtly div {amount} vs {amount} prior\n\nPay {pay}\n\nRecord {record}"
    return {"id": str(n), "title": headline, "text": body, "date": day.isoformat()}


def _index_records(tmp_path: Path, records: list[dict]) -> Index:
    """The records indexed the normal way: two workers, a commit every article."""
    folder = tmp_path / "wire"
    folder.mkdir()
    for n, record in enumerate(records):  # one file each, so both workers get some
        (folder / f"{n:02d}.jsonl").write_text(json.dumps({"source": "Reuters", **record}))
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(folder), workers=2, commit_every=1)
    return ix


def _story_sizes(ix: Index) -> list[list[str]]:
    return [[c.headline for c in story.copies] for story in ix.duplicates()]


def test_wire_notices_of_different_companies_are_different_stories(tmp_path: Path) -> None:
    records = [_notice(n, *notice, DAY) for n, notice in enumerate(NOTICES)]
    # a real copy: Handleman's notice sent again an hour later under another headline
    again = _notice(9, "HANDLEMAN CO <HDL> QTLY DIVIDEND", *NOTICES[0][1:], DAY)
    again["date"] = (DAY + timedelta(hours=1)).isoformat()
    ix = _index_records(tmp_path, [*records, again])
    assert sorted(_story_sizes(ix)) == [
        ["HANDLEMAN CO <HDL> SETS QUARTERLY", "HANDLEMAN CO <HDL> QTLY DIVIDEND"]
    ]
    hit = ix.search("Handleman").hits[0]
    assert [c.headline for c in hit.copies] == ["HANDLEMAN CO <HDL> QTLY DIVIDEND"]
    assert ix.search("Anitec").hits[0].copies == ()


LIVESTOCK = (
    "Chicago Mercantile Exchange floor traders and commission house representatives are "
    "guesstimating today's hog slaughter at about {0} to {1} head versus {2} week ago and "
    "{3} a year ago.\n\nCattle slaughter is guesstimated at about {4} to {5} head versus "
    "{6} week ago and {7} a year ago."
)


def test_the_same_report_on_other_days_is_another_story_and_a_resend_is_a_copy(
    tmp_path: Path,
) -> None:
    headline = "HOG AND CATTLE SLAUGHTER GUESSTIMATES"
    figures = [
        ("300,000", "305,000", "292,000", "316,000", "128,000", "130,000", "129,000", "119,000"),
        ("285,000", "300,000", "292,000", "309,000", "125,000", "131,000", "129,000", "119,000"),
        ("295,000", "308,000", "305,000", "308,000", "128,000", "132,000", "130,000", "126,000"),
    ]
    records = [
        {
            "id": str(n),
            "title": headline,
            "text": LIVESTOCK.format(*numbers),
            "date": (DAY + timedelta(days=n)).isoformat(),
        }
        for n, numbers in enumerate(figures)
    ]
    # the first day's report word for word two weeks later is that day's news, not a copy
    records.append({**records[0], "id": "later", "date": (DAY + timedelta(days=14)).isoformat()})
    # and sent again the same day (a shortened version), it is a copy
    shorter = LIVESTOCK.format(*figures[0]).split("\n\n")[0]
    records.append({**records[0], "id": "resent", "text": shorter})
    ix = _index_records(tmp_path, records)
    assert [sorted(c.id for c in story.copies) for story in ix.duplicates()] == [
        ["wire/00.jsonl#0", "wire/04.jsonl#resent"]
    ]


def test_results_show_a_story_once_with_its_copies(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix")
    ix.add(
        [
            Article(id="w/1", source="Reuters", headline="Bank raises rates", body=TEXT),
            Article(id="w/2", source="AP", headline="Rates rise again", body=TEXT[:-60]),
            Article(id="w/3", source="BBC", headline="Floods", body=OTHER + " Interest rate."),
        ]
    )
    collapsed = ix.search("interest rate")
    assert collapsed.total == 3
    first = collapsed.hits[0]
    assert [hit.id for hit in collapsed] == [first.id, "w/3"]
    assert first.story == "w/1"
    assert [(c.id, c.source) for c in first.copies] == [
        (other, source)
        for other, source in (("w/1", "Reuters"), ("w/2", "AP"))
        if other != first.id
    ]
    assert [hit.rank for hit in collapsed] == [1, 2]
    everything = ix.search("interest rate", all_copies=True)
    assert sorted(hit.id for hit in everything) == ["w/1", "w/2", "w/3"]
    assert [(s.id, [c.id for c in s.copies]) for s in ix.duplicates()] == [("w/1", ["w/1", "w/2"])]


def test_a_hit_lists_only_the_copies_that_match_the_query(tmp_path: Path) -> None:
    updated = TEXT + " The opposition called the decision reckless."
    ix = Index(tmp_path / "ix")
    ix.add(
        [
            Article(id="w/1", source="Reuters", headline="Bank raises rates", body=TEXT),
            Article(id="w/2", source="AP", headline="Rates rise again", body=TEXT[:-60]),
            Article(id="w/3", source="AFP", headline="Rates up, opposition angry", body=updated),
        ]
    )
    assert [story.size for story in ix.duplicates()] == [3]
    everywhere = ix.search("central bank").hits[0]
    assert len(everywhere.copies) == 2
    only_one = ix.search("reckless").hits
    assert [hit.id for hit in only_one] == ["w/3"] and only_one[0].copies == ()
    # so in an export: every match in its place, each listing the other matching copies
    assert [(hit.id, hit.copies) for hit in ix.iter_search("reckless")] == [("w/3", ())]
    exported = {hit.id: {c.id for c in hit.copies} for hit in ix.iter_search("central bank")}
    assert exported == {"w/1": {"w/2", "w/3"}, "w/2": {"w/1", "w/3"}, "w/3": {"w/1", "w/2"}}
    # a copy that a filter leaves out is not listed either
    filtered = ix.search("central bank", options=SearchOptions(sources=("reuters", "ap")))
    assert [c.id for hit in filtered for c in hit.copies] == [
        other for other in ("w/1", "w/2") if other != filtered.hits[0].id
    ]


@pytest.fixture(scope="module")
def bbc(tmp_path_factory: pytest.TempPathFactory) -> Index:
    ix = Index(tmp_path_factory.mktemp("bbc") / "index")
    ix.add(read_corpus(shared_path("corpora", "bbc")))
    return ix


def test_bbc_byte_identical_files_share_a_story_and_show_once(bbc: Index) -> None:
    root = shared_path("corpora", "bbc")
    twins: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.glob("*/*.txt")):
        twins[hashlib.sha1(path.read_bytes()).hexdigest()].append(f"bbc/{path.relative_to(root)}")
    groups = [ids for ids in twins.values() if len(ids) > 1]
    assert sum(len(ids) - 1 for ids in groups) == 98  # the corpus's known duplicates
    story_of = {c.id: s.id for s in bbc.duplicates() for c in s.copies}
    for ids in groups:
        assert len({story_of[i] for i in ids}) == 1, ids
    # a query that hits one of them shows it once, with its twin as a copy
    twin = next(a for a in read_corpus(root / groups[0][0].split("/", 1)[1]))
    results = bbc.search(f'"{twin.headline}"', limit=None)
    shown = [hit for hit in results if hit.story == story_of[groups[0][0]]]
    assert len(shown) == 1
    assert {c.id for c in shown[0].copies} >= set(groups[0]) - {shown[0].id}


def test_precision_and_recall_at_the_default_threshold(tmp_path: Path) -> None:
    from bench.dedup import cluster, make_test_set, pair_scores, true_pairs

    originals = list(read_corpus(shared_path("corpora", "bbc")))
    originals, copies = make_test_set(originals, 150)
    kept = [c for c in copies if c.kept >= 0.8]
    stories = cluster([*originals, *(c.article for c in kept)], tmp_path, THRESHOLD)
    precision, recall = pair_scores(stories, true_pairs(originals, kept))
    assert precision >= 0.98 and recall >= 0.95, (precision, recall)


def _stories_with_copies(stories: int, copies: int) -> list[Article]:
    """`stories` unrelated texts about a harbour, each in `copies` identical copies."""
    words = TEXT.split() + OTHER.split()
    articles = []
    for n in range(stories):
        body = " ".join(random.Random(n).choices(words, k=60)) + " harbour" * (n % 4 + 1)
        articles += [
            Article(id=f"s{n:02d}/{c}", source=f"Source {c}", headline=f"Item {n}", body=body)
            for c in range(copies)
        ]
    return articles


def test_collapsed_pages_continue_without_repeats_or_gaps(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix")
    ix.add(_stories_with_copies(stories=12, copies=3))
    everything = ix.search("harbour", limit=None)
    assert len(everything.hits) == 12  # one hit a story
    assert all(len(hit.copies) == 2 for hit in everything)
    pages = [ix.search("harbour", limit=4, offset=offset) for offset in (0, 4, 8)]
    assert [hit.id for page in pages for hit in page] == [hit.id for hit in everything]
    assert [hit.rank for page in pages for hit in page] == list(range(1, 13))
    uncollapsed = ix.search("harbour", limit=None, all_copies=True)
    # Each story's best-ranked copy stands for it.
    firsts: dict[str, str] = {}
    for hit in uncollapsed:
        firsts.setdefault(hit.id.split("/")[0], hit.id)
    assert [hit.id for hit in everything] == list(firsts.values())


def test_collapsing_keeps_total_and_facets(tmp_path: Path) -> None:
    ix = Index(tmp_path / "ix")
    ix.add(_stories_with_copies(stories=6, copies=3))
    options = SearchOptions(facets=("source",))
    collapsed = ix.search("harbour", limit=2, options=options)
    uncollapsed = ix.search("harbour", limit=2, options=options, all_copies=True)
    assert collapsed.total == uncollapsed.total == 18
    assert (
        collapsed.facets == uncollapsed.facets == {"source": {f"Source {c}": 6 for c in range(3)}}
    )
    assert len({hit.story for hit in collapsed}) == 2


def _pending_batch(folder: Path) -> tuple[IndexingRun, FileResult, Segment]:
    """An index holding one article, and a run about to commit a copy of it."""
    Index(folder).add([Article(id="a", headline="Rates up", body=TEXT)])
    builder = SegmentBuilder(folder, None)
    result = builder.index_records([Article(id="b", headline="Rates", body=TEXT)], "", "")
    segment, _ = builder.finish()
    assert segment is not None
    return IndexingRun(folder, {}, fresh=False, clear_first=False), result, segment


def test_a_commit_changes_the_story_store_while_its_segments_are_awaited(tmp_path: Path) -> None:
    """The story store's change is made while the workers write their segments (the
    commit waits for them through a function), and lands with the commit."""
    folder = tmp_path / "ix"
    run, result, segment = _pending_batch(folder)
    awaited = []

    def segments() -> list[Segment]:
        probe = sqlite3.connect(folder / STORE_FILE, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            probe.execute("BEGIN IMMEDIATE")  # the commit's change holds the store
        probe.close()
        awaited.append(segment)
        return [segment]

    run.commit([result], segments, [])
    assert awaited
    assert [(story.id, story.size) for story in Index(folder).duplicates()] == [("a", 2)]


def test_a_commit_whose_segments_fail_leaves_the_story_store_as_it_was(tmp_path: Path) -> None:
    folder = tmp_path / "ix"
    run, result, _ = _pending_batch(folder)

    def segments() -> list[Segment]:
        raise OSError("no space left on device")

    with pytest.raises(OSError, match="no space"):
        run.commit([result], segments, [])
    ix = Index(folder)
    assert ix.duplicates() == [] and ix.stats().articles == 1


def test_a_run_killed_between_the_index_s_commit_and_the_store_s_leaves_no_ghost_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after the index's commit and before the story store's, a run leaves in the
    store the articles that commit removed: the next run takes them out, and reads again
    what the commit added, so the stories are those of the articles indexed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a", "b", "c"):
        (corpus / f"{name}.txt").write_text(f"{name}\n\n{TEXT}")
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(corpus), workers=1)
    (corpus / "a.txt").unlink()
    (corpus / "d.txt").write_text(f"d\n\n{_edit(TEXT, ('sharply', 'strongly'))}")

    def killed(store: StoryStore) -> None:
        raise KeyboardInterrupt  # as if killed: the store's transaction is never committed

    monkeypatch.setattr(StoryStore, "commit", killed)
    with pytest.raises(KeyboardInterrupt):
        ix.update(read_corpus(corpus), workers=1)
    monkeypatch.undo()
    assert ix.stats().articles == 3  # b, c, d: the index's commit is done
    ix.update(read_corpus(corpus), workers=1)
    assert [[c.headline for c in s.copies] for s in ix.duplicates()] == [["b", "c", "d"]]


def test_a_store_being_written_caches_more_pages_than_one_being_read_in_larger_pages(
    tmp_path: Path,
) -> None:
    writing = StoryStore(tmp_path, copy_of=copy_of)
    writing.commit()
    assert writing._db.execute("PRAGMA cache_size").fetchone()[0] == -WRITE_CACHE_KB
    assert writing._db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
    reading = open_store(tmp_path)
    assert reading is not None
    assert reading._db.execute("PRAGMA cache_size").fetchone()[0] != -WRITE_CACHE_KB
    reading.close()
    writing.close()


def _edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


THIRD = (
    "The football club announced a new manager on Monday after a long search, and fans "
    "gathered outside the stadium to greet him. He promised attacking play and more young "
    "players in the first team."
)
# In order: copies of earlier articles, an article replaced by another text (its story,
# kept by its copy, is named after it still), copies of an article replaced.
BATCH = [
    ("a", TEXT),
    ("c", OTHER),
    ("b", _edit(TEXT, ("sharply", "strongly"))),
    ("d", _edit(OTHER, ("dozens", "scores"))),
    ("a", THIRD),
    ("e", _edit(TEXT, ("Thursday", "Friday"))),
    ("f", _edit(THIRD, ("Monday", "Tuesday"))),
    ("c", _edit(OTHER, ("weekend", "week"))),
]


@pytest.mark.parametrize("chunk", [1, 2, 3, 100])
def test_adding_at_once_gives_the_stories_of_adding_one_by_one(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each article sees every article added before it, whether it came in the same chunk
    (held in memory), in an earlier chunk (in the store) or in an earlier call."""
    (tmp_path / "one").mkdir()
    (tmp_path / "at-once").mkdir()
    one_by_one = StoryStore(tmp_path / "one", copy_of=copy_of)
    expected = [one_by_one.add(id, signature(text)) for id, text in BATCH]
    # e, a copy of b, joins b's story: b holds the bands the replaced a held
    assert expected == ["a", "c", "a", "c", "a", "a", "a", "c"]
    monkeypatch.setattr("searcher.store.stories.CHUNK", chunk)
    at_once = StoryStore(tmp_path / "at-once", copy_of=copy_of)
    at_once.add_all([("x", signature(OTHER), "", "", b"")])  # an earlier call
    at_once.remove(["x"])
    at_once.add_all((id, signature(text), "", "", b"") for id, text in BATCH)
    ids = ["a", "b", "c", "d", "e", "f"]
    assert at_once.stories_of(ids) == one_by_one.stories_of(ids)
    assert [(s.id, [c.id for c in s.copies]) for s in at_once.largest(1)] == [
        (s.id, [c.id for c in s.copies]) for s in one_by_one.largest(1)
    ]


def test_copies_in_a_batch_across_batches_and_of_an_article_removed_in_the_run(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in (("a", TEXT), ("b", _edit(TEXT, ("sharply", "strongly"))), ("c", OTHER)):
        (corpus / f"{name}.txt").write_text(f"{name}\n\n{text}")
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(corpus), workers=2, commit_every=1)  # one batch: 3 files, 1 task
    assert [[c.headline for c in s.copies] for s in ix.duplicates(1)] == [["a", "b"], ["c"]]
    (corpus / "c.txt").unlink()
    (corpus / "d.txt").write_text("d\n\n" + _edit(TEXT, ("reporters", "journalists")))
    (corpus / "e.txt").write_text("e\n\n" + _edit(OTHER, ("dozens", "scores")))
    ix.update(read_corpus(corpus), workers=2, commit_every=1)
    # d joins the story of an earlier batch; e, a copy of c, which the run removed,
    # starts a story of its own
    assert [[c.headline for c in s.copies] for s in ix.duplicates(1)] == [["a", "b", "d"], ["e"]]


def _bands(name: str, *values: int) -> bytes:
    """A signature whose band i is made from values[i], its other bands its own."""
    parts = [str(values[i]) if i < len(values) else f"{name} {i}" for i in range(42)]
    digests = (hashlib.blake2b(part.encode(), digest_size=12).digest() for part in parts)
    return b"".join(digests) + bytes(8)


@pytest.mark.parametrize("chunk", [1, 100])
def test_candidates_come_in_band_key_then_story_order_whatever_the_chunk(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older story joined in a chunk by an article with a key a newer story holds comes
    first among that key's holders, as in the store; a key its story holds already gets
    no second band row."""
    monkeypatch.setattr("searcher.store.stories.CHUNK", chunk)
    seen: list[list[bytes]] = []

    def first_with_the_same_first_band(
        sig: bytes, facts: bytes, others: Sequence[tuple[bytes, bytes]]
    ) -> int | None:
        seen.append([other for other, _ in others])
        return next((i for i, (other, _) in enumerate(others) if other[:12] == sig[:12]), None)

    a1, a2, a3, a4 = _bands("a1", 1, 2), _bands("a2", 3, 4), _bands("a3", 1, 4), _bands("a4", 5, 4)
    a3b = _bands("a3b", 1, 4)
    store = StoryStore(tmp_path, copy_of=first_with_the_same_first_band)
    articles = (("a1", a1), ("a2", a2), ("a3", a3), ("a3b", a3b), ("a4", a4))
    store.add_all((id, sig, "", "", b"") for id, sig in articles)
    # a3 meets a2 by band 1 and a1 by band 0 (in the order of their keys) and joins a1's
    # story, which then holds band 1 too; a3b, a copy of it, meets band 1's holders in story
    # order, a3 (story 1) before a2 (story 2), then a1; so does a4
    assert seen == [[a2, a1], [a3, a2, a1], [a3, a2]]  # a1 and a2 meet nothing
    assert store.stories_of(["a3", "a3b", "a4"]) == {"a3": "a1", "a3b": "a1", "a4": "a4"}
    rows = store._db.execute("SELECT count(*) FROM bands WHERE num = 4").fetchone()[0]
    assert rows == 40  # a3b: all but bands 0 and 1, which its story holds


def test_an_identical_signature_whose_facts_agree_is_chosen_before_counting() -> None:
    """The first identical signature with agreeing facts is the copy, ahead of an equally
    similar earlier one whose facts disagree; without one the most similar is chosen."""
    sig = signature(TEXT)
    near = signature(_edit(TEXT, ("sharply", "strongly")))
    day = datetime(2024, 3, 1, tzinfo=timezone.utc)
    mine = facts("Rates", TEXT, day)
    later = facts("Rates", TEXT, day + timedelta(days=30))
    assert copy_of(sig, mine, [(near, mine), (sig, later), (sig, mine), (sig, mine)]) == 2
    assert copy_of(sig, mine, [(near, mine), (sig, later)]) == 0
    assert copy_of(sig, mine, [(sig, later)]) is None


@pytest.mark.parametrize("chunk", [1, 3, 100])
def test_identical_copies_join_their_story_without_a_look_at_its_bands(
    tmp_path: Path, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given `agree`, an article whose identical signatures with agreeing facts are all of
    one story joins it without a call of copy_of, in the story copy_of would choose: the
    stories of a store without `agree` (an identical signature of two stories, or of an
    article that did not start its story, in a chunk or across chunks)."""
    monkeypatch.setattr("searcher.store.stories.CHUNK", chunk)
    day = datetime(2024, 3, 1, tzinfo=timezone.utc)
    sig, near = signature(TEXT), signature(_edit(TEXT, ("sharply", "strongly")))

    def on(days: int) -> bytes:
        return facts("Rates", TEXT, day + timedelta(days=days))

    articles = [
        ("a", sig, on(0)),  # starts story a
        ("b", near, on(0)),  # joins it
        ("a2", sig, on(0)),  # copies: of a, which started the story, and of b
        ("b2", near, on(0)),
        ("c", sig, on(4)),  # too late for a's story: one of its own
        ("c2", sig, on(4)),  # c's copy
        ("d", sig, on(2)),  # agrees with a and with c: counted among the candidates
        ("o", signature(OTHER), on(0)),
        ("a3", sig, on(0)),
    ]
    calls: list[int] = []

    def counted(sig: bytes, facts: bytes, others: Sequence[tuple[bytes, bytes]]) -> int | None:
        calls.append(len(others))
        return copy_of(sig, facts, others)

    (tmp_path / "one").mkdir()
    (tmp_path / "fast").mkdir()
    reference = StoryStore(tmp_path / "one", copy_of=copy_of)
    fast = StoryStore(tmp_path / "fast", copy_of=counted, agree=facts_agree)
    for store in (reference, fast):
        store.add_all((id, sig, "", "", found) for id, sig, found in articles[:4])
        store.add_all((id, sig, "", "", found) for id, sig, found in articles[4:])
    ids = [id for id, _, _ in articles]
    expected = {"a": "a", "b": "a", "a2": "a", "b2": "a", "c": "c", "c2": "c", "d": "a"}
    assert reference.stories_of(ids) == fast.stories_of(ids) == {**expected, "o": "o", "a3": "a"}
    # b, c and d call it; a2, b2, c2 and a3 do not, unless the article they copy came in
    # their chunk (not looked up in the store), or d, of another story, came in a3's
    assert len(calls) == {1: 3, 3: 5, 100: 7}[chunk]
    bands = "SELECT key, story, num FROM bands ORDER BY key, story"
    assert fast._db.execute(bands).fetchall() == reference._db.execute(bands).fetchall()


def test_a_store_written_without_the_signature_index_is_read_and_gets_it_when_written(
    tmp_path: Path,
) -> None:
    store = StoryStore(tmp_path, copy_of=copy_of)
    store.add_all([("a", signature(TEXT), "", "", b"")])
    store._db.execute("DROP INDEX articles_signature")  # as a store written before it
    store.commit()
    store.close()
    reading = open_store(tmp_path)
    assert reading is not None and reading.stories_of(["a"]) == {"a": "a"}
    reading.close()
    store = StoryStore(tmp_path, copy_of=copy_of, agree=facts_agree)
    index = "SELECT sql FROM sqlite_master WHERE name = 'articles_signature'"
    assert "substr(signature, 1, 32)" in store._db.execute(index).fetchone()[0]
    assert store.add("a2", signature(TEXT)) == "a"


def test_a_fresh_run_fills_the_story_store_as_results_come_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The story store takes a fresh run's articles while files are still being read, in
    the order of the files, the first article of an id keeping it."""
    for module in ("stories", "commits"):
        monkeypatch.setattr(f"searcher.store.{module}.CHUNK", 2, raising=False)
    monkeypatch.setattr("searcher.store.writer.TASK_FILES", 1)
    corpus = tmp_path / "c"
    corpus.mkdir()
    record = {"id": "x.txt", "title": "Rates", "text": TEXT}
    (corpus / "a.jsonl").write_text(json.dumps(record))
    (corpus / "a.jsonl#x.txt").write_text(f"Rain\n\n{OTHER}")  # a's x.txt keeps the id
    texts = {
        "b": ("Rates again", TEXT),
        "c": ("Rain", OTHER),
        "d": ("Rates", _edit(TEXT, ("sharply", "strongly"))),
        "e": ("Rain", _edit(OTHER, ("dozens", "scores"))),
    }
    for name, (headline, text) in texts.items():
        (corpus / f"{name}.txt").write_text(f"{headline}\n\n{text}")
    phases: list[str] = []
    adding: list[str] = []
    original = StoryStore.add_all

    def add_all(store: StoryStore, entries: Sequence[Entry], **keep: bool) -> list[str]:
        adding.append(phases[-1])
        return original(store, entries, **keep)

    monkeypatch.setattr(StoryStore, "add_all", add_all)
    ix = Index(tmp_path / "ix")
    report = ix.update(
        read_corpus(corpus), workers=2, on_progress=lambda progress: phases.append(progress.phase)
    )
    assert report.added == 5 and [p.kind for p in report.problems] == ["duplicate-id"]
    assert "reading" in adding  # before on main: every chunk once the batch was read
    store = open_store(tmp_path / "ix")
    assert store is not None
    ids = ["a.jsonl#x.txt", "b.txt", "c.txt", "d.txt", "e.txt"]
    stories = store.stories_of(f"c/{id}" for id in ids)
    assert [stories[f"c/{id}"].removeprefix("c/") for id in ids] == [
        "a.jsonl#x.txt",
        "a.jsonl#x.txt",
        "c.txt",
        "a.jsonl#x.txt",
        "c.txt",
    ]
    assert [copy.headline for copy in store.story("c/a.jsonl#x.txt").copies] == [
        "Rates",
        "Rates again",
        "Rates",
    ]


def test_held_keys_err_only_the_safe_way_and_only_a_store_without_bands_gets_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("searcher.store.stories.HELD_BITS", 8)
    held = HeldKeys()
    held.add([5, -3])
    # a key is "maybe" when one with the same lowest bits was added (-3 & 255 == 253)
    assert held.maybe([5, 6, -3, 253, 256 + 5, 7]) == [5, -3, 253, 256 + 5]
    store = StoryStore(tmp_path, copy_of=copy_of)
    assert store.held_keys() is not None
    store.add("a", signature(TEXT))
    assert store.held is not None and store.held.maybe(list(band_keys(signature(TEXT))))
    store.commit()
    assert StoryStore(tmp_path, copy_of=copy_of).held_keys() is None  # holds bands


@pytest.mark.parametrize("bits", [2, 25])
def test_a_fresh_run_in_batches_looks_up_only_keys_its_store_may_hold(
    tmp_path: Path, bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh run's story store, batch after batch, looks up the holders of the keys its
    `HeldKeys` says it may hold (with 2 bits, nearly every key), and finds the stories of a
    store that looks up every key."""
    monkeypatch.setattr("searcher.store.stories.HELD_BITS", bits)
    monkeypatch.setattr("searcher.store.stories.CHUNK", 2)
    monkeypatch.setattr("searcher.store.commits.CHUNK", 2)
    corpus = tmp_path / "c"
    corpus.mkdir()
    texts = [TEXT, OTHER, THIRD, _edit(TEXT, ("sharply", "strongly")), OTHER]
    texts += [_edit(THIRD, ("Monday", "Tuesday")), _edit(OTHER, ("dozens", "scores"))]
    for number, text in enumerate(texts):
        (corpus / f"{number}.txt").write_text(f"news\n\n{text}")
    looked_up: list[int] = []
    maybe = HeldKeys.maybe

    def counted(held: HeldKeys, keys: Sequence[int]) -> list[int]:
        found = maybe(held, keys)
        looked_up.append(len(found))
        return found

    monkeypatch.setattr(HeldKeys, "maybe", counted)
    Index(tmp_path / "ix").update(read_corpus(corpus), workers=2, commit_every=2)
    store = open_store(tmp_path / "ix")
    assert store is not None
    entries = list(store.entries())
    # every chunk of every batch, the first one's looking up nothing
    assert len(looked_up) == (len(entries) + 1) // 2 and looked_up[0] == 0
    assert (sum(looked_up) > 42 * len(entries) // 2) == (bits == 2)
    (tmp_path / "ref").mkdir()
    reference = StoryStore(tmp_path / "ref", copy_of=copy_of)
    reference.add_all(entries)
    ids = [entry[0] for entry in entries]
    assert store.stories_of(ids) == reference.stories_of(ids)
    assert [len(s.copies) for s in store.largest(1)] == [3, 2, 1, 1]


def test_the_story_fields_of_a_tasks_files_are_taken_together_each_files_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker takes the story fields of the articles of all the files of a task in one
    batch (most files hold one article), and each file's result holds its own articles'
    fields, in order: a file of several articles, a file of none, files of one."""
    from searcher.corpus import FileRef
    from searcher.store import workers

    corpus_folder = tmp_path / "in"
    corpus_folder.mkdir()
    (corpus_folder / "a.txt").write_text(f"Rates up\n\n{TEXT}\n")
    (corpus_folder / "b.jsonl").write_text(
        json.dumps({"id": "b1", "title": "Floods", "text": OTHER})
        + "\n{not json\n"
        + json.dumps({"id": "b2", "title": "Brief", "text": ""})
        + "\n"
    )
    (corpus_folder / "c.jsonl").write_text("{not json\n")
    (corpus_folder / "d.txt").write_text(f"Rates\n\n{TEXT[:-60]}\n")
    Index(tmp_path / "ix").update(read_corpus(tmp_path / "in" / "d.txt"))
    corpus = read_corpus(corpus_folder)
    refs = sorted((ref for ref in corpus.files() if isinstance(ref, FileRef)), key=str)
    batches = []
    stories = workers._stories

    def counted(articles: list[Article], hashes: WordHashes) -> list[workers.Story]:
        batches.append([article.id for article in articles])
        return stories(articles, hashes)

    monkeypatch.setattr(workers, "_stories", counted)
    results = SegmentBuilder(tmp_path / "ix", corpus).index_files(refs)
    ids = [article_id for result in results for article_id in result.ids]
    assert batches == [ids] and len(ids) == 4
    for result in results:
        articles = {
            article.id: article
            for article in corpus.read_file(next(ref for ref in refs if ref.id == result.file_id))
            if isinstance(article, Article)
        }
        expected = [(id, *story_fields(articles[id])) for id in result.ids]
        assert list(result.stories) == expected
    assert [len(result.stories) for result in results] == [1, 2, 0, 1]
    assert [len(result.problems) for result in results] == [0, 1, 1, 0]
