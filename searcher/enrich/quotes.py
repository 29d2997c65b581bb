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

Where the passes live: marks in `quote_spans`, cues' subjects and sentences in
`quote_subjects` (names in `quote_names`), attribution and who is meant in
`quote_attribution`, the word lists they share in `quote_words`.
"""

from __future__ import annotations

from searcher.enrich.quote_attribution import _Attributor, _no_quote
from searcher.enrich.quote_spans import _masked, _paragraphs, _scan
from searcher.enrich.quote_subjects import _sentence_starts
from searcher.enrich.quote_words import _FAMILY, _QUOTING_RE
from searcher.models import Quote

__all__ = ["extract_quotes"]


def extract_quotes(body: str) -> tuple[Quote, ...]:
    """The direct quotations in `body` (paragraphs separated by blank lines), in order."""
    if not _QUOTING_RE.search(body):
        return ()
    paras = _paragraphs(body)
    raws = _scan(body, paras)
    doubled = [raw for raw in raws if _FAMILY[body[raw.segments[0][0] - 1]] != "s"]
    if doubled:
        raws = doubled  # single marks beside double ones set off titles and terms
    if all(_no_quote(body, raw) for raw in raws):
        return ()
    masked = _masked(body, raws)
    para_starts = [lo for lo, _ in paras]
    attributor = _Attributor(body, masked, para_starts, _sentence_starts(masked, para_starts))
    quotes = (attributor.quote(raw) for raw in raws)
    return tuple(quote for quote in quotes if quote is not None)
