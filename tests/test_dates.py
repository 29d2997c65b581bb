"""Tests for searcher.corpus.dates: aware datetimes from archive dates, None when unparseable."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

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
