"""Speakers' normal forms: the name a speaker is stored and searched under.

An enrichment stage beside `quotes` (no Whoosh, no store). Three rules:

- **Within an article** a speaker is stored under the fullest name the article gives it,
  without honorifics or job titles: "Mr Barber" (or "Barber") after "Brendan Barber" gives
  "Brendan Barber", "Le Bon" gives "Simon Le Bon", "Wong" gives "Wong Kar-Wai" (a name
  whose given name follows). `fullest_name()` looks for the capitalised runs of the body
  that end with the short form (else that start with it) and takes the longest; when two
  people share the short form, the one named last before the quote (else first after).
  A peer with no first name keeps the title: "Lord Goldsmith".
- **Organisations** keep their names ("Countryside Alliance", "Radio 1"); roles with no
  name are lower-case descriptions ("a Delta spokesperson").
- **Across articles**, at query time, a one-word speaker ("Blair") joins the longer name
  that holds most of its quotes ("Tony Blair"): `searcher.query.quote_search.merged_forms`.
"""

from __future__ import annotations

__all__ = ["clean_name", "fullest_name", "word_set"]


def word_set(text: str) -> frozenset[str]:
    """The words of `text`, split at spaces: how the word lists here are written."""
    return frozenset(text.split())


TITLES = word_set(
    "president vice prime minister secretary chancellor premier mp mep msp mr mrs ms miss mx "
    "dr prof professor sir dame lord lady baroness baron senator sen rep representative "
    "congressman congresswoman governor gov mayor general gen colonel col major captain capt "
    "lieutenant lt sergeant sgt admiral commander king queen prince princess sheikh emir "
    "ayatollah pope cardinal archbishop bishop rabbi imam rev reverend father judge justice "
    "ambassador commissioner chief deputy foreign defence defense interior finance home health "
    "shadow state chairman chairwoman chair director spokesman spokeswoman spokesperson coach "
    "manager leader head officer inspector detective superintendent constable attorney ceo "
    "boss skipper striker midfielder defender winger goalkeeper keeper fly-half scrum-half "
    "singer actor actress novelist author writer editor analyst economist correspondent "
    "presenter producer star farmer"
)
POST_TITLES = word_set("mp mep msp qc kc jr sr phd")
PEERS = word_set("lord lady baroness baron")  # kept before a lone surname: "Lord Goldsmith"
STOP = word_set(  # capitalised words that open a run of names but are none
    "But And Or So Yet Then Now Also However Meanwhile Later Earlier Still Instead Separately "
    "Moreover Furthermore Indeed Finally Today Yesterday The A An In On At As After Before When "
    "Other Such Every Each Any No Not Why What Who How Where "
    "While If Since During From With Without By For To "
    "Of Under Over Last Next This That These Those It Its He She They We I You There Here Our "
    "Their His Her My Your All Some Many Most Others Several Both One Another Police Officials "
    "Witnesses Analysts Critics Residents Protesters Authorities Experts Sources Reports "
    "Observers Researchers Officers Investigators Prosecutors Activists Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday January February March July September October November "
    "December"
)
PARTICLES = word_set("al bin ibn da de del della der di dos du el la le ter van von")
_RUN_CHARS = 80
_RUN_BREAKS = frozenset(',.;:!?"“”()')


def is_title(word: str) -> bool:
    """A title or job word that can stand before a name: "Dr", "Minister", "Co-chairman"."""
    word = word.rstrip(".").lower()
    return word in TITLES or word.rpartition("-")[2] in TITLES


def clean_name(words: list[str]) -> str:
    """The name in a capitalised run: "Deputy Prime Minister John Prescott" -> "John Prescott".

    Leading titles, descriptors and possessives go ("Labour's Yvette Cooper"), and so do
    trailing post-nominals ("Margaret Moran MP"); a peer's title stays before a lone
    surname ("Lord Goldsmith"). Empty when nothing but titles is left.
    """
    while words and words[-1].rstrip(".").lower() in POST_TITLES:
        words = words[:-1]
    cut = 0
    of = words.index("of") if "of" in words else len(words)  # "Association of Chief Police"
    for k, word in enumerate(words[: min(of, len(words) - 1)]):
        if is_title(word) or word.endswith(("’s", "'s")):
            cut = k + 1
    if cut == len(words) - 1 and cut > 0 and words[cut - 1].lower() in PEERS:
        cut -= 1
    words = words[cut:]
    while words and words[0] in STOP:
        words = words[1:]
    if not words or all(map(is_title, words)) or words[-1].endswith(("’s", "'s", "’", "'")):
        return ""
    return " ".join(words)


def fullest_name(name: str, body: str, pos: int, given_after: bool = True) -> str:
    """The fullest form of `name` the body gives, nearest before `pos` (see the module);
    `given_after`: also a form that goes on after it ("Wong Kar-Wai")."""
    if not name[:1].isupper() or "," in name or " and " in name:
        return name
    words = name.split()
    before: list[tuple[int, str]] = []
    after: list[tuple[int, str]] = []
    i = body.find(name)
    while i >= 0:
        end = i + len(name)
        if (i == 0 or not _is_word_char(body[i - 1])) and (
            end == len(body) or not _is_word_char(body[end])
        ):
            preceding = _run_before(body, i)
            if preceding:
                before.append((i, clean_name([*preceding, *words])))
            following = _run_after(body, end) if given_after else []
            if following:
                after.append((i, clean_name([*words, *following])))
        i = body.find(name, end)
    for found in (before, after):
        longer = [(at, full) for at, full in found if len(full) > len(name) and name in full]
        if longer:
            most = max(len(full.split()) for _, full in longer)
            widest = [(at, full) for at, full in longer if len(full.split()) == most]
            earlier = [full for at, full in widest if at < pos]
            return earlier[-1] if earlier else widest[0][1]
    return name


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "'’-"


def _run_before(body: str, i: int) -> list[str]:
    """The capitalised words (and name particles) right before `body[i]`, in order."""
    if i < 2 or body[i - 1] != " ":
        return []
    window = body[max(0, i - _RUN_CHARS) : i - 1]
    line = window.rfind("\n") + 1
    tokens = window[line:].split(" ")
    run: list[str] = []
    for token in reversed(tokens[1:] if i > _RUN_CHARS and not line else tokens):
        if not (token[:1].isupper() or token in PARTICLES) or token[-1:] in _RUN_BREAKS:
            break
        run.append(token)
    run.reverse()
    return run


def _run_after(body: str, end: int) -> list[str]:
    """The capitalised words right after `body[end]` (a given name after a family name)."""
    if body[end : end + 1] != " ":
        return []
    run: list[str] = []
    for token in body[end + 1 : end + _RUN_CHARS].split(" ")[:3]:
        word = token.rstrip(",.;:")
        if not word[:1].isupper() or word in STOP or is_title(word):
            break
        run.append(word)
        if word != token:
            break
    return run
