"""Recurrence arithmetic: whether a series can occur in the window, and what it schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tap_calinstances.recurrence import may_occur_in, scheduled_starts
from tap_calinstances.windows import Window

NY = ZoneInfo("America/New_York")
WINDOW = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("lines", "first", "expected"),
    [
        (["RRULE:FREQ=WEEKLY;BYDAY=MO"], datetime(2020, 1, 6, 9, tzinfo=NY), True),
        (
            ["RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20251218T000000Z"],
            datetime(2025, 6, 5, 11, tzinfo=NY),
            False,
        ),
        (
            ["RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20260108T170000Z"],
            datetime(2025, 6, 5, 11, tzinfo=NY),
            True,
        ),
        (["RRULE:FREQ=DAILY;COUNT=10"], datetime(2025, 12, 1, 9, tzinfo=NY), False),
        (["RRULE:FREQ=DAILY;COUNT=40"], datetime(2025, 12, 1, 9, tzinfo=NY), True),
        (["RRULE:FREQ=WEEKLY;BYDAY=MO"], datetime(2027, 3, 1, 9, tzinfo=NY), False),
        (
            ["RRULE:FREQ=WEEKLY;UNTIL=20251218T000000Z", "RDATE:20260302T140000Z"],
            datetime(2025, 6, 5, 11, tzinfo=NY),
            True,
        ),
        (
            ["RRULE:FREQ=WEEKLY;BYDAY=XX;UNTIL=20251218T000000Z"],
            datetime(2025, 6, 5, 11, tzinfo=NY),
            True,
        ),
        (["EXDATE:20260105T140000Z"], datetime(2025, 6, 5, 11, tzinfo=NY), True),
        # Ends at 00:30 on 1 January: the last occurrence overlaps the window start.
        (
            ["RRULE:FREQ=DAILY;UNTIL=20251231T233000Z"],
            datetime(2025, 12, 1, 18, 30, tzinfo=NY),
            True,
        ),
    ],
    ids=[
        "unbounded",
        "ended-before-window",
        "ends-in-window",
        "count-ends-before",
        "count-reaches-window",
        "starts-after-window",
        "rdate-added",
        "unreadable-rule",
        "no-rrule",
        "last-one-straddles-window-start",
    ],
)
def test_may_occur_in(lines: list[str], first: datetime, expected: bool) -> None:
    assert may_occur_in(lines, first, HOUR, WINDOW) is expected


def test_exdate_that_removes_the_only_occurrence_in_the_window() -> None:
    lines = ["RRULE:FREQ=DAILY;COUNT=3", "EXDATE:20260101T140000Z"]
    first = datetime(2025, 12, 30, 9, tzinfo=NY)  # 30th, 31st, 1st; the 1st is excluded
    assert may_occur_in(lines, first, HOUR, WINDOW) is False


@pytest.mark.parametrize(
    ("lines", "first", "window", "expected"),
    [
        (
            ["RRULE:FREQ=WEEKLY;BYDAY=MO"],
            datetime(2026, 1, 5, 9, tzinfo=ZoneInfo("America/New_York")),
            (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)),
            ["2026-03-02T14:00:00Z", "2026-03-09T13:00:00Z"],
        ),
        (
            ["RRULE:FREQ=MONTHLY;BYDAY=-1FR", "EXDATE;TZID=Europe/Berlin:20260227T100000"],
            datetime(2026, 1, 30, 10, tzinfo=ZoneInfo("Europe/Berlin")),
            (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
            ["2026-01-30T09:00:00Z", "2026-03-27T09:00:00Z"],
        ),
        (
            # An occurrence that ends exactly at the window start is not in it.
            ["RRULE:FREQ=DAILY;COUNT=3"],
            datetime(2026, 6, 1, 8, tzinfo=UTC),
            (datetime(2026, 6, 1, 9, tzinfo=UTC), datetime(2026, 6, 30, tzinfo=UTC)),
            ["2026-06-02T08:00:00Z", "2026-06-03T08:00:00Z"],
        ),
    ],
    ids=["weekly-across-dst", "last-friday-with-exdate", "window-start-edge"],
)
def test_scheduled_starts(
    lines: list[str], first: datetime, window: tuple[datetime, datetime], expected: list[str]
) -> None:
    starts = scheduled_starts(lines, first, timedelta(hours=1), Window(*window))
    assert [s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in starts or []] == expected


def test_scheduled_starts_of_an_unreadable_rule_is_none() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    window = Window(start, start + timedelta(days=30))
    assert scheduled_starts(["RRULE:FREQ=SOMETIMES"], start, timedelta(hours=1), window) is None
