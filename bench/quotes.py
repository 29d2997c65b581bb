"""Quote extraction and speaker attribution against the hand-annotated gold set.

    python -m bench.quotes [--gold ../shared/quotes/gold.jsonl] [--corpus ../shared/corpora/bbc]

Every article of the gold set is read as the indexer reads it and its quotes extracted with
`searcher.quotes.extract_quotes`; the result is scored as ../shared/quotes/README.md says:

- a gold quote is **found** when an extracted quote's first words match its `start` (the
  first four words, or all of them when `start` has fewer, lower case, punctuation
  stripped); each extracted quote matches at most one gold entry, the first in text order;
- a found quote's **speaker is right** when the gold speaker's last word (surname, or an
  organisation's last word) is one of the extracted speaker's words, case-insensitively;
  a role speaker (a lower-case description, "a Delta spokesperson") when all its key words
  (the words other than articles and prepositions) are; a quote the article attributes to
  no one when the extracted speaker is empty. Roles and unattributed quotes are counted
  together ("roles and organisations" in issue 15: the ones with no person's name);
- a `not_quote` (title, slogan) is **taken** when an extracted quote matches it;
- **extra spans**: extracted quotes matching no gold entry, as a share of those extracted.

Then the misses: article, the quote's first words, gold speaker against ours.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from searcher import read_corpus
from searcher.enrich.quotes import extract_quotes
from searcher.models import Quote

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "quotes" / "gold.jsonl"
BBC = ROOT.parent / "shared" / "corpora" / "bbc"
START_WORDS = 4
_WORD_RE = re.compile(r"\w+(?:['’-]\w+)*")
_FUNCTION_WORDS = frozenset(("a", "an", "the", "of", "for", "from", "at", "in", "on", "to", "and"))


def words(text: str) -> list[str]:
    """Lower-case words, punctuation stripped."""
    return _WORD_RE.findall(text.lower())


def starts_alike(gold_start: str, text: str) -> bool:
    """Does extracted `text` open with the first words of `gold_start`?"""
    wanted = words(gold_start)[:START_WORDS]
    return bool(wanted) and words(text)[: len(wanted)] == wanted


def is_role(speaker: str) -> bool:
    """A role as a lower-case description ("a Delta spokesperson"), not a name."""
    return speaker[:1].islower()


def speaker_right(gold: str | None, ours: str) -> bool:
    """The issue's scoring: surname / last word for names, key words for roles."""
    found = set(words(ours))
    if not gold:
        return not ours
    if is_role(gold):
        return all(w in found for w in words(gold) if w not in _FUNCTION_WORDS)
    return words(gold)[-1] in found


@dataclass
class Score:
    """Counts over the gold set, and the lines listing every miss."""

    found: int = 0
    quotes: int = 0
    named_right: int = 0
    named: int = 0
    roles_right: int = 0
    roles: int = 0
    not_quotes_taken: int = 0
    not_quotes: int = 0
    extracted: int = 0
    extra: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, path: str, gold: Sequence[dict[str, str | None]], ours: Sequence[Quote]) -> None:
        """Score one article: `gold` entries against the extracted `ours`."""
        used = [False] * len(ours)
        self.extracted += len(ours)
        for entry in gold:
            start = (entry["start"] or "").strip()
            k = next(
                (k for k, q in enumerate(ours) if not used[k] and starts_alike(start, q.text)), -1
            )
            if k >= 0:
                used[k] = True
            mine = ours[k] if k >= 0 else None
            if entry["kind"] == "not_quote":
                self.not_quotes += 1
                if mine is not None:
                    self.not_quotes_taken += 1
                    self.misses.append(f"{path}  not a quote, taken: {start!r}")
                continue
            self.quotes += 1
            gold_speaker = entry["speaker"]
            named = bool(gold_speaker) and not is_role(gold_speaker or "")
            self.named += named
            self.roles += not named
            if mine is None:
                self.misses.append(f"{path}  not found: {start!r} (gold {gold_speaker})")
                continue
            self.found += 1
            if speaker_right(gold_speaker, mine.speaker):
                self.named_right += named
                self.roles_right += not named
            else:
                self.misses.append(
                    f"{path}  {start[:40]!r}: gold {gold_speaker!r}, ours {mine.speaker!r}"
                )
        for k, quote in enumerate(ours):
            if not used[k]:
                self.extra += 1
                self.misses.append(f"{path}  extra span: {quote.text[:50]!r} ({quote.speaker!r})")

    def lines(self) -> Iterable[str]:
        """The measures, then the misses."""
        yield _measure("quotes found", self.found, self.quotes)
        yield _measure("named speakers right", self.named_right, self.named)
        yield _measure("roles and orgs right", self.roles_right, self.roles)
        yield f"{'not-quotes taken':24}{self.not_quotes_taken}/{self.not_quotes}"
        yield _measure("extra spans", self.extra, self.extracted)
        if self.misses:
            yield ""
            yield f"misses ({len(self.misses)}):"
            yield from (f"  {line}" for line in self.misses)


def _measure(label: str, part: int, whole: int) -> str:
    share = f"{part / whole:.3f}" if whole else "n/a"
    return f"{label:24}{part}/{whole} = {share}"


def score(gold_path: Path, corpus: Path) -> Score:
    """Extract the quotes of every gold article under `corpus` and score them."""
    result = Score()
    for line in gold_path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        (article,) = read_corpus(corpus / record["path"])
        result.add(record["path"], record["quotes"], extract_quotes(article.body))
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--corpus", type=Path, default=BBC)
    args = parser.parse_args(argv)
    for line in score(args.gold, args.corpus).lines():
        print(line)


if __name__ == "__main__":
    main()
