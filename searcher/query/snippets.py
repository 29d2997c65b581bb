"""Snippets: what a query marks in an article, and the fragments of its text that show it.

Parts:
- `marked_terms()`: a query's `FieldMarks`, field by field: its words, marked wherever
  they occur, and its phrases, whose words are marked only where they stand as the phrase
  query matches them (each word 1 to `slop` positions after the one before).
- `body_characters()`: the (position, start, end) of the marked words in the bodies of a
  page of hits, read from the character offsets the body's postings keep, each word's
  postings once a segment: no body is re-tokenised.
- `matched_spans()`: the character ranges of a field's matches, from such occurrences;
  `text_spans()` finds them in a short text (a headline) by re-tokenising it.
- `snippets()`: up to `MAX_SNIPPETS` disjoint fragments of the body around its matches,
  the best-scoring clusters of matches, in the order of the text; failing that the
  captions when they hold a match, failing that the article's lead (a match only in the
  headline is marked there, in `Hit.headline_spans`).

The result is data (`Snippet`: text plus the character spans of the matches inside it);
rendering it is someone else's job.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query
from whoosh.searching import Searcher

from searcher.models import Snippet, Span
from searcher.whoosh_internals import term_values

MAX_SNIPPETS = 3
SNIPPET_CHARS = 240  # the most text a cluster of matches spans
SNIPPET_CONTEXT = 70  # characters shown on each side of a cluster
MAX_JOINED = SNIPPET_CHARS + 2 * SNIPPET_CONTEXT  # the longest fragment made of two
LEAD_CHARS = 200

_SPACE = re.compile(r"\s+")
_SENTENCE_END = frozenset('.!?"”')

Occurrence = tuple[int, int, int]  # (position, start character, end character)
Occurrences = Mapping[str, Sequence[Occurrence]]  # indexed word -> its occurrences
Snippets = tuple[Snippet, ...]


@dataclass(frozen=True)
class PhraseMark:
    """A phrase of a query: its indexed words, each 1 to `slop` positions after the last."""

    words: tuple[str, ...]
    slop: int = 1


@dataclass(frozen=True)
class FieldMarks:
    """What a query marks in one field: `words` wherever they are, `phrases` where the
    phrase is."""

    words: frozenset[str] = frozenset()
    phrases: frozenset[PhraseMark] = frozenset()

    @property
    def terms(self) -> frozenset[str]:
        """Every indexed word whose occurrences may be marked."""
        return self.words.union(*(phrase.words for phrase in self.phrases))

    def __or__(self, other: FieldMarks) -> FieldMarks:
        return FieldMarks(self.words | other.words, self.phrases | other.phrases)


Marks = Mapping[str, FieldMarks]  # field -> what is marked in it
NO_MARKS = FieldMarks()


def marked_terms(q: query.Query) -> dict[str, FieldMarks]:
    """{field: marks} of what `q` looks for, what it excludes left out."""
    words: dict[str, set[str]] = {}
    phrases: dict[str, set[PhraseMark]] = {}
    for leaf in _wanted_leaves(q):
        if isinstance(leaf, query.Phrase):
            mark = PhraseMark(tuple(leaf.words), leaf.slop)
            phrases.setdefault(leaf.fieldname, set()).add(mark)
        elif leaf.has_terms():
            for field, word in leaf.terms():
                words.setdefault(field, set()).add(word)
    return {
        field: FieldMarks(frozenset(words.get(field, ())), frozenset(phrases.get(field, ())))
        for field in words.keys() | phrases.keys()
    }


def body_marks(marks: Marks) -> FieldMarks:
    """What is marked in a body: its own marks and the quotes' (quotes are body text)."""
    return marks.get("body", NO_MARKS) | marks.get("quotes", NO_MARKS)


def _wanted_leaves(q: query.Query) -> Iterator[query.Query]:
    if isinstance(q, query.Not):
        return
    if isinstance(q, query.AndNot):
        yield from _wanted_leaves(q.a)
    elif q.is_leaf():
        yield q
    else:
        for child in q.children():
            yield from _wanted_leaves(child)


