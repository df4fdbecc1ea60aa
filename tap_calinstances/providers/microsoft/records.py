"""Microsoft Graph items -> the tap's records. Pure: dicts in, dicts out.

Times come as ``{"dateTime": "2026-01-05T14:00:00.0000000", "timeZone": "UTC"}`` (seven
fractional digits, no offset; UTC because every request says ``Prefer:
outlook.timezone="UTC"``). Zone fields carry Windows names, IANA names, ``tzone://`` URIs
or nothing; they map to canonical IANA names through CLDR's table.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tap_calinstances import normalize, timeutil
from tap_calinstances.normalize import Attendee, Occurrence, SeriesFacts
from tap_calinstances.providers import CalendarTarget
from tap_calinstances.providers.microsoft import patterns

PROVIDER = "microsoft"
log = logging.getLogger("tap-calinstances")
_SHOW_AS = {
    "free": "free",
    "tentative": "tentative",
    "busy": "busy",
    "oof": "oof",
    "workingElsewhere": "working_elsewhere",
    "unknown": "unknown",
}
_RESPONSES = {
    "accepted": "accepted",
    "organizer": "accepted",
    "declined": "declined",
    "tentativelyAccepted": "tentative",
    "none": "needs_action",
    "notResponded": "needs_action",
}
# Zones Graph names without saying which: the series' own zone is the best guess.
_UNNAMED = ("tzone://Microsoft/Custom", "Customized Time Zone")


def zone_name(value: Any, fallback: str) -> str:
    """A Graph zone field as a canonical IANA name, ``fallback`` when it names none."""
    name = str(value or "").strip()
    if not name:
        return fallback
    if name in _UNNAMED:
        log.debug("microsoft: zone %r names no zone; using %s", name, fallback)
        return fallback
    mapped = timeutil.windows_to_iana(name)
    if mapped:
        return mapped
    if timeutil.is_known_zone(name):
        return timeutil.canonical_zone(name)
    log.debug("microsoft: unknown zone %r; using %s", name, fallback)
    return fallback


def _instant(value: Any) -> datetime:
    """``{dateTime, timeZone}`` as a UTC instant."""
    if not isinstance(value, Mapping) or not value.get("dateTime"):
        raise ValueError("a start/end time has no dateTime")
    zone = zone_name(value.get("timeZone"), timeutil.UTC_NAME)
    return timeutil.parse_naive_in_zone(str(value["dateTime"]), zone)


def _day(value: Any) -> date:
    """The local date of an all-day event's ``{dateTime}`` (midnight, any zone label)."""
    if not isinstance(value, Mapping) or not value.get("dateTime"):
        raise ValueError("a start/end time has no dateTime")
    return timeutil.parse_date(str(value["dateTime"])[:10])


def calendar_record(user: str, item: Mapping[str, Any]) -> dict[str, Any]:
    owner = (item.get("owner") or {}).get("address") or user
    return {
        "provider": PROVIDER,
        "calendar_id": str(item["id"]),
        "name": item.get("name"),
        "description": None,
        "timezone": None,  # Graph calendars have no zone of their own
        "owner_id": owner,
        "access_role": "owner" if item.get("canEdit") else "reader",
        "is_primary": bool(item.get("isDefaultCalendar", False)),
        "raw": dict(item),
    }


def series_zone(master: Mapping[str, Any]) -> str:
    """The zone the rule runs in: the range's recurrenceTimeZone (some masters name it only
    there), else the master's originalStartTimeZone, else its originalEndTimeZone (real
    data has a custom start zone beside a Windows end zone), else UTC."""
    span = (master.get("recurrence") or {}).get("range") or {}
    fallback = zone_name(master.get("originalEndTimeZone"), timeutil.UTC_NAME)
    fallback = zone_name(master.get("originalStartTimeZone"), fallback)
    return zone_name(span.get("recurrenceTimeZone"), fallback)


def series_facts(master: Mapping[str, Any], target: CalendarTarget) -> SeriesFacts:
    zone = series_zone(master)
    all_day = bool(master.get("isAllDay"))
    if all_day:
        days = (_day(master.get("end")) - _day(master.get("start"))).days
        duration = timedelta(days=max(days, 1))
    else:
        duration = _instant(master.get("end")) - _instant(master.get("start"))
    return SeriesFacts(
        provider=PROVIDER,
        calendar_id=target.calendar_id,
        series_id=str(master["id"]),
        owner_id=target.owner_id,
        timezone=zone,
        summary=master.get("subject"),
        is_all_day=all_day,
        duration=duration,
    )


def first_start(master: Mapping[str, Any], facts: SeriesFacts) -> datetime:
    """The master's start, aware in the series' zone: where its rule expands from."""
    if facts.is_all_day:
        start = timeutil.local_midnight(_day(master.get("start")), facts.timezone)
    else:
        start = _instant(master.get("start"))
    return start.astimezone(timeutil.zone(facts.timezone))


