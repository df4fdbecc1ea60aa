"""Google Calendar items -> the tap's records. Pure: dicts in, dicts out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from tap_calinstances import normalize, timeutil
from tap_calinstances.normalize import Attendee, Occurrence, SeriesFacts

PROVIDER = "google"
_RESPONSES = {
    "needsAction": "needs_action",
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentative",
}
# eventType says more than transparency for these two kinds of blocks.
_SHOW_AS_BY_TYPE = {"outOfOffice": "oof", "workingLocation": "working_elsewhere"}


@dataclass(frozen=True)
class CalendarFacts:
    calendar_id: str
    timezone: str
    owner_id: str | None


def calendar_facts(item: Mapping[str, Any]) -> CalendarFacts:
    zone = item.get("timeZone")
    return CalendarFacts(
        calendar_id=str(item["id"]),
        timezone=timeutil.canonical_zone(zone) if zone and timeutil.is_known_zone(zone) else "UTC",
        # dataOwner is set on secondary calendars; a primary calendar's id is its owner's email.
        owner_id=item.get("dataOwner") or (str(item["id"]) if item.get("primary") else None),
    )


def calendar_record(item: Mapping[str, Any]) -> dict[str, Any]:
    facts = calendar_facts(item)
    return {
        "provider": PROVIDER,
        "calendar_id": facts.calendar_id,
        "name": item.get("summaryOverride") or item.get("summary"),
        "description": item.get("description"),
        "timezone": facts.timezone,
        "owner_id": facts.owner_id,
        "access_role": item.get("accessRole"),
        "is_primary": bool(item.get("primary", False)),
        "raw": dict(item),
    }


def is_master(item: Mapping[str, Any]) -> bool:
    """A live recurring series: it has rules and is not itself an occurrence."""
    return (
        bool(item.get("recurrence"))
        and not item.get("recurringEventId")
        and item.get("status") != "cancelled"
    )


def _when(value: Any) -> datetime | date:
    """Google's ``{dateTime, timeZone}`` or ``{date}``."""
    if not isinstance(value, dict):  # decoded JSON; checking for the Mapping ABC costs more
        raise ValueError("a start/end time is not an object")
    if value.get("dateTime"):
        return timeutil.parse_instant(str(value["dateTime"]))
    if value.get("date"):
        return timeutil.parse_date(str(value["date"]))
    raise ValueError("a start/end time has neither dateTime nor date")


def _zone_of(value: Any, fallback: str) -> str:
    zone = value.get("timeZone") if isinstance(value, dict) else None
    return timeutil.canonical_zone(zone) if zone and timeutil.is_known_zone(zone) else fallback


def series_facts(master: Mapping[str, Any], calendar: CalendarFacts) -> SeriesFacts:
    # The master's start.timeZone is the zone the rule is expanded in (all-day: usually none).
    zone = _zone_of(master.get("start"), calendar.timezone)
    start, end = _when(master.get("start")), _when(master.get("end"))
    is_all_day = not isinstance(start, datetime)
    if is_all_day:
        duration = timedelta(days=max((_as_date(end) - _as_date(start)).days, 1))
    else:
        duration = _as_instant(end, zone) - _as_instant(start, zone)
    return SeriesFacts(
        provider=PROVIDER,
        calendar_id=calendar.calendar_id,
        series_id=str(master["id"]),
        owner_id=calendar.owner_id,
        timezone=zone,
        summary=master.get("summary"),
        is_all_day=is_all_day,
        duration=duration,
    )


def recurrence_lines(master: Mapping[str, Any]) -> list[str]:
    """The master's RRULE/EXDATE/RDATE lines, already RFC 5545 at Google."""
    return [str(line) for line in master.get("recurrence") or []]


def rule_start(master: Mapping[str, Any], facts: SeriesFacts) -> datetime:
    """The series' first start as an aware time in its own zone: what its rule expands from."""
    start = _when(master.get("start"))
    return _as_instant(start, facts.timezone).astimezone(timeutil.zone(facts.timezone))


