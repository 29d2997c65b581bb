"""Dates in whatever form archives write them, as timezone-aware datetimes (python-dateutil).

A date without a zone, or with a zone name it does not know, is taken as UTC. A date that
cannot be parsed is `None`: never a guess. Numbers are Unix timestamps, in seconds or
milliseconds.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timezone

# Timestamps above this are taken for milliseconds (seconds would be after the year 5138).
MAX_SECONDS = 10**11
HOUR = 3600
MAX_DATE_CHARS = 100  # longer text is not a date, and would cost the parser time
_TZINFOS = {
    **{"EST": -5 * HOUR, "EDT": -4 * HOUR, "CST": -6 * HOUR, "CDT": -5 * HOUR},
    **{"MST": -7 * HOUR, "MDT": -6 * HOUR, "PST": -8 * HOUR, "PDT": -7 * HOUR},
    **{"BST": 1 * HOUR, "CET": 1 * HOUR, "MET": 1 * HOUR, "CEST": 2 * HOUR, "MEST": 2 * HOUR},
}


def parse_date(value: object) -> datetime | None:
    """`value` (text or a Unix timestamp) as an aware datetime, or None if it is not a date."""
    from dateutil import parser  # imported on the first date, not by every `search query`

    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            seconds = value / 1000 if abs(value) >= MAX_SECONDS else value
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_DATE_CHARS:
            return None
        with warnings.catch_warnings():  # an unknown zone name: the time is taken as UTC
            warnings.simplefilter("ignore", parser.UnknownTimezoneWarning)
            date = parser.parse(value, tzinfos=_TZINFOS)
    except (ValueError, OverflowError, OSError, parser.ParserError):
        return None
    return date if date.tzinfo is not None else date.replace(tzinfo=timezone.utc)