def rule_lines(master: Mapping[str, Any], facts: SeriesFacts) -> list[str]:
    """The master's rule as RRULE text; empty (with a warning) when it cannot be written
    exactly: then no cancellation is ever synthesized for the series."""
    recurrence = master.get("recurrence")
    if not isinstance(recurrence, Mapping):
        return []
    try:
        return [patterns.rrule(recurrence, first_start(master, facts), facts.timezone)]
    except (patterns.UnsupportedPattern, ValueError, TypeError) as exc:
        log.warning(
            "microsoft: series %s of calendar %s has a recurrence the tap cannot convert "
            "(%s); its deleted occurrences cannot be detected",
            facts.series_id,
            facts.calendar_id,
            exc,
        )
        return []


def series_record(master: Mapping[str, Any], facts: SeriesFacts, rule: list[str]) -> dict[str, Any]:
    updated = master.get("lastModifiedDateTime")
    return {
        "provider": PROVIDER,
        "calendar_id": facts.calendar_id,
        "series_id": facts.series_id,
        "summary": facts.summary,
        "timezone": facts.timezone,
        "first_start_at": timeutil.format_instant(first_start(master, facts)),
        "recurrence": master.get("recurrence"),
        "rrule": rule[0] if rule else None,
        "status": "cancelled" if master.get("isCancelled") else "confirmed",
        "updated_at": timeutil.format_instant(timeutil.parse_instant(updated)) if updated else None,
        "raw": dict(master),
    }


def original_start(item: Mapping[str, Any], facts: SeriesFacts) -> datetime | date:
    """When the rule scheduled the occurrence: ``originalStart`` (UTC; recorded responses
    leave it out unless ``$select`` names it), else the local date of ``occurrenceId``
    (``OID.<master id>.<YYYY-MM-DD>``) at the occurrence's own start time, which only an
    exception may have moved."""
    if item.get("originalStart"):
        moment = timeutil.parse_instant(str(item["originalStart"]))
        return timeutil.local_date(moment, facts.timezone) if facts.is_all_day else moment
    occurrence_id = str(item.get("occurrenceId") or "")
    if not occurrence_id.startswith("OID."):
        raise ValueError("neither originalStart nor occurrenceId")
    day = timeutil.parse_date(occurrence_id.rsplit(".", 1)[-1])
    if facts.is_all_day:
        return day
    if item.get("type") == "exception":
        raise ValueError("an exception without originalStart: its scheduled time is unknown")
    local = _instant(item.get("start")).astimezone(timeutil.zone(facts.timezone))
    return datetime.combine(day, local.time(), tzinfo=local.tzinfo).astimezone(UTC)


def occurrence(item: Mapping[str, Any], facts: SeriesFacts) -> Occurrence:
    zone = zone_name(item.get("originalStartTimeZone"), facts.timezone)
    if facts.is_all_day or item.get("isAllDay"):
        start: datetime | date = _day(item.get("start"))
        end: datetime | date = _day(item.get("end"))
        zone = facts.timezone
    else:
        start, end = _instant(item.get("start")), _instant(item.get("end"))
    organizer = (item.get("organizer") or {}).get("emailAddress") or {}
    attendees = item.get("attendees")
    updated = item.get("lastModifiedDateTime")
    location = (item.get("location") or {}).get("displayName") or None
    return Occurrence(
        instance_id=str(item["id"]),
        original_start=original_start(item, facts),
        start=start,
        end=end,
        status="cancelled" if item.get("isCancelled") else "confirmed",
        is_exception=item.get("type") == "exception",
        timezone=zone,
        summary=item.get("subject"),
        description=item.get("bodyPreview") or None,
        location=location,
        organizer_email=organizer.get("address"),
        organizer_name=organizer.get("name"),
        attendees=None if attendees is None else tuple(_attendee(a) for a in attendees),
        show_as=_SHOW_AS.get(str(item.get("showAs")), "unknown"),
        html_link=item.get("webLink"),
        ical_uid=item.get("iCalUId"),
        updated_at=timeutil.parse_instant(updated) if updated else None,
        etag=item.get("@odata.etag") or item.get("changeKey"),
        raw=dict(item),
    )


def instance_record(item: Mapping[str, Any], facts: SeriesFacts) -> dict[str, Any]:
    return normalize.instance_record(facts, occurrence(item, facts))


def _attendee(value: Mapping[str, Any]) -> Attendee:
    email = value.get("emailAddress") or {}
    kind = str(value.get("type") or "required")
    response = str((value.get("status") or {}).get("response") or "none")
    return Attendee(
        email=email.get("address"),
        name=email.get("name"),
        response_status=_RESPONSES.get(response, "needs_action"),
        is_optional=kind == "optional",
        is_resource=kind == "resource",
    )
