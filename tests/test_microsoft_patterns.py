"""Graph's patternedRecurrence as RRULE, expanded in the series' wall clock: occurrence
lists computed by hand (DST changes included), not with dateutil."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tap_calinstances import recurrence
from tap_calinstances.providers import CalendarTarget
from tap_calinstances.providers.microsoft import records
from tap_calinstances.windows import Window

TARGET = CalendarTarget("AAMkCal", "alex@contoso.example", "UTC", "alex@contoso.example", {})
FIRST_HALF = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
TWO_YEARS = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


def master(start: str, zone: str, pattern: dict[str, Any], span: dict[str, Any]) -> dict:
    """A series master as Graph lists it with Prefer: outlook.timezone="UTC"."""
    return {
        "id": "AAMkMaster",
        "type": "seriesMaster",
        "subject": "Sync",
        "isAllDay": False,
        "originalStartTimeZone": zone,
        "start": {"dateTime": start + ".0000000", "timeZone": "UTC"},
        "end": {"dateTime": start[:11] + "23:59:00.0000000", "timeZone": "UTC"},
        "recurrence": {"pattern": pattern, "range": {"recurrenceTimeZone": zone, **span}},
    }


CASES = [
    pytest.param(
        master("2026-01-05T17:00:00", "Pacific Standard Time",
               {"type": "daily", "interval": 2}, {"type": "numbered", "numberOfOccurrences": 3}),
        "RRULE:FREQ=DAILY;INTERVAL=2;COUNT=3", FIRST_HALF,
        ["2026-01-05T17:00:00Z", "2026-01-07T17:00:00Z", "2026-01-09T17:00:00Z"],
        id="daily-interval-numbered",
    ),
    pytest.param(
        master("2026-03-02T14:00:00", "Eastern Standard Time",
               {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"],
                "firstDayOfWeek": "sunday"},
               {"type": "endDate", "startDate": "2026-03-02", "endDate": "2026-03-11"}),
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU;UNTIL=20260311T130000Z", FIRST_HALF,
        ["2026-03-02T14:00:00Z", "2026-03-04T14:00:00Z", "2026-03-09T13:00:00Z",
         "2026-03-11T13:00:00Z"],
        id="weekly-across-us-dst-end-date-inclusive",
    ),
    pytest.param(
        master("2026-01-31T09:00:00", "W. Europe Standard Time",
               {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31}, {"type": "noEnd"}),
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=31", FIRST_HALF,
        ["2026-01-31T09:00:00Z", "2026-03-31T08:00:00Z", "2026-05-31T08:00:00Z"],
        id="absolute-monthly-31st-skips-short-months",
    ),
    pytest.param(
        master("2026-01-30T07:00:00", "China Standard Time",
               {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"],
                "index": "last"},
               {"type": "endDate", "startDate": "2026-01-30", "endDate": "2026-03-31"}),
        "RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1;UNTIL=20260331T070000Z", FIRST_HALF,
        ["2026-01-30T07:00:00Z", "2026-02-27T07:00:00Z", "2026-03-27T07:00:00Z"],
        id="relative-monthly-last-friday",
    ),
    pytest.param(
        master("2026-02-02T08:00:00", "UTC",
               {"type": "relativeMonthly", "interval": 1, "index": "first",
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"]},
               {"type": "numbered", "numberOfOccurrences": 3}),
        "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1;COUNT=3", FIRST_HALF,
        ["2026-02-02T08:00:00Z", "2026-03-02T08:00:00Z", "2026-04-01T08:00:00Z"],
        id="relative-monthly-first-weekday",
    ),
    pytest.param(
        master("2026-03-15T05:30:00", "India Standard Time",
               {"type": "absoluteYearly", "interval": 1, "month": 3, "dayOfMonth": 15},
               {"type": "numbered", "numberOfOccurrences": 2}),
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15;COUNT=2", TWO_YEARS,
        ["2026-03-15T05:30:00Z", "2027-03-15T05:30:00Z"],
        id="absolute-yearly-india",
    ),
    pytest.param(
        master("2026-11-10T14:00:00", "Eastern Standard Time",
               {"type": "relativeYearly", "interval": 1, "month": 11, "index": "second",
                "daysOfWeek": ["tuesday"]}, {"type": "noEnd"}),
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=TU;BYSETPOS=2", TWO_YEARS,
        ["2026-11-10T14:00:00Z", "2027-11-09T14:00:00Z"],
        id="relative-yearly-second-tuesday-of-november",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("item", "rrule", "window", "expected"), CASES)
def test_pattern_to_rrule_and_its_occurrences(
    item: dict[str, Any], rrule: str, window: Window, expected: list[str]
) -> None:
    facts = records.series_facts(item, TARGET)
    lines = records.rule_lines(item, facts)
    assert lines == [rrule]
    starts = recurrence.scheduled_starts(
        lines, records.first_start(item, facts), facts.duration, window
    )
    assert [s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in starts or []] == expected


@pytest.mark.parametrize(
    "pattern",
    [{"type": "hourly", "interval": 1}, {"type": "weekly", "interval": 1, "daysOfWeek": []}],
    ids=["unknown-type", "weekly-without-days"],
)
def test_a_pattern_without_an_exact_rrule_synthesizes_nothing(
    pattern: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    item = master("2026-01-05T17:00:00", "Pacific Standard Time", pattern, {"type": "noEnd"})
    facts = records.series_facts(item, TARGET)
    assert records.rule_lines(item, facts) == []
    assert "cannot convert" in caplog.text


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("India Standard Time", "Asia/Kolkata"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("tzone://Microsoft/Utc", "UTC"),
        ("tzone://Microsoft/Custom", "Europe/Paris"),
        ("Customized Time Zone", "Europe/Paris"),
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("", "Europe/Paris"),
        ("Nowhere Standard Time", "Europe/Paris"),
    ],
)
def test_zone_names(zone: str, expected: str) -> None:
    assert records.zone_name(zone, "Europe/Paris") == expected


def test_a_master_naming_its_zone_only_in_the_range() -> None:
    item = master("2026-01-05T17:00:00", "", {"type": "daily", "interval": 1}, {"type": "noEnd"})
    item["recurrence"]["range"]["recurrenceTimeZone"] = "Tokyo Standard Time"
    assert records.series_zone(item) == "Asia/Tokyo"
    item["recurrence"]["range"]["recurrenceTimeZone"] = ""
    item["originalStartTimeZone"] = "W. Europe Standard Time"
    assert records.series_zone(item) == "Europe/Berlin"