def matched_spans(occurrences: Occurrences, marks: FieldMarks) -> list[tuple[int, int, str]]:
    """(start, end, word) of the matches in a field, in text order: every occurrence of a
    marked word, and the words of each full occurrence of a marked phrase."""
    wanted: list[tuple[str, Container[int] | None]] = [(word, None) for word in marks.words]
    for phrase in marks.phrases:
        at = _phrase_positions(phrase, occurrences)
        wanted += [(word, at) for word in set(phrase.words) if at]
    found: dict[int, tuple[int, int, str]] = {}  # start -> the longest match there
    for word, positions in wanted:
        for pos, start, end in occurrences.get(word, ()):
            kept = found.get(start)
            if (positions is None or pos in positions) and (kept is None or end > kept[1]):
                found[start] = (start, end, word)
    return sorted(found.values())


def _phrase_positions(phrase: PhraseMark, occurrences: Occurrences) -> set[int]:
    """The positions of the words of every occurrence of `phrase`, as Whoosh's phrase
    query matches it (`SpanNear2`, ordered): each word 1 to `slop` positions after the
    word before it."""
    if not phrase.words:
        return set()
    chain = [sorted({pos for pos, _, _ in occurrences.get(w, ())}) for w in phrase.words]
    reached = [chain[0]]  # word k's positions that follow a run of the words before it
    for positions in chain[1:]:
        before = reached[-1]
        reached.append([p for p in positions if _any_within(before, p - phrase.slop, p - 1)])
    kept = set(reached[-1])
    ahead = reached[-1]  # of those, the ones that lead on to the phrase's last word
    for positions in reversed(reached[:-1]):
        ahead = [p for p in positions if _any_within(ahead, p + 1, p + phrase.slop)]
        kept.update(ahead)
    return kept


def _any_within(ordered: Sequence[int], low: int, high: int) -> bool:
    """True if the sorted `ordered` holds a value from `low` to `high`."""
    i = bisect_left(ordered, low)
    return i < len(ordered) and ordered[i] <= high


def text_spans(analyzer: Any, text: str, marks: FieldMarks) -> list[tuple[int, int, str]]:
    """`matched_spans` of a short text (a headline, captions), re-tokenised by the
    field's `analyzer`."""
    terms = marks.terms
    if not terms:
        return []
    occurrences: dict[str, list[Occurrence]] = {}
    for token in analyzer(text, positions=True, chars=True):
        if token.text in terms:
            occurrences.setdefault(token.text, []).append(
                (token.pos, token.startchar, token.endchar)
            )
    return matched_spans(occurrences, marks)


def body_characters(
    searcher: Searcher, docnums: Iterable[int], words: Iterable[str]
) -> dict[int, dict[str, Any]]:
    """{document: {word: (position, start, end) of each occurrence}} of `words` in the
    body of `docnums`, each word's postings read once a segment."""
    found: dict[int, dict[str, Any]] = {docnum: {} for docnum in docnums}
    ordered = sorted(found)
    field = searcher.schema["body"]
    decode = field.format.decoder("characters")
    for reader, offset in searcher.reader().leaf_readers():
        local = [d - offset for d in ordered if offset <= d < offset + reader.doc_count_all()]
        for word in words if local else ():
            values = term_values(reader, "body", field.to_bytes(word), local)
            for docnum, value in values.items():
                found[docnum + offset][word] = decode(value)
    return found


def snippets(
    searcher: Searcher,
    docnum: int,
    stored: dict[str, Any],
    marks: Marks,
    characters: Occurrences | None = None,
) -> Snippets:
    """Up to `MAX_SNIPPETS` fragments of the body around its matches; when only the
    captions hold matches, the captions; failing both, the article's lead.

    The body's matches come from the character offsets its postings keep for this
    document (`characters`, else read here); the captions are re-tokenised."""
    body = stored.get("body", "")
    if body:
        wanted = body_marks(marks)
        if characters is None:
            characters = body_characters(searcher, [docnum], wanted.terms)[docnum]
        found = _fragments(body, matched_spans(characters, wanted))
        if found:
            return found
    captions = stored.get("captions", "")
    if captions:
        analyzer = searcher.schema["captions"].analyzer
        matches = text_spans(analyzer, captions, marks.get("captions", NO_MARKS))
        if matches:
            return (_snippet(captions, 0, len(captions), matches),)
    return (_lead(body),) if body.strip() else ()


