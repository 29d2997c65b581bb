"""Names around a cue: a capitalised run with its titles and descriptors dropped, a name set
off by commas or before "of"/"for", organisations, demonyms, and the head of a description.
"""

from __future__ import annotations

from searcher.enrich.quote_words import _LOOKAHEAD, _MAX_NAME_WORDS, _PREPOSITIONS, _ROLE_LINKS
from searcher.enrich.speakers import PARTICLES, STOP, clean_name, is_title, word_set

_SEPARATORS = frozenset(',;:()[]“”"«»‘’')
_ORGANISATION_WORDS = word_set(
    "Association Alliance Society Party Council Agency Times Post News Corporation Corp Group "
    "Union Federation Committee Commission Bank Ltd Inc Plc plc Airlines Airways Radio BBC "
    "Network Institute University College Foundation Trust Club Court Ministry Department "
    "Office Board Service Services Industries Motors Records Studios Pictures Magazine Journal "
    "Telegraph Guardian Herald Mail Express Mirror Standard Tribune Chronicle Gazette League "
    "Organisation Organization Authority Parliament Government Executive Company Partnership"
)
# Nationality nouns ("the American said") stand for a person named before.
_DEMONYM_ENDINGS = ("an", "ese", "ish", "ch", "man", "woman")


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
