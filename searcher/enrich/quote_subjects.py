"""Sentences and the subject of a cue: a name, a he/she, an it/they, a description, a role,
or none (a passive cue); the subject opening a sentence; a label before a quote.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

from searcher.enrich.quote_names import (
    _appositive,
    _capitalised_run,
    _head_noun,
    _head_word,
    _is_demonym,
    _is_name_word,
    _is_number_after_name,
    _is_person,
    _name_before_link,
    _name_ending,
    _set_off_name,
)
from searcher.enrich.quote_words import (
    _CONJUNCTIONS,
    _CUE_VERBS,
    _DETERMINERS,
    _DOCUMENT_NOUNS,
    _HONORIFICS,
    _LOOKAHEAD,
    _MAX_NAME_WORDS,
    _ORGANISATION_NOUNS,
    _PREPOSITIONS,
    _ROLE_LINKS,
    _ROLE_NOUNS,
)
from searcher.enrich.speakers import PARTICLES, clean_name, is_title, word_set

_LOOKBACK = 300
_MAX_PHRASE_WORDS = 8
_ABBREVIATIONS = word_set(
    "Mr Mrs Ms Dr Prof St Sen Rep Gov Gen Col Lt Capt Sgt Jr Sr Rev Mt No Co Inc Ltd U.S U.K "
    "U.N e.g i.e vs"
)
_ABBREVIATION_CHARS = max(map(len, _ABBREVIATIONS))
# A sentence end. The empty group `long` takes part after a dot that closes a run of more
# characters but spaces than any abbreviation has (within the paragraph, which starts
# after a space): that dot ends no abbreviation, and `_is_abbreviation` need not be asked.
_SENTENCE_END_RE = re.compile(
    rf"[.!?…](?:(?<=\S{{{_ABBREVIATION_CHARS + 1}}}\.)(?P<long>)|)[\"”’»)\]]*\s+(?![\sa-z])"
)
_ADVERBS = word_set(
    "also later then earlier again previously once has had have was is would will reportedly "
    "recently yesterday today tonight"
)
_RESOLVABLE = frozenset(("he", "she"))
_PRONOUNS = _RESOLVABLE | frozenset(("they", "we", "i", "it", "you"))
_AFTER_NAME = word_set(
    "who whose which in on at during after before while when as from with to of adding"
)
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
_LABEL_DASHES = ("-", "–", "—", "•")
_DASHES = frozenset(("-", "–", "—"))
_PEOPLE_NOUNS = word_set(
    "executive expert lawyer worker fan resident witness member friend neighbour engineer "
    "doctor teacher student scientist researcher banker trader analyst economist adviser "
    "advisor campaigner activist supporter player representative statement"
)
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
            if m.start("long") >= 0 or not _is_abbreviation(masked, lo, m.start()):
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
