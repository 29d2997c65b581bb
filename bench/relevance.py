"""Relevance on two collections: our ranking, its variants and four peers, in one run.

    python -m bench.relevance     (needs: pip install -e '.[relevance]')

Collections (../shared/relevance, see its README):
- BBC: 24 news topics over the 2,225 BBC articles, graded. What the ranking is tuned on.
- Cranfield 1400: query k of `cranqrel` is the k-th query of `cran.qry` (its `.I` numbers
  skip values), grades run the other way (1 = complete answer): 1..4 become 4..1, -1
  lines dropped. The odd-numbered queries tune, the even-numbered ones are held out.

Robustness protocol (what a change of the ranking must pass, the column "protocol"):
the 24 BBC topics are tuned on and another set is kept aside, so a change is kept only
for reasons that should hold on topics nobody tuned on. Against the defaults, in nDCG@10,
it must not lose more than `TOLERANCE` on any of: BBC half A and half B (`halves`: qid % 4 == 1
and the others; the qids are all odd, so every other topic in file order), the BBC short-keyword and
long topics (the kinds with more than one topic), Cranfield's tune half and Cranfield's
held-out half. Of the changes that pass, prefer a flat optimum (the neighbours of a
chosen constant score about the same) and the textbook value where it does as well.
TOLERANCE is 0.005: half a point, a document or two moving on a few topics.

Every ranker ranks the same articles, read by searcher's readers; every topic is read as
text. Ours runs through `Index.run`; each variant changes a constant (or a few
together) against the defaults. Peers: plain BM25 with Porter stemming (rank_bm25,
headline counted twice), the same with RM3 pseudo-relevance feedback (10 documents, 15
terms), plain Whoosh BM25F (headline and body, StemmingAnalyzer, any term) and tantivy
(headline and body, en_stem, any term). Measures by ir-measures through
`searcher.evaluate`; writes bench/RELEVANCE.md.
"""

from __future__ import annotations

import math
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nltk.stem.porter import PorterStemmer

from searcher import Article, Index, RunRow, Topic, evaluate, read_corpus
from searcher.models import SearchOptions
from searcher.query import bm25f, feedback, parsing, search
from searcher.query.evaluation import read_topics
from searcher.query.questions import Reading
from searcher.store import schema

ROOT = Path(__file__).resolve().parents[1]
RELEVANCE = ROOT.parent / "shared" / "relevance"
BBC_FOLDERS = ("business", "entertainment", "politics", "sport", "tech")
OUTPUT = ROOT / "bench" / "RELEVANCE.md"
MEASURES = ("nDCG@10", "AP", "P@10")
TOLERANCE = 0.005  # the most nDCG@10 a change may lose on a part (the protocol)
DEPTH = 1000  # articles ranked per topic
PRF_DOCS, PRF_TERMS, PRF_WEIGHT = 10, 15, 0.5  # the RM3 peer
_PORTER = PorterStemmer()
_WORD = re.compile(r"\w+")

# What kind of topic a BBC topic is (the first pattern that matches).
KINDS = (
    ("quote search", re.compile(r"^(what|who)\b.*\b(say|said|says)\b", re.IGNORECASE)),
    ("question", re.compile(r"^(what|who|why|how|when|where|which|is|are|did|does)\b", re.I)),
    ("long (4+ words)", re.compile(r"^\S+(\s+\S+){3,}$")),
    ("short keywords", re.compile(r".")),
)


@dataclass(frozen=True)
class Collection:
    """Articles, topics and qrels; `measured`: the topics the table reports."""

    name: str
    articles: list[Article]
    topics: list[Topic]
    qrels: Path
    measured: list[Topic]
    tuned: list[Topic] = field(default_factory=list)

    def docno(self, article: Article) -> str:
        return article.docno or article.id


def bbc(folder: Path) -> Collection:
    corpus = folder.parents[1] / "corpora" / "bbc"
    articles = list(read_corpus(*(corpus / name for name in BBC_FOLDERS)))
    topics = read_topics(folder / "topics.tsv")
    return Collection("BBC", articles, topics, folder / "qrels.txt", topics)


