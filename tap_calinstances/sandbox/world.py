"""The mutable state of the sandbox: the dataset as it is now, after changes between runs.

Items are immutable; a change replaces an item with a new version that carries the next
change sequence number and a later `updated` time. Sync tokens and etags are built from
those, so a change is visible to incremental reads exactly as at a real provider. The
changes themselves are in changes.py.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tap_calinstances.sandbox.changes import HANDLERS, ChangeError
from tap_calinstances.sandbox.model import (
    Calendar,
    Dataset,
    OAuthClient,
    Override,
    Principal,
    Series,
    event_id,
)
from tap_calinstances.sandbox.recurrence import expansion_zone, is_occurrence, localize, rule_of
from tap_calinstances.sandbox.times import TimeError, parse_day, parse_instant, utc_rfc3339


def _utc_now() -> datetime:
    return datetime.now(UTC)


class World:
    """Thread-safe current state; readers get consistent copies, writers go through apply()."""

    OPS: tuple[str, ...] = tuple(HANDLERS)  # the changes apply() takes; see changes.py

    def __init__(
        self,
        dataset: Dataset,
        clock: Callable[[], datetime] = _utc_now,
        *,
        event_ids: Callable[[str], str] = event_id,
    ) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        # How series added by changes get their id: from their key, in the id format of
        # the provider that serves this world (Google base32hex, Feishu `<uid>_0`).
        self.event_id = event_ids
        self._principals = {p.email: p for p in dataset.principals}
        self.oauth_client: OAuthClient = dataset.oauth_client
        self._calendars = {c.id: c for c in dataset.calendars}
        self._series: dict[str, dict[str, Series]] = {c.id: {} for c in dataset.calendars}
        for series in dataset.series:
            self._series[series.calendar_id][series.id] = series
        # (calendar id, principal) -> change sequence number of its removal from that
        # principal's calendar list, for calendar-list sync tokens.
        self._removed: dict[tuple[str, str], tuple[int, datetime]] = {}
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

    def principal_emails(self, provider: str | None = None) -> list[str]:
        """Every principal, or those that exist at `provider`."""
        return sorted(
            email
            for email, principal in self._principals.items()
            if provider is None or principal.exists_at(provider)
        )

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

    def removed_from(self, principal: str) -> list[tuple[str, int, datetime]]:
        """(calendar id, seq, updated) of calendars taken out of the principal's list."""
        with self._lock:
            return [(c, *change) for (c, who), change in self._removed.items() if who == principal]

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

    def describe_series(self) -> list[dict[str, Any]]:
        """Every series of every calendar, with what a random change needs to pick valid
        original starts: the rule, the zone, the first start and whether it is all-day."""
        result = []
        with self._lock:
            for calendar in self._calendars.values():
                for series in self._series[calendar.id].values():
                    zone = expansion_zone(series, calendar.timezone)
                    start = localize(series.start, zone)
                    result.append(
                        {
                            "calendar_id": series.calendar_id,
                            "series_id": series.id,
                            "key": series.key,
                            "summary": series.summary,
                            "recurring": series.recurring,
                            "deleted": series.deleted,
                            "rrule": series.rrule,
                            "zone": series.timezone,
                            "all_day": series.all_day,
                            "start": start.date().isoformat()
                            if series.all_day
                            else start.isoformat(),
                            "duration_s": int(series.duration.total_seconds()),
                        }
                    )
        return result

    def occurrences(self, calendar_id: str, series_id: str, start: str, end: str) -> list[str]:
        """Original starts the rule schedules in [start, end) (cancelled and moved ones
        included): the values cancel_occurrence and move_occurrence take. RFC 3339 UTC,
        or dates for all-day series."""
        with self._lock:
            series = self.require(calendar_id, series_id)
            if not series.recurring:
                raise ChangeError(f"event {series_id} is not recurring")
            zone = self.zone_of(series)
            lo, hi = self._instant(start), self._instant(end)
            rule = rule_of(series, zone)
            lo_wall = lo.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
            hi_wall = hi.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
            walls = itertools.takewhile(lambda w: w < hi_wall, rule.xafter(lo_wall, inc=True))
            found = [w for w in walls if lo <= localize(w, zone) < hi]
        if series.all_day:
            return [w.date().isoformat() for w in found]
        return [utc_rfc3339(localize(w, zone)) for w in found]

    # -- helpers for changes -------------------------------------------------------------

    def stamp(self) -> tuple[int, datetime]:
        """Next sequence number and an `updated` time later than any before it."""
        now = self.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # wire has ms
        self._last_stamp = max(now, self._last_stamp + timedelta(milliseconds=1))
        self._version += 1
        return self._version, self._last_stamp

    def require(self, calendar_id: str, series_id: str) -> Series:
        series = self.series(calendar_id, series_id)
        if series is None or series.deleted:
            raise ChangeError(f"no series {series_id!r} in calendar {calendar_id!r}")
        return series

    def require_calendar(self, calendar_id: str) -> Calendar:
        calendar = self._calendars.get(calendar_id)
        if calendar is None:
            raise ChangeError(f"no calendar {calendar_id!r}")
        return calendar

    def zone_of(self, series: Series) -> ZoneInfo:
        return expansion_zone(series, self._calendars[series.calendar_id].timezone)

    def to_wall(self, series: Series, value: str) -> datetime:
        """A change's time as wall clock of the series (all-day: the local date)."""
        if series.all_day:
            return self._day(value)
        zone = ZoneInfo(series.timezone or "UTC")
        return self._instant(value).astimezone(zone).replace(tzinfo=None)

    def original(self, series: Series, original_start: str) -> datetime:
        if not series.recurring:
            raise ChangeError(f"event {series.id} is not recurring")
        original = self.to_wall(series, original_start)
        if not is_occurrence(series, original, self._calendars[series.calendar_id].timezone):
            raise ChangeError(f"{original_start} is not an occurrence of series {series.id}")
        return original

    def put_series(self, series: Series) -> None:
        self._series[series.calendar_id][series.id] = series

    def put_override(self, series: Series, override: Override) -> None:
        kept = tuple(o for o in series.overrides if o.original_start != override.original_start)
        overrides = tuple(sorted((*kept, override), key=lambda o: o.original_start))
        self.put_series(replace(series, overrides=overrides))

    def put_calendar(self, calendar: Calendar) -> None:
        self._calendars[calendar.id] = calendar

    def mark_removed(self, calendar_id: str, principal: str, change: tuple[int, datetime]) -> None:
        self._removed[(calendar_id, principal)] = change

    def unmark_removed(self, calendar_id: str, principal: str) -> None:
        self._removed.pop((calendar_id, principal), None)

    def expire_epoch(self) -> int:
        self._sync_epoch += 1
        return self._sync_epoch

    @staticmethod
    def _instant(value: str) -> datetime:
        try:
            return parse_instant(value)
        except TimeError as exc:
            raise ChangeError(
                f"{exc}; write times with an offset, e.g. 2026-03-02T09:00:00-05:00"
            ) from exc

    @staticmethod
    def _day(value: str) -> datetime:
        try:
            return datetime.combine(parse_day(value), datetime.min.time())
        except TimeError as exc:
            raise ChangeError(str(exc)) from exc

    # -- changing ----------------------------------------------------------------------

    def apply(self, op: str, **kwargs: Any) -> dict[str, Any]:
        """Apply one change between runs; see OPS and changes.py. Returns what changed."""
        handler = HANDLERS.get(op)
        if handler is None:
            raise ChangeError(f"unknown op {op!r}; known: {', '.join(self.OPS)}")
        try:
            with self._lock:
                result = handler(self, **kwargs)
        except TypeError as exc:  # wrong or missing arguments for the op
            raise ChangeError(f"{op}: {exc}") from exc
        return {"op": op, "version": self._version, **result}


__all__ = ["ChangeError", "World"]
