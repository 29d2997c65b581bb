"""Newspaper text exports: publication, headline, "- " byline, body, captions, footer.

The layout, blocks separated by blank lines:

    The Guardian Australia                       publication
    Russian paratroopers arrive in ...           headline
    - Shaun Walker and Naubet Bisenov in ...     byline (optional)
    Body paragraphs ...
     ?? Photograph: Credit/Agency ?? Caption.    caption line: credit and caption text
    Photograph: Credit/Agency Caption.           the same caption repeated: dropped
    Newspapers in English                        footer: language
    Newspapers from Australia                    footer: country

Exports share the `.txt` extension with plain text, so this reader claims no extension and
is chosen by `sniff` (or by name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import MappingProxyType

from searcher.corpus.base import Reader, ReadError, Source, blocks, normalise_space
from searcher.models import Article, Problem

NAME = "newspaper"
EXTENSIONS: tuple[str, ...] = ()

MAX_PUBLICATION_CHARS = 80
MAX_HEADLINE_CHARS = 300
MAX_BYLINE_CHARS = 300

# Patterns with no lazy part followed by optional space: those are quadratic on long runs
# of spaces; the parts are stripped instead.
_FOOTER = re.compile(r"^\s*Newspapers (?P<kind>in|from) (?P<value>\S.*)$")
_FOOTER_IN_HEAD = re.compile(r"^\s*Newspapers in [A-Z]\w*\s*$", re.MULTILINE)
_CAPTION = re.compile(r"^\s*\?\?\s*Photograph:(?P<credit>.*?)\?\?(?P<caption>.*)$")
_PHOTOGRAPH = "Photograph:"

_BYLINE_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
_NAME_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b)\s*")
_AFTER_NAME = re.compile(r"\s+(?:in|at|from|for|on|with)\s+.*$")
# Single words ("Reuters", "agencies") are never taken for names; these are longer ones.
_NOT_PEOPLE = frozenset(
    {"associated press", "australian associated press", "press association", "agence france-presse"}
)
_ROLE_WORDS = frozenset(
    {"correspondent", "editor", "reporter", "writer", "columnist", "staff", "chief", "analyst"}
)
_NAME_PARTICLES = frozenset(
    {
        "al",
        "bin",
        "da",
        "das",
        "de",
        "del",
        "della",
        "der",
        "di",
        "dos",
        "du",
        "ibn",
        "la",
        "le",
        "van",
        "von",
    }
)
MIN_NAME_WORDS = 2
MAX_NAME_WORDS = 5


def sniff(head: str) -> bool:
    """Publication, headline and "- " byline as the first three blocks, or the footer."""
    if "Newspapers in " in head and _FOOTER_IN_HEAD.search(head):
        return True
    top = blocks(head, 3)
    if len(top) < 3 or any(len(block) != 1 for block in top):
        return False
    publication, headline, byline = (normalise_space(block[0]) for block in top)
    return (
        len(publication) <= MAX_PUBLICATION_CHARS
        and not publication.endswith((".", ":", ","))
        and len(headline) <= MAX_HEADLINE_CHARS
        and byline.startswith("- ")
        and len(byline) <= MAX_BYLINE_CHARS
    )


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield the export's one article."""
    parts = blocks(source.read_text())
    footer = _take_footer(parts)
    photos = _take_captions(parts)
    paras = [normalise_space(" ".join(block)) for block in parts]
    if len(paras) < 2:
        raise ReadError(
            "newspaper export without a headline after the publication line", kind="bad-format"
        )
    publication, headline, *rest = paras
    byline = rest.pop(0)[2:].strip() if rest and rest[0].startswith("- ") else ""
    credits = {"photo_credits": tuple(photos.credits)} if photos.credits else {}
    yield Article(
        id=source.id,
        path=source.path,
        source=publication or source.default_source,
        section=source.section,
        headline=headline,
        byline=byline,
        authors=authors(byline),
        body="\n\n".join(rest),
        captions=tuple(photos.captions),
        language=footer.get("in", ""),
        country=footer.get("from", ""),
        metadata=MappingProxyType(credits),
    )


def authors(byline: str) -> tuple[str, ...]:
    """The people named in a byline, without places, agencies or job titles."""
    names: list[str] = []
    for part in _NAME_SEPARATORS.split(_BYLINE_PREFIX.sub("", byline)):
        name = _AFTER_NAME.sub("", part).strip()
        if _is_person(name) and name not in names:
            names.append(name)
    return tuple(names)


def _is_person(name: str) -> bool:
    words = name.split()
    if not MIN_NAME_WORDS <= len(words) <= MAX_NAME_WORDS or name.lower() in _NOT_PEOPLE:
        return False
    return all(
        word in _NAME_PARTICLES or (word[0].isupper() and word.lower() not in _ROLE_WORDS)
        for word in words
    )


def _take_footer(parts: list[list[str]]) -> dict[str, str]:
    """Remove the trailing "Newspapers in/from ..." lines; return {"in": ..., "from": ...}."""
    footer: dict[str, str] = {}
    while parts and (match := _FOOTER.match(parts[-1][-1])):
        footer.setdefault(match["kind"], match["value"].rstrip())
        parts[-1].pop()
        if not parts[-1]:
            parts.pop()
    return footer


@dataclass
class _Photos:
    """Captions and photo credits in order of appearance, each once."""

    captions: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    seen_lines: set[str] = field(default_factory=set)

    def add(self, credit: str, caption: str) -> None:
        for value, values in ((caption, self.captions), (credit, self.credits)):
            if value and value not in values:
                values.append(value)
        self.seen_lines.add(normalise_space(f"{_PHOTOGRAPH} {credit} {caption}"))

    def absorb(self, line: str) -> bool:
        """True if `line` is a caption line; a caption not seen before is recorded.

        "?? Photograph: credit ?? caption" lines were recorded by `_take_captions`; a plain
        "Photograph: ..." line repeats one of them, or else is kept whole as a caption,
        since its credit cannot be told from its text.
        """
        if _CAPTION.match(line):
            return True
        text = normalise_space(line)
        if not text.startswith(_PHOTOGRAPH):
            return False
        if text not in self.seen_lines:
            self.add("", text.removeprefix(_PHOTOGRAPH).strip())
        return True


def _take_captions(parts: list[list[str]]) -> _Photos:
    """Remove caption lines (and their repeats) from `parts`; return captions and credits."""
    photos = _Photos()
    for block in parts:
        for line in block:
            if match := _CAPTION.match(line):
                photos.add(normalise_space(match["credit"]), normalise_space(match["caption"]))
    for block in parts:
        block[:] = [line for line in block if not photos.absorb(line)]
    parts[:] = [block for block in parts if block]
    return photos


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
