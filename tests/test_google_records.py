"""Google items -> records, without any server: each Google shape and quirk."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tap_calinstances.engine.memory import CalendarMemory
from tap_calinstances.providers import CalendarTarget
from tap_calinstances.providers.google import changes, records
from tests.builders import (
    calendar_facts,
    google_calendar,
    google_instance,
    google_master,
    series_facts,
)


def instance(
    item: dict[str, Any], exceptions: frozenset[datetime] = frozenset(), **facts: Any
) -> dict:
    return records.instance_record(item, series_facts(**facts), exceptions)


@pytest.mark.parametrize(
    ("original", "start_at"),
    [
        ("2026-03-02T09:00:00-05:00", "2026-03-02T14:00:00Z"),
        ("2026-03-09T09:00:00-04:00", "2026-03-09T13:00:00Z"),
        ("2026-10-26T09:00:00-04:00", "2026-10-26T13:00:00Z"),
        ("2026-11-02T09:00:00-05:00", "2026-11-02T14:00:00Z"),
    ],
    ids=["before-spring-dst", "after-spring-dst", "before-fall-dst", "after-fall-dst"],
)
def test_new_york_weekly_across_dst(original: str, start_at: str) -> None:
    record = instance(google_instance(original))
    assert record["start_at"] == record["original_start_at"] == start_at
    assert record["start_local"].endswith("T09:00:00")
    assert record["timezone"] == "America/New_York"


def test_moved_occurrence_is_an_exception_with_its_original_start() -> None:
    item = google_instance(
        "2026-02-10T09:30:00+00:00",
        start={"dateTime": "2026-02-10T11:00:00Z", "timeZone": "Europe/London"},
        end={"dateTime": "2026-02-10T11:15:00Z", "timeZone": "Europe/London"},
        originalStartTime={"dateTime": "2026-02-10T09:30:00Z", "timeZone": "Europe/London"},
    )
    record = instance(item, timezone="Europe/London")
    assert record["original_start_at"] == "2026-02-10T09:30:00Z"
    assert (record["start_at"], record["end_at"]) == (
        "2026-02-10T11:00:00Z",
        "2026-02-10T11:15:00Z",
    )
    assert record["is_exception"] is True
    assert record["status"] == "confirmed"


def test_edited_occurrence_is_an_exception_when_the_listing_names_it() -> None:
    item = google_instance("2026-03-02T09:00:00-05:00", summary="Weekly sync (demo)")
    edited = frozenset({datetime(2026, 3, 2, 14, 0, tzinfo=UTC)})
    assert instance(item, edited)["is_exception"] is True
    assert instance(item)["is_exception"] is False


def test_minimal_cancelled_occurrence_gets_scheduled_times_and_series_summary() -> None:
    item = {
        "kind": "calendar#event",
        "id": "abc123_20260309T130000Z",
        "status": "cancelled",
        "recurringEventId": "abc123",
        "originalStartTime": {"dateTime": "2026-03-09T09:00:00-04:00"},
    }
    record = instance(item, frozenset({datetime(2026, 3, 9, 13, 0, tzinfo=UTC)}))
    assert record["status"] == "cancelled"
    assert record["start_at"] == record["original_start_at"] == "2026-03-09T13:00:00Z"
    assert record["end_at"] == "2026-03-09T14:00:00Z"
    assert record["summary"] == "Weekly sync"
    assert record["is_exception"] is False
    assert record["instance_id"] == item["id"]
    assert record["raw"] == item


def test_all_day_occurrence_in_berlin() -> None:
    item = google_instance(
        "unused",
        id="focus_20260109",
        originalStartTime={"date": "2026-01-09"},
        start={"date": "2026-01-09"},
        end={"date": "2026-01-10"},
        transparency="transparent",
    )
    record = instance(item, timezone="Europe/Berlin", is_all_day=True)
    assert record["is_all_day"] is True
    assert (record["start_at"], record["end_at"]) == (
        "2026-01-08T23:00:00Z",
        "2026-01-09T23:00:00Z",
    )
    assert (record["start_date"], record["end_date"]) == ("2026-01-09", "2026-01-10")
    assert record["timezone"] == "Europe/Berlin"
    assert record["show_as"] == "free"


@pytest.mark.parametrize(
    ("google", "ours"),
    [
        ("needsAction", "needs_action"),
        ("accepted", "accepted"),
        ("declined", "declined"),
        ("tentative", "tentative"),
    ],
)
def test_attendee_responses(google: str, ours: str) -> None:
    item = google_instance(
        "2026-03-02T09:00:00-05:00",
        attendees=[
            {"email": "r@x.com", "displayName": "R", "responseStatus": google, "optional": True},
            {"email": "room@x.com", "resource": True, "responseStatus": "accepted"},
        ],
    )
    person, room = instance(item)["attendees"]
    assert person == {
        "email": "r@x.com",
        "name": "R",
        "response_status": ours,
        "is_optional": True,
        "is_resource": False,
    }
    assert room["is_resource"] is True and room["is_optional"] is False


@pytest.mark.parametrize(
    ("fields", "show_as"),
    [
        ({}, "busy"),
        ({"transparency": "opaque"}, "busy"),
        ({"transparency": "transparent"}, "free"),
        ({"eventType": "outOfOffice"}, "oof"),
        ({"eventType": "workingLocation"}, "working_elsewhere"),
    ],
    ids=["default-opaque", "opaque", "transparent", "out-of-office", "working-location"],
)
def test_show_as(fields: dict[str, str], show_as: str) -> None:
    assert instance(google_instance("2026-03-02T09:00:00-05:00", **fields))["show_as"] == show_as


def test_missing_original_start_is_malformed() -> None:
    item = google_instance("2026-03-02T09:00:00-05:00")
    del item["originalStartTime"]
    with pytest.raises(ValueError, match="not an object"):
        instance(item)


@pytest.mark.parametrize(
    ("overrides", "owner", "zone"),
    [
        ({"primary": True, "id": "alex@example.com"}, "alex@example.com", "America/New_York"),
        ({"dataOwner": "alex@example.com"}, "alex@example.com", "America/New_York"),
        ({}, None, "America/New_York"),
        ({"timeZone": "Asia/Calcutta"}, None, "Asia/Kolkata"),
        ({"timeZone": None}, None, "UTC"),
    ],
    ids=["primary-id-is-owner", "data-owner", "unknown-owner", "alias-zone", "no-zone"],
)
def test_calendar_record(overrides: dict[str, Any], owner: str | None, zone: str) -> None:
    record = records.calendar_record(google_calendar(**overrides))
    assert record["owner_id"] == owner
    assert record["timezone"] == zone
    assert record["provider"] == "google"


def test_series_record_keeps_recurrence_lines_and_first_start() -> None:
    master = google_master(
        recurrence=["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=America/New_York:20260105T090000"]
    )
    facts = records.series_facts(master, calendar_facts())
    record = records.series_record(master, facts)
    assert record["recurrence"] == master["recurrence"]
    assert (
        record["rrule"]
        == "RRULE:FREQ=WEEKLY;BYDAY=MO\nEXDATE;TZID=America/New_York:20260105T090000"
    )
    assert record["first_start_at"] == "2026-01-05T14:00:00Z"
    assert record["updated_at"] == "2026-01-02T10:00:00Z"
    assert facts.duration.total_seconds() == 3600


def test_all_day_series_takes_the_calendar_zone() -> None:
    master = google_master(start={"date": "2026-01-09"}, end={"date": "2026-01-10"})
    facts = records.series_facts(master, calendar_facts("Europe/Berlin"))
    assert facts.is_all_day and facts.timezone == "Europe/Berlin" and facts.duration.days == 1
    assert records.series_record(master, facts)["first_start_at"] == "2026-01-08T23:00:00Z"


def test_change_listing_item_kinds() -> None:
    target = CalendarTarget("team@group.calendar.example", "me", "America/New_York", None, {})
    items = [
        {"id": "a_20260105T140000Z", "recurringEventId": "abc123", "status": "confirmed",
         "originalStartTime": {"dateTime": "2026-01-05T09:00:00-05:00"},
         "start": {"dateTime": "2026-01-06T15:30:00+01:00", "timeZone": "Europe/Berlin"},
         "end": {"dateTime": "2026-01-06T16:00:00+01:00", "timeZone": "Europe/Berlin"}},
        {"id": "a_20260119T140000Z", "recurringEventId": "abc123", "status": "confirmed",
         "originalStartTime": {"dateTime": "2026-01-19T09:00:00-05:00"}},
        {"id": "a_20260112T140000Z", "recurringEventId": "abc123", "status": "cancelled",
         "originalStartTime": {"dateTime": "2026-01-12T09:00:00-05:00"}},
        google_master(),
        google_master(id="gone", status="cancelled"),
        google_master(id="single", recurrence=None),
    ]  # fmt: skip
    found = changes.changes(items, target, False, "cursor-2", CalendarMemory())
    assert list(found.live) == ["abc123"]
    assert found.deleted == {"gone", "single"}
    assert found.touched == {"abc123"}
    assert found.exceptions == {
        "abc123": {datetime(2026, 1, 5, 14, tzinfo=UTC), datetime(2026, 1, 19, 14, tzinfo=UTC)}
    }
    # Where the edit put it, as instants; the edit without times is not placed at all.
    assert found.edited_at == {
        "abc123": {
            datetime(2026, 1, 5, 14, tzinfo=UTC): (
                datetime(2026, 1, 6, 14, 30, tzinfo=UTC),
                datetime(2026, 1, 6, 15, tzinfo=UTC),
            )
        }
    }
    assert found.unexceptions == {"abc123": {datetime(2026, 1, 12, 14, tzinfo=UTC)}}
    assert (found.full, found.cursor) == (False, "cursor-2")
    assert found.live["abc123"].rule == ["RRULE:FREQ=WEEKLY;BYDAY=MO"]
