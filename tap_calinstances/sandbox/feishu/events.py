"""What Feishu's event listings contain, item by item, before paging.

- The plain listing (page_token paging) holds masters (`<uid>_0`), single events and
  exceptions: moved or edited occurrences as separate events with `recurring_event_id`
  and `is_exception: true`. Deleted events and deleted occurrences are left out.
- With a sync_token it holds only what changed since: changed masters (a deleted series as
  its master with `status: cancelled`) and changed exceptions, deleted occurrences
  included as `status: cancelled`.
- The start_time/end_time mode expands series into their occurrences in the window,
  sorted by start, and is cut at page_size without saying so (see endpoints.py).
- /instances lists the occurrences in an open interval; a deleted occurrence is absent, or
  `status: cancelled` with the deleted_occurrences fault switch.

All-day events are expanded in UTC, as Feishu dates them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from tap_calinstances.sandbox.feishu.dataset import PEOPLE
from tap_calinstances.sandbox.feishu.wire import (
    event_item,
    exception_item,
    instance_item,
)
from tap_calinstances.sandbox.model import Calendar, Series
from tap_calinstances.sandbox.recurrence import (
    Occurrence,
    expansion_zone,
    is_occurrence,
    iter_occurrences,
    occurrence_at,
    overlaps,
    to_wall,
    tombstone,
)
from tap_calinstances.sandbox.world import World

Render = Callable[[], dict[str, Any]]
FLOATING = "UTC"  # the zone of all-day dates at Feishu


def first_of(series: Series) -> Occurrence:
    return occurrence_at(series, series.start, expansion_zone(series, FLOATING))


class EventLister:
    def __init__(self, world: World, horizon: datetime | None = None) -> None:
        self._world = world
        self._horizon = horizon

    def names(self, series: Iterable[Series]) -> dict[str, str]:
        names = dict(PEOPLE)
        for organizer in {s.organizer for s in series}:
            principal = self._world.principal(organizer)
            if principal is not None:
                names[organizer] = principal.name
        return names

    def _far(self) -> datetime:
        return self._horizon or datetime(2100, 1, 1, tzinfo=UTC)

    def events(
        self, calendar: Calendar, since: int | None, anchor: datetime | None
    ) -> list[Render]:
        all_series = self._world.series_in(calendar.id)
        names = self.names(all_series)
        rows: list[Render] = []
        for series in all_series:
            zone = expansion_zone(series, FLOATING)
            first = first_of(series)
            if since is not None:
                if series.seq > since:
                    rows.append(partial(event_item, first, calendar, names))
                if series.deleted or not series.recurring:
                    continue
                for override in series.overrides:
                    if override.seq <= since:
                        continue
                    occurrence = (
                        tombstone(series, override, zone)
                        if override.detached
                        else occurrence_at(series, override.original_start, zone)
                    )
                    rows.append(partial(exception_item, occurrence, calendar, names))
                continue
            if series.deleted:
                continue
            if not series.recurring:
                if anchor is None or first.end > anchor:
                    rows.append(partial(event_item, first, calendar, names))
                continue
            if anchor is None or overlaps(series, anchor, None, FLOATING, horizon=self._far()):
                rows.append(partial(event_item, first, calendar, names))
            for override in series.overrides:
                if override.detached or override.cancelled:
                    continue
                occurrence = occurrence_at(series, override.original_start, zone)
                if anchor is None or occurrence.end > anchor:
                    rows.append(partial(exception_item, occurrence, calendar, names))
        return rows

    def window(self, calendar: Calendar, lo: datetime, hi: datetime) -> list[Render]:
        """The start_time/end_time mode: every occurrence and single event in the window."""
        all_series = [s for s in self._world.series_in(calendar.id) if not s.deleted]
        names = self.names(all_series)
        found: list[tuple[datetime, Render]] = []
        for series in all_series:
            if not series.recurring:
                first = first_of(series)
                if first.end > lo and first.start < hi:
                    found.append((first.start, partial(event_item, first, calendar, names)))
                continue
            for occurrence in iter_occurrences(series, lo, hi, FLOATING, end_inclusive=False):
                if not occurrence.cancelled:
                    render = partial(instance_item, occurrence, calendar, names)
                    found.append((occurrence.start, render))
        found.sort(key=lambda pair: pair[0])
        return [render for _, render in found]

    def instances(
        self, calendar: Calendar, series: Series, lo: datetime, hi: datetime, deleted: str
    ) -> list[Render]:
        """Occurrences that end after `lo` and start before `hi` (an open interval)."""
        if not series.recurring:
            return []
        names = self.names([series])
        return [
            partial(instance_item, occurrence, calendar, names)
            for occurrence in iter_occurrences(series, lo, hi, FLOATING, end_inclusive=False)
            if not occurrence.cancelled or deleted == "cancelled"
        ]

    def event(self, calendar: Calendar, event_id: str) -> tuple[Series, dict[str, Any]] | None:
        """A master or single event by `<uid>_0`, an occurrence by `<uid>_<seconds>`."""
        master_uid, _, suffix = event_id.rpartition("_")
        series = self._world.series(calendar.id, f"{master_uid}_0")
        if series is None or not suffix.isdigit():
            return None
        names = self.names([series])
        if suffix == "0":
            return series, event_item(first_of(series), calendar, names)
        occurrence = find_occurrence(series, int(suffix))
        if occurrence is None:
            return None
        if occurrence.override is not None:
            return series, exception_item(occurrence, calendar, names)
        return series, instance_item(occurrence, calendar, names)


def find_occurrence(series: Series, original_seconds: int) -> Occurrence | None:
    """The occurrence whose original start is `original_seconds` (all-day: UTC midnight)."""
    if not series.recurring:
        return None
    zone = expansion_zone(series, FLOATING)
    instant = datetime.fromtimestamp(original_seconds, UTC)
    wall = instant.replace(tzinfo=None) if series.all_day else to_wall(instant, zone)
    if not is_occurrence(series, wall, FLOATING):
        return None
    return occurrence_at(series, wall, zone)
