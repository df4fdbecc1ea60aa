"""Google Calendar v3 wire formats: calendar list entries, events, instances and errors.

Fields follow what Google actually sends: absent rather than empty or default (no
`transparency` on opaque events, no `attendees` without attendees, no `description` when
there is none), RFC 3339 times with the offset of the zone asked for, and `Z` for zero
offsets.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Response

from tap_calinstances.sandbox.model import Calendar, Series
from tap_calinstances.sandbox.recurrence import Occurrence

JSON_TYPE = "application/json; charset=UTF-8"

_COLORS = {"14": "#9fe1e7", "7": "#42d692", "2": "#d06b64"}


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _pretty(body: Any) -> str:
    """Indented at the top: one line per field, one line per item of a list.

    json.dumps(indent=...) runs Python's pure encoder, ten times slower than the C one
    that compact output gets; a listing of 2,500 instances would cost a CPU second.
    """
    if not isinstance(body, dict) or not body:
        return json.dumps(body, indent=1, ensure_ascii=False)
    fields = []
    for key, value in body.items():
        if isinstance(value, list) and value:
            inner = ",\n".join("  " + _compact(item) for item in value)
            fields.append(f" {_compact(key)}: [\n{inner}\n ]")
        else:
            fields.append(f" {_compact(key)}: {_compact(value)}")
    return "{\n" + ",\n".join(fields) + "\n}"


def json_response(
    body: Any, status: int = 200, *, pretty: bool = True, headers: Mapping[str, str] | None = None
) -> Response:
    # Google pretty-prints unless prettyPrint=false; clients must not care either way.
    text = _pretty(body) if pretty else json.dumps(body, ensure_ascii=False)
    response = Response(text + "\n", status=status, content_type=JSON_TYPE)
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate, no-transform"
    response.headers["Vary"] = "Origin, X-Origin, Referer"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(
    code: int,
    reason: str,
    message: str,
    *,
    domain: str = "global",
    location: str | None = None,
    location_type: str | None = None,
    summary: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Google's JSON error envelope; `summary` is the top-level message when it differs."""
    detail: dict[str, Any] = {"domain": domain, "reason": reason, "message": message}
    if location is not None:
        detail.update(locationType=location_type or "parameter", location=location)
    error: dict[str, Any] = {"errors": [detail], "code": code, "message": summary or message}
    if code == 401:
        error["status"] = "UNAUTHENTICATED"
    return json_response({"error": error}, code, headers=headers)


def stamp(moment: datetime) -> str:
    """`created`/`updated` style: UTC with milliseconds, `2026-01-02T10:00:00.000Z`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def rfc3339(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%dT%H:%M:%S")
    offset = local.utcoffset()
    if not offset:
        return text + "Z"
    return text + local.isoformat()[-6:]


def etag(updated: datetime, seq: int) -> str:
    return f'"{int(updated.timestamp() * 1000) * 1000 + seq % 1000}"'


def html_link(item_id: str, calendar_id: str) -> str:
    eid = base64.urlsafe_b64encode(f"{item_id} {calendar_id}".encode()).decode().rstrip("=")
    return f"https://www.google.com/calendar/event?eid={eid}"


def instance_id(occurrence: Occurrence) -> str:
    """`<master>_<UTC original start>`, or `<master>_<date>` for all-day series."""
    if occurrence.series.all_day:
        suffix = occurrence.original_start.strftime("%Y%m%d")
    else:
        suffix = occurrence.original_start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{occurrence.series.id}_{suffix}"


def event_time(series: Series, moment: datetime, render: ZoneInfo) -> dict[str, str]:
    if series.all_day:
        return {"date": moment.date().isoformat()}
    return {"dateTime": rfc3339(moment, render), "timeZone": series.timezone or render.key}


def calendar_entry(calendar: Calendar, role: str, principal: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": "calendar#calendarListEntry",
        "etag": etag(calendar.updated, calendar.seq),
        "id": calendar.id,
        "summary": calendar.summary,
    }
    if calendar.description:
        entry["description"] = calendar.description
    entry.update(
        timeZone=calendar.timezone,
        colorId=calendar.color_id,
        backgroundColor=_COLORS.get(calendar.color_id, "#9fe1e7"),
        foregroundColor="#000000",
        selected=True,
        accessRole=role,
        defaultReminders=[{"method": "popup", "minutes": 10}] if role == "owner" else [],
        conferenceProperties={"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
    )
    if calendar.primary_of == principal:
        entry["primary"] = True
    else:
        entry["dataOwner"] = calendar.owner
    return entry


def calendar_resource(calendar: Calendar) -> dict[str, Any]:
    """calendars.get: the calendar itself, without the per-user list fields."""
    resource: dict[str, Any] = {
        "kind": "calendar#calendar",
        "etag": etag(calendar.updated, calendar.seq),
        "id": calendar.id,
        "summary": calendar.summary,
    }
    if calendar.description:
        resource["description"] = calendar.description
    resource["timeZone"] = calendar.timezone
    if calendar.primary_of is None:
        resource["dataOwner"] = calendar.owner
    return resource


def _person(
    email: str, names: Mapping[str, str], calendar: Calendar, with_name: bool = True
) -> dict[str, Any]:
    person: dict[str, Any] = {"email": email}
    if with_name and email in names:
        person["displayName"] = names[email]
    # `self` means "this is the calendar the copy was read from", not "the caller".
    if email == calendar.id:
        person["self"] = True
    return person


def _attendees(series: Series, calendar: Calendar) -> list[dict[str, Any]]:
    rendered = []
    for attendee in series.attendees:
        item: dict[str, Any] = {"email": attendee.email}
        if attendee.name:
            item["displayName"] = attendee.name
        if attendee.email == series.organizer:
            item["organizer"] = True
        if attendee.email == calendar.id:
            item["self"] = True
        if attendee.resource:
            item["resource"] = True
        if attendee.optional:
            item["optional"] = True
        item["responseStatus"] = attendee.response
        rendered.append(item)
    return rendered


def _body(
    series: Series,
    calendar: Calendar,
    names: Mapping[str, str],
    *,
    item_id: str,
    summary: str,
    updated: datetime,
    seq: int,
) -> dict[str, Any]:
    """Fields shared by masters, single events and instances, in Google's order."""
    item: dict[str, Any] = {
        "kind": "calendar#event",
        "etag": etag(updated, seq),
        "id": item_id,
        "status": "confirmed",
        "htmlLink": html_link(item_id, calendar.id),
        "created": stamp(series.created),
        "updated": stamp(updated),
        "summary": summary,
    }
    if series.description:
        item["description"] = series.description
    if series.location:
        item["location"] = series.location
    item["creator"] = _person(series.organizer, names, calendar, with_name=False)
    item["organizer"] = _person(series.organizer, names, calendar)
    return item