def cranfield(folder: Path, work: Path) -> Collection:
    text = (folder / "cran.qry").read_text()
    parts = re.split(r"^\.I .*$", text, flags=re.MULTILINE)[1:]
    topics = [
        Topic(str(k), " ".join(part.replace(".W", " ", 1).split()))
        for k, part in enumerate(parts, start=1)
    ]
    lines = []
    for line in (folder / "cranqrel").read_text().splitlines():
        qid, docno, grade = line.split()
        if int(grade) > 0:
            lines.append(f"{qid} 0 {docno} {5 - int(grade)}")
    qrels = work / "cranqrel.txt"
    qrels.write_text("\n".join(lines) + "\n")
    articles = list(read_corpus(folder / "cran.all.1400"))
    held = [t for t in topics if int(t.qid) % 2 == 0]
    tuned = [t for t in topics if int(t.qid) % 2 == 1]
    return Collection("Cranfield", articles, topics, qrels, held, tuned)


# Ours ------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """Our ranking with some module constants changed (`module.NAME`: value; a dict
    value updates the dict) and feedback on or off."""

    name: str
    settings: dict[str, Any] = field(default_factory=dict)
    feedback: bool = SearchOptions.feedback


MODULES = {
    "schema": schema,
    "search": search,
    "parsing": parsing,
    "bm25f": bm25f,
    "feedback": feedback,
}


@contextmanager
def overridden(settings: dict[str, Any]) -> Iterator[None]:
    saved: dict[str, Any] = {}
    try:
        for name, value in settings.items():
            module, attr = name.split(".")
            current = getattr(MODULES[module], attr)
            if isinstance(current, dict):
                saved[name] = dict(current)
                current.update(value)  # other modules hold the same dict
            else:
                saved[name] = current
                setattr(MODULES[module], attr, value)
        yield
    finally:
        for name, value in saved.items():
            module, attr = name.split(".")
            current = getattr(MODULES[module], attr)
            if isinstance(current, dict):
                current.clear()
                current.update(value)
            else:
                setattr(MODULES[module], attr, value)


FEEDBACK_ROW = "without feedback" if SearchOptions.feedback else "with feedback"
VARIANTS = [
    Variant("defaults"),
    Variant(FEEDBACK_ROW, feedback=not SearchOptions.feedback),
    Variant("all terms first, every query", {"search.ALL_TERMS_FIRST_WORDS": 100}),
    Variant("all terms first up to 2 words", {"search.ALL_TERMS_FIRST_WORDS": 2}),
    Variant("questions read as plain text", {"parsing.read_query": Reading}),
    *(Variant(f"headline weight {w}", {"schema.FIELD_WEIGHTS": {"headline": w}}) for w in (2, 4)),
    *(Variant(f"quotes weight {w}", {"schema.FIELD_WEIGHTS": {"quotes": w}}) for w in (0.5, 1.5)),
    *(Variant(f"body b {b}", {"bm25f.FIELD_B": {"body": b}}) for b in (0.3, 0.75)),
    *(Variant(f"headline b {b}", {"bm25f.FIELD_B": {"headline": b}}) for b in (0.3, 1.0)),
    *(Variant(f"K1 {k}", {"bm25f.K1": k}) for k in (1.0, 1.4, 2.0)),
    Variant(
        "K1 2.0, quotes weight 1.5 (until 2026-11-30)",
        {"bm25f.K1": 2.0, "schema.FIELD_WEIGHTS": {"quotes": 1.5}},
    ),
    Variant("no drift guard", {"feedback.DOMINANCE": math.inf}, feedback=True),
    Variant("drift guard at dominance 1", {"feedback.DOMINANCE": 1.0}, feedback=True),
    *(
        Variant(f"feedback weight {w}", {"feedback.FEEDBACK_WEIGHT": w}, feedback=True)
        for w in (1.0, 2.0)
    ),
    Variant("feedback from 5 articles", {"feedback.FEEDBACK_DOCS": 5}, feedback=True),
    Variant("feedback with 15 terms", {"feedback.FEEDBACK_TERMS": 15}, feedback=True),
    Variant(
        "feedback from whole bodies",
        # The stored lead words not read: the whole body analysed at query time.
        {"schema.LEAD_CHARS": 10**9, "feedback.LEAD_WORDS_FIELD": ""},
        feedback=True,
    ),
    Variant(
        "feedback in headline and body",
        {"feedback.FIELDS": ("headline", "body")},
        feedback=True,
    ),
    Variant("feedback rescoring the best 1000", {"feedback.RESCORED": 1000}, feedback=True),
    *(
        Variant(f"feedback words in up to {s:.0%} of articles", {"feedback.COMMON_SHARE": s})
        for s in (0.3, 0.4)
    ),
    Variant("feedback words in any share of articles", {"feedback.COMMON_SHARE": 1.0}),
    Variant(
        "feedback words in any share, the best 1000 rescored (until 2026-11-30)",
        {"feedback.COMMON_SHARE": 1.0, "feedback.RESCORED": 1000},
    ),
]


def ours(ix: Index, topics: list[Topic], variant: Variant) -> list[RunRow]:
    with overridden(variant.settings):
        return ix.run(topics, limit=DEPTH, feedback=variant.feedback)


def build_ours(collection: Collection, where: Path) -> Index:
    ix = Index(where)
    ix.add(collection.articles)
    return ix


# Peers -----------------------------------------------------------------------


def porter_tokens(text: str) -> list[str]:
    return [_PORTER.stem(w) for w in _WORD.findall(text.lower())]


def bm25_peer(collection: Collection, prf: bool) -> list[RunRow]:
    """rank_bm25 Okapi (k1 1.2, b 0.75), Porter, headline twice; with `prf`, RM3:
    the query's terms and the best `PRF_TERMS` of the first `PRF_DOCS` articles'
    relevance model, mixed half and half."""
    from rank_bm25 import BM25Okapi

    docs = [porter_tokens(f"{a.headline} {a.headline} {a.body}") for a in collection.articles]
    bm25 = BM25Okapi(docs, k1=1.2, b=0.75)
    rows = []
    for topic in collection.topics:
        words = porter_tokens(topic.query)
        scores = bm25.get_scores(words)
        if prf and words:
            first = sorted(range(len(docs)), key=lambda i: -scores[i])[:PRF_DOCS]
            total = sum(max(scores[i], 0.0) for i in first) or 1.0
            model: Counter[str] = Counter()
            for i in first:
                counts = Counter(docs[i])
                for word, count in counts.items():
                    model[word] += max(scores[i], 0.0) / total * count / len(docs[i])
            best = model.most_common(PRF_TERMS)
            mass = sum(w for _, w in best) or 1.0
            weights: Counter[str] = Counter()
            for word in words:
                weights[word] += (1 - PRF_WEIGHT) / len(words)
            for word, weight in best:
                weights[word] += PRF_WEIGHT * weight / mass
            scores = sum(w * bm25.get_scores([word]) for word, w in weights.items())
        rows += _rows(collection, topic, list(scores))
    return rows


def whoosh_peer(collection: Collection, where: Path) -> list[RunRow]:
    """Whoosh as shipped: BM25F over headline and body, StemmingAnalyzer, any term."""
    from whoosh import fields, index, qparser
    from whoosh.analysis import StemmingAnalyzer

    built = fields.Schema(
        docno=fields.ID(stored=True),
        headline=fields.TEXT(analyzer=StemmingAnalyzer()),
        body=fields.TEXT(analyzer=StemmingAnalyzer()),
    )
    where.mkdir()
    ix = index.create_in(str(where), built)
    with ix.writer() as writer:
        for a in collection.articles:
            writer.add_document(docno=collection.docno(a), headline=a.headline, body=a.body)
    parser = qparser.MultifieldParser(["headline", "body"], ix.schema, group=qparser.OrGroup)
    rows = []
    with ix.searcher() as searcher:
        for topic in collection.topics:
            hits = searcher.search(parser.parse(" ".join(_WORD.findall(topic.query))), limit=DEPTH)
            rows += [
                RunRow(topic.qid, hit["docno"], rank, float(hit.score or 0.0))
                for rank, hit in enumerate(hits, start=1)
            ]
    return rows


def tantivy_peer(collection: Collection, where: Path) -> list[RunRow]:
    """tantivy: BM25 over headline and body, en_stem, any term."""
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("docno", stored=True, tokenizer_name="raw")
    builder.add_text_field("headline", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    where.mkdir()
    ix = tantivy.Index(builder.build(), path=str(where))
    writer = ix.writer()
    for a in collection.articles:
        writer.add_document(
            tantivy.Document(docno=collection.docno(a), headline=a.headline, body=a.body)
        )
    writer.commit()
    writer.wait_merging_threads()
    ix.reload()
    searcher = ix.searcher()
    rows = []
    for topic in collection.topics:
        words = _WORD.findall(topic.query.lower())
        if not words:
            continue
        found = searcher.search(ix.parse_query(" ".join(words), ["headline", "body"]), DEPTH)
        for rank, (score, address) in enumerate(found.hits, start=1):
            docno = searcher.doc(address)["docno"][0]
            rows.append(RunRow(topic.qid, docno, rank, float(score)))
    return rows


def _rows(collection: Collection, topic: Topic, scores: Sequence[float]) -> list[RunRow]:
    best = sorted(range(len(scores)), key=lambda i: -scores[i])[:DEPTH]
    return [
        RunRow(topic.qid, collection.docno(collection.articles[i]), rank, float(scores[i]))
        for rank, i in enumerate(best, start=1)
        if scores[i] > 0
    ]


# The table -------------------------------------------------------------------


def measured(rows: list[RunRow], collection: Collection, topics: list[Topic]) -> Any:
    wanted = {t.qid for t in topics}
    run = [r for r in rows if r.qid in wanted]
    return evaluate(run, collection.qrels, MEASURES, topics=topics)


def kind(topic: Topic) -> str:
    return next(name for name, pattern in KINDS if pattern.search(topic.query))


def halves(topics: list[Topic]) -> dict[str, list[Topic]]:
    """The BBC topics in two halves by a fixed rule: qid % 4 == 1 (A) and the others (B;
    the qids are all odd, so every other topic in file order)."""
    return {
        "A": [t for t in topics if int(t.qid) % 4 == 1],
        "B": [t for t in topics if int(t.qid) % 4 != 1],
    }


# The parts of the protocol: (name, nDCG@10 of a ranker's figures on that part).
PARTS = (
    ("BBC A", "half A"),
    ("BBC B", "half B"),
    ("short", "short keywords"),
    ("long", "long (4+ words)"),
    ("Cran tune", "Cran tune"),
    ("Cran held-out", "Cran held-out"),
)


def verdict(figures: dict[str, float], defaults: dict[str, float]) -> str:
    """The protocol's verdict on a ranker against the defaults: the parts where it loses
    more than TOLERANCE, or "passes"."""
    lost = [name for name, part in PARTS if figures[part] < defaults[part] - TOLERANCE]
    return "loses " + ", ".join(lost) if lost else "passes"


def main() -> None:
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        collections = [bbc(RELEVANCE / "bbc"), cranfield(RELEVANCE / "cran", work)]
        runs: dict[str, dict[str, list[RunRow]]] = {}
        for collection in collections:
            ix = build_ours(collection, work / f"ours-{collection.name}")
            for variant in VARIANTS:
                runs.setdefault(variant.name, {})[collection.name] = ours(
                    ix, collection.topics, variant
                )
                print(collection.name, variant.name, file=sys.stderr, flush=True)
            peers: dict[str, Callable[[], list[RunRow]]] = {
                "peer: BM25 + Porter (rank_bm25)": lambda c=collection: bm25_peer(c, False),
                "peer: BM25 + RM3 feedback": lambda c=collection: bm25_peer(c, True),
                "peer: Whoosh BM25F": lambda c=collection: whoosh_peer(c, work / f"w-{c.name}"),
                "peer: tantivy": lambda c=collection: tantivy_peer(c, work / f"t-{c.name}"),
            }
            for name, peer in peers.items():
                runs.setdefault(name, {})[collection.name] = peer()
                print(collection.name, name, file=sys.stderr, flush=True)
        news, cran = collections
        for name, per_collection in runs.items():
            figures[name] = _figures(
                per_collection[news.name], news, per_collection[cran.name], cran
            )
    OUTPUT.write_text(_report(figures, news.topics, cran))
    print(OUTPUT.read_text())


def _figures(
    news_run: list[RunRow], news: Collection, cran_run: list[RunRow], cran: Collection
) -> dict[str, float]:
    """A ranker's figures: each measure on BBC and on Cranfield held out, nDCG@10 on
    each half of BBC, each kind of BBC topic and Cranfield's tune half."""
    result = measured(news_run, news, news.measured)
    found = {f"BBC {m}": result.overall[m] for m in MEASURES}
    held = measured(cran_run, cran, cran.measured)
    found |= {f"Cran held-out {m}": held.overall[m] for m in MEASURES}
    found["Cran held-out"] = held.overall["nDCG@10"]
    found["Cran tune"] = measured(cran_run, cran, cran.tuned).overall["nDCG@10"]
    for half, topics in halves(news.topics).items():
        found[f"half {half}"] = measured(news_run, news, topics).overall["nDCG@10"]
    return found | _kinds(result, news.topics)