def series_record(master: Mapping[str, Any], facts: SeriesFacts) -> dict[str, Any]:
    lines = recurrence_lines(master)
    start = _when(master.get("start"))
    updated = master.get("updated")
    return {
        "provider": PROVIDER,
        "calendar_id": facts.calendar_id,
        "series_id": facts.series_id,
        "summary": facts.summary,
        "timezone": facts.timezone,
        "first_start_at": timeutil.format_instant(_as_instant(start, facts.timezone)),
        "recurrence": lines,
        # Google's recurrence lines already are RFC 5545 (RRULE, EXDATE, RDATE properties).
        "rrule": "\n".join(lines) or None,
        "status": master.get("status"),
        "updated_at": timeutil.format_instant(timeutil.parse_instant(updated)) if updated else None,
        "raw": dict(master),
    }


def original_instant(item: Mapping[str, Any], zone: str) -> datetime:
    """An occurrence's ``originalStartTime`` as a UTC instant (all-day: local midnight)."""
    return _as_instant(_when(item.get("originalStartTime")), zone)


def span(item: Mapping[str, Any], zone: str) -> tuple[datetime, datetime]:
    """Where an occurrence takes place, as instants (all-day: local midnights)."""
    zone = _zone_of(item.get("start"), zone)
    return _as_instant(_when(item.get("start")), zone), _as_instant(_when(item.get("end")), zone)


def occurrence(
    item: Mapping[str, Any], facts: SeriesFacts, exceptions: frozenset[datetime]
) -> Occurrence:
    """One item of the instances endpoint. ``exceptions``: original starts (UTC) that the
    change listing showed as individually edited occurrences."""
    zone = _zone_of(item.get("start"), facts.timezone)
    original = _when(item.get("originalStartTime"))
    status = str(item.get("status") or "confirmed")
    if status == "cancelled":
        # Cancelled occurrences are minimal: id, status and the original start.
        return Occurrence(
            instance_id=str(item["id"]),
            original_start=original,
            start=original,
            end=original,
            status=status,
            is_exception=False,
            etag=item.get("etag"),
            raw=dict(item),
        )
    start, end = _when(item.get("start")), _when(item.get("end"))
    organizer = item.get("organizer") or {}
    attendees = item.get("attendees")
    updated = item.get("updated")
    return Occurrence(
        instance_id=str(item["id"]),
        original_start=original,
        start=start,
        end=end,
        status=status,
        # The listing names edited occurrences; a move shows in the times even without it.
        is_exception=_as_instant(original, facts.timezone) in exceptions or start != original,
        timezone=zone,
        summary=item.get("summary"),
        description=item.get("description"),
        location=item.get("location"),
        organizer_email=organizer.get("email"),
        organizer_name=organizer.get("displayName"),
        attendees=None if attendees is None else tuple(_attendee(a) for a in attendees),
        show_as=_SHOW_AS_BY_TYPE.get(str(item.get("eventType")))
        or ("free" if item.get("transparency") == "transparent" else "busy"),
        html_link=item.get("htmlLink"),
        ical_uid=item.get("iCalUID"),
        updated_at=timeutil.parse_instant(updated) if updated else None,
        etag=item.get("etag"),
        raw=dict(item),
    )


def instance_record(
    item: Mapping[str, Any], facts: SeriesFacts, exceptions: frozenset[datetime]
) -> dict[str, Any]:
    return normalize.instance_record(facts, occurrence(item, facts, exceptions))


def _attendee(value: Mapping[str, Any]) -> Attendee:
    return Attendee(
        email=value.get("email"),
        name=value.get("displayName"),
        response_status=_RESPONSES.get(str(value.get("responseStatus")), "needs_action"),
        is_optional=bool(value.get("optional", False)),
        is_resource=bool(value.get("resource", False)),
    )


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _as_instant(value: datetime | date, zone: str) -> datetime:
    return value if isinstance(value, datetime) else timeutil.local_midnight(value, zone)
