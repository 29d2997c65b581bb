"""Direct-quote extraction: what was said, by whom, with which verb, and where in the body.

`extract_quotes(body)` runs these passes, each linear in the body (regexes have no nested
repetition, look-backs are bounded windows, sentences are read at most once each):

- **Paragraphs**: the body is split at blank lines.
- **Marks**: a scanner pairs “ ” " « » ‘ ’ ' inside each paragraph. Curly marks and guillemets
  know their direction; straight marks and ’ take it from their neighbours, so the apostrophes
  in "Kazakhstan’s", "don’t" are skipped, and the ’ of "workers’ rights" only closes a single
  quote when no stronger closing mark (",’" ".’") follows. A nested quote stays inside the outer
  one. An opening mark right after a sentence end inside an open quote continues it (the flat
  form of the paragraph convention), and a paragraph that ends inside a double quote continues
  when the next paragraph reopens it; otherwise an unclosed quote stops at its paragraph end.
- **Cues**: with the quoted words blanked out, every cue verb (said, told, according to,
  described, labelling, ...) is found; its subject is read when a quote needs it: a name
  (titles and descriptors dropped: "Russian MP Leonid Kalashnikov" -> "Leonid Kalashnikov";
  "Mr Barber, who said"; "Peter Dobrow, a T-Mobile spokesperson said"), a he/she, an
  it/they, a description ("the singer", "Her lawsuit", "the station"), a role ("an IAAF
  spokesman", "A spokesman for the ..."), or nothing. A cue after "was"/"is" is passive
  and names no one. A cue with no subject of its own ("..., telling", "was quoted saying",
  "is alleged to have said") takes the subject opening its sentence.
- **Attribution**: a quote takes the cue right after its closing mark (“…,” said X, “…,” X
  said), else the last cue earlier in its sentence (X said: “…”, X told Y the troops would stay
  “…”), else a label ("- Bolton boss Sam Allardyce: “…”"). A quote that opens a sentence with
  no cue of its own continues the latest speaker of its paragraph or the one before, else
  takes the person the two sentences before are about.
- **Who is meant** (`_Attributor`): a he/she, or a description of a person, is the person
  named as the subject of this sentence (before the cue) or of one of the two before (a
  sentence whose subject is a he/she or such a description passes the question on; a list
  of names is about no one; a role as subject gives the role: "A spokesman for X said ...
  he said"); else the latest speaker nearby, else the last one whose name the text repeats
  since the paragraph before; else the last person named as a subject in the article. A
  description first takes the name the article puts after its noun ("US magazine Mobile
  PC" for "the magazine"), and skips people introduced with another job ("Club director
  Terry Brady" is not "the former Scotland international"). An "it" or "the company" is
  the organisation a sentence before is about. A role gets the organisation the sentence
  before is about when it names none ("a spokesman for the Association of ..."), and "the
  spokesperson" is the fullest role with that noun given before ("a Delta spokesperson"); a
  plural description stays a group ("judges"). Names are stored in the fullest form the
  article gives (`speakers.fullest_name`: "Mr Barber" -> "Brendan Barber").

Quoted titles, slogans and programme names are not quotes: a naming word before or after the
marks (the slogan “…”, the “…” program), or, with no cue beside them, words in title case
(“Music of Black Origin”). Where a body quotes with double marks, its single-quoted spans
are titles and terms, not quotes.

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

from searcher.enrich.speakers import PARTICLES, STOP, clean_name, fullest_name, is_title, word_set
from searcher.models import Quote

__all__ = ["extract_quotes"]

_BREAK_RE = re.compile(r"\n[^\S\n]*\n\s*")
_MARK_RE = re.compile("[“”\"«»‘’']")
_SENTENCE_END_RE = re.compile(r"[.!?…][\"”’»)\]]*\s+(?![\sa-z])")
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


_CUE_VERBS = word_set(
    "said says say saying told tells telling added adds adding asked asks stated declared "
    "declares warned warns warning explained explains explaining insisted insists insisting "
    "noted notes noting claimed claims claiming argued argues arguing wrote writes tweeted "
    "tweets replied replies recalled recalls admitted admits acknowledged announced commented "
    "conceded concedes stressed stressing urged responded confirmed confirms confirming "
    "described describes describing called calls labelled labelling labeled branded suggested "
    "suggests concluded concludes specified reiterated predicted predicts talked"
)


def _cue_pattern(verbs: frozenset[str]) -> str:
    """One alternation a first letter, longest words first, so the regex engine tests one
    letter where a cue cannot start instead of every verb."""
    by_letter: dict[str, list[str]] = {}
    for verb in sorted(verbs, key=lambda verb: (-len(verb), verb)):
        by_letter.setdefault(verb[0], []).append(verb[1:])
    groups = "|".join(f"{letter}(?:{'|'.join(rests)})" for letter, rests in by_letter.items())
    return rf"\b(?:[Aa]ccording to|{groups})\b"


_CUE_RE = re.compile(_cue_pattern(_CUE_VERBS))
_ABBREVIATIONS = word_set(
    "Mr Mrs Ms Dr Prof St Sen Rep Gov Gen Col Lt Capt Sgt Jr Sr Rev Mt No Co Inc Ltd U.S U.K "
    "U.N e.g i.e vs"
)
_PREPOSITIONS = word_set("of for in at from to with by on about against into")
_ADVERBS = word_set(
    "also later then earlier again previously once has had have was is would will reportedly "
    "recently yesterday today tonight"
)
_RESOLVABLE = frozenset(("he", "she"))
_PRONOUNS = _RESOLVABLE | frozenset(("they", "we", "i", "it", "you"))
_CONJUNCTIONS = word_set(
    "and but or while as because although though when if since after before so yet which who "
    "that where whereas"
)
_AFTER_NAME = word_set(
    "who whose which in on at during after before while when as from with to of adding"
)
_DETERMINERS = word_set("the a an his her its their")
_ROLE_LINKS = word_set("for of at from")  # "a spokesman for the ...", "a source at ..."
_VERBS = _ADVERBS | word_set("is are were be been do did does can could may might must should")
_NOT_NOUNS = _VERBS | _CONJUNCTIONS | word_set("not")
_CONNECTIVES = word_set(
    "But And So Yet Then Now Also However Meanwhile Still Instead Separately Moreover Indeed "
    "Finally Later Earlier Ultimately"
)
_CLAUSE_OPENERS = word_set(
    "In On At As After Before When While If Since During From With Without By For To Under Over "
    "Although Though Despite Following Unlike Like Amid Asked"
)
_OPENING_WORDS = 24
_QUOTE_MARKS = frozenset("\"“”«»‘’'")
# Head nouns of descriptions that stand for an organisation ("the station said"), or for a
# document whose words are its author's ("the suit added"); other singular heads stand for
# a person ("the singer"), plural ones for a group kept as it is ("the judges").
_ORGANISATION_NOUNS = word_set(
    "station magazine newspaper paper firm company club group association airline bank party "
    "union government ministry council court board network channel broadcaster agency body "
    "organisation organization federation league team band studio website site charity "
    "institute society committee commission department service retailer carrier operator "
    "maker manufacturer giant watchdog regulator publisher label broadcaster newspaper"
)
_DOCUMENT_NOUNS = word_set(
    "suit lawsuit document statement report letter complaint filing ruling email e-mail memo "
    "note study survey review judgment judgement release announcement petition motion "
    "affidavit manifesto blog post message column article editorial"
)
_ORGANISATION_WORDS = word_set(
    "Association Alliance Society Party Council Agency Times Post News Corporation Corp Group "
    "Union Federation Committee Commission Bank Ltd Inc Plc plc Airlines Airways Radio BBC "
    "Network Institute University College Foundation Trust Club Court Ministry Department "
    "Office Board Service Services Industries Motors Records Studios Pictures Magazine Journal "
    "Telegraph Guardian Herald Mail Express Mirror Standard Tribune Chronicle Gazette League "
    "Organisation Organization Authority Parliament Government Executive Company Partnership"
)
# Words that mark a quoted span as a name, title or slogan: the slogan "...", the "..." program.
_NAMING_BEFORE = word_set(
    "slogan motto title titled entitled song album film movie novel programme program series "
    "musical campaign banner headline nicknamed"
)
_NAMING_AFTER = word_set(
    "program programme campaign scheme initiative slogan brand label logo song album single "
    "film movie show series award awards prize category button feature tour festival"
)
_MAX_TITLE_WORDS = 8
_HONORIFICS = word_set("Mr Mrs Ms Miss Dr Sir Dame Prof")
_KIN = word_set("wife husband son daughter brother sister father mother partner")
_LABEL_DASHES = ("-", "–", "—", "•")
_DASHES = frozenset(("-", "–", "—"))
# Heads of descriptions that name a role rather than one person the article introduced.
_ROLE_NOUNS = word_set("spokesman spokeswoman spokesperson official source insider aide")
_PEOPLE_NOUNS = word_set(
    "executive expert lawyer worker fan resident witness member friend neighbour engineer "
    "doctor teacher student scientist researcher banker trader analyst economist adviser "
    "advisor campaigner activist supporter player representative statement"
)
# Nationality nouns ("the American said") stand for a person named before.
_DEMONYM_ENDINGS = ("an", "ese", "ish", "ch", "man", "woman")
# Plural heads that name a group of people or firms ("the judges", "the firms").
_GROUP_ENDINGS = ("ers", "ors", "ists", "ians", "ants", "ents", "ges", "ials", "ics", "irms")
_PASSIVE = (["was"], ["were"], ["is"], ["are"], ["been"], ["be"])  # "was told": no speaker
_FOCUS_SENTENCES = 60  # how far back a he/she looks for the last person named
# Words before a job that make it another one: "shadow chancellor" is not "the chancellor".
_MODIFIERS = word_set("shadow former deputy vice assistant acting interim junior ex associate")


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

_NAME, _HE_SHE, _IT, _DESCRIPTION, _ROLE, _POSSESSOR = range(6)


class _Subject(NamedTuple):
    text: str  # a name, a pronoun, or a description's words ("the singer", "a spokesman")
    kind: int


class _Referent(NamedTuple):
    """Who said a quote: a name or a description, and whether it is a person's."""

    name: str
    person: bool  # a person (he/she refers to one), else an organisation or a role