def _kinds(result: Any, topics: list[Topic]) -> dict[str, float]:
    """Mean nDCG@10 of each kind of topic."""
    values: dict[str, list[float]] = {}
    for topic in topics:
        values.setdefault(kind(topic), []).append(result.per_query[topic.qid]["nDCG@10"])
    return {name: sum(v) / len(v) for name, v in values.items()}


def _report(figures: dict[str, dict[str, float]], topics: list[Topic], cran: Collection) -> str:
    kinds = [name for name, _ in KINDS]
    counts = Counter(kind(t) for t in topics)
    head = " | ".join(f"{name} ({counts[name]})" for name in kinds)
    defaults = figures[VARIANTS[0].name]
    columns = (
        *(f"BBC {m}" for m in MEASURES),
        "half A",
        "half B",
        *(f"Cran held-out {m}" for m in MEASURES),
        "Cran tune",
    )
    lines = [
        f"| {name} | "
        + " | ".join(f"{values[c]:.3f}" for c in columns)
        + f" | {verdict(values, defaults)} |"
        for name, values in figures.items()
    ]
    kind_rows = [
        f"| {name} | " + " | ".join(f"{values.get(k, 0.0):.3f}" for k in kinds) + " |"
        for name, values in figures.items()
    ]
    parted = halves(topics)
    weights = ", ".join(f"{name} {w}" for name, w in schema.FIELD_WEIGHTS.items())
    b = ", ".join(f"{name} {value}" for name, value in bm25f.FIELD_B.items())
    return (
        f"""# Relevance: BBC news topics and Cranfield 1400

Made by `make relevance` (`python -m bench.relevance`; see its docstring). BBC: all
{len(topics)} topics, graded 0-2; half A: the {len(parted["A"])} of qid % 4 == 1, half B
the {len(parted["B"])} others. Cranfield: the {len(cran.measured)} even-numbered queries,
held out (Cran tune: the {len(cran.tuned)} odd-numbered ones), Cleverdon's grades 1..4
turned to 4..1. Each variant changes one thing (or a few together) against the
defaults: BM25F with `K1` {bm25f.K1}, weights ({weights}), `b` ({b}), all terms first
for queries of up to {search.ALL_TERMS_FIRST_WORDS} words, feedback
{"on" if SearchOptions.feedback else "off"} ({feedback.FEEDBACK_DOCS} articles,
{feedback.FEEDBACK_TERMS} terms, weight {feedback.FEEDBACK_WEIGHT}, {schema.LEAD_CHARS}
characters of each body, no word in more than {feedback.COMMON_SHARE:.0%} of the
articles, the best {feedback.RESCORED} rescored; the row "{FEEDBACK_ROW}" ranks
{"without it: BM25F alone" if SearchOptions.feedback else "with it"}). Peers rank the
same articles in the same run, topics read as text (any word matches). "protocol": the
parts (BBC halves, short and long topics, Cranfield's halves) where a ranker loses more
than {TOLERANCE} nDCG@10 against the defaults, or "passes" (bench/relevance.py's
docstring).

| ranker | BBC nDCG@10 | MAP | P@10 | half A | half B | Cran held-out nDCG@10 | MAP | P@10 \
| Cran tune nDCG@10 | protocol |
|---|---|---|---|---|---|---|---|---|---|---|
"""
        + "\n".join(lines)
        + f"""

BBC nDCG@10 by kind of topic (a question and a quote search are one topic each):

| ranker | {head} |
|---|{"---|" * len(kinds)}
"""
        + "\n".join(kind_rows)
        + "\n"
        + NOTES
    )


