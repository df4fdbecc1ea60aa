"""Graph v1.0 wire formats: users, calendars, events (masters, single events, occurrences
and exceptions), with the fields in Graph's order and Graph's conventions: seven-digit
fractions, Windows zone names, `originalStart` only when `$select` names it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from tap_calinstances.sandbox.microsoft import ids
from tap_calinstances.sandbox.microsoft.dataset import NULL, QUIRKS, Quirk
from tap_calinstances.sandbox.microsoft.pattern import pattern, recurrence_range
from tap_calinstances.sandbox.microsoft.zones import (
    floating_time,
    graph_time,
    stamp,
    utc_z,
    windows_name,
)
from tap_calinstances.sandbox.model import Calendar, Principal, Series
from tap_calinstances.sandbox.recurrence import Occurrence
from tap_calinstances.sandbox.world import World

_RESPONSES = {
    "accepted": "accepted",
    "declined": "declined",
    "tentative": "tentativelyAccepted",
    "needsAction": "none",
}
_NO_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class View:
    """How the client asked to see items: `Prefer` headers and `$select`."""

    zone: ZoneInfo
    zone_label: str
    immutable: bool
    select: frozenset[str] | None  # None: every default field


def user_item(principal: Principal, mailbox: bool) -> dict[str, Any]:
    given, _, surname = principal.name.partition(" ")
    return {
        "businessPhones": [],
        "displayName": principal.name,
        "givenName": given,
        "jobTitle": None,
        "mail": principal.email if mailbox else None,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "surname": surname or None,
        "userPrincipalName": principal.email,
        "id": ids.user_id(principal.email),
    }


def _change_key(seq: int, key: str) -> str:
    digest = hashlib.sha256(f"{key}:{seq}".encode()).digest()[:21]
    return base64.b64encode(digest).decode()


def calendar_item(
    calendar: Calendar, role: str, owner: Principal | None, immutable: bool
) -> dict[str, Any]:
    owns = role == "owner"
    return {
        "id": ids.calendar_id(calendar.id, immutable),
        "name": calendar.summary,
        "color": "auto",
        "hexColor": "",
        "groupClassId": "0006f0b7-0000-0000-c000-000000000046",
        "isDefaultCalendar": calendar.primary_of is not None and owns,
        "changeKey": _change_key(calendar.seq, calendar.id),
        "canShare": owns,
        "canViewPrivateItems": owns,
        "canEdit": owns or role == "writer",
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": owns,
        "isRemovable": calendar.primary_of is None,
        "owner": {
            "name": owner.name if owner else calendar.owner,
            "address": calendar.owner,
        },
    }


def _quirk(series: Series) -> Quirk:
    return QUIRKS.get(series.key, Quirk())


def _label(value: str | None, default: str) -> str | None:
    if value is None:
        return default
    return None if value == NULL else value


def _ical_uid(series: Series, original: datetime | None) -> str:
    # Outlook's global object id: the original date sits in bytes 16-19 for occurrences.
    date = f"{original.year:04X}{original.month:02X}{original.day:02X}" if original else "00000000"
    tail = hashlib.sha256(series.key.encode()).hexdigest()[:48].upper()
    return f"040000008200E00074C5B7101A82E008{date}{tail}"


def _time(moment: datetime, series: Series, view: View) -> dict[str, str]:
    if series.all_day:  # all-day times float: local midnight whatever zone is asked for
        return {"dateTime": floating_time(moment.replace(tzinfo=None)), "timeZone": view.zone_label}
    return {"dateTime": graph_time(moment, view.zone), "timeZone": view.zone_label}


def _person(email: str, names: Mapping[str, str]) -> dict[str, Any]:
    return {"emailAddress": {"name": names.get(email, email), "address": email}}


def _attendees(series: Series) -> list[dict[str, Any]]:
    rendered = []
    for attendee in series.attendees:
        kind = "resource" if attendee.resource else "optional" if attendee.optional else "required"
        response = _RESPONSES[attendee.response]
        if attendee.email == series.organizer:
            response = "organizer"
        time = stamp(series.updated) if response not in ("none", "organizer") else _NO_TIME
        rendered.append(
            {
                "type": kind,
                "status": {"response": response, "time": time},
                "emailAddress": {
                    "name": attendee.name or attendee.email,
                    "address": attendee.email,
                },
            }
        )
    return rendered


def master_stamp(series: Series) -> tuple[int, datetime]:
    """Exchange keeps exceptions and deletions on the master: any change to them is a
    change of the master (its lastModifiedDateTime and changeKey)."""
    seq = max([series.seq, *(o.seq for o in series.overrides)])
    updated = max([series.updated, *(o.updated for o in series.overrides)])
    return seq, updated


def event_item(
    world: World,
    calendar: Calendar,
    series: Series,
    occurrence: Occurrence,
    names: Mapping[str, str],
    view: View,
    *,
    as_master: bool,
) -> dict[str, Any]:
    quirk = _quirk(series)
    zone_name = series.timezone or calendar.timezone
    windows = windows_name(zone_name)
    master_id = ids.event_id(series.key, view.immutable)
    if as_master or not series.recurring:
        seq, updated = master_stamp(series)
        item_id, kind = master_id, "seriesMaster" if series.recurring else "singleInstance"
        summary, ical = series.summary, _ical_uid(series, None)
    else:
        seq, updated = occurrence.seq, occurrence.updated
        original_wall = occurrence.original_start.replace(tzinfo=None)
        item_id = ids.occurrence_id(series.key, original_wall.isoformat(), view.immutable)
        kind = "exception" if occurrence.override is not None else "occurrence"
        summary, ical = occurrence.summary, _ical_uid(series, original_wall)
    cancelled = (
        not as_master
        and series.recurring
        and occurrence.original_start.replace(tzinfo=None) in quirk.kept_cancelled
    )
    show_as = quirk.show_as or ("free" if series.transparent or cancelled else "busy")
    item: dict[str, Any] = {
        "@odata.etag": f'W/"{_change_key(seq, series.key)}"',
        "id": item_id,
        "createdDateTime": stamp(series.created),
        "lastModifiedDateTime": stamp(updated),
        "changeKey": _change_key(seq, series.key),
        "categories": [],
        "transactionId": None,
        "originalStartTimeZone": _label(quirk.start_zone, windows),
        "originalEndTimeZone": _label(quirk.end_zone, windows),
        "iCalUId": ical,
        "uid": _ical_uid(series, None),
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": not series.all_day,
        "hasAttachments": False,
        "subject": summary,
        "bodyPreview": series.description or "",
        "importance": quirk.importance,
        "sensitivity": quirk.sensitivity,
        "isAllDay": series.all_day,
        "isCancelled": cancelled,
        "isOrganizer": series.organizer == calendar.owner,
        "responseRequested": True,
        "seriesMasterId": None if kind in ("seriesMaster", "singleInstance") else master_id,
        "showAs": show_as,
        "type": kind,
        "webLink": "https://outlook.office365.com/owa/?itemid="
        + quote(item_id, safe="")
        + "&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": False,
        "onlineMeetingProvider": "unknown",
        "allowNewTimeProposals": True,
        "occurrenceId": None,
        "isDraft": False,
        "hideAttendees": False,
    }
    if kind in ("occurrence", "exception"):
        local_date = occurrence.original_start.date().isoformat()
        item["occurrenceId"] = f"OID.{master_id}.{local_date}"
        # Graph leaves originalStart out unless $select names it.
        if view.select is not None and "originalStart" in view.select:
            item["originalStart"] = utc_z(occurrence.original_start)
    elif view.select is not None and "originalStart" in view.select:
        item["originalStart"] = None
    item["responseStatus"] = {
        "response": "organizer" if item["isOrganizer"] else "accepted",
        "time": _NO_TIME if item["isOrganizer"] else stamp(series.updated),
    }
    content = series.description or ""
    item["body"] = {
        "contentType": "html",
        "content": f"<html><body><p>{content}</p></body></html>" if content else "",
    }
    start, end = (occurrence.original_start, occurrence.original_start + series.duration)
    if not as_master:
        start, end = occurrence.start, occurrence.end
    item["start"] = _time(start, series, view)
    item["end"] = _time(end, series, view)
    item["location"] = {
        "displayName": series.location or "",
        "locationType": "default",
        "uniqueIdType": "unknown",
        "address": {},
        "coordinates": {},
    }
    item["locations"] = (
        [{"displayName": series.location, "locationType": "default", "uniqueIdType": "unknown"}]
        if series.location
        else []
    )
    item["recurrence"] = None
    if kind == "seriesMaster":
        rtz = _label(quirk.recurrence_zone, windows)
        item["recurrence"] = {
            "pattern": pattern(series),
            "range": recurrence_range(series, world, "" if rtz is None else rtz),
        }
    item["attendees"] = _attendees(series)
    item["organizer"] = _person(series.organizer, names)
    item["onlineMeeting"] = None
    if view.select is not None:
        keep = view.select | {"id", "@odata.etag"}
        item = {k: v for k, v in item.items() if k in keep}
    return item
