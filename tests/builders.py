"""Builders for provider items, so tests state only what matters to them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers.google.records import CalendarFacts


def google_calendar(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": "calendar#calendarListEntry",
        "id": "team@group.calendar.example",
        "summary": "Team",
        "timeZone": "America/New_York",
        "accessRole": "owner",
    }
    item.update(overrides)
    return item


def google_master(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "abc123",
        "status": "confirmed",
        "summary": "Weekly sync",
        "updated": "2026-01-02T10:00:00.000Z",
        "start": {"dateTime": "2026-01-05T09:00:00-05:00", "timeZone": "America/New_York"},
        "end": {"dateTime": "2026-01-05T10:00:00-05:00", "timeZone": "America/New_York"},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO"],
    }
    item.update(overrides)
    return item


def google_instance(original: str, **overrides: Any) -> dict[str, Any]:
    """An occurrence scheduled at ``original`` (RFC 3339 with offset) and not moved."""
    item: dict[str, Any] = {
        "id": "abc123_20260105T140000Z",
        "status": "confirmed",
        "recurringEventId": "abc123",
        "originalStartTime": {"dateTime": original, "timeZone": "America/New_York"},
        "start": {"dateTime": original, "timeZone": "America/New_York"},
        "end": {"dateTime": original.replace("T09:", "T10:"), "timeZone": "America/New_York"},
        "summary": "Weekly sync",
        "iCalUID": "abc123@google.com",
        "etag": '"3412"',
        "updated": "2026-01-02T10:00:00.000Z",
        "htmlLink": "https://www.google.com/calendar/event?eid=x",
    }
    item.update(overrides)
    return item


def calendar_facts(zone: str = "America/New_York") -> CalendarFacts:
    return CalendarFacts("team@group.calendar.example", zone, "owner@example.com")


def series_facts(**overrides: Any) -> SeriesFacts:
    values: dict[str, Any] = {
        "provider": "google",
        "calendar_id": "team@group.calendar.example",
        "series_id": "abc123",
        "owner_id": "owner@example.com",
        "timezone": "America/New_York",
        "summary": "Weekly sync",
        "is_all_day": False,
        "duration": timedelta(hours=1),
    }
    values.update(overrides)
    return SeriesFacts(**values)
