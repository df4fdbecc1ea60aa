"""The normalized instance record (contract section 4), built from plain values. No I/O.

Providers parse their wire items into an :class:`Occurrence` (instants or all-day dates, in the
provider's own vocabulary already mapped to ours); this module turns it into the record, so
time rules (UTC ``Z`` strings, local wall clock, exclusive all-day ends) live in one place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tap_calinstances import timeutil

STATUSES = frozenset({"confirmed", "tentative", "cancelled"})
SHOW_AS = frozenset({"busy", "free", "tentative", "oof", "working_elsewhere", "unknown"})
RESPONSES = frozenset({"accepted", "declined", "tentative", "needs_action"})


@dataclass(frozen=True)
class SeriesFacts:
    """What an occurrence inherits from its series and calendar."""

    provider: str
    calendar_id: str
    series_id: str
    owner_id: str | None
    timezone: str  # canonical IANA name
    summary: str | None
    is_all_day: bool
    duration: timedelta  # scheduled length, for cancellations (all-day: whole days)


# Not frozen, like Occurrence below: one is built for every attendee of every occurrence.
@dataclass(slots=True)
class Attendee:
    email: str | None
    name: str | None
    response_status: str
    is_optional: bool
    is_resource: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "name": self.name,
            "response_status": self.response_status,
            "is_optional": self.is_optional,
            "is_resource": self.is_resource,
        }


# Not frozen: a frozen dataclass sets each of these fields through object.__setattr__, and
# one is built for every occurrence read.
@dataclass(slots=True)
class Occurrence:
    """One occurrence as read from a provider.

    ``start``/``end``/``original_start`` are aware datetimes for timed occurrences and
    ``date`` objects for all-day ones, where ``end`` is already exclusive.
    """

    instance_id: str
    original_start: datetime | date
    start: datetime | date
    end: datetime | date
    status: str
    is_exception: bool
    timezone: str | None = None  # the occurrence's own zone; falls back to the series'
    summary: str | None = None
    description: str | None = None
    location: str | None = None
    organizer_email: str | None = None
    organizer_name: str | None = None
    attendees: tuple[Attendee, ...] | None = None
    show_as: str | None = None
    html_link: str | None = None
    ical_uid: str | None = None
    updated_at: datetime | None = None
    etag: str | None = None
    raw: dict[str, Any] | None = field(default=None, compare=False)


def instance_key(provider: str, calendar_id: str, series_id: str, original_start: datetime) -> str:
    """Stable key of an occurrence: the same in every run, read or synthesized.

    Hashing keeps the key short and opaque while the unit separator (0x1f) makes the
    encoding unambiguous whatever characters the ids contain.
    """
    return _key(provider, calendar_id, series_id, timeutil.format_instant(original_start))


def _key(provider: str, calendar_id: str, series_id: str, original_start_at: str) -> str:
    material = "\x1f".join((provider, calendar_id, series_id, original_start_at))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def _instant(value: datetime | date, zone: str) -> datetime:
    if isinstance(value, datetime):
        return value
    return timeutil.local_midnight(value, zone)


def _times(start: datetime | date, end: datetime | date, zone: str) -> dict[str, Any]:
    start_at, end_at = _instant(start, zone), _instant(end, zone)
    start_local, start_date = timeutil.local_fields(start_at, zone)
    end_local, end_date = timeutil.local_fields(end_at, zone)
    if not isinstance(start, datetime):  # all-day: the dates as given, the end exclusive
        start_date, end_date = start.isoformat(), _as_date(end).isoformat()
    return {
        "start_at": timeutil.format_instant(start_at),
        "end_at": timeutil.format_instant(end_at),
        "start_local": start_local,
        "end_local": end_local,
        "start_date": start_date,
        "end_date": end_date,
    }


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _identity(
    series: SeriesFacts, original: datetime, zone: str, times: dict[str, Any]
) -> dict[str, Any]:
    """The fields every record has, read or synthesized: where it belongs and when."""
    original_start_at = timeutil.format_instant(original)
    return {
        "instance_key": _key(
            series.provider, series.calendar_id, series.series_id, original_start_at
        ),
        "provider": series.provider,
        "calendar_id": series.calendar_id,
        "owner_id": series.owner_id,
        "series_id": series.series_id,
        "original_start_at": original_start_at,
        **times,
        "timezone": zone,
    }


# What a cancellation cannot know: nobody is invited to what does not take place.
_NO_DETAILS: dict[str, Any] = dict.fromkeys(
    (
        "description",
        "location",
        "organizer_email",
        "organizer_name",
        "attendees",
        "show_as",
        "html_link",
        "ical_uid",
        "updated_at",
        "etag",
        "raw",
    )
)


def _check(value: str | None, allowed: frozenset[str], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of {sorted(allowed)}")
    return value


def instance_record(series: SeriesFacts, occurrence: Occurrence) -> dict[str, Any]:
    """The normalized record of an occurrence read from the provider."""
    zone = timeutil.canonical_zone(occurrence.timezone or series.timezone)
    original = _instant(occurrence.original_start, zone)
    status = _check(occurrence.status, STATUSES, "status")
    if status == "cancelled":
        # Providers send cancelled occurrences with little or nothing but the original start;
        # the record carries what was scheduled, like a synthesized cancellation.
        return {
            **cancellation_record(series, original),
            "instance_id": occurrence.instance_id,
            "raw": occurrence.raw,
            "updated_at": _maybe_instant(occurrence.updated_at),
            "etag": occurrence.etag,
            "ical_uid": occurrence.ical_uid,
            "html_link": occurrence.html_link,
        }
    attendees = occurrence.attendees
    return {
        **_identity(series, original, zone, _times(occurrence.start, occurrence.end, zone)),
        "instance_id": occurrence.instance_id,
        "is_all_day": not isinstance(occurrence.start, datetime),
        "status": status,
        "is_exception": occurrence.is_exception,
        "summary": occurrence.summary,
        "description": occurrence.description,
        "location": occurrence.location,
        "organizer_email": occurrence.organizer_email,
        "organizer_name": occurrence.organizer_name,
        "attendees": None if attendees is None else [_checked_attendee(a) for a in attendees],
        "show_as": _check(occurrence.show_as, SHOW_AS, "show_as"),
        "html_link": occurrence.html_link,
        "ical_uid": occurrence.ical_uid,
        "updated_at": _maybe_instant(occurrence.updated_at),
        "etag": occurrence.etag,
        "raw": occurrence.raw,
    }


def cancellation_record(series: SeriesFacts, original_start: datetime) -> dict[str, Any]:
    """An occurrence that no longer takes place, with the times it was scheduled for."""
    zone = timeutil.canonical_zone(series.timezone)
    if series.is_all_day:
        first = timeutil.local_date(original_start, zone)
        times = _times(first, first + timedelta(days=max(series.duration.days, 1)), zone)
    else:
        times = _times(original_start, original_start + series.duration, zone)
    return {
        **_identity(series, original_start, zone, times),
        **_NO_DETAILS,
        "instance_id": None,
        "is_all_day": series.is_all_day,
        "status": "cancelled",
        "is_exception": False,
        "summary": series.summary,
    }


def _checked_attendee(attendee: Attendee) -> dict[str, Any]:
    _check(attendee.response_status, RESPONSES, "response_status")
    return attendee.as_dict()


def _maybe_instant(value: datetime | None) -> str | None:
    return None if value is None else timeutil.format_instant(value)