NOTES = """
Notes:
- The peers land on the reference figures of ../shared/relevance/README.md (BM25 + Porter
  0.831, Whoosh BM25F 0.822, tantivy 0.831) except BM25 + RM3 feedback, 0.853 against
  0.861: this peer mixes the query's words and the 15 expansion words half and half, the
  expansion words weighed by the top 10 articles' relevance model alone, over rank_bm25's
  per-word scores; how the reference run mixed and weighed them is not recorded.
- Feedback rescores the best 100 (`feedback.RESCORED`, 1000 until 2026-11-30) and leaves
  out of its expansion the words in more than 35% of the articles (`COMMON_SHARE`):
  stopwords in effect in news ("said", in 41% of the benchmark's four corpora), and the
  longest postings to read. Together they ranked as well as before by the protocol (BBC
  nDCG@10 0.902 both, Cranfield held-out 0.402 -> 0.398, tune 0.417 -> 0.419) and
  cut feedback's warm CPU on those four corpora from p50/p95 10.9/24.5 ms to 9.1/17.1
  (BM25F alone 6.0/12.2, plain Whoosh 8.3/18.1), and at x4 from 29.3/56.3 to 24.3/50.1
  (BM25F alone 19.4/55.5, plain Whoosh 16.9/61.1; bench/queries.py, interleaved in one
  process). The ceiling alone saves little once 100 are rescored (x1 p95 18.0 -> 17.1 ms,
  x4 p50 25.1 -> 24.3, p95 49.2 -> 50.1: noise), and at 20% or 30% it loses more than
  the tolerance on Cranfield's held-out half against the defaults until 2026-11-30 (the
  last row), whose common words are the subject's ("boundary" in 33% of its articles,
  "theory" 31%): 35% is the lowest share that passed.
- Feedback is on by default: it helps on both collections and on every kind of topic, and
  costs about 5% more warm CPU than the earlier default without it on BBC (warm,
  process_time over bench/queries.py, machine shared: p50 4.57 -> 4.79 ms; plain Whoosh
  ~7.5 ms); on the benchmark's four corpora (50,248 articles, machine quiet, one script
  run) the defaults take p50/p95 8.4/15.3 ms against 5.5/10.8 for BM25F alone (plain
  Whoosh 7.9/17.5), since feedback rescores the best 100 once a search, scoring only the
  words it adds (until 2026-11-30: the best 1,000 and every term, 15.9/35.6 against
  6.9/14.7), with its lead words kept at indexing and the per-reader rarities and length
  scales; an earlier version cost twice a query (4.4 -> 8.6 ms). Its expansion weighs
  FEEDBACK_WEIGHT times the query, scaled by how much of the query's rarity the best
  articles hold, so a rare word keeps its article first ("CSTO troops" on the reference
  index); before that it weighed up to fifteen times a query word and ranked three
  articles about troops first.
- K1 1.2 and the quotes weight 1.0 (until 2026-11-30: 2.0 and 1.5) pass the protocol
  together: they gain on both BBC halves and on short and long topics, lose 0.004 on
  Cranfield's tune half (within the tolerance) and nothing on its held-out half. Without
  feedback they rank worse than the old constants did without it (BBC 0.853 against
  0.860, Cranfield held-out 0.380 against 0.387): the gain comes with feedback, the default.
- Term proximity was tried and dropped (a prototype outside the product, never in the
  table): pairs of adjacent query words within 8 words of each other (unordered; ordered
  and windows of 4 or 16 did no better), scored as a BM25-like feature, weight times the
  pair's lesser IDF times f / (K1 + f), added to the best 100 of the ranking. From the
  headline and lead words feedback already reads (the lead_words column), it costs p50/p95
  1.1/1.3 ms a query at x1 (100 articles, bench/queries.py, machine shared) but loses on a
  part at every weight: with the defaults, weight 0.1 BBC 0.898 (half B 0.882 against
  0.892), 0.25 0.898 (long topics 0.920 against 0.936), and Cranfield held-out falls
  (0.399, 0.398). From the headline and body positions in the postings it costs 2.6/5.7 ms
  (1.7/3.2 for the best 20) and loses too: weight 0.1 BBC 0.897 (long 0.925), 0.25 0.888.
- Drift guards that lose on the protocol (measured against K1 2.0, quotes 1.5: BBC 0.890,
  Cranfield tune 0.420): no article lacking the query's rarest word rising above one
  holding it with a higher first score, for every query, BBC 0.882 (half A 0.877 against
  0.894) and Cranfield tune 0.405; the expansion of each article scaled by the share of
  the query's rarity it holds, BBC 0.883, Cranfield held-out 0.392 and tune 0.406. The
  guard kept applies only where one word's IDF is at least twice the others' together
  (`feedback.DOMINANCE`), as "CSTO" is in "CSTO troops", and changes nothing here.
- A coordination factor (score times the share of the query's words an article holds,
  to the power 0.3 or 1) ranked worse on both collections in the tuning runs (BBC 0.856 /
  0.851 against 0.862, Cranfield held-out 0.381 / 0.358 against 0.387) and was dropped.
"""


if __name__ == "__main__":
    main()
