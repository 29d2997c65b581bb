"""Snippets and marks: fragments of the body around the matches, whole words, never
overlapping; phrases marked where they stand; the headline's matches marked in results."""

from collections.abc import Callable
from pathlib import Path

from conftest import assert_snippets_in_order, filler

from searcher import Article, Index, read_corpus
from searcher.cli.render import MATCH_STYLE
from searcher.cli.render_results import hit_renderable
from searcher.jsondocs import hit_json
from searcher.models import Hit

Build = Callable[..., Index]

OPENING = "UK interest rates are set to remain on hold at 4.75% after the latest meeting."
# Each sentence names oil once, about 60 characters apart: the matches run on for longer
# than one fragment holds, so the fragments of a hit meet.
TOWNS = [
    "Leeds",
    "York",
    "Hull",
    "Bath",
    "Ely",
    "Wells",
    "Ripon",
    "Derby",
    "Truro",
    "Lincoln",
    "Exeter",
    "Durham",
]
OIL_REPORTS = " ".join(
    f"Report {n} says the oil output of {town} changed this week." for n, town in enumerate(TOWNS)
)
PHRASE_BODY = (
    "Rates of interest vary from bank to bank, officials said. "
    + filler("phrase-1")
    + "In March the interest rates rose again. "
    + filler("phrase-2")
    + "Oil was found offshore. "
    + filler("phrase-3")
    + "Oil and gas prices climbed. "
    + filler("phrase-4")
    + "Prices fell at the market."
)


def article(id: str, headline: str = "Local council meeting", body: str = "", **kw) -> Article:
    return Article(id=f"t/{id}", headline=headline, body=body or filler(id) * 3, **kw)


def marked_words(hit: Hit) -> list[str]:
    return [s.text[a:b] for s in hit.snippets for a, b in s.spans]


def test_a_fragment_at_the_start_of_the_article_keeps_its_first_word(make_index: Build) -> None:
    ix = make_index(article("a", body=OPENING + " " + filler("a") * 4))
    [hit] = ix.search("interest rates")
    first = hit.snippets[0]
    assert first.text.startswith("UK interest rates are set to remain")
    assert [first.text[a:b] for a, b in first.spans] == ["interest", "rates"]


def test_the_fragments_of_a_hit_are_whole_words_disjoint_and_in_order(make_index: Build) -> None:
    ix = make_index(article("a", body=filler("a") + OIL_REPORTS + " " + filler("z")))
    [hit] = ix.search("oil")
    assert len(hit.snippets) == 3
    assert_snippets_in_order(ix.show("t/a").article.body, hit.snippets)
    assert all(s.text.count("oil") == len(s.spans) for s in hit.snippets)
    assert sum(len(s.spans) for s in hit.snippets) == len(TOWNS)
    # Cut apart between sentences where they meet.
    assert all(s.text.endswith("week. …") for s in hit.snippets[:-1])


def test_a_phrase_is_marked_only_where_its_words_stand_together(make_index: Build) -> None:
    ix = make_index(article("a", body=PHRASE_BODY))
    [hit] = ix.search('"interest rates"')
    assert marked_words(hit) == ["interest", "rates"]
    [snippet] = hit.snippets
    assert "the interest rates rose" in snippet.text
    view = ix.show("t/a", '"interest rates"')
    assert [PHRASE_BODY[a:b] for a, b in view.body_spans] == ["interest", "rates"]


def test_a_proximity_query_marks_its_words_only_within_the_distance(make_index: Build) -> None:
    ix = make_index(article("a", body=PHRASE_BODY))
    [hit] = ix.search('"oil prices"~3')
    assert marked_words(hit) == ["Oil", "prices"]
    assert "Oil and gas prices climbed" in hit.snippets[0].text
    view = ix.show("t/a", '"oil prices"~3')
    assert [PHRASE_BODY[a:b] for a, b in view.body_spans] == ["Oil", "prices"]


