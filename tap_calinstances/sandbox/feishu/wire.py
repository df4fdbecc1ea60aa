"""Feishu calendar v4 wire formats: calendars, events (masters, exceptions) and instances.

Times are strings of Unix seconds with the event's zone (`Asia/Shanghai` unless the event
says otherwise); all-day events carry dates with timezone `UTC`, and their **end date is
inclusive**: a one-day event on 2026-01-05 ends on 2026-01-05. Rules are bare RRULEs
without the `RRULE:` prefix. Occurrence ids are `<uid>_<original start in Unix seconds>`,
the master's `<uid>_0` with the suffix replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from tap_calinstances.sandbox.feishu.dataset import DELETED_CALENDARS
from tap_calinstances.sandbox.model import Calendar, Series
from tap_calinstances.sandbox.recurrence import Occurrence

# The world keeps Google's role names; Feishu spells them its own way.
ROLES = {
    "owner": "owner",
    "writer": "writer",
    "reader": "reader",
    "freeBusyReader": "free_busy_reader",
}
# Where a calendar id says a calendar is a meeting room's.
RESOURCE_DOMAIN = "@resource.calendar.feishu.cn"
# The world keeps Google's answers; Feishu's `rsvp_status` spells them its own way.
RSVP = {
    "needsAction": "needs_action",
    "accepted": "accept",
    "tentative": "tentative",
    "declined": "decline",
}


def seconds(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def calendar_type(calendar: Calendar) -> str:
    if calendar.primary_of is not None:
        return "primary"
    return "resource" if calendar.id.endswith(RESOURCE_DOMAIN) else "shared"


def calendar_item(calendar: Calendar, role: str) -> dict[str, Any]:
    feishu_role = ROLES.get(role, "reader")
    return {
        "calendar_id": calendar.id,
        "summary": calendar.summary,
        "description": calendar.description or "",
        "permissions": "show_only_free_busy" if feishu_role == "free_busy_reader" else "private",
        "color": int(calendar.color_id),
        "type": calendar_type(calendar),
        "summary_alias": "",
        "is_deleted": calendar.id in DELETED_CALENDARS,
        "is_third_party": False,
        "role": feishu_role,
    }


def removed_calendar(calendar_id: str) -> dict[str, Any]:
    """A calendar the app lost, as sync-token listings report it."""
    return {"calendar_id": calendar_id, "is_deleted": True}


def time_info(series: Series, moment: datetime, *, end: bool = False) -> dict[str, str]:
    if series.all_day:
        day = moment.date() - timedelta(days=1) if end else moment.date()
        return {"date": day.isoformat(), "timezone": "UTC"}
    return {"timestamp": seconds(moment), "timezone": series.timezone or "Asia/Shanghai"}


def uid(series: Series) -> str:
    return series.id.removesuffix("_0")


def occurrence_id(occurrence: Occurrence) -> str:
    original = occurrence.original_start
    if occurrence.series.all_day:  # the date's midnight in UTC, as all-day dates are UTC
        original = original.replace(tzinfo=None).replace(tzinfo=UTC)
    return f"{uid(occurrence.series)}_{seconds(original)}"


def app_link(calendar_id: str, series: Series, original: str = "0") -> str:
    return (
        "https://applink.feishu.cn/client/calendar/event/detail?"
        f"calendarId={quote(calendar_id, safe='')}&key={uid(series)}&originalTime={original}"
    )


def status(series: Series, calendar: Calendar, cancelled: bool) -> str:
    """Feishu's status is the calendar's view: `tentative` while its owner, invited by
    someone else, has not answered yet."""
    if cancelled:
        return "cancelled"
    unanswered = any(
        a.email == calendar.owner and a.response == "needsAction" for a in series.attendees
    )
    return "tentative" if unanswered and series.organizer != calendar.owner else "confirmed"


def attendees(series: Series, names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Attendees as /instances lists them: users by open id, no email addresses."""
    return [
        {
            "type": "resource" if attendee.resource else "user",
            "attendee_id": "user_" + attendee.email.removeprefix("ou_"),
            "rsvp_status": RSVP[attendee.response],
            "is_optional": attendee.optional,
            "is_organizer": attendee.email == series.organizer,
            "is_external": False,
            "display_name": attendee.name or names.get(attendee.email, ""),
            "user_id": attendee.email,
        }
        for attendee in series.attendees
    ]


def _common(series: Series, calendar: Calendar, names: Mapping[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "organizer_calendar_id": calendar.id if series.organizer == calendar.owner else "",
        "visibility": "default",
        "attendee_ability": "can_see_others",
        "free_busy_status": "free" if series.transparent else "busy",
    }
    if series.location:
        item["location"] = {"name": series.location, "address": "", "latitude": 0, "longitude": 0}
    item["color"] = -1
    item["event_organizer"] = {"display_name": names.get(series.organizer, "Sandbox app")}
    return item


def event_item(first: Occurrence, calendar: Calendar, names: Mapping[str, str]) -> dict[str, Any]:
    """A master (with `recurrence`) or a single event, from its first occurrence; deleted
    ones as `cancelled`."""
    series = first.series
    item: dict[str, Any] = {
        "event_id": series.id,
        "summary": series.summary,
        "description": series.description or "",
        "start_time": time_info(series, first.original_start),
        "end_time": time_info(series, first.original_start + series.duration, end=True),
        **_common(series, calendar, names),
        "reminders": [],
        "status": status(series, calendar, series.deleted),
        "is_exception": False,
        "create_time": seconds(series.created),
        "app_link": app_link(calendar.id, series),
    }
    if series.rrule is not None:
        item["recurrence"] = series.rrule.removeprefix("RRULE:")
    return item


def exception_item(
    occurrence: Occurrence, calendar: Calendar, names: Mapping[str, str]
) -> dict[str, Any]:
    """A moved, edited or deleted occurrence: a separate event tied to its master."""
    series = occurrence.series
    item_id = occurrence_id(occurrence)
    return {
        "event_id": item_id,
        "summary": occurrence.summary,
        "description": series.description or "",
        "start_time": time_info(series, occurrence.start),
        "end_time": time_info(series, occurrence.end, end=True),
        **_common(series, calendar, names),
        "status": status(series, calendar, occurrence.cancelled or series.deleted),
        "is_exception": True,
        "recurring_event_id": series.id,
        "create_time": seconds(occurrence.updated),
        "app_link": app_link(calendar.id, series, item_id.rpartition("_")[2]),
    }


def instance_item(
    occurrence: Occurrence, calendar: Calendar, names: Mapping[str, str]
) -> dict[str, Any]:
    """One occurrence as /instances lists it: no `recurrence`, no update time, no etag;
    its attendees (lark-oapi's `Instance` has them; the events listing leaves them out)."""
    series = occurrence.series
    item_id = occurrence_id(occurrence)
    return {
        "event_id": item_id,
        "summary": occurrence.summary,
        "description": series.description or "",
        "start_time": time_info(series, occurrence.start),
        "end_time": time_info(series, occurrence.end, end=True),
        "status": status(series, calendar, occurrence.cancelled),
        "is_exception": occurrence.override is not None,
        "app_link": app_link(calendar.id, series, item_id.rpartition("_")[2]),
        **_common(series, calendar, names),
        "recurring_event_id": series.id,
        "attendees": attendees(series, names),
    }
