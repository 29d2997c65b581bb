"""Direct-quote extraction: what was said, by whom, with which verb, and where in the body.

`extract_quotes(body)` runs four passes, each linear in the body (regexes have no nested
repetition, look-backs are bounded windows):

- **Paragraphs**: the body is split at blank lines.
- **Marks**: a scanner pairs “ ” " « » ‘ ’ ' inside each paragraph. Curly marks and guillemets
  know their direction; straight marks and ’ take it from their neighbours, so the apostrophes
  in "Kazakhstan’s", "don’t" are skipped, and the ’ of "workers’ rights" only closes a single
  quote when no stronger closing mark (",’" ".’") follows. A nested quote stays inside the outer
  one. An opening mark right after a sentence end inside an open quote continues it (the flat
  form of the paragraph convention), and a paragraph that ends inside a double quote continues
  when the next paragraph reopens it; otherwise an unclosed quote stops at its paragraph end.
- **Cues**: with the quoted words blanked out, every cue verb (said, told, according to, ...)
  gets a subject: a name (leading titles and descriptors dropped: "Russian MP Leonid
  Kalashnikov" -> "Leonid Kalashnikov"), a he/she to resolve, or nothing.
- **Attribution**: a quote takes the cue right after its closing mark (“…,” said X, “…,” X
  said), else the last cue earlier in its sentence (X said: “…”, X told Y the troops would stay
  “…”). A he/she, and a quote that opens a sentence with no cue of its own (the unattributed
  paragraph after an attributed one), take the nearest earlier named speaker, but only one
  found in the same or the previous paragraph; else the speaker stays empty.

Quotes of one or two words are scare quotes and dropped, unless a cue sits right beside them
(“No comment,” she said). A quote made of several segments (reopened in the same paragraph or
over paragraph breaks) joins them with " " or "\\n\\n"; its `start`/`end` run from the first to
the last quoted character, so `body[start:end]` then also holds the marks in between.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import NamedTuple

from searcher.models import Quote

__all__ = ["extract_quotes"]

_BREAK_RE = re.compile(r"\n[^\S\n]*\n\s*")
_MARK_RE = re.compile("[“”\"«»‘’']")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"”’»)\]]*\s+(?![\sa-z])")
_CUE_RE = re.compile(
    r"\b(?:[Aa]ccording to|said|says|say|saying|told|tells|added|adds|asked|asks|stated|"
    r"declared|declares|warned|warns|explained|explains|insisted|insists|noted|notes|claimed|"
    r"claims|argued|argues|wrote|writes|tweeted|tweets|replied|replies|recalled|recalls|"
    r"admitted|admits|acknowledged|announced|commented|conceded|concedes|stressed|urged|responded)\b"
)
_GAP_BREAK_RE = re.compile('[!?;:…“”"«»\n]')

_FAMILY = {"“": "d", "”": "d", '"': "d", "«": "g", "»": "g", "‘": "s", "’": "s", "'": "s"}
_REOPENERS = {"d": '“"', "g": "«"}
_OPEN, _CLOSE, _WEAK_CLOSE, _EITHER, _SKIP = range(5)
_BEFORE_OPEN = frozenset("([{—–-/“‘«\"'")
_AFTER_CLOSE = frozenset(".,;:!?)]}—–-…”’»\"'")
_SENTENCE_PUNCT = frozenset(".!?…")
_CLAUSE_END = _SENTENCE_PUNCT | {","}
_SEPARATORS = frozenset(',;:()[]“”"«»‘’')

_MIN_WORDS = 3
_LOOKBACK = 300
_LOOKAHEAD = 120
_MAX_NAME_WORDS = 6
_MAX_GAP_WORDS = 8
_MAX_PHRASE_WORDS = 8


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ABBREVIATIONS = _words(
    "Mr Mrs Ms Dr Prof St Sen Rep Gov Gen Col Lt Capt Sgt Jr Sr Rev Mt No Co Inc Ltd U.S U.K "
    "U.N e.g i.e vs"
)
_TITLES = _words(
    "president vice prime minister secretary chancellor premier mp mep msp mr mrs ms miss mx "
    "dr prof professor sir dame lord lady senator sen rep representative congressman "
    "congresswoman governor gov mayor general gen colonel col major captain capt lieutenant lt "
    "sergeant sgt admiral commander king queen prince princess sheikh emir ayatollah pope "
    "cardinal archbishop bishop rabbi imam rev reverend father judge justice ambassador "
    "commissioner chief deputy foreign defence defense interior finance home health shadow "
    "state chairman chairwoman chair director spokesman spokeswoman spokesperson coach manager "
    "leader head officer inspector detective superintendent constable attorney ceo"
)
_POST_TITLES = _words("mp mep msp qc kc jr sr phd")
_STOP = _words(  # capitalised words that open a run of names but are none
    "But And Or So Yet Then Now Also However Meanwhile Later Earlier Still Instead Separately "
    "Moreover Furthermore Indeed Finally Today Yesterday The A An In On At As After Before When "
    "While If Since During From With Without By For To "
    "Of Under Over Last Next This That These Those It Its He She They We I You There Here Our "
    "Their His Her My Your All Some Many Most Others Several Both One Another Police Officials "
    "Witnesses Analysts Critics Residents Protesters Authorities Experts Sources Reports "
    "Observers Researchers Officers Investigators Prosecutors Activists Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday January February March July September October November "
    "December"
)
_PARTICLES = _words("al bin ibn da de del della der di dos du el la le ter van von")
_PREPOSITIONS = _words("of for in at from to with by on about against into")
_ADVERBS = _words(
    "also later then earlier again previously once has had have was is would will reportedly "
    "recently yesterday today tonight"
)
_RESOLVABLE = frozenset(("he", "she"))
_PRONOUNS = _RESOLVABLE | frozenset(("they", "we", "i", "it", "you"))
_CONJUNCTIONS = _words(
    "and but or while as because although though when if since after before so yet which who "
    "that where whereas"
)
_AFTER_NAME = _words(
    "who whose which in on at during after before while when as from with to of adding"
)


# Marks ---------------------------------------------------------------------------------------


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


def _strong_close_ahead(body: str, marks: list[tuple[int, int]]) -> list[bool]:
    """For each mark: does a strong closing single quote follow before the next opening one?"""
    ahead, seen = [False] * len(marks), False
    for k in range(len(marks) - 1, -1, -1):
        i, role = marks[k]
        ahead[k] = seen
        if _FAMILY[body[i]] == "s" and role in (_OPEN, _CLOSE):
            seen = role == _CLOSE
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
    depth = next((k for k, frame in enumerate(stack) if frame.family == family), -1)
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
    """The top-level quotes of the body, in order."""
    found: list[_Raw] = []
    pending: _Frame | None = None
    for para, (lo, hi) in enumerate(paras):
        stack: list[_Frame] = []
        first = lo
        if pending is not None:
            if body[lo] in _REOPENERS[pending.family]:
                pending.start, first = lo + 1, lo + 1
                stack.append(pending)
            else:
                found.append(_Raw(tuple(pending.segments), -1))
            pending = None
        found_marks = _MARK_RE.finditer(body, first, hi)
        marks = [(m.start(), _role(body, m.start(), lo, hi)) for m in found_marks]
        for (i, role), strong_ahead in zip(marks, _strong_close_ahead(body, marks), strict=True):
            if role != _SKIP and not (role == _WEAK_CLOSE and strong_ahead):
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


# Cues ----------------------------------------------------------------------------------------


class _Subject(NamedTuple):
    name: str
    pronoun: bool  # a he/she still to resolve


@dataclass(frozen=True)
class _Cue:
    pos: int
    end: int
    verb: str
    subject: _Subject | None


def _sentence_start(text: str, lo: int, pos: int) -> int:
    """Where the sentence holding `pos` starts: not before `lo`, at most _LOOKBACK back."""
    floor = start = max(lo, pos - _LOOKBACK)
    for m in _SENTENCE_END_RE.finditer(text, floor, pos):
        if not _is_abbreviation(text, floor, m.start()):
            start = m.end()
    return start


def _is_abbreviation(text: str, floor: int, dot: int) -> bool:
    k = dot
    while k > floor and not text[k - 1].isspace():
        k -= 1
    word = text[k:dot]
    return text[dot] == "." and (word in _ABBREVIATIONS or (len(word) == 1 and word.isupper()))


def _is_name_word(token: str) -> bool:
    return token[:1].isupper() and token[-1] not in _SEPARATORS


def _is_title(word: str) -> bool:
    return word.rstrip(".").lower() in _TITLES


def _clean(words: list[str]) -> str:
    """The name in a capitalised run: "Deputy Prime Minister John Prescott" -> "John Prescott"."""
    while words and words[-1].rstrip(".").lower() in _POST_TITLES:
        words = words[:-1]
    cut = 0
    for k, word in enumerate(words[:-1]):
        if _is_title(word) or word.endswith(("’s", "'s")):
            cut = k + 1
    words = words[cut:]
    while words and words[0] in _STOP:
        words = words[1:]
    return "" if all(map(_is_title, words)) else " ".join(words)


def _name_ending(tokens: list[str], end: int) -> str:
    """The name in the capitalised run ending at tokens[end - 1] (a comma after it ignored).

    "... Russian MP Leonid Kalashnikov" -> "Leonid Kalashnikov"; "On Monday Tokayev" -> "Tokayev".
    """
    words = [tokens[end - 1].rstrip(",")]
    k = end - 1
    while k > 0 and len(words) < _MAX_NAME_WORDS:
        token = tokens[k - 1]
        if not (_is_name_word(token) or token in _PARTICLES):
            break
        words.append(token)
        k -= 1
    if not _is_name_word(words[0]) or (k > 0 and tokens[k - 1].lower() in _PREPOSITIONS):
        return ""  # "a spokesperson for police in Almaty said"
    words.reverse()
    if words[0].lower() in _PREPOSITIONS:
        words = words[2:]  # "In Almaty", "On Monday Tokayev"
    return _clean(words)


def _appositive(tokens: list[str]) -> str:
    """The first name set off by a description: "Darkhan Sharipov, an activist from ...,"."""
    for end in range(1, len(tokens)):
        follower = tokens[end]
        if tokens[end - 1].endswith(",") and (
            follower[:1].islower() or follower[:1].isdigit() or _is_title(follower)
        ):
            name = _name_ending(tokens, end)
            if name:
                return name
    return ""


def _subject_before(text: str) -> _Subject | None:
    """The subject ending `text` (the words before a cue verb), None if there is none."""
    tokens = text.split()
    for _ in range(3):
        if tokens and (tokens[-1] in _ADVERBS or _is_adverb(tokens[-1])):
            tokens.pop()
    if not tokens:
        return None
    if tokens[-1].lower() in _PRONOUNS:
        return _Subject("", tokens[-1].lower() in _RESOLVABLE)
    name = _appositive(tokens) if tokens[-1].endswith(",") else ""
    name = name or _name_ending(tokens, len(tokens))
    return _Subject(name, False) if name else None


def _is_adverb(token: str) -> bool:
    return len(token) > 4 and token.endswith("ly") and token.isalpha() and token.islower()


def _subject_after(text: str, pos: int) -> _Subject | None:
    """The name closing the phrase after a cue: "said LSE chief executive Clara Furse, who"."""
    tokens = text[pos : pos + _LOOKAHEAD].split()[:_MAX_PHRASE_WORDS]
    if tokens and tokens[0].rstrip(",.;:").lower() in _RESOLVABLE:
        return _Subject("", True)
    phrase: list[str] = []
    for token in tokens:
        if phrase and _is_name_word(phrase[-1]) and token in _AFTER_NAME:
            break
        word = token.rstrip(',.;:!?)”"’»')
        if word != token and not _is_abbreviation(token, 0, len(token) - 1):
            phrase.append(word)
            break
        phrase.append(token)
    else:
        if len(tokens) == _MAX_PHRASE_WORDS:
            return None  # no end in sight: not a short "said Name" phrase
    name = _name_ending(phrase, len(phrase)) if phrase else ""
    return _Subject(name, False) if name else None


def _find_cues(masked: str, para_starts: list[int]) -> list[_Cue]:
    cues = []
    for m in _CUE_RE.finditer(masked):
        verb = m.group().lower()
        lo = para_starts[bisect_right(para_starts, m.start()) - 1]
        start = _sentence_start(masked, lo, m.start())
        before = masked[start : m.start()]
        subject = None if verb == "according to" else _subject_before(before)
        if subject is None and (verb == "according to" or before.rstrip()[-1:] in ",”\"»’'"):
            subject = _subject_after(masked, m.end())
        cues.append(_Cue(m.start(), m.end(), verb, subject))
    return cues


# Attribution ---------------------------------------------------------------------------------


class _Attributor:
    """Gives each found quote its speaker and cue, in body order, remembering named speakers."""

    def __init__(self, body: str, masked: str, para_starts: list[int], cues: list[_Cue]) -> None:
        self.body, self.masked, self.para_starts = body, masked, para_starts
        self.cues, self.cue_pos = cues, [cue.pos for cue in cues]
        named = [cue for cue in cues if cue.subject and cue.subject.name]
        self.named_pos = [cue.pos for cue in named]
        self.named = [(cue.subject.name if cue.subject else "", cue.verb) for cue in named]
        self.quote_pos: list[int] = []
        self.quote_named: list[tuple[str, str]] = []

    def quote(self, raw: _Raw) -> Quote | None:
        span = _text_span(self.body, raw)
        if span is None:
            return None
        text, start, end = span
        speaker, verb, beside = self._attribute(raw, text)
        s, e, _ = raw.segments[-1]
        if len(text.split(maxsplit=_MIN_WORDS)) < _MIN_WORDS and not (
            beside and _last_char(self.body, s, e) in _CLAUSE_END
        ):
            return None  # a scare quote, not an utterance with its cue beside it
        if speaker:
            self.quote_pos.append(end)
            self.quote_named.append((speaker, verb))
        return Quote(text=text, speaker=speaker, cue=verb, start=start, end=end)

    def _attribute(self, raw: _Raw, text: str) -> tuple[str, str, bool]:
        """Speaker, cue verb, and whether the cue sits right beside the quote."""
        opening = raw.segments[0][0] - 1
        sentence = _sentence_start(self.masked, self._para_start(opening), opening)
        cue, beside = self._trailing(raw), True
        if cue is None:
            cue, beside = self._leading(sentence, opening)
        if cue is None:
            if text[-1] in _SENTENCE_PUNCT and not self.masked[sentence:opening].strip():
                return (*self._nearest(opening), False)  # a quoted sentence of its own
            return "", "", False
        if cue.subject and cue.subject.pronoun:
            return self._nearest(min(cue.pos, opening))[0], cue.verb, beside
        return (cue.subject.name if cue.subject else ""), cue.verb, beside

    def _para_start(self, pos: int) -> int:
        return self.para_starts[self._para(pos)]

    def _para(self, pos: int) -> int:
        return bisect_right(self.para_starts, pos) - 1

    def _trailing(self, raw: _Raw) -> _Cue | None:
        """The cue right after the closing mark: “…,” said X / “…,” X said / “…”, he told Y."""
        if raw.close_end < 0:
            return None
        k = bisect_left(self.cue_pos, raw.close_end)
        if k == len(self.cues) or self.cue_pos[k] - raw.close_end > _LOOKAHEAD:
            return None
        cue = self.cues[k]
        gap = self.masked[raw.close_end : cue.pos]
        words = gap.replace(",", " ").split()
        if (
            len(words) > _MAX_GAP_WORDS
            or _GAP_BREAK_RE.search(gap)
            or any(w.endswith(".") and not _is_abbreviation(w, 0, len(w) - 1) for w in words)
            or (words and words[0].lower() in _CONJUNCTIONS)
        ):
            return None
        s, e, _ = raw.segments[-1]
        if _last_char(self.body, s, e) == "." and words and words[0][:1].isupper():
            return cue if self.masked[cue.end : cue.end + 1] == "." else None
        return cue

    def _leading(self, sentence: int, opening: int) -> tuple[_Cue | None, bool]:
        """The last cue before the quote in its sentence; tight when only "said:" separates."""
        lo, hi = bisect_left(self.cue_pos, sentence), bisect_left(self.cue_pos, opening)
        if lo == hi:
            return None, False
        gap = self.masked[self.cues[hi - 1].end : opening].strip()
        tight = gap[-1:] in ("", ":", ",")
        for cue in reversed(self.cues[lo:hi]):
            if cue.subject is not None and (cue.subject.name or cue.subject.pronoun):
                return cue, tight
        return self.cues[hi - 1], tight

    def _nearest(self, pos: int) -> tuple[str, str]:
        """The latest named speaker (and cue) before `pos` in its paragraph or the one before."""
        best_pos, best = -1, ("", "")
        for positions, values in ((self.named_pos, self.named), (self.quote_pos, self.quote_named)):
            k = bisect_left(positions, pos) - 1
            if k >= 0 and positions[k] > best_pos:
                best_pos, best = positions[k], values[k]
        if best_pos < 0 or self._para(best_pos) < self._para(pos) - 1:
            return "", ""
        return best


def extract_quotes(body: str) -> tuple[Quote, ...]:
    """The direct quotations in `body` (paragraphs separated by blank lines), in order."""
    if not _MARK_RE.search(body):
        return ()
    paras = _paragraphs(body)
    raws = _scan(body, paras)
    if not raws:
        return ()
    masked = _masked(body, raws)
    para_starts = [lo for lo, _ in paras]
    attributor = _Attributor(body, masked, para_starts, _find_cues(masked, para_starts))
    quotes = (attributor.quote(raw) for raw in raws)
    return tuple(quote for quote in quotes if quote is not None)
