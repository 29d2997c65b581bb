"""Relevance evaluation: topics in, TREC run files out, measures from qrels.

Parts:
- `read_topics()`: test queries from a TSV file (`qid<TAB>query`) or a TREC topic file
  (`<top> <num> Number: 51 <title> ...`), told apart by content.
- `write_run()`: a run in TREC format, `qid Q0 docno rank score run_id`, one line a row.
- `evaluate()`: the measures of a run against TREC qrels (`qid 0 docno grade`, graded
  allowed), computed by ir-measures (the `eval` extra). Each measure is the mean over the
  judged topics that were run; a judged topic with no results counts as 0, as `trec_eval -c`.

Runs themselves come from `Index.run(topics)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from searcher.errors import BadInputError, MissingDependencyError
from searcher.models import Evaluation, RunRow, Topic

DEFAULT_MEASURES = ("AP", "nDCG@10", "P@10", "R@100", "RR")
DEFAULT_RUN_ID = "searcher"

TOPICS_HINT = "Topics are TSV lines 'qid<TAB>query' or TREC <top> blocks with <num> and <title>."
QRELS_HINT = "Qrels are TREC lines 'qid 0 docno grade'."
MEASURES_HINT = "Name measures as ir-measures does: AP, nDCG@10, P@10, R@100, RR, P@5, ..."

_TREC_TOPIC = re.compile(r"<top>(.*?)</top>", re.DOTALL | re.IGNORECASE)
_NUM = re.compile(r"<num>\s*(?:Number:)?\s*([^\s<]+)", re.IGNORECASE)
_TITLE = re.compile(r"<title>\s*(?:Topic:)?(.*?)(?=<[a-z/]|\Z)", re.DOTALL | re.IGNORECASE)


def read_topics(path: str | Path) -> list[Topic]:
    """The topics in a TSV or TREC topic file; `BadInputError` when there are none or a
    line is malformed."""
    text = _read(path, "topics", TOPICS_HINT)
    topics = _trec_topics(text, path) if "<top>" in text.lower() else _tsv_topics(text, path)
    if not topics:
        raise BadInputError(f"{path}: no topics found", TOPICS_HINT)
    return topics


def _tsv_topics(text: str, path: str | Path) -> list[Topic]:
    topics = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        qid, tab, query = line.partition("\t")
        if not (tab and qid.strip() and query.strip()):
            raise BadInputError(
                f"{path}:{number}: expected 'qid<TAB>query', got {line!r}", TOPICS_HINT
            )
        topics.append(Topic(qid.strip(), " ".join(query.split())))
    return topics


def _trec_topics(text: str, path: str | Path) -> list[Topic]:
    topics = []
    for block in _TREC_TOPIC.finditer(text):
        num, title = _NUM.search(block.group(1)), _TITLE.search(block.group(1))
        if not (num and title and title.group(1).strip()):
            line = text.count("\n", 0, block.start()) + 1
            raise BadInputError(f"{path}:{line}: a <top> without <num> or <title>", TOPICS_HINT)
        topics.append(Topic(num.group(1), " ".join(title.group(1).split())))
    return topics


def write_run(rows: Iterable[RunRow], out: IO[str], run_id: str = DEFAULT_RUN_ID) -> None:
    """Write `rows` in TREC run format."""
    for row in rows:
        out.write(f"{row.qid} Q0 {row.docno} {row.rank} {row.score:.4f} {run_id}\n")


def evaluate(
    rows: Sequence[RunRow],
    qrels: str | Path,
    measures: Sequence[str] = DEFAULT_MEASURES,
    topics: Iterable[Topic] | None = None,
) -> Evaluation:
    """Score a run against the qrels file. `topics` are the queries that were run (the
    run's own qids when None); only those with judgments are scored."""
    ir_measures = _ir_measures()
    parsed = [_measure(ir_measures, name) for name in measures]
    judgments = _qrels(ir_measures, qrels)
    run_qids = {t.qid for t in topics} if topics is not None else {r.qid for r in rows}
    judged = sorted(run_qids & {q.query_id for q in judgments}, key=_natural)
    names = tuple(str(m) for m in parsed)
    per_query = {qid: dict.fromkeys(names, 0.0) for qid in judged}
    run = [ir_measures.ScoredDoc(r.qid, r.docno, r.score) for r in rows if r.qid in per_query]
    for metric in ir_measures.iter_calc(parsed, judgments, run):
        if metric.query_id in per_query:
            per_query[metric.query_id][str(metric.measure)] = float(metric.value)
    overall = {
        name: sum(values[name] for values in per_query.values()) / len(per_query)
        if per_query
        else 0.0
        for name in names
    }
    return Evaluation(measures=names, overall=overall, per_query=per_query)


def check_measures(measures: Sequence[str]) -> None:
    """Raise `BadInputError` for a measure name ir-measures does not know, before a run
    spends time on the topics."""
    ir_measures = _ir_measures()
    for name in measures:
        _measure(ir_measures, name)


def _ir_measures() -> Any:
    try:
        import ir_measures
    except ImportError:
        raise MissingDependencyError(
            "Evaluation needs the ir-measures package", "ir-measures", "eval"
        ) from None
    return ir_measures


def _measure(ir_measures: Any, name: str) -> Any:
    try:
        return ir_measures.parse_measure(name)
    except (NameError, ValueError, SyntaxError):
        raise BadInputError(f"unknown measure {name!r}", MEASURES_HINT) from None


def _qrels(ir_measures: Any, path: str | Path) -> list[Any]:
    judgments = []
    for number, line in enumerate(_read(path, "qrels", QRELS_HINT).splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 4 or not re.fullmatch(r"-?\d+", fields[3]):
            raise BadInputError(
                f"{path}:{number}: expected 'qid iter docno grade', got {line!r}", QRELS_HINT
            )
        judgments.append(ir_measures.Qrel(fields[0], fields[2], int(fields[3])))
    if not judgments:
        raise BadInputError(f"{path}: no judgments found", QRELS_HINT)
    return judgments


def _read(path: str | Path, what: str, hint: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise BadInputError(f"cannot read {what} file {path}: {reason}", hint) from None


def _natural(qid: str) -> tuple[int, int | str]:
    """Numeric ids in numeric order, then the others."""
    return (0, int(qid)) if qid.isdigit() else (1, qid)
