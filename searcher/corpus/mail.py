"""Email-style messages (RFC 822 headers, a blank line, the body): Usenet posts, newsletters.

Subject is the headline; From the byline and author (the display name when there is one,
else the address); Date the date; the source is the first of Newsgroups, else the mailing
list (List-Id), else the name of the folder when it looks like a newsgroup (`sci.space`, as
in 20 Newsgroups, whose posts lost that header). The body is the first plain-text part.
Other headers (Organization, Keywords, ...) are dropped. Files with no extension are
recognised by their headers.

Most posts are plain: RFC 822 headers and a body, no MIME, which `_plain` reads itself as
the standard library's `email` parser would, at a fraction of its cost; anything else (MIME
headers, an mbox `From ` line, a header block the parser would repair) goes to `email`.
Likewise the common shapes of a From header (`a@b (Name)`, `Name <a@b>`, `"Name" <a@b>`,
`<a@b>`, `a@b`) are read without `parseaddr`, to the same name or address.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from email import message_from_string
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr
from types import MappingProxyType

from searcher.corpus.base import Reader, ReadError, Source, normalise_space, paragraphs
from searcher.corpus.dates import parse_date
from searcher.corpus.decode import needs_repair
from searcher.models import Article, Problem

NAME = "email"
EXTENSIONS = (".eml",)
KNOWN_HEADERS = frozenset({"from", "subject", "newsgroups", "date", "message-id", "to"})
MIN_KNOWN_HEADERS = 2
MAX_HEADER_CHARS = 64 * 1024

_HEADER = re.compile(r"^([!-9;-~]+):")
_NEWSGROUP = re.compile(r"^[a-z0-9+_-]+(\.[a-z0-9+_-]+)+$")
_LIST_NAME = re.compile(r"([^<]*)<")
# A header field as `email` reads it: its name, then its value from the first character
# past the colon and the spaces or tabs after it to the end of its last continuation line.
_FIELD = re.compile(r"([!-9;-~]+):[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)\n?")
_BLANKS = re.compile("[ \t]+")
_MIME_HEADERS = ("content-type", "content-transfer-encoding")
# An address whose parts are atoms (no quoting, comments or spaces), and a phrase's word.
_ATOM = r"[^()<>@,:;.\"\[\]\\ \t\r\n]+"
_WORD = r"[^()<>@,:;\"\[\]\\ \t\r\n]+"
_ADDRESS = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
_SIMPLE_SENDER = re.compile(
    rf"[ \t]*(?:(?P<address>{_ADDRESS})(?:[ \t]*\((?P<comment>[^()\\\r\n]*)\))?"
    rf"|(?:(?P<phrase>{_WORD}(?:[ \t]+{_WORD})*)|\"(?P<quoted>[^\"\\\r\n]*)\")?"
    rf"[ \t]*<(?P<routed>{_ADDRESS})>)[ \t]*"
)


def sniff(head: str) -> bool:
    """A block of header lines at the start, with at least two of From, Subject, Date, ..."""
    known = 0
    blank = head.find("\n\n")  # the lines after it are never looked at
    for line in (head[:blank] if blank >= 0 else head).splitlines():
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
    text = source.read_text()
    headers, body = _plain(text) or _parsed(text)
    if not headers:
        raise ReadError("no message headers", kind="bad-format")
    byline = _sender(_header(headers, "From"))
    groups = [g.strip() for g in _header(headers, "Newsgroups").split(",") if g.strip()]
    yield Article(
        id=source.id,
        path=source.path,
        source=_source(headers, groups, source.path) or source.default_source,
        section=source.section,
        headline=normalise_space(_header(headers, "Subject")),
        byline=byline,
        authors=(byline,) if byline else (),
        date=parse_date(_header(headers, "Date")),
        body="\n\n".join(paragraphs(body)),
        metadata=MappingProxyType({"newsgroups": tuple(groups)} if len(groups) > 1 else {}),
    )


def _plain(text: str) -> tuple[dict[str, str], str] | None:
    """The headers (each name's first value, by lower-case name) and body of a plain
    message, as `email` reads them; None for anything else: MIME headers, no header, a
    first line that is an mbox `From ` line or a continuation, a line starting with a colon
    in the headers, carriage returns, lone surrogates."""
    if "\r" in text or needs_repair(text):
        return None
    headers: dict[str, str] = {}
    position = 0
    while field := _FIELD.match(text, position):
        headers.setdefault(field[1].lower(), field[2])
        position = field.end()
    rest = text[position : position + 5]
    if not headers or rest.startswith(("From ", ":")) or any(h in headers for h in _MIME_HEADERS):
        return None
    # A blank line ends the headers; any other line (not a header) starts the body.
    return headers, text[position + rest.startswith("\n") :]


def _parsed(text: str) -> tuple[dict[str, str], str]:
    """The headers and body of any message, by the standard library's parser."""
    try:  # the parser and `walk` recurse once a level of MIME parts
        message = message_from_string(text)
        body = _body(message)
    except RecursionError:
        raise ReadError("MIME parts nested too deeply", kind="too-deep") from None
    headers: dict[str, str] = {}
    for name, value in message.items():
        headers.setdefault(name.lower(), str(value))
    return headers, body


def _sender(header: str) -> str:
    name, address = _simple_sender(header) or parseaddr(header)
    return normalise_space(name or address or header)


def _simple_sender(header: str) -> tuple[str, str] | None:
    """`parseaddr(header)` for its common shapes (see the module docstring), else None."""
    found = _SIMPLE_SENDER.fullmatch(header)
    if not found:
        return None
    if found["address"]:
        return found["comment"] or "", found["address"]
    phrase = found["phrase"]
    name = _BLANKS.sub(" ", phrase) if phrase else found["quoted"] or ""
    return name, found["routed"]


def _source(headers: dict[str, str], groups: list[str], path: str) -> str:
    if groups:
        return groups[0]
    if list_id := _header(headers, "List-Id"):
        found = _LIST_NAME.match(list_id)
        name = found[1].strip() if found else ""
        return normalise_space(name or list_id.strip("<> "))
    folder = os.path.basename(os.path.dirname(path))
    return folder if _NEWSGROUP.match(folder) else ""


def _header(headers: dict[str, str], name: str) -> str:
    """A header's text, with RFC 2047 encoded words (`=?utf-8?q?...?=`) decoded; only its
    first `MAX_HEADER_CHARS` (the decoder takes time quadratic in the number of words).
    Text without the `=?` that starts an encoded word is its own decoding."""
    value = headers.get(name.lower(), "")[:MAX_HEADER_CHARS]
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
