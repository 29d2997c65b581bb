"""Finding quoted spans: the mark scanner and the body with its quoted words blanked out.

The scanner pairs the marks of each paragraph (nesting, apostrophes, quotes reopened after a
sentence end or over a paragraph break); `_text_span` joins a quote's segments and `_masked`
hides quoted words from the cue search. The rules are in `searcher.enrich.quotes`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from searcher.enrich.quote_words import _FAMILY, _QUOTING_RE, _SENTENCE_PUNCT

_BREAK_RE = re.compile(r"\n[^\S\n]*\n\s*")
_REOPENERS = {"d": '“"', "g": "«"}
_OPEN, _CLOSE, _WEAK_CLOSE, _EITHER, _SKIP = range(5)
_BEFORE_OPEN = frozenset("([{—–-/“‘«\"'")
_AFTER_CLOSE = frozenset(".,;:!?)]}—–-…”’»\"'")


@dataclass(frozen=True)
class _Raw:
    """A top-level quote as the scanner found it, before trimming and attribution."""

    segments: tuple[tuple[int, int, int], ...]  # (content start, content end, paragraph)
    close_end: int  # just after the closing mark; -1 when the quote was never closed


@dataclass
class _Frame:
    """An open quote on the scanner's stack."""

    family: str
    start: int  # content start of the current segment
    segments: list[tuple[int, int, int]] = field(default_factory=list)
    inner: list[_Raw] = field(default_factory=list)  # closed quotes nested in this one


def _paragraphs(body: str) -> list[tuple[int, int]]:
    spans, start = [], len(body) - len(body.lstrip())
    for m in _BREAK_RE.finditer(body, start):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(body)))
    return [(lo, hi) for lo, hi in spans if lo < hi]


def _role(body: str, i: int, lo: int, hi: int) -> int:
    """What the mark at `i` does, judged from its neighbours inside the paragraph [lo, hi)."""
    mark = body[i]
    if mark in "“«":
        return _OPEN
    if mark in "”»":
        return _CLOSE
    before = body[i - 1] if i > lo else " "
    after = body[i + 1] if i + 1 < hi else " "
    opens = before.isspace() or before in _BEFORE_OPEN
    closes = after.isspace() or after in _AFTER_CLOSE
    if mark == '"':
        if opens == closes:
            return _EITHER
        return _OPEN if opens else _CLOSE
    if before.isalnum() and after.isalnum():
        return _SKIP  # an apostrophe: don’t, Kazakhstan’s
    if mark == "‘":
        return _SKIP if after.isspace() else _OPEN
    if opens and after.isalpha():
        return _OPEN if mark == "'" else _SKIP  # ’ before a word is an elision: ’til
    if closes and not before.isspace():
        return _WEAK_CLOSE if before.isalnum() and after.isspace() else _CLOSE
    return _SKIP


def _strong_close_ahead(body: str, marks: list[int], roles: list[int]) -> list[bool]:
    """For each mark: does a strong closing single quote follow before the next opening one?"""
    ahead, seen = [False] * len(marks), False
    for k in range(len(marks) - 1, -1, -1):
        ahead[k] = seen
        if _FAMILY[body[marks[k]]] == "s" and roles[k] in (_OPEN, _CLOSE):
            seen = roles[k] == _CLOSE
    return ahead


def _last_char(body: str, lo: int, hi: int) -> str:
    while hi > lo and body[hi - 1].isspace():
        hi -= 1
    return body[hi - 1] if hi > lo else ""


def _drop(frame: _Frame, stack: list[_Frame], found: list[_Raw]) -> None:
    """Forget an unclosed quote; the closed quotes nested in it move up a level."""
    (stack[-1].inner if stack else found).extend(frame.inner)


