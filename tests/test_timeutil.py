"""Time conversions: every provider time shape to UTC, local wall clock and IANA names."""

from __future__ import annotations

from datetime import date

import pytest

from tap_calinstances import timeutil


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-05T09:00:00-05:00", "2026-01-05T14:00:00Z"),
        ("2026-07-06T09:00:00-04:00", "2026-07-06T13:00:00Z"),
        ("2026-03-05T14:00:00Z", "2026-03-05T14:00:00Z"),
        ("2026-03-05T15:00:00+01:00", "2026-03-05T14:00:00Z"),
        ("2026-03-05T14:00:00.0000000+00:00", "2026-03-05T14:00:00Z"),
        ("2026-03-05T19:30:00+05:30", "2026-03-05T14:00:00Z"),
        ("2026-03-05T14:00:59.9999999+00:00", "2026-03-05T14:00:59Z"),
        ("0987-03-05T14:00:00Z", "0987-03-05T14:00:00Z"),
    ],
    ids=[
        "EST-offset",
        "EDT-offset",
        "zulu",
        "CET-offset",
        "seven-digit-fraction",
        "IST-half-hour",
        "fraction-cut-not-rounded",
        "three-digit-year",
    ],
)
def test_instants_with_offsets_become_utc_z(value: str, expected: str) -> None:
    assert timeutil.format_instant(timeutil.parse_instant(value)) == expected


def test_instant_without_offset_is_refused() -> None:
    with pytest.raises(timeutil.TimeValueError, match="without an offset"):
        timeutil.parse_instant("2026-03-05T14:00:00")


@pytest.mark.parametrize(
    ("wall", "zone", "expected"),
    [
        ("2026-01-05T09:00:00.0000000", "America/New_York", "2026-01-05T14:00:00Z"),
        ("2026-03-09T09:00:00.0000000", "America/New_York", "2026-03-09T13:00:00Z"),
        ("2026-11-02T09:00:00.0000000", "America/New_York", "2026-11-02T14:00:00Z"),
        ("2026-03-29T09:30:00", "Europe/London", "2026-03-29T08:30:00Z"),
        ("2026-03-28T09:30:00", "Europe/London", "2026-03-28T09:30:00Z"),
        ("2026-01-05T14:00:00.0000000", "UTC", "2026-01-05T14:00:00Z"),
    ],
    ids=["winter-EST", "first-monday-of-EDT", "back-to-EST", "BST-day-one", "GMT-eve", "utc"],
)
def test_wall_clock_in_zone_becomes_utc_across_dst(wall: str, zone: str, expected: str) -> None:
    assert timeutil.format_instant(timeutil.parse_naive_in_zone(wall, zone)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1767621600", "2026-01-05T14:00:00Z"), (1767621600, "2026-01-05T14:00:00Z")],
    ids=["string-seconds", "int-seconds"],
)
def test_unix_seconds(value: str | int, expected: str) -> None:
    assert timeutil.format_instant(timeutil.parse_unix_seconds(value)) == expected


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        (date(2026, 1, 9), "Europe/Berlin", "2026-01-08T23:00:00Z"),
        (date(2026, 7, 3), "Europe/Berlin", "2026-07-02T22:00:00Z"),
        (date(2026, 3, 5), "UTC", "2026-03-05T00:00:00Z"),
        (date(2026, 3, 5), "Asia/Shanghai", "2026-03-04T16:00:00Z"),
        # Santiago skips from 00:00 to 01:00 on DST day: the day starts at 01:00 local.
        (date(2026, 9, 6), "America/Santiago", "2026-09-06T04:00:00Z"),
    ],
    ids=["berlin-winter", "berlin-summer", "utc", "shanghai", "midnight-dst-gap"],
)
def test_all_day_starts_at_local_midnight(day: date, zone: str, expected: str) -> None:
    assert timeutil.format_instant(timeutil.local_midnight(day, zone)) == expected


@pytest.mark.parametrize(
    ("instant", "zone", "wall", "day"),
    [
        ("2026-03-09T13:00:00Z", "America/New_York", "2026-03-09T09:00:00", date(2026, 3, 9)),
        ("2026-01-06T03:30:00Z", "America/Los_Angeles", "2026-01-05T19:30:00", date(2026, 1, 5)),
        ("2026-03-09T13:00:00.75Z", "America/New_York", "2026-03-09T09:00:00", date(2026, 3, 9)),
        # Local mean time before 1883: an offset of -4:56:02, seconds included.
        ("1880-01-01T12:00:00Z", "America/New_York", "1880-01-01T07:03:58", date(1880, 1, 1)),
    ],
    ids=["edt", "previous-local-day", "fraction", "offset-with-seconds"],
)
def test_local_wall_clock_and_date(instant: str, zone: str, wall: str, day: date) -> None:
    parsed = timeutil.parse_instant(instant)
    assert timeutil.local_fields(parsed, zone) == (wall, day.isoformat())
    assert timeutil.local_date(parsed, zone) == day


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Asia/Calcutta", "Asia/Kolkata"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("US/Eastern", "America/New_York"),
        ("America/New_York", "America/New_York"),
        ("Etc/UTC", "UTC"),
        ("UTC", "UTC"),
    ],
    ids=["calcutta", "kiev", "us-eastern", "already-canonical", "etc-utc", "utc"],
)
def test_aliases_get_one_canonical_spelling(name: str, expected: str) -> None:
    assert timeutil.canonical_zone(name) == expected


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("India Standard Time", "Asia/Kolkata"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("tzone://Microsoft/Utc", "UTC"),
        ("No Such Standard Time", None),
    ],
    ids=["pacific", "india-canonical", "w-europe", "tzone-utc", "unknown"],
)
def test_windows_zone_names_map_to_canonical_iana(windows: str, expected: str | None) -> None:
    assert timeutil.windows_to_iana(windows) == expected


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(timeutil.TimeValueError, match="Mars/Olympus"):
        timeutil.zone("Mars/Olympus")
