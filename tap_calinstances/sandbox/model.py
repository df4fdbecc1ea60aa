"""The sandbox's provider-neutral data model: principals, calendars, series, exceptions.

Every provider emulation renders these same items in its own wire format. Times of a series
are wall-clock times in the series' IANA zone (naive datetimes), exactly as a recurrence
rule is written; they are localised only after expansion, so DST comes out right. Every
item carries a change sequence number and an `updated` time.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# Fixed stamps of the built-in data, so tests can assert exact values.
CREATED = datetime(2025, 12, 1, 10, 0, tzinfo=UTC)
UPDATED = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Principal:
    email: str
    name: str
    timezone: str
    # The emulated providers this account exists at (their names); empty: every one.
    providers: tuple[str, ...] = ()

    def exists_at(self, provider: str) -> bool:
        return not self.providers or provider in self.providers


@dataclass(frozen=True)
class OAuthClient:
    """An installed-app OAuth client with one user's refresh token."""

    client_id: str
    client_secret: str
    refresh_token: str
    principal: str


@dataclass(frozen=True)
class Calendar:
    id: str
    summary: str
    description: str | None
    timezone: str
    owner: str
    # (principal email, access role) for everyone who has this calendar in their list.
    members: tuple[tuple[str, str], ...]
    primary_of: str | None
    color_id: str
    seq: int
    updated: datetime
    # (principal, role) who may read the calendar without having it in their calendar list,
    # as Google does for calendars shared with a service account.
    unlisted: tuple[tuple[str, str], ...] = ()

    def listed_role_of(self, principal: str) -> str | None:
        """The role of a principal that has the calendar in its calendar list."""
        return next((role for who, role in self.members if who == principal), None)

    def role_of(self, principal: str) -> str | None:
        """The role of any principal that may read the calendar, listed or not."""
        return self.listed_role_of(principal) or next(
            (role for who, role in self.unlisted if who == principal), None
        )


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None
    response: str  # needsAction | declined | tentative | accepted
    optional: bool = False
    resource: bool = False


@dataclass(frozen=True)
class Override:
    """An exception of a series: one occurrence cancelled, moved or edited.

    `original_start` is the rule's wall-clock start it replaces; `start`/`end` are None
    when the occurrence keeps its scheduled times, `summary` None when it keeps the series'.
    """

    original_start: datetime
    seq: int
    updated: datetime
    cancelled: bool = False
    start: datetime | None = None
    end: datetime | None = None
    summary: str | None = None
    # The rule no longer schedules this start (the rule was changed or shortened): the
    # exception is gone, and only change listings still report it, as cancelled.
    detached: bool = False


@dataclass(frozen=True)
class Series:
    """A recurring series (its master event), or a single event when `rrule` is None."""

    key: str
    id: str
    calendar_id: str
    summary: str
    organizer: str
    start: datetime  # wall clock in `timezone`; midnight for all-day
    duration: timedelta
    timezone: str | None  # None for all-day (floating) events
    rrule: str | None
    seq: int
    updated: datetime
    created: datetime = CREATED
    description: str | None = None
    location: str | None = None
    attendees: tuple[Attendee, ...] = ()
    all_day: bool = False
    transparent: bool = False
    sequence: int = 0  # iCalendar SEQUENCE: bumped when times change
    deleted: bool = False
    overrides: tuple[Override, ...] = ()

    @property
    def recurring(self) -> bool:
        return self.rrule is not None


@dataclass(frozen=True)
class DataPart:
    """Fixed data an emulation adds to the dataset (its own accounts, calendars, series)."""

    principals: tuple[Principal, ...]
    calendars: tuple[Calendar, ...]
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Dataset:
    principals: tuple[Principal, ...]
    oauth_client: OAuthClient
    calendars: tuple[Calendar, ...]
    series: tuple[Series, ...]
    seq: int = field(default=0)  # highest change sequence number in the data


def event_id(key: str) -> str:
    """A Google-style event id (base32hex, lowercase) that depends only on the series key."""
    digest = hashlib.sha1(f"tap-calinstances-sandbox:{key}".encode()).digest()  # noqa: S324
    return base64.b32hexencode(digest).decode().rstrip("=").lower()


class Sequence:
    """Hands out change sequence numbers in creation order."""

    def __init__(self) -> None:
        self.value = 0

    def __call__(self) -> int:
        self.value += 1
        return self.value


def wall(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A naive wall-clock time, as series times are kept."""
    return datetime(year, month, day, hour, minute)