def _step(body: str, stack: list[_Frame], found: list[_Raw], i: int, role: int, para: int) -> None:
    family = _FAMILY[body[i]]
    depth = -1
    for k, frame in enumerate(stack):
        if frame.family == family:
            depth = k
            break
    if role == _EITHER:
        role = _CLOSE if depth >= 0 else _OPEN
    if role == _OPEN and depth < 0:
        stack.append(_Frame(family, i + 1))
        return
    if depth < 0:
        return  # a closing mark with nothing to close: an apostrophe or a stray mark
    while len(stack) > depth + 1:
        _drop(stack.pop(), stack, found)
    frame = stack[-1]
    if role == _OPEN:
        if _last_char(body, frame.start, i) in _SENTENCE_PUNCT:
            frame.segments.append((frame.start, i, para))
            frame.start = i + 1
        else:
            _drop(stack.pop(), stack, found)
            stack.append(_Frame(family, i + 1))
        return
    stack.pop()
    frame.segments.append((frame.start, i, para))
    (stack[-1].inner if stack else found).append(_Raw(tuple(frame.segments), i + 1))


def _scan(body: str, paras: list[tuple[int, int]]) -> list[_Raw]:
    """The top-level quotes of the body, in order. The marks are found in one pass over the
    body, but for apostrophes inside words (which `_role` skips: paragraphs start and end
    beside whitespace); a paragraph without marks, with no quote open, is passed over."""
    found: list[_Raw] = []
    pending: _Frame | None = None
    positions = [m.start() for m in _QUOTING_RE.finditer(body)]
    j = 0  # the first mark not yet read
    for para, (lo, hi) in enumerate(paras):
        stack: list[_Frame] = []
        first = j
        if pending is not None:
            if body[lo] in _REOPENERS[pending.family]:
                pending.start, first = lo + 1, j + 1  # the mark at `lo` reopens it
                stack.append(pending)
            else:
                found.append(_Raw(tuple(pending.segments), -1))
            pending = None
        j = bisect_left(positions, hi, j)
        if first == j and not stack:
            continue
        marks = positions[first:j]
        roles = [_role(body, i, lo, hi) for i in marks]
        if _WEAK_CLOSE in roles:
            ahead = _strong_close_ahead(body, marks, roles)
            roles = [
                _SKIP if role == _WEAK_CLOSE and strong else role
                for role, strong in zip(roles, ahead, strict=True)
            ]
        for i, role in zip(marks, roles, strict=True):
            if role != _SKIP:
                _step(body, stack, found, i, role, para)
        while stack:
            frame = stack.pop()
            if stack or frame.family == "s":
                _drop(frame, stack, found)
            else:
                frame.segments.append((frame.start, hi, para))
                pending = frame
    if pending is not None:
        found.append(_Raw(tuple(pending.segments), -1))
    return found


def _text_span(body: str, raw: _Raw) -> tuple[str, int, int] | None:
    """The quoted words (segments joined), their start and end; None when there are none."""
    pieces: list[str] = []
    start = end = prev_para = -1
    last = len(raw.segments) - 1
    for k, (s, e, para) in enumerate(raw.segments):
        while s < e and body[s].isspace():
            s += 1
        while e > s and (body[e - 1].isspace() or (k == last and body[e - 1] == ",")):
            e -= 1
        if s == e:
            continue
        if pieces:
            pieces.append("\n\n" if para != prev_para else " ")
        else:
            start = s
        pieces.append(body[s:e])
        end, prev_para = e, para
    return ("".join(pieces), start, end) if pieces else None


def _masked(body: str, raws: list[_Raw]) -> str:
    """The body with quoted words blanked (offsets kept), a final . ! ? kept for sentences."""
    pieces, pos = [], 0
    for raw in raws:
        for s, e, _ in raw.segments:
            kept = body[s:e].rstrip()
            tail = kept[-1:] if kept[-1:] in _SENTENCE_PUNCT else ""
            pieces += [body[pos:s], " " * (len(kept) - len(tail)), tail, " " * (e - s - len(kept))]
            pos = e
    pieces.append(body[pos:])
    return "".join(pieces)
