"""Tests for searcher.corpus.dates: aware datetimes from archive dates, None when unparseable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from dateutil import parser as dateutil_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from searcher.corpus.dates import parse_date

UTC = timezone.utc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        (
            "Tue, 20 Apr 1993 13:06:40 EST",
            datetime(1993, 4, 20, 13, 6, 40, tzinfo=timezone(timedelta(hours=-5))),
        ),
        (
            "2024-01-02T03:04:05+02:00",
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("8 Apr 93 22:50:09 GMT", datetime(1993, 4, 8, 22, 50, 9, tzinfo=UTC)),
        (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1700000000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
    ],
)
def test_dates_are_aware(value: object, expected: datetime) -> None:
    date = parse_date(value)
    assert date == expected
    assert date is not None and date.tzinfo is not None


@pytest.mark.parametrize(
    "value", ["", "garbage", "31-MAR-1987 605:12:19.12", None, True, 1e300, float("nan"), [1]]
)
def test_unparseable_is_none(value: object) -> None:
    assert parse_date(value) is None


@settings(max_examples=300, deadline=None)
@given(
    st.tuples(
        st.integers(0, 32),
        st.sampled_from(["FEB", "MAR", "SEP", "Feb", "XYZ"]),
        st.integers(0, 2100),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
        st.sampled_from(["", ".79", ".5", ".123456", " "]),
    )
)
def test_wire_dates_read_as_the_date_parser_reads_them(
    parts: tuple[int, str, int, int, int, int, str],
) -> None:
    # "26-FEB-1987 15:01:01.79" has a quick path of its own: it must agree with dateutil.
    day, month, year, hour, minute, second, tail = parts
    value = f"{day}-{month}-{year:04d} {hour}:{minute:02d}:{second:02d}{tail}"
    try:
        expected: datetime | None = dateutil_parser.parse(value).replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        expected = None
    assert parse_date(value) == expected