def test_results_mark_the_query_words_in_the_headline(make_index: Build) -> None:
    body = filler("a") + "The interest rates were held. " + filler("b")
    ix = make_index(
        article("a", headline="Interest rates held", body=body),
        article("b", headline="Rates of interest", body=body.replace(filler("a"), filler("c"))),
    )
    hits = {hit.id: hit for hit in ix.search("interest rates", all_copies=True)}
    assert hits["t/a"].headline_spans == ((0, 8), (9, 14))
    assert hit_json(hits["t/a"])["headline_spans"] == [[0, 8], [9, 14]]
    [title, *_] = hit_renderable(hits["t/a"]).renderables
    marked = [title.plain[s.start : s.end] for s in title.spans if s.style == MATCH_STYLE]
    assert marked == ["Interest", "rates"]
    # A phrase marks the headline only where it is.
    phrase = {hit.id: hit for hit in ix.search('"interest rates"', all_copies=True)}
    assert phrase["t/a"].headline_spans == ((0, 8), (9, 14))
    assert phrase["t/b"].headline_spans == ()


def test_a_match_only_in_the_headline_shows_the_lead_not_nothing(make_index: Build) -> None:
    body = OIL_REPORTS
    ix = make_index(
        article("a", headline="Earthquake shakes the capital", body=body),
        Article(id="t/b", headline="Earthquake felt in Ely"),
    )
    hits = {hit.id: hit for hit in ix.search("earthquake")}
    hit = hits["t/a"]
    assert hit.headline_spans == ((0, 10),)
    [lead] = hit.snippets
    assert lead.spans == () and lead.text.endswith(" …") and len(lead.text) <= 202
    assert body.startswith(lead.text.removesuffix(" …"))
    assert body[len(lead.text) - 2] == " "  # cut at a whole word
    # An article with no body has nothing more to show than its marked headline.
    assert hits["t/b"].headline_spans == ((0, 10),) and hits["t/b"].snippets == ()


def test_snippets_are_the_same_on_a_multi_segment_index(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    special = {
        7: ("Interest rates on hold", OPENING + "\n\n" + filler("s7")),
        40: ("Energy report", filler("s40") + "\n\n" + OIL_REPORTS),
        69: ("Rates and banks", PHRASE_BODY),
    }
    for n in range(80):
        headline, body = special.get(n, (f"Council meeting {n}", filler(f"n{n}") * 2))
        (folder / f"a{n:03d}.txt").write_text(f"{headline}\n\n{body}\n")
    ix = Index(tmp_path / "ix")
    ix.update(read_corpus(folder), workers=2, commit_every=1)
    assert ix.stats().segments >= 2
    queries = ["interest rates", '"interest rates"', "oil", '"oil prices"~3', "council"]
    before = {q: marks_by_id(ix, q) for q in queries}
    hits = {hit.id: hit for hit in ix.search("interest rates", limit=None)}
    assert hits["news/a007.txt"].snippets[0].text.startswith("UK interest rates")
    assert hits["news/a007.txt"].headline_spans == ((0, 8), (9, 14))
    phrase = before['"interest rates"']["news/a069.txt"][1]
    assert [s.text[a:b] for s in phrase for a, b in s.spans] == ["interest", "rates"]
    assert_snippets_in_order(
        ix.show("news/a040.txt").article.body, before["oil"]["news/a040.txt"][1]
    )
    ix.optimize()
    assert ix.stats().segments == 1
    assert {q: marks_by_id(ix, q) for q in queries} == before


def marks_by_id(ix: Index, text: str) -> dict[str, tuple[object, ...]]:
    """{id: (headline spans, snippets)} of every match of `text`."""
    return {h.id: (h.headline_spans, h.snippets) for h in ix.search(text, limit=None)}


def test_a_quote_match_is_marked_in_the_body_that_holds_the_quote(newsroom: Index) -> None:
    [hit] = newsroom.search("quote:corruption")
    assert marked_words(hit) == ["Corruption"]
