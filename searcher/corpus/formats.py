"""The reader formats by name, in sniffing order, and the module that holds each reader.

Kept apart from `registry` (which imports every reader) so that the command line can list
the formats in its help without loading the readers.
"""

from __future__ import annotations

from types import MappingProxyType

# Specific formats first: a file gets the first reader whose sniff recognises it.
READER_MODULES = MappingProxyType(
    {
        "sgml": "sgml",
        "cranfield": "cranfield",
        "html": "webpage",
        "email": "mail",
        "jsonl": "jsonl",
        "json": "jsondoc",
        "csv": "table",
        "newspaper": "newspaper",
        "text": "text",
    }
)
READER_FORMATS: tuple[str, ...] = tuple(READER_MODULES)
