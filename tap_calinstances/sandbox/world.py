"""The mutable state of the sandbox: the dataset as it is now, after changes between runs.

Items are immutable; a change replaces an item with a new version that carries the next
change sequence number and a later `updated` time. Sync tokens and etags are built from
those, so a change is visible to incremental reads exactly as at a real provider.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tap_calinstances import timeutil
from tap_calinstances.sandbox.model import (
    Attendee,
    Calendar,
    Dataset,
    OAuthClient,
    Override,
    Principal,
    Series,
    event_id,
)
from tap_calinstances.sandbox.recurrence import is_occurrence, rule_of


class ChangeError(ValueError):
    """A change request that does not fit the data (unknown ids, bad times, ...)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class World:
    """Thread-safe current state; readers get consistent copies, writers go through apply()."""

    OPS = (
        "cancel_occurrence",
        "move_occurrence",
        "edit_series",
        "add_series",
        "delete_series",
        "expire_sync_tokens",
    )

    def __init__(self, dataset: Dataset, clock: Callable[[], datetime] = _utc_now) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._principals = {p.email: p for p in dataset.principals}
        self.oauth_client: OAuthClient = dataset.oauth_client
        self._calendars = {c.id: c for c in dataset.calendars}
        self._series: dict[str, dict[str, Series]] = {c.id: {} for c in dataset.calendars}
        for series in dataset.series:
            self._series[series.calendar_id][series.id] = series
        self._version = dataset.seq
        self._sync_epoch = 0
        stamps = [s.updated for s in dataset.series] + [
            o.updated for s in dataset.series for o in s.overrides
        ]
        self._last_stamp = max(stamps, default=datetime(2026, 1, 1, tzinfo=UTC))

    # -- reading -----------------------------------------------------------------------

    @property
    def version(self) -> int:
        """The highest change sequence number handed out so far."""
        return self._version

    @property
    def sync_epoch(self) -> int:
        """Bumped by expire_sync_tokens: tokens of an older epoch are no longer valid."""
        return self._sync_epoch

    def now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def principal(self, email: str) -> Principal | None:
        return self._principals.get(email)

    def principal_emails(self) -> list[str]:
        return sorted(self._principals)

    def calendar(self, calendar_id: str) -> Calendar | None:
        return self._calendars.get(calendar_id)

    def all_calendars(self) -> list[Calendar]:
        with self._lock:
            return list(self._calendars.values())

    def calendars_of(self, principal: str) -> list[tuple[Calendar, str]]:
        """The principal's calendar list as (calendar, access role), in dataset order."""
        with self._lock:
            return [
                (c, role)
                for c in self._calendars.values()
                if (role := c.listed_role_of(principal)) is not None
            ]

    def series_in(self, calendar_id: str) -> list[Series]:
        with self._lock:
            return list(self._series.get(calendar_id, {}).values())

    def series(self, calendar_id: str, series_id: str) -> Series | None:
        return self._series.get(calendar_id, {}).get(series_id)

    def find_series(self, summary: str, calendar_id: str | None = None) -> Series:
        with self._lock:
            found = [
                s
                for cal, items in self._series.items()
                for s in items.values()
                if s.summary == summary and calendar_id in (None, cal)
            ]
        if len(found) != 1:
            raise KeyError(
                f"{len(found)} series named {summary!r}"
                + (f" in {calendar_id}" if calendar_id else "")
            )
        return found[0]

    # -- changing ----------------------------------------------------------------------

    def apply(self, op: str, **kwargs: Any) -> dict[str, Any]:
        """Apply one change between runs; see OPS. Returns what changed."""
        if op not in self.OPS:
            raise ChangeError(f"unknown op {op!r}; known: {', '.join(self.OPS)}")
        handler: Callable[..., dict[str, Any]] = getattr(self, op)
        try:
            with self._lock:
                result = handler(**kwargs)
        except TypeError as exc:  # wrong or missing arguments for the op
            raise ChangeError(f"{op}: {exc}") from exc
        return {"op": op, "version": self._version, **result}

    def _stamp(self) -> tuple[int, datetime]:
        """Next sequence number and an `updated` time later than any before it."""
        now = self.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # wire has ms
        self._last_stamp = max(now, self._last_stamp + timedelta(milliseconds=1))
        self._version += 1
        return self._version, self._last_stamp

    def _require(self, calendar_id: str, series_id: str) -> Series:
        series = self.series(calendar_id, series_id)
        if series is None or series.deleted:
            raise ChangeError(f"no series {series_id!r} in calendar {calendar_id!r}")
        return series

    def _wall(self, series: Series, value: str) -> datetime:
        """A change's time as wall clock of the series (all-day: the local date)."""
        if series.all_day:
            return datetime.combine(_parse_day(value), datetime.min.time())
        zone = ZoneInfo(series.timezone or "UTC")
        return _parse_instant(value).astimezone(zone).replace(tzinfo=None)

    def _floating(self, series: Series) -> str:
        return self._calendars[series.calendar_id].timezone

    def _put_override(self, series: Series, override: Override) -> None:
        kept = tuple(o for o in series.overrides if o.original_start != override.original_start)
        overrides = tuple(sorted((*kept, override), key=lambda o: o.original_start))
        self._series[series.calendar_id][series.id] = replace(series, overrides=overrides)

    def _original(self, series: Series, original_start: str) -> datetime:
        if not series.recurring:
            raise ChangeError(f"event {series.id} is not recurring")
        original = self._wall(series, original_start)
        if not is_occurrence(series, original, self._floating(series)):
            raise ChangeError(f"{original_start} is not an occurrence of series {series.id}")
        return original

    def cancel_occurrence(
        self, calendar_id: str, series_id: str, original_start: str
    ) -> dict[str, Any]:
        series = self._require(calendar_id, series_id)
        original = self._original(series, original_start)
        seq, stamp = self._stamp()
        self._put_override(series, Override(original, seq, stamp, cancelled=True))
        return {"calendar_id": calendar_id, "series_id": series_id}

    def move_occurrence(
        self, calendar_id: str, series_id: str, original_start: str, start: str, end: str
    ) -> dict[str, Any]:
        series = self._require(calendar_id, series_id)
        original = self._original(series, original_start)
        new_start, new_end = self._wall(series, start), self._wall(series, end)
        if new_end <= new_start:
            raise ChangeError("end must be after start")
        previous = next((o for o in series.overrides if o.original_start == original), None)
        seq, stamp = self._stamp()
        self._put_override(
            series,
            Override(
                original,
                seq,
                stamp,
                start=new_start,
                end=new_end,
                summary=previous.summary if previous else None,
            ),
        )
        return {"calendar_id": calendar_id, "series_id": series_id}

    def edit_series(
        self,
        calendar_id: str,
        series_id: str,
        summary: str | None = None,
        description: str | None = None,
        location: str | None = None,
    ) -> dict[str, Any]:
        series = self._require(calendar_id, series_id)
        if summary is None and description is None and location is None:
            raise ChangeError("edit_series needs summary, description or location")
        seq, stamp = self._stamp()
        self._series[calendar_id][series_id] = replace(
            series,
            seq=seq,
            updated=stamp,
            summary=summary or series.summary,
            description=series.description if description is None else description,
            location=series.location if location is None else location,
        )
        return {"calendar_id": calendar_id, "series_id": series_id}

    def delete_series(self, calendar_id: str, series_id: str) -> dict[str, Any]:
        series = self._require(calendar_id, series_id)
        seq, stamp = self._stamp()
        self._series[calendar_id][series_id] = replace(series, deleted=True, seq=seq, updated=stamp)
        return {"calendar_id": calendar_id, "series_id": series_id}

    def add_series(
        self,
        calendar_id: str,
        summary: str,
        rrule: str,
        start: str,
        end: str,
        timezone: str | None = None,
        description: str | None = None,
        location: str | None = None,
    ) -> dict[str, Any]:
        calendar = self._calendars.get(calendar_id)
        if calendar is None:
            raise ChangeError(f"no calendar {calendar_id!r}")
        all_day = len(start.strip()) == 10 and len(end.strip()) == 10
        zone_name = None if all_day else (timezone or calendar.timezone)
        try:
            zone = ZoneInfo(zone_name or "UTC")
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ChangeError(f"unknown time zone {timezone!r}") from exc
        if all_day:
            first = datetime.combine(_parse_day(start), datetime.min.time())
            last = datetime.combine(_parse_day(end), datetime.min.time())
        else:
            first = _parse_instant(start).astimezone(zone).replace(tzinfo=None)
            last = _parse_instant(end).astimezone(zone).replace(tzinfo=None)
        if last <= first:
            raise ChangeError("end must be after start")
        key = f"added:{calendar_id}:{summary}:{start}"
        while any(s.key == key for s in self._series[calendar_id].values()):
            key += "+"
        line = rrule.strip()
        line = line if line.upper().startswith("RRULE:") else "RRULE:" + line
        seq, stamp = self._stamp()
        series = Series(
            key,
            event_id(key),
            calendar_id,
            summary,
            calendar.owner,
            first,
            last - first,
            zone_name,
            line,
            seq,
            stamp,
            created=stamp,
            description=description,
            location=location,
            attendees=(Attendee(calendar.owner, None, "accepted"),),
            all_day=all_day,
            transparent=all_day,
        )
        try:
            valid = is_occurrence(series, first, calendar.timezone)
            rule_of(series, zone)
        except (ValueError, TypeError) as exc:
            raise ChangeError(f"invalid rule {rrule!r}: {exc}") from exc
        if not valid:
            # A DTSTART that the rule does not produce is read differently by different
            # providers; the sandbox keeps its data unambiguous instead.
            raise ChangeError(f"start {start} is not an occurrence of {line}")
        self._series[calendar_id][series.id] = series
        return {"calendar_id": calendar_id, "series_id": series.id}

    def expire_sync_tokens(self) -> dict[str, Any]:
        """Invalidate every sync token handed out so far, as providers do after a while."""
        self._sync_epoch += 1
        return {"sync_epoch": self._sync_epoch}


def _parse_instant(value: str) -> datetime:
    try:
        return timeutil.parse_instant(value)
    except timeutil.TimeValueError as exc:
        raise ChangeError(
            f"{exc}; write times with an offset, e.g. 2026-03-02T09:00:00-05:00"
        ) from exc


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except (TypeError, ValueError) as exc:
        raise ChangeError(f"not an ISO 8601 date: {value!r}") from exc