def _tail(series: Series, calendar: Calendar, item: dict[str, Any], sequence: int) -> None:
    if series.transparent:
        item["transparency"] = "transparent"
    item["iCalUID"] = f"{series.id}@google.com"
    item["sequence"] = sequence
    if series.attendees:
        item["attendees"] = _attendees(series, calendar)
    item["reminders"] = {"useDefault": True}
    item["eventType"] = "default"


def event_item(
    series: Series,
    first: Occurrence,
    calendar: Calendar,
    names: Mapping[str, str],
    render: ZoneInfo,
) -> dict[str, Any]:
    """A series master (with `recurrence`) or a single event; minimal when deleted."""
    if series.deleted:
        return {
            "kind": "calendar#event",
            "etag": etag(series.updated, series.seq),
            "id": series.id,
            "status": "cancelled",
        }
    item = _body(
        series,
        calendar,
        names,
        item_id=series.id,
        summary=series.summary,
        updated=series.updated,
        seq=series.seq,
    )
    item["start"] = event_time(series, first.original_start, render)
    item["end"] = event_time(series, first.original_start + series.duration, render)
    if series.rrule:
        item["recurrence"] = [series.rrule]
    _tail(series, calendar, item, series.sequence)
    return item


def instance_item(
    occurrence: Occurrence, calendar: Calendar, names: Mapping[str, str], render: ZoneInfo
) -> dict[str, Any]:
    """One occurrence; a cancelled one (or one of a deleted series) carries only what
    Google guarantees for it."""
    series = occurrence.series
    item_id = instance_id(occurrence)
    original = event_time(series, occurrence.original_start, render)
    if occurrence.cancelled or series.deleted:
        return {
            "kind": "calendar#event",
            "etag": etag(occurrence.updated, occurrence.seq),
            "id": item_id,
            "status": "cancelled",
            "recurringEventId": series.id,
            "originalStartTime": original,
        }
    item = _body(
        series,
        calendar,
        names,
        item_id=item_id,
        summary=occurrence.summary,
        updated=occurrence.updated,
        seq=occurrence.seq,
    )
    item["start"] = event_time(series, occurrence.start, render)
    item["end"] = event_time(series, occurrence.end, render)
    item["recurringEventId"] = series.id
    item["originalStartTime"] = original
    # Moving an occurrence is a significant change, so Google bumps its SEQUENCE.
    _tail(series, calendar, item, series.sequence + (1 if occurrence.moved else 0))
    return item