def _sentence_starts(masked: str, para_starts: list[int]) -> list[int]:
    """Where each sentence starts (every paragraph start among them), in order."""
    starts = []
    ends = [*para_starts[1:], len(masked)]
    for lo, hi in zip(para_starts, ends, strict=True):
        starts.append(lo)
        for m in _SENTENCE_END_RE.finditer(masked, lo, hi):
            if not _is_abbreviation(masked, lo, m.start()):
                starts.append(m.end())
    return starts


def _sentence_start(starts: list[int], pos: int) -> int:
    """Where the sentence holding `pos` starts, at most _LOOKBACK back."""
    return max(starts[bisect_right(starts, pos) - 1], pos - _LOOKBACK)


def _is_abbreviation(text: str, floor: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = text[max(floor, text.rfind(" ", floor, dot) + 1, text.rfind("\n", floor, dot) + 1) : dot]
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _is_name_word(token: str) -> bool:
    return token[:1].isupper() and token[-1] not in _SEPARATORS


def _is_number_after_name(tokens: list[str], k: int) -> bool:
    """Is tokens[k] a number that ends a name ("Radio 1", "Channel 4")?"""
    return k > 0 and tokens[k].rstrip(",").isdigit() and _is_name_word(tokens[k - 1])


def _name_ending(tokens: list[str], end: int) -> str:
    """The name in the capitalised run ending at tokens[end - 1] (a comma after it ignored).

    "... Russian MP Leonid Kalashnikov" -> "Leonid Kalashnikov"; "On Monday Tokayev" -> "Tokayev".
    """
    words = [tokens[end - 1].rstrip(",")]
    k = end - 1
    if _is_number_after_name(tokens, k):
        words.append(tokens[k - 1])
        k -= 1
    while k > 0 and len(words) < _MAX_NAME_WORDS:
        token = tokens[k - 1]
        if not (_is_name_word(token) or token in PARTICLES):
            break
        words.append(token)
        k -= 1
    if k > 1 and tokens[k - 1] in ("and", "&") and _joins_names(tokens, k - 1):
        return ""  # "Schroeder and Jacques Chirac have called", "MP for Sittingbourne and Sheppey"
    while len(words) > 1 and words[-1] in STOP and k > 0 and tokens[k - 1] in _PREPOSITIONS:
        words.pop()  # "but on Wednesday Mr Straw said"
        k += 1
    named = _is_name_word(words[0]) or (len(words) > 1 and words[0].isdigit())
    if k > 1 and tokens[k - 1] == "the" and tokens[k - 2] in _ROLE_LINKS:
        return ""  # "a spokesman for the Oxford University Press"
    if not named or (k > 0 and tokens[k - 1].lower() in _PREPOSITIONS):
        return ""  # "a spokesperson for police in Almaty said"
    words.reverse()
    if words[0].lower() in _PREPOSITIONS:
        words = words[2:]  # "In Almaty", "On Monday Tokayev"
    return clean_name(words)


def _name_before_link(tokens: list[str]) -> str:
    """The person before "of/from/at [the] Organisation" ending `tokens`: "Lt Col Eric
    Schnaible of the PCO"."""
    j = len(tokens)
    while j > 0 and _is_name_word(tokens[j - 1]):
        j -= 1
    if 0 < j < len(tokens) and tokens[j - 1] == "the":
        j -= 1
    if j < 2 or j == len(tokens) or tokens[j - 1] not in _ROLE_LINKS:
        return ""
    name = _name_ending(tokens, j - 1)
    return name if name and _is_person(name) else ""


def _is_demonym(tokens: list[str], name: str) -> bool:
    """Is `name`, ending `tokens`, a nationality after "the": "said the American"?"""
    return (
        " " not in name
        and len(tokens) > 1
        and tokens[-2].lower() == "the"
        and not name.isupper()
        and name.endswith(_DEMONYM_ENDINGS)
    )


def _joins_names(tokens: list[str], k: int) -> bool:
    """Does tokens[k] ("and") join two subjects ("Gerhard Schroeder and Jacques Chirac") or
    places ("MP for Sittingbourne and Sheppey"), not the parts of a title ("Work and
    Pensions Secretary Alan Johnson")?"""
    j = k
    while j > 0 and _is_name_word(tokens[j - 1].rstrip(",")):
        j -= 1
    return k - j > 1 or (0 < j < k and tokens[j - 1] in ("for", "of"))


def _appositive(tokens: list[str]) -> str:
    """The first name set off by a description: "Darkhan Sharipov, an activist from ...,"."""
    for end in range(1, len(tokens)):
        follower = tokens[end]
        if tokens[end - 1].endswith(",") and (
            follower[:1].islower()
            or follower[:1].isdigit()
            or is_title(follower)
            or (end + 1 < len(tokens) and is_title(tokens[end + 1]))
        ):
            name = _name_ending(tokens, end)
            if name:
                return name
    return ""


def _set_off_name(tokens: list[str]) -> str:
    """The name closing a chain of appositives: "The head of the unit, Acting Chief
    Superintendent, Mick Deats,"."""
    name = _name_ending(tokens, len(tokens))
    start = len(tokens) - len(name.split())
    if not name or start < 1 or not tokens[start - 1].endswith(","):
        return ""
    before = tokens[start - 1].rstrip(",")
    return name if is_title(before) or before.islower() else ""


def _description(tokens: list[str]) -> _Subject | None:
    """A description making up `tokens`: "the Warriors chief", "Her lawsuit",
    "a spokesman for the Association of ...", "The political reform group's secretary"."""
    words = [token.rstrip(",") for token in tokens]
    if not 2 <= len(words) <= _MAX_PHRASE_WORDS + 2 or words[0].lower() not in _DETERMINERS:
        return None
    if any(token.endswith(",") for token in tokens[:-1]):
        return None
    linked = False
    for k, word in enumerate(words[1:], 1):
        lower = word.lower()
        if lower == "and" and linked and k + 1 < len(words) and words[k + 1][:1].isupper():
            continue  # "the Tory MP for Sleaford and North Hykeham"
        if not word[:1].isalnum() or lower in _NOT_NOUNS or lower in _PRONOUNS:
            return None
        if lower in _PREPOSITIONS:
            if lower not in _ROLE_LINKS or linked:
                return None
            linked = True
    head = _head_word(words)
    if not head[:1].islower() or head in _PREPOSITIONS or head == "said":
        return None
    text = " ".join(words)
    if words[0].lower() in ("a", "an"):
        if not (is_title(head) or head.lower() in _ROLE_NOUNS | _PEOPLE_NOUNS):
            return None  # "a day ahead of the report": no one
        return _Subject(text[:1].lower() + text[1:], _ROLE)
    return _Subject(text, _DESCRIPTION)


def _subject_before(text: str) -> _Subject | None:
    """The subject ending `text` (the words before a cue verb), None if there is none."""
    tokens = text.split()
    if tokens and tokens[-1] in _DASHES:  # "Gerry Conlon - who was wrongly convicted - said"
        start = next((j for j in range(len(tokens) - 2, -1, -1) if tokens[j] in _DASHES), -1)
        tokens = tokens[:start] if start > 0 else tokens
    for _ in range(3):
        if tokens and (tokens[-1] in _ADVERBS or _is_adverb(tokens[-1])):
            tokens.pop()
    if not tokens:
        return None
    last = tokens[-1].lower()
    if last in _RESOLVABLE:
        return _Subject(last, _HE_SHE)
    if last in ("it", "they"):
        return _Subject(last, _IT)
    if last in _PRONOUNS:
        return None
    if last in ("who", "which") and len(tokens) > 1 and tokens[-2].endswith(","):
        name = _name_ending(tokens, len(tokens) - 1)  # "Mr Barber, who said"
        return _Subject(name, _NAME) if name else None
    name = ""
    if tokens[-1].endswith(","):
        name = _set_off_name(tokens) or _appositive(tokens)
    name = name or _name_ending(tokens, len(tokens)) or _name_before_link(tokens)
    if name and _is_demonym(tokens, name):
        return _Subject(f"the {name}", _DESCRIPTION)
    if name:
        return _Subject(name, _NAME)
    if tokens[-1].endswith(","):
        return None  # "has issued a rallying cry, telling": no subject of its own
    for start in range(max(0, len(tokens) - _MAX_PHRASE_WORDS - 2), len(tokens) - 1):
        if tokens[start].lower() in _DETERMINERS and (
            start == 0 or tokens[start - 1].lower() not in _PREPOSITIONS
        ):
            found = _description(tokens[start:])
            if found and start > 0 and tokens[start - 1].endswith(","):
                name = _name_ending(tokens, start)  # "Peter Dobrow, a T-Mobile spokesperson"
                return _Subject(name, _NAME) if name else found
            if found:
                return found
    return None


def _is_adverb(token: str) -> bool:
    return len(token) > 4 and token.endswith("ly") and token.isalpha() and token.islower()


def _subject_after(text: str, pos: int) -> _Subject | None:
    """The name closing the phrase after a cue: "said LSE chief executive Clara Furse, who"."""
    tokens = text[pos : pos + _LOOKAHEAD].split()[:_MAX_PHRASE_WORDS]
    if tokens and tokens[0].rstrip(",.;:").lower() in _RESOLVABLE:
        return _Subject(tokens[0].rstrip(",.;:").lower(), _HE_SHE)
    phrase: list[str] = []
    for token in tokens:
        if (
            phrase
            and (_is_name_word(phrase[-1]) or phrase[0].lower() in _DETERMINERS)
            and (token in _AFTER_NAME)
        ):
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
    if name and _is_demonym(phrase, name):
        return _Subject(f"the {name}", _DESCRIPTION)
    if name:
        return _Subject(name, _NAME)
    return _description(phrase)


def _opening(text: str) -> _Subject | None:
    """The subject opening a sentence: "But Simon Hart of the Alliance has ...",
    "Speaking at a BMW event, Helmut Panke predicted ...", "He said ...", "The magazine ..."."""
    tokens = text.split(maxsplit=_OPENING_WORDS)[:_OPENING_WORDS]
    k = 0
    while k < len(tokens) and tokens[k].rstrip(",") in _CONNECTIVES:
        k += 1
    if k < len(tokens) and (
        tokens[k] in _CLAUSE_OPENERS or (tokens[k].endswith("ing") and tokens[k][:1].isupper())
    ):
        comma = next((j + 1 for j in range(k, len(tokens)) if tokens[j].endswith(",")), 0)
        holder = _name_ending(tokens, comma) if tokens[k] == "For" and comma > k + 1 else ""
        if holder and _is_person(holder):
            return _Subject(holder, _NAME)  # "For analyst Olivier Beauvillain, the move ..."
        k = comma or len(tokens)
    if k >= len(tokens):
        return None
    first = tokens[k].rstrip(",").lower()
    if first in _RESOLVABLE:
        return _Subject(first, _HE_SHE)
    if first in ("it", "they"):
        return _Subject(first, _IT)
    if first in _DETERMINERS and (first in ("a", "an") or tokens[k][:1].isupper()):
        end = next((j for j in range(k + 1, len(tokens)) if _ends_phrase(tokens, j)), len(tokens))
        described = _description(tokens[k:end])
        if described:
            return described
        if first in ("his", "her", "their") and k + 2 < len(tokens) and tokens[k + 1].islower():
            named = _capitalised_run(" ".join(tokens[k + 2 : k + 2 + _MAX_NAME_WORDS]), 0)
            if named and clean_name(named):  # "His wife Sharon, who also appears, agreed."
                return _Subject(clean_name(named), _NAME)
    words: list[str] = []
    for j in range(k, min(len(tokens), k + _MAX_NAME_WORDS * 2)):
        token = tokens[j]
        word = token.rstrip(",")
        linking = word == "of" and words and j + 1 < len(tokens) and tokens[j + 1][:1].isupper()
        if not (
            _is_name_word(word)
            or word in PARTICLES
            or linking
            or (words and _is_number_after_name(tokens, j))
        ):
            break
        words.append(word)
        if word != token and clean_name(words):
            break
    after = tokens[k + len(words)] if k + len(words) < len(tokens) else ""
    if words and after[:1].islower() and is_title(after) and first not in _DETERMINERS:
        j = k + len(words)  # "Sale Sharks director of rugby Philippe Saint-Andre has"
        while j < min(len(tokens), k + len(words) + 4) and tokens[j][:1].islower():
            j += 1
        named = _capitalised_run(" ".join(tokens[j:]), 0)
        if named and not tokens[j - 1].endswith(","):
            return _Subject(clean_name(named), _NAME) if clean_name(named) else None
    if not words or words[-1][-1] == "." or _is_list(tokens, k + len(words)):
        return None
    modifier = not tokens[k + len(words) - 1].endswith(",") and after[:1].islower()
    if first in _DETERMINERS and modifier and after not in _VERBS | _CUE_VERBS:
        return None  # "A Delta spokesperson", "The BBC correspondent": not a name
    name = clean_name(words)
    if name:
        return _Subject(name, _NAME)
    if words[-1].endswith(("’s", "'s")):
        name = clean_name([*words[:-1], words[-1][:-2]])
        titled = " " in name or any(word in _HONORIFICS for word in words)
        return _Subject(name, _POSSESSOR) if titled else None  # "Tony Blair's speech"
    return None


def _label(text: str) -> str:
    """The name in a label before a quote, as match reports give them: "- Bolton boss Sam
    Allardyce:" (a dash or a colon, then nothing but the name and its titles)."""
    stripped = text.strip()
    if not stripped.startswith(_LABEL_DASHES) and not stripped.endswith(":"):
        return ""
    tokens = stripped.lstrip("".join(_LABEL_DASHES)).rstrip(":").split()
    if not 0 < len(tokens) <= _MAX_NAME_WORDS + 2 or not all(
        _is_name_word(token) or token in PARTICLES or is_title(token) for token in tokens
    ):
        return ""
    return _name_ending(tokens, len(tokens))


def _takes_sentence_subject(verb: str, before: str) -> bool:
    """Does a cue with no subject of its own say what its sentence's subject says? Yes for
    "..., telling", "was quoted saying", "is alleged to have said"; not for "as some
    reports have suggested" (a subject of its own, not a name)."""
    if verb.endswith("ing"):
        return True
    tokens = before.split()
    while tokens and tokens[-1] in _VERBS:
        tokens.pop()
    return bool(tokens) and (tokens[-1] == "to" or tokens[-1].endswith(","))


def _is_list(tokens: list[str], j: int) -> bool:
    """Do the names ending before tokens[j] go on as a list ("Ben Hudell, Joe Keenan and")?"""
    if j >= len(tokens) or tokens[j] in ("and", "&"):
        return j < len(tokens)
    if not tokens[j - 1].endswith(","):
        return False
    while j < len(tokens) and _is_name_word(tokens[j].rstrip(",")):
        j += 1
        if tokens[j - 1].endswith(","):
            return True
    return j < len(tokens) and tokens[j] in ("and", "&")


def _ends_phrase(tokens: list[str], j: int) -> bool:
    """Does tokens[j] end a noun phrase (a verb, or an adverb before one, follows)?"""
    word = tokens[j].lower()
    verb_with_object = (
        word.endswith("ed")
        and j + 1 < len(tokens)
        and (tokens[j + 1].lower() in _DETERMINERS or tokens[j + 1][:1].isupper())
    )  # "A Treasury spokesperson dismissed the claims", "... criticised Michael Howard"
    return (
        word in _ADVERBS
        or _is_adverb(word)
        or word in _VERBS
        or word in _CUE_VERBS
        or verb_with_object
        or tokens[j - 1].endswith(",")
    )


# Attribution ---------------------------------------------------------------------------------


class _Attributor:
    """Gives each found quote its speaker and cue, in body order.

    A he/she, a description ("the singer") or an "it" is resolved with what the sentences
    before are about (`_person_before`, `_organisation_before`): each sentence's subject
    is its first cue's subject, else the subject opening it. A cue's subject is found
    when a quote needs it, and the sentences are read backwards from the quote, each at
    most once, so an article costs little more than its quotes.
    """

    def __init__(
        self, body: str, masked: str, para_starts: list[int], sentence_starts: list[int]
    ) -> None:
        self.body, self.masked = body, masked
        self.para_starts, self.sentence_starts = para_starts, sentence_starts
        self.cues = [(m.start(), m.end(), m.group().lower()) for m in _CUE_RE.finditer(masked)]
        self.cue_pos = [pos for pos, _, _ in self.cues]
        self.subjects: dict[int, _Subject | None] = {}  # cue index -> its subject
        self.locals: dict[int, tuple[_Subject, int] | None] = {}  # sentence -> subject, where
        self.quote_pos: list[int] = []
        self.quote_said: list[tuple[str, str, bool]] = []  # speaker, cue, is a person
        self.fullest: dict[tuple[str, bool], str] = {}
        self.called: dict[str, str] = {}
        self.genders: dict[str, str] = {}  # surname -> "he" or "she", when Mr or Ms says so
        self.quoted = ""  # the words of the quote being attributed

    def quote(self, raw: _Raw) -> Quote | None:
        span = _text_span(self.body, raw)
        if span is None:
            return None
        text, start, end = span
        self.quoted = text
        speaker, verb, beside, person = self._attribute(raw, text)
        s, e, _ = raw.segments[-1]
        if len(text.split(maxsplit=_MIN_WORDS)) < _MIN_WORDS and not (
            beside and _last_char(self.body, s, e) in _CLAUSE_END
        ):
            return None  # a scare quote, not an utterance with its cue beside it
        if self._is_title(raw, text, beside):
            return None
        if speaker:
            if speaker[:1].isupper():
                speaker = self._fullest(speaker, start)
            self.quote_pos.append(end)
            self.quote_said.append((speaker, verb, person))
        return Quote(text=text, speaker=speaker, cue=verb, start=start, end=end)

    def _is_title(self, raw: _Raw, text: str, beside: bool) -> bool:
        """A name, title or slogan in quotes: the slogan "X is Y", the "Plays for Sure"
        program; or, with no cue beside it, words in title case: "Music of Black Origin"."""
        opening = raw.segments[0][0] - 1
        before = self.masked[max(0, opening - 20) : opening].split()
        after = self.masked[raw.close_end : raw.close_end + 20].split() if raw.close_end > 0 else []
        if (before and before[-1].lower() in _NAMING_BEFORE) or (
            after and after[0].lower().rstrip(".,;:") in _NAMING_AFTER
        ):
            return True
        words = text.split()
        long_words = [word for word in words if len(word) > 3]
        return (
            not beside
            and len(words) <= _MAX_TITLE_WORDS
            and text[-1] not in _CLAUSE_END
            and words[0][:1].isupper()
            and sum(word[:1].isupper() for word in words) >= 2
            and all(word[:1].isupper() for word in long_words)
        )

    def _attribute(self, raw: _Raw, text: str) -> tuple[str, str, bool, bool]:
        """Speaker, cue verb, whether the cue sits right beside the quote, is a person."""
        opening = raw.segments[0][0] - 1
        sentence = _sentence_start(self.sentence_starts, opening)
        k, beside = self._trailing(raw), True
        if k < 0 or self._subject(k) is None:  # "“...” ahead of the vote, and predicted"
            leading, tight = self._leading(sentence, opening)
            if k < 0 or (leading >= 0 and self._subject(leading) is not None):
                k, beside = leading, tight
        if k < 0:
            label = _label(self.masked[sentence:opening])
            if label:  # "- Bolton boss Sam Allardyce: “I am ...”"
                return self._fullest(label, opening), "", True, _is_person(label)
            if text[-1] in _SENTENCE_PUNCT and not self.masked[sentence:opening].strip():
                return (*self._continued(opening), False)  # a quoted sentence of its own
            return "", "", False, False
        pos, _, verb = self.cues[k]
        subject = self._subject(k)
        start = _sentence_start(self.sentence_starts, pos)
        if subject is None and _takes_sentence_subject(verb, self.masked[start:pos]):
            subject = _opening(self.masked[start:pos])  # "Gordon Brown ..., telling"
        referent = self._resolve(subject, min(pos, opening)) if subject else None
        if referent is None:
            return "", verb, beside, False
        return referent.name, verb, beside, referent.person

    def _continued(self, opening: int) -> tuple[str, str, bool]:
        """Speaker, cue and is-a-person for a quoted sentence with no cue of its own: who
        the sentence before names as its subject (a person or a role), else the latest
        speaker of this paragraph or the one before, else who the sentences before are about.
        """
        before = self._local(self._sentence_index(opening) - 1)
        if before is not None and before[1] >= self.para_starts[max(0, self._para(opening) - 1)]:
            name = self._person(before, (_NAME,))
            if name and self._clashes(name, ""):
                name = ""
            elif name or _is_role(before[0]):
                referent = self._resolve(before[0], before[1])
                k = bisect_left(self.cue_pos, before[1])
                verb = (
                    self.cues[k][2] if k < len(self.cues) and self.cue_pos[k] == before[1] else ""
                )
                if referent is not None:
                    return referent.name, verb, referent.person
        name, verb, person = self._nearest(opening)
        if not name or self._clashes(name, ""):
            referent = self._person_before(opening, far=False)
            name, person = (referent.name, True) if referent else ("", False)
        return name, verb, person

    def _subject(self, k: int) -> _Subject | None:
        """The subject of cue `k`, found once."""
        if k not in self.subjects:
            pos, end, verb = self.cues[k]
            before = self.masked[_sentence_start(self.sentence_starts, pos) : pos]
            last = before.rsplit(maxsplit=1)[-1:]
            subject = None
            if verb.endswith("ing") and last and last[0].endswith(","):
                subject = _opening(before)  # "Vargas does not mention X, simply adding"
            if subject is None and verb != "according to" and last not in _PASSIVE:
                subject = _subject_before(before)
            if (
                subject is None
                and not verb.endswith("ing")
                and (verb == "according to" or before.rstrip()[-1:] in ",”\"»’'")
            ):
                subject = _subject_after(self.masked, end)
            self.subjects[k] = subject
        return self.subjects[k]

    def _para(self, pos: int) -> int:
        return bisect_right(self.para_starts, pos) - 1

    def _trailing(self, raw: _Raw) -> int:
        """The cue right after the closing mark (“…,” said X / “…,” X said), else -1."""
        if raw.close_end < 0:
            return -1
        k = bisect_left(self.cue_pos, raw.close_end)
        if k == len(self.cues) or self.cue_pos[k] - raw.close_end > _LOOKAHEAD:
            return -1
        pos, end, _ = self.cues[k]
        gap = self.masked[raw.close_end : pos]
        words = gap.replace(",", " ").split()
        if (
            len(words) > _MAX_GAP_WORDS
            or _GAP_BREAK_RE.search(gap)
            or any(w.endswith(".") and not _is_abbreviation(w, 0, len(w) - 1) for w in words)
            or (words and words[0].lower() in _CONJUNCTIONS)
        ):
            return -1
        s, e, _ = raw.segments[-1]
        if _last_char(self.body, s, e) == "." and words and words[0][:1].isupper():
            return k if self.masked[end : end + 1] == "." else -1
        return k

    def _leading(self, sentence: int, opening: int) -> tuple[int, bool]:
        """The last cue with a subject before the quote in its sentence (else the last cue,
        else -1); tight when only "said:" separates them."""
        lo, hi = bisect_left(self.cue_pos, sentence), bisect_left(self.cue_pos, opening)
        if lo == hi:
            return -1, False
        gap = self.masked[self.cues[hi - 1][1] : opening].strip()
        tight = gap[-1:] in ("", ":", ",")
        for k in range(hi - 1, lo - 1, -1):
            if self._subject(k) is not None:
                return k, tight
        return hi - 1, tight

    def _nearest(self, pos: int) -> tuple[str, str, bool]:
        """The latest speaker (and cue) before `pos` in its paragraph or the one before."""
        floor = self.para_starts[max(0, self._para(pos) - 1)]
        best_pos, best = -1, ("", "", False)
        k = bisect_left(self.cue_pos, pos) - 1
        while k >= 0 and self.cue_pos[k] >= floor:
            subject = self._subject(k)
            if subject is not None and subject.kind == _NAME:
                name = self._fullest(subject.text, self.cue_pos[k])
                best_pos, best = self.cue_pos[k], (name, self.cues[k][2], _is_person(name))
                break
            k -= 1
        k = bisect_left(self.quote_pos, pos) - 1
        if k >= 0 and self.quote_pos[k] >= max(best_pos, floor):
            best = self.quote_said[k]
        return best

    # Referents -------------------------------------------------------------------------------

    def _resolve(self, subject: _Subject, pos: int) -> _Referent | None:
        """Who `subject`, found at `pos`, is: a name as it stands, a he/she or a description
        resolved from the sentences before, a role as its description."""
        if subject.kind == _NAME:
            return _Referent(subject.text, _is_person(subject.text))
        if subject.kind == _HE_SHE:
            return self._person_before(pos, pronoun=subject.text)
        if subject.kind == _IT:
            return self._organisation_before(pos)
        if subject.kind == _POSSESSOR:
            return None
        words = subject.text.split()
        head = _head_noun(words)
        if head in _DOCUMENT_NOUNS:  # "Her lawsuit said", "the statement added"
            return self._person_before(pos) or self._organisation_before(pos)
        if words[0].lower() in _DETERMINERS - {"the", "a", "an"}:
            return None  # "his lawyer": somebody else
        if subject.kind == _ROLE:
            return _Referent(self._role(subject.text, pos), False)
        role = self._role_named_before(head, pos)
        if role:
            return _Referent(role, False)
        if head in _ROLE_NOUNS and words[0].lower() == "the":  # "The BBC spokeswoman said"
            article = "an" if words[1][:1].lower() in "aeiou" else "a"
            return _Referent(self._role(" ".join([article, *words[1:]]), pos), False)
        if head not in self.called:
            self.called[head] = self._called(head, pos)
        named = self.called[head]
        if named:
            return _Referent(named, head not in _ORGANISATION_NOUNS)
        if head in _ORGANISATION_NOUNS:
            return self._organisation_before(pos, far=True)
        if head.endswith(_GROUP_ENDINGS):
            return _Referent(" ".join(words[1:]).lower(), False)  # "the judges"
        if head.endswith("s") and not head.endswith("ss"):
            return None  # "the plans for pensioners": no one
        return self._person_before(pos, head=head)

    def _role(self, role: str, pos: int) -> str:
        """A role as said, or with the organisation the sentence before is about: "a
        spokesman for the Association of Chief Police Officers"; "the company" in it by
        the company's name ("a spokesman for the company" -> "a spokesman for Vodafone")."""
        words = role.split()
        if len(words) == 2:
            found = self._local(self._sentence_index(pos) - 1)
            if found and found[0].kind == _NAME and not _is_person(found[0].text):
                org = found[0].text
                return f"{role} for {org}" if org.isupper() else f"{role} for the {org}"
        if len(words) == 5 and words[2] in _ROLE_LINKS and words[3] == "the":
            noun = words[4]
            if noun in _ORGANISATION_NOUNS:
                if noun not in self.called:
                    self.called[noun] = self._called(noun, pos)
                named = self.called[noun]
                if not named:
                    before = self._organisation_before(pos, far=True)
                    named = before.name if before else ""
                if named:
                    return " ".join([*words[:3], named])
        return role

    def _role_named_before(self, head: str, pos: int) -> str:
        """The fullest role with this head noun given before `pos`: "the spokesperson" after
        "a Delta spokesperson"."""
        best = ""
        k = self._sentence_index(pos)
        if self.masked.find(head, 0, self.sentence_starts[k]) < 0:
            return ""  # no earlier mention of the noun at all
        for j in range(k - 1, max(-1, k - _FOCUS_SENTENCES), -1):
            found = self._local(j)
            if found and found[0].kind == _ROLE and _head_noun(found[0].text.split()) == head:
                role = self._role(found[0].text, found[1])
                best = role if len(role) > len(best) else best
        return best

    def _called(self, noun: str, pos: int) -> str:
        """The name the body gives right after `noun` ("US magazine Mobile PC"), last before
        `pos` (else first after)."""
        found = ""
        key = f" {noun} "
        i = self.masked.find(key)
        while i >= 0 and not (i >= pos and found):
            modifier = self.masked[max(0, i - 20) : i].rsplit(maxsplit=1)[-1:]
            if not modifier or modifier[0].lower() not in _MODIFIERS:
                run = _capitalised_run(self.masked, i + len(key), listed=noun.endswith("s"))
                name = clean_name(run)
                if name and name.split()[0] not in STOP:
                    found = name
            i = self.masked.find(key, i + len(key))
        return found

    def _person_before(
        self, pos: int, far: bool = True, head: str = "", pronoun: str = ""
    ) -> _Referent | None:
        """The person a he/she (or "the singer") at `pos` refers to: the person named as the
        subject of one of the last two sentences (a he/she or a description as subject
        passes the question on to the sentence before); else the last speaker in this
        paragraph or the one before; else the last speaker named since the paragraph
        before; else (when `far`) the last person named as a subject in the article. For a
        description ("the former Scotland international"), `head` leaves out a person the
        article introduced with another job ("Club director Terry Brady"); a `pronoun`
        leaves out a person the article calls Ms when it is "he", Mr when it is "she"."""
        k = self._sentence_index(pos)
        floor = self._para(pos) - 1
        head = "" if is_title(head) else head
        own = self._local(k)  # "But Dallaglio, ..., said: “...” ... he told"
        j, opaque = (k, 0) if own is not None and own[1] < pos else (k - 1, 0)
        while j >= 0 and opaque < 2 and self._para(self.sentence_starts[j]) >= floor:
            found = self._local(j)
            name = self._person(found, (_NAME, _POSSESSOR) if j == k else (_NAME,))
            if name and self._clashes(name, pronoun):
                name = ""
            if name and not (head and self._job(found) not in ("", head)):
                return _Referent(name, True)
            if found is not None and _is_role(found[0]):  # "A spokesman said ... he said"
                return self._resolve(found[0], found[1])
            if found is None or not _refers_back(found[0]):
                opaque += 1
            elif found[0].kind == _DESCRIPTION and not head:
                noun = _head_noun(found[0].text.split())
                head = "" if is_title(noun) else noun
            j -= 1
        name, _, person = self._nearest(pos)
        if name and person and not self._clashes(name, pronoun):
            return _Referent(name, True)
        k_quote = bisect_left(self.quote_pos, pos) - 1
        if k_quote >= 0 and self.quote_said[k_quote][2]:
            name = self.quote_said[k_quote][0]
            since = self.para_starts[max(0, floor)]
            mentioned = self.masked.find(name.split()[-1], since, pos) >= 0
            if mentioned and not self._clashes(name, pronoun):
                return _Referent(name, True)
        for j in range(k - 1, max(-1, k - _FOCUS_SENTENCES) if far else k - 1, -1):
            name = self._person(self._local(j), (_NAME, _POSSESSOR))
            if name and not self._clashes(name, pronoun):
                return _Referent(name, True)
        return None

    def _clashes(self, name: str, pronoun: str) -> bool:
        """Can this person not be who a he/she (or a quote with no cue) stands for: named by
        surname in the quote itself ("Tony Blair has healed rifts"), or called Mr where the
        pronoun is "she", or Ms, Mrs or Miss where it is "he"?"""
        surname = name.split()[-1]
        if surname in self.quoted and re.search(rf"\b{re.escape(surname)}\b", self.quoted):
            return True
        if not pronoun:
            return False
        if surname not in self.genders:
            male = f"Mr {surname}" in self.body
            female = any(f"{title} {surname}" in self.body for title in ("Ms", "Mrs", "Miss"))
            self.genders[surname] = "he" if male and not female else "she" if female else ""
        return self.genders[surname] not in ("", pronoun)

    def _job(self, found: tuple[_Subject, int] | None) -> str:
        """The lower-case job word right before a name where a sentence gives it: "director"
        in "Club director Terry Brady held talks"."""
        word = self._word_before(found)
        return word if word.islower() and is_title(word) else ""

    def _word_before(self, found: tuple[_Subject, int] | None) -> str:
        """The word before the name a sentence gives as its subject."""
        if found is None:
            return ""
        start = self.sentence_starts[self._sentence_index(found[1])]
        i = self.masked.find(found[0].text.split()[0], start)
        before = self.masked[max(start, i - 30) : i].split()[-1:] if i > 0 else []
        return before[0] if before else ""

    def _person(self, found: tuple[_Subject, int] | None, kinds: tuple[int, ...]) -> str:
        """The full name of a person a sentence names as its subject, else "": a lone word
        counts only when the article gives it a longer form ("Ljubicic", not "Trams")."""
        if found is None or found[0].kind not in kinds:
            return ""
        name = found[0].text
        if " " not in name:
            name = self._fullest(name, found[1], given_after=False)
            before = self._word_before(found).rstrip(".,")
            if " " not in name and (
                before in _HONORIFICS or (before.islower() and (is_title(before) or before in _KIN))
            ):
                return name  # "Mr Blair met the unions.", "His wife Sharon agreed."
        return name if " " in name and _is_person(name) else ""

    def _organisation_before(self, pos: int, far: bool = False) -> _Referent | None:
        """What an "it" or "the station" at `pos` refers to: the organisation named as the
        subject of this sentence (before `pos`) or one of the two before, else the last
        organisation quoted in this paragraph or the one before; else (when `far`, for "the
        company") the last organisation named as a subject in the article."""
        k = self._sentence_index(pos)
        for j in (k, k - 1, k - 2):
            if j < 0:
                break
            if j == k:
                found = _opening(self.masked[self.sentence_starts[k] : pos])
                subject = found if found and found.kind == _NAME else None
            else:
                local = self._local(j)
                subject = local[0] if local and local[0].kind == _NAME else None
            if subject is not None and (not _is_person(subject.text) or " " not in subject.text):
                return _Referent(subject.text, False)
        q = bisect_left(self.quote_pos, pos) - 1
        if q >= 0 and self._para(self.quote_pos[q]) >= self._para(pos) - 1:
            name, _, person = self.quote_said[q]
            if not person:
                return _Referent(name, False)
        for j in range(k - 3, max(-1, k - _FOCUS_SENTENCES) if far else k - 3, -1):
            local = self._local(j)
            if local and local[0].kind == _NAME and not _is_person(local[0].text):
                return _Referent(local[0].text, False)
        return None

    def _sentence_index(self, pos: int) -> int:
        return bisect_right(self.sentence_starts, pos) - 1

    def _local(self, j: int) -> tuple[_Subject, int] | None:
        """Sentence `j`'s own subject (its first cue's, else its opening's) and where it is,
        unresolved; None when it has none (or j < 0)."""
        if j < 0:
            return None
        if j not in self.locals:
            start = self.sentence_starts[j]
            end = self.sentence_starts[j + 1] if j + 1 < len(self.sentence_starts) else None
            lo = bisect_left(self.cue_pos, start)
            hi = bisect_left(self.cue_pos, end) if end is not None else len(self.cues)
            found: tuple[_Subject, int] | None = None
            for k in range(lo, hi):
                subject = self._subject(k)
                if subject is not None:
                    found = subject, self.cue_pos[k]
                    break
            if (found is None or found[0].kind != _NAME) and self.masked[
                start : start + 1
            ] not in _QUOTE_MARKS:
                subject = _opening(self.masked[start:end])  # "Dr Fox was asked if he would say"
                if subject is not None and (
                    found is None
                    or subject.kind == _NAME
                    or (subject.kind == _POSSESSOR and found[0].kind == _HE_SHE)
                ):  # "Mr Blunkett's own comments had prompted censure - he told"
                    found = subject, start
            self.locals[j] = found
        return self.locals[j]

    def _fullest(self, name: str, pos: int, given_after: bool = True) -> str:
        """`fullest_name`, once a name in each article; a name of two words or more whose
        first is no particle ("Le Bon") is taken as full."""
        key = (name, given_after)
        if key not in self.fullest:
            words = name.split()
            full = len(words) > 1 and words[0].lower() not in PARTICLES
            self.fullest[key] = (
                name if full else fullest_name(name, self.body, pos, given_after=given_after)
            )
        return self.fullest[key]


def _capitalised_run(text: str, pos: int, listed: bool = False) -> list[str]:
    """The capitalised words starting at `text[pos]` (the last one's punctuation dropped);
    `listed`: a list of names too ("Sony, Philips, Matsushita and Samsung")."""
    run: list[str] = []
    for token in text[pos : pos + _LOOKAHEAD].split()[: _MAX_NAME_WORDS * 2]:
        word = token.rstrip(',.;:!?)”"’»')
        if listed and run and token == "and":
            run.append(token)
            continue
        if not _is_name_word(word) and word not in PARTICLES:
            break
        run.append(token if listed and token.endswith(",") else word)
        if word != token and not (listed and token.endswith(",")):
            break
    while run and run[-1] == "and":
        run.pop()
    return run


def _is_role(subject: _Subject) -> bool:
    """A role, not a person: "a spokesman", "the BBC spokeswoman"."""
    words = subject.text.split()
    return subject.kind == _ROLE or (
        subject.kind == _DESCRIPTION
        and words[0].lower() == "the"
        and _head_noun(words) in _ROLE_NOUNS
    )


def _refers_back(subject: _Subject) -> bool:
    """Does this subject stand for a person named before (a he/she, "the singer")?"""
    if subject.kind == _HE_SHE:
        return True
    head = _head_noun(subject.text.split())
    return (
        subject.kind == _DESCRIPTION
        and not _is_role(subject)
        and head not in _ORGANISATION_NOUNS
        and head not in _DOCUMENT_NOUNS
        and not (head.endswith("s") and not head.endswith("ss"))
    )


def _is_person(name: str) -> bool:
    """A name that reads as a person's: no organisation word, not an acronym."""
    words = name.split()
    return not (name.isupper() or any(word in _ORGANISATION_WORDS for word in words))


def _head_word(words: list[str]) -> str:
    """The head of a description as written: its last word before any preposition."""
    head = words[-1]
    for word in words[1:]:
        if word.lower() in _PREPOSITIONS:
            break
        head = word
    return head


def _head_noun(words: list[str]) -> str:
    """The head of a description, lower case, a possessive ending dropped."""
    head = _head_word(words).lower()
    return head[:-2] if head.endswith(("’s", "'s")) else head


def extract_quotes(body: str) -> tuple[Quote, ...]:
    """The direct quotations in `body` (paragraphs separated by blank lines), in order."""
    if not _MARK_RE.search(body):
        return ()
    paras = _paragraphs(body)
    raws = _scan(body, paras)
    doubled = [raw for raw in raws if _FAMILY[body[raw.segments[0][0] - 1]] != "s"]
    if doubled:
        raws = doubled  # single marks beside double ones set off titles and terms
    if not raws:
        return ()
    masked = _masked(body, raws)
    para_starts = [lo for lo, _ in paras]
    attributor = _Attributor(body, masked, para_starts, _sentence_starts(masked, para_starts))
    quotes = (attributor.quote(raw) for raw in raws)
    return tuple(quote for quote in quotes if quote is not None)
