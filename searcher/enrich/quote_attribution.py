"""Attribution: each quote's cue and speaker, and who a he/she, a description, a role or an
"it" stands for (`_Attributor`, one algorithm: the "Attribution" and "Who is meant" rules of
`searcher.enrich.quotes`). Also drops titles, slogans and scare quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from searcher.enrich.quote_names import _capitalised_run, _head_noun, _is_person
from searcher.enrich.quote_spans import _last_char, _Raw, _text_span
from searcher.enrich.quote_subjects import (
    _DESCRIPTION,
    _HE_SHE,
    _IT,
    _NAME,
    _POSSESSOR,
    _ROLE,
    _is_abbreviation,
    _is_role,
    _label,
    _opening,
    _Referent,
    _refers_back,
    _sentence_start,
    _Subject,
    _subject_after,
    _subject_before,
    _takes_sentence_subject,
)
from searcher.enrich.quote_words import (
    _CONJUNCTIONS,
    _CUE_VERBS,
    _DETERMINERS,
    _DOCUMENT_NOUNS,
    _HONORIFICS,
    _LOOKAHEAD,
    _ORGANISATION_NOUNS,
    _ROLE_LINKS,
    _ROLE_NOUNS,
    _SENTENCE_PUNCT,
)
from searcher.enrich.speakers import PARTICLES, STOP, clean_name, fullest_name, is_title, word_set
from searcher.models import Quote

_GAP_BREAK_RE = re.compile('[!?;:…“”"«»\n]')
_CLAUSE_END = _SENTENCE_PUNCT | {","}
_MIN_WORDS = 3
_MAX_GAP_WORDS = 8


def _cue_pattern(verbs: frozenset[str]) -> str:
    """One alternation a first letter, longest words first, so the regex engine tests one
    letter where a cue cannot start instead of every verb (no word boundaries)."""
    by_letter: dict[str, list[str]] = {}
    for verb in sorted(verbs, key=lambda verb: (-len(verb), verb)):
        by_letter.setdefault(verb[0], []).append(verb[1:])
    groups = "|".join(f"{letter}(?:{'|'.join(rests)})" for letter, rests in by_letter.items())
    return f"(?:[Aa]ccording to|{groups})"


_CUES = _cue_pattern(_CUE_VERBS)
_CUE_RE = re.compile(rf"\b{_CUES}\b")
# In ASCII text (most bodies), the same cues found by a pattern that starts with the
# character before a cue, not a word character, then looks for a cue's first letter: the
# regex engine skips to such characters and tries the cues there only (a leading `\b`
# makes it try every position: half as much CPU again). A cue that starts the text has no
# character before it: it is matched apart.
_CUE_LETTERS = "".join(sorted({verb[0] for verb in _CUE_VERBS} | {"A", "a"}))
_CUE_AFTER_ASCII_RE = re.compile(rf"[^0-9A-Za-z_](?=[{_CUE_LETTERS}])({_CUES})\b")
_CUE_AT_START_RE = re.compile(rf"{_CUES}\b")
_QUOTE_MARKS = frozenset("\"“”«»‘’'")
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
_KIN = word_set("wife husband son daughter brother sister father mother partner")
# Plural heads that name a group of people or firms ("the judges", "the firms").
_GROUP_ENDINGS = ("ers", "ors", "ists", "ians", "ants", "ents", "ges", "ials", "ics", "irms")
_PASSIVE = (["was"], ["were"], ["is"], ["are"], ["been"], ["be"])  # "was told": no speaker
_FOCUS_SENTENCES = 60  # how far back a he/she looks for the last person named
# Words before a job that make it another one: "shadow chancellor" is not "the chancellor".
_MODIFIERS = word_set("shadow former deputy vice assistant acting interim junior ex associate")


def _scare_quote(body: str, raw: _Raw, text: str, beside: bool) -> bool:
    """Are the quoted words `text` a scare quote, not an utterance: one or two words, unless
    a cue sits `beside` them and they end a clause ("No comment," she said)?"""
    s, e, _ = raw.segments[-1]
    return len(text.split(maxsplit=_MIN_WORDS)) < _MIN_WORDS and not (
        beside and _last_char(body, s, e) in _CLAUSE_END
    )


def _no_quote(body: str, raw: _Raw) -> bool:
    """Is `raw` no quote, whoever said it: no words, or a scare quote even with a cue beside
    it? (A body whose spans are all such has no quote: its cues need not be read.)"""
    span = _text_span(body, raw)
    return span is None or _scare_quote(body, raw, span[0], beside=True)


def _cues(masked: str) -> list[tuple[int, int, str]]:
    """Every cue in `masked`: where it starts and ends, and its words in lower case."""
    if not masked.isascii():
        return [(m.start(), m.end(), m[0].lower()) for m in _CUE_RE.finditer(masked)]
    cues, pos = [], 0
    if first := _CUE_AT_START_RE.match(masked):
        cues.append((0, first.end(), first[0].lower()))
        pos = first.end()
    cues += [(m.start(1), m.end(), m[1].lower()) for m in _CUE_AFTER_ASCII_RE.finditer(masked, pos)]
    return cues


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
        self.cues = _cues(masked)
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
        if _scare_quote(self.body, raw, text, beside):
            return None
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
