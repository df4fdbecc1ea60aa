"""Feishu / Lark calendar items -> the tap's records. Pure: dicts in, dicts out.

Times are Unix seconds sent as strings, with an IANA zone (timed events default to
Asia/Shanghai); all-day events carry dates in UTC and an **inclusive** end date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from tap_calinstances import normalize, timeutil
from tap_calinstances.normalize import Attendee, Occurrence, SeriesFacts
from tap_calinstances.providers import CalendarTarget

PROVIDER = "feishu"
DEFAULT_ZONE = "Asia/Shanghai"  # Feishu's default for timed events
_SHOW_AS = {"busy": "busy", "free": "free"}
_RESPONSES = {
    "accept": "accepted",
    "decline": "declined",
    "tentative": "tentative",
    "needs_action": "needs_action",
}
# Calendar types the events API does not serve: calendars synced from elsewhere.
THIRD_PARTY = frozenset({"google", "exchange"})


def calendar_record(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "provider": PROVIDER,
        "calendar_id": str(item["calendar_id"]),
        "name": item.get("summary_alias") or item.get("summary"),
        "description": item.get("description") or None,
        "timezone": None,  # Feishu calendars have no zone of their own
        "owner_id": None,
        "access_role": item.get("role"),
        "is_primary": item.get("type") == "primary",
        "raw": dict(item),
    }


def _zone(value: Any, fallback: str) -> str:
    zone = value.get("timezone") if isinstance(value, Mapping) else None
    return timeutil.canonical_zone(zone) if zone and timeutil.is_known_zone(zone) else fallback


def _when(value: Any) -> datetime | date:
    """``{timestamp, timezone}`` (Unix seconds as a string) or ``{date, timezone}``."""
    if not isinstance(value, Mapping):
        raise ValueError("a start/end time is not an object")
    if value.get("timestamp") not in (None, ""):
        return timeutil.parse_unix_seconds(str(value["timestamp"]))
    if value.get("date"):
        return timeutil.parse_date(str(value["date"]))
    raise ValueError("a start/end time has neither timestamp nor date")


def _end(value: Any) -> datetime | date:
    end = _when(value)
    # Feishu all-day end dates are inclusive; the record's end_date is exclusive.
    return end if isinstance(end, datetime) else end + timedelta(days=1)


def is_master(item: Mapping[str, Any]) -> bool:
    """A live recurring series: ``<uid>_0`` with a rule."""
    return (
        bool(item.get("recurrence"))
        and str(item.get("event_id", "")).endswith("_0")
        and item.get("status") != "cancelled"
    )


def series_facts(master: Mapping[str, Any], target: CalendarTarget) -> SeriesFacts:
    start, end = _when(master.get("start_time")), _end(master.get("end_time"))
    all_day = not isinstance(start, datetime)
    zone = _zone(master.get("start_time"), timeutil.UTC_NAME if all_day else DEFAULT_ZONE)
    if isinstance(start, datetime) and isinstance(end, datetime):
        duration = end - start
    else:
        duration = timedelta(days=max((_as_date(end) - _as_date(start)).days, 1))
    return SeriesFacts(
        provider=PROVIDER,
        calendar_id=target.calendar_id,
        series_id=str(master["event_id"]),
        owner_id=target.owner_id,
        timezone=zone,
        summary=master.get("summary"),
        is_all_day=all_day,
        duration=duration,
    )


def rule_lines(master: Mapping[str, Any]) -> list[str]:
    """Feishu's bare rule, with the ``RRULE:`` prefix RFC 5545 wants."""
    rule = str(master.get("recurrence") or "").strip()
    return [rule if rule.upper().startswith("RRULE:") else "RRULE:" + rule] if rule else []


def first_start(master: Mapping[str, Any], facts: SeriesFacts) -> datetime:
    start = _when(master.get("start_time"))
    moment = (
        start if isinstance(start, datetime) else timeutil.local_midnight(start, facts.timezone)
    )
    return moment.astimezone(timeutil.zone(facts.timezone))


def series_record(master: Mapping[str, Any], facts: SeriesFacts) -> dict[str, Any]:
    rule = rule_lines(master)
    return {
        "provider": PROVIDER,
        "calendar_id": facts.calendar_id,
        "series_id": facts.series_id,
        "summary": facts.summary,
        "timezone": facts.timezone,
        "first_start_at": timeutil.format_instant(first_start(master, facts)),
        "recurrence": master.get("recurrence"),
        "rrule": rule[0] if rule else None,
        "status": master.get("status"),
        "updated_at": None,  # Feishu reports no modification time
        "raw": dict(master),
    }


def original_instant(item: Mapping[str, Any]) -> datetime:
    """An occurrence's original start from its id, ``<uid>_<Unix seconds>``."""
    suffix = str(item.get("event_id", "")).rsplit("_", 1)[-1]
    if not suffix.isdigit():
        raise ValueError(f"event_id {item.get('event_id')!r} does not end in Unix seconds")
    return timeutil.parse_unix_seconds(suffix)


def _location(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return None
    parts = [str(value[k]) for k in ("name", "address") if value.get(k)]
    return ", ".join(dict.fromkeys(parts)) or None


def _attendees(value: Any) -> tuple[Attendee, ...] | None:
    """Feishu names users by open id, with no email address; third parties by email.
    Attendees taken off the event (``removed``) no longer attend."""
    if not isinstance(value, list):
        return None
    return tuple(
        Attendee(
            email=attendee.get("third_party_email") or None,
            name=attendee.get("display_name") or None,
            response_status=_RESPONSES.get(str(attendee.get("rsvp_status")), "needs_action"),
            is_optional=bool(attendee.get("is_optional")),
            is_resource=attendee.get("type") == "resource",
        )
        for attendee in value
        if isinstance(attendee, Mapping) and attendee.get("rsvp_status") != "removed"
    )


def span(item: Mapping[str, Any]) -> tuple[datetime, datetime] | None:
    """Where a timed occurrence takes place, as instants (None for an all-day one: its
    days are midnights of a zone the item may not name)."""
    start, end = _when(item.get("start_time")), _end(item.get("end_time"))
    if isinstance(start, datetime) and isinstance(end, datetime):
        return start, end
    return None


def occurrence(item: Mapping[str, Any], facts: SeriesFacts) -> Occurrence:
    start, end = _when(item.get("start_time")), _end(item.get("end_time"))
    moment = original_instant(item)
    # All-day: the id's seconds are that day's UTC midnight.
    original = moment if isinstance(start, datetime) else moment.date()
    organizer = item.get("event_organizer") or {}
    return Occurrence(
        instance_id=str(item["event_id"]),
        original_start=original,
        start=start,
        end=end,
        status=str(item.get("status") or "confirmed"),
        is_exception=bool(item.get("is_exception")) and item.get("status") != "cancelled",
        timezone=_zone(item.get("start_time"), facts.timezone),
        summary=item.get("summary"),
        description=item.get("description") or None,
        location=_location(item.get("location")),
        organizer_email=None,
        organizer_name=organizer.get("display_name"),
        attendees=_attendees(item.get("attendees")),
        show_as=_SHOW_AS.get(str(item.get("free_busy_status")), "busy"),
        html_link=item.get("app_link"),
        ical_uid=None,
        updated_at=None,
        etag=None,
        raw=dict(item),
    )


def instance_record(item: Mapping[str, Any], facts: SeriesFacts) -> dict[str, Any]:
    return normalize.instance_record(facts, occurrence(item, facts))


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value
