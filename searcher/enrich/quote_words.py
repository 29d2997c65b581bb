"""The word lists and patterns the quote rules share: marks, cue verbs, function words, and
the nouns and honorifics that tell a person from a role or an organisation.
"""

from __future__ import annotations

import re

from searcher.enrich.speakers import word_set

# A mark that may open or close a quote: any but a single mark between two letters or digits
# (an apostrophe, don’t), which the scanner skips. A body without one has no quote.
_QUOTING_RE = re.compile(r"[“”\"«»'‘’](?<![^\W_]['‘’](?=[^\W_]))")
_FAMILY = {"“": "d", "”": "d", '"': "d", "«": "g", "»": "g", "‘": "s", "’": "s", "'": "s"}
_SENTENCE_PUNCT = frozenset(".!?…")
_LOOKAHEAD = 120
_MAX_NAME_WORDS = 6
_CUE_VERBS = word_set(
    "said says say saying told tells telling added adds adding asked asks stated declared "
    "declares warned warns warning explained explains explaining insisted insists insisting "
    "noted notes noting claimed claims claiming argued argues arguing wrote writes tweeted "
    "tweets replied replies recalled recalls admitted admits acknowledged announced commented "
    "conceded concedes stressed stressing urged responded confirmed confirms confirming "
    "described describes describing called calls labelled labelling labeled branded suggested "
    "suggests concluded concludes specified reiterated predicted predicts talked"
)
_PREPOSITIONS = word_set("of for in at from to with by on about against into")
_CONJUNCTIONS = word_set(
    "and but or while as because although though when if since after before so yet which who "
    "that where whereas"
)
_DETERMINERS = word_set("the a an his her its their")
_ROLE_LINKS = word_set("for of at from")  # "a spokesman for the ...", "a source at ..."
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
_HONORIFICS = word_set("Mr Mrs Ms Miss Dr Sir Dame Prof")
# Heads of descriptions that name a role rather than one person the article introduced.
_ROLE_NOUNS = word_set("spokesman spokeswoman spokesperson official source insider aide")
