"""Query reading: what a query's words are, before the parser reads its syntax.

- A query typed all in capitals ("BUDDHIST MONKS IN SOUTH VIET NAM AND WHAT THEY SEEK")
  is text: its AND, OR and NOT are words, as are brackets and quotes in it
  (`querycheck.as_text`). Operators are operators in a query with lower-case letters.
- A question ("what did Tony Blair say about Iraq", "who said ...", "what has X said on
  Y", "why is the dollar so weak") is its content: the question words, and the verbs of
  saying, are not searched. In a "what did X say about Y" question X is a speaker too:
  articles quoting X score more (see `Reading.speaker`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh import query

from searcher.query.syntax import OPERATORS, as_text
from searcher.stopwords import STOP_WORDS
from searcher.store.analysis import name_analyzer

_LETTERS = re.compile(r"[^\W\d_]")
_WORDS = r"(?:say|says|said|saying|think|thinks|thought|tell|told|mean|means|meant|claim|claimed)"
_ABOUT = r"(?:about|on|of|over|regarding|concerning)"
# "what did X say about Y", "what has X said on Y", "what X said about Y"
_SPEAKER_QUESTION = re.compile(
    rf"^\s*(?:what|how)\s+(?:(?:did|does|do|has|have|had|is|was)\s+)?(?P<speaker>.+?)\s+"
    rf"(?:(?:been|really)\s+)?{_WORDS}\b(?:\s+{_ABOUT}\b(?P<topic>.*?))?\s*[?.!]*\s*$",
    re.IGNORECASE | re.DOTALL,
)
# "who said ...": the rest is what was said.
_WHO_SAID = re.compile(
    rf"^\s*who\s+(?:(?:has|have|had|did|is|was)\s+)?{_WORDS}\b(?:\s+{_ABOUT}\b)?(?P<topic>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_QUESTION_START = re.compile(
    r"^\s*(?:what|who|whom|whose|why|how|when|where|which|did|does|do|is|are|was|were|has|"
    r"have|will|can)\b",
    re.IGNORECASE,
)
# Words that are no content in a question (most question words are stop words anyway).
_NOT_CONTENT = re.compile(rf"\b{_WORDS}\b", re.IGNORECASE)


@dataclass(frozen=True)
class Reading:
    """A query as read: the text to parse, and the speaker a question names (or "")."""

    text: str
    speaker: str = ""

    def speaker_query(self) -> query.Query | None:
        """Any word of the speaker's name in the speakers field (None: no speaker)."""
        words = [token.text for token in name_analyzer()(self.speaker)]
        terms = [query.Term("speakers", word) for word in dict.fromkeys(words)]
        return query.Or(terms) if terms else None


def read_query(text: str) -> Reading:
    """`text` as the query parser should read it: see the module docstring."""
    if shouted(text):
        text = as_text(text)
    asked = _SPEAKER_QUESTION.match(text)
    speaker = asked.group("speaker").strip() if asked else ""
    if asked and any(token.text not in STOP_WORDS for token in name_analyzer()(speaker)):
        topic = (asked.group("topic") or "").strip()
        return Reading(f"{speaker} {topic}".strip(), speaker)
    who = _WHO_SAID.match(text)
    if who and who.group("topic").strip():
        return Reading(who.group("topic").strip())
    if _QUESTION_START.match(text):
        content = " ".join(_NOT_CONTENT.sub(" ", text).split())
        return Reading(content or text)
    return Reading(text)


def shouted(text: str) -> bool:
    """True for a query whose letters are all capitals, beyond its operators: a topic or
    question typed in capitals, read as text."""
    words = [w for w in text.split() if w not in OPERATORS and _LETTERS.search(w)]
    return bool(words) and all(w == w.upper() for w in words)
