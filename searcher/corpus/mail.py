"""Email-style messages (RFC 822 headers, a blank line, the body): Usenet posts, newsletters.

Subject is the headline; From the byline and author (the display name when there is one,
else the address); Date the date; the source is the first of Newsgroups, else the mailing
list (List-Id), else the name of the folder when it looks like a newsgroup (`sci.space`, as
in 20 Newsgroups, whose posts lost that header). The body is the first plain-text part.
Other headers (Organization, Keywords, ...) are dropped. Files with no extension are
recognised by their headers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_string
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr
from pathlib import PurePath
from types import MappingProxyType

from searcher.corpus.base import Reader, ReadError, Source, normalise_space, paragraphs
from searcher.corpus.dates import parse_date
from searcher.models import Article, Problem

NAME = "email"
EXTENSIONS = (".eml",)
KNOWN_HEADERS = frozenset({"from", "subject", "newsgroups", "date", "message-id", "to"})
MIN_KNOWN_HEADERS = 2
MAX_HEADER_CHARS = 64 * 1024

_HEADER = re.compile(r"^([!-9;-~]+):")
_NEWSGROUP = re.compile(r"^[a-z0-9+_-]+(\.[a-z0-9+_-]+)+$")
_LIST_NAME = re.compile(r"([^<]*)<")


def sniff(head: str) -> bool:
    """A block of header lines at the start, with at least two of From, Subject, Date, ..."""
    known = 0
    for line in head.splitlines():
        if not line.strip():
            break
        if line[0] in " \t":
            continue
        header = _HEADER.match(line)
        if not header:
            return False
        known += header[1].lower() in KNOWN_HEADERS
    return known >= MIN_KNOWN_HEADERS


def read(source: Source) -> Iterator[Article | Problem]:
    """Yield the message as one article."""
    try:  # the parser and `walk` recurse once a level of MIME parts
        message = message_from_string(source.read_text())
        body = _body(message)
    except RecursionError:
        raise ReadError("MIME parts nested too deeply", kind="too-deep") from None
    if not message.keys():
        raise ReadError("no message headers", kind="bad-format")
    byline = _sender(_header(message, "From"))
    groups = [g.strip() for g in _header(message, "Newsgroups").split(",") if g.strip()]
    yield Article(
        id=source.id,
        path=source.path,
        source=_source(message, groups, source.path),
        headline=normalise_space(_header(message, "Subject")),
        byline=byline,
        authors=(byline,) if byline else (),
        date=parse_date(_header(message, "Date")),
        body="\n\n".join(paragraphs(body)),
        metadata=MappingProxyType({"newsgroups": tuple(groups)} if len(groups) > 1 else {}),
    )


def _sender(header: str) -> str:
    name, address = parseaddr(header)
    return normalise_space(name or address or header)


def _source(message: Message, groups: list[str], path: str) -> str:
    if groups:
        return groups[0]
    if list_id := _header(message, "List-Id"):
        found = _LIST_NAME.match(list_id)
        name = found[1].strip() if found else ""
        return normalise_space(name or list_id.strip("<> "))
    folder = PurePath(path).parent.name
    return folder if _NEWSGROUP.match(folder) else ""


def _header(message: Message, name: str) -> str:
    """A header's text, with RFC 2047 encoded words (`=?utf-8?q?...?=`) decoded; only its
    first `MAX_HEADER_CHARS` (the decoder takes time quadratic in the number of words).
    Text without the `=?` that starts an encoded word is its own decoding."""
    value = str(message.get(name, ""))[:MAX_HEADER_CHARS]
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, UnicodeError):
        return value


def _body(message: Message) -> str:
    """The first plain-text part, decoded if it was sent as base64 or quoted-printable."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() != "text/plain":
            continue
        encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        payload = part.get_payload()
        if encoding in ("base64", "quoted-printable"):
            payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            try:
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
            except LookupError:
                return payload.decode("utf-8", errors="replace")
        return str(payload)
    return ""


READER = Reader(name=NAME, extensions=EXTENSIONS, sniff=sniff, read=read)