def _fragments(text: str, matches: list[tuple[int, int, str]]) -> Snippets:
    """The best clusters of `matches` (most matches times most distinct words, as
    Whoosh's `BasicFragmentScorer` scores them) with their context, in the order of the
    text and disjoint: windows that overlap or touch are joined, or, when that would make
    one longer than `MAX_JOINED`, cut apart at a space between their matches."""
    clusters = _clusters(matches)
    best = sorted(clusters, key=lambda c: (-len(c) * len({w for _, _, w in c}), c[0][0]))
    windows: list[list[int]] = []  # [start, end, first match's start, last match's end]
    for cluster in sorted(best[:MAX_SNIPPETS]):
        first, last = cluster[0][0], cluster[-1][1]
        start, end = _window(text, first, last)
        if windows and not text[windows[-1][1] : start].strip():
            before = windows[-1]
            cut = _middle_space(text, before[3], first)
            if cut is None or end - before[0] <= MAX_JOINED:
                before[1], before[3] = end, last
                continue
            before[1], start = min(before[1], cut[0]), max(start, cut[1])
        windows.append([start, end, first, last])
    return tuple(_snippet(text, start, end, matches) for start, end, _, _ in windows)


def _middle_space(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The run of whitespace between `start` and `end` nearest their middle, after the
    end of a sentence if one ends there; None if there is no whitespace."""
    middle = (start + end) / 2
    gaps = [gap.span() for gap in _SPACE.finditer(text, start, end)]
    sentence_ends = [gap for gap in gaps if text[gap[0] - 1] in _SENTENCE_END]
    return min(sentence_ends or gaps, key=lambda gap: abs(sum(gap) / 2 - middle), default=None)


def _clusters(matches: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Runs of matches each within `SNIPPET_CONTEXT` characters of the one before, at
    most `SNIPPET_CHARS` from the run's first character (as Whoosh's
    `PinpointFragmenter` groups them)."""
    clusters: list[list[tuple[int, int, str]]] = []
    for match in matches:
        run = clusters[-1] if clusters else None
        if (
            run
            and match[1] - run[-1][1] <= SNIPPET_CONTEXT
            and match[1] - run[0][0] <= SNIPPET_CHARS
        ):
            run.append(match)
        else:
            clusters.append([match])
    return clusters


def _window(text: str, first: int, last: int) -> tuple[int, int]:
    """The characters from `first` to `last` with `SNIPPET_CONTEXT` more on each side,
    cut at whole words (never inside the matches)."""
    start, end = max(0, first - SNIPPET_CONTEXT), min(len(text), last + SNIPPET_CONTEXT)
    if start > 0 and not text[start - 1].isspace():  # inside a word: skip to the next
        gap = _SPACE.search(text, start, first)
        start = gap.end() if gap else first
    if end < len(text) and not text[end].isspace():  # inside a word: back to the last
        gaps = list(_SPACE.finditer(text, last, end))
        end = gaps[-1].start() if gaps else last
    while start < first and text[start].isspace():
        start += 1
    while end > last and text[end - 1].isspace():
        end -= 1
    return start, end


def _snippet(text: str, start: int, end: int, matches: list[tuple[int, int, str]]) -> Snippet:
    """The text from `start` to `end` on one line, "…" where the text goes on, with the
    spans of the matches inside it."""
    parts = ["… "] if text[:start].strip() else []
    length = len(parts[0]) if parts else 0
    spans: list[Span] = []
    cursor = start
    for match_start, match_end, _ in matches:
        if match_start < cursor or match_end > end:
            continue
        between = _SPACE.sub(" ", text[cursor:match_start])
        word = text[match_start:match_end]
        parts += [between, word]
        spans.append((length + len(between), length + len(between) + len(word)))
        length += len(between) + len(word)
        cursor = match_end
    parts.append(_SPACE.sub(" ", text[cursor:end]))
    if text[end:].strip():
        parts.append(" …")
    return Snippet(text="".join(parts), spans=tuple(spans))


def _lead(body: str) -> Snippet:
    """The start of the article, up to `LEAD_CHARS`, cut at a whole word."""
    start = len(body) - len(body.lstrip())
    end = min(len(body), start + LEAD_CHARS)
    if end < len(body) and not body[end].isspace():
        gaps = list(_SPACE.finditer(body, start, end))
        end = gaps[-1].start() if gaps else end
    return _snippet(body, start, end, [])
