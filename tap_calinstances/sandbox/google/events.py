"""What events.list and events.instances contain, item by item, before paging.

Google's listing rules, as documented and observed:
- singleEvents=false lists masters, single events, modified occurrences (with
  `recurringEventId` + `originalStartTime`) and cancelled occurrences, the latter even
  without showDeleted;
- singleEvents=true lists occurrences and single events; cancelled ones only with
  showDeleted, a sync token or updatedMin, and a deleted series shows up as its cancelled
  occurrences rather than as its master;
- a sync token or updatedMin always brings deleted items.

Listings are returned as renderers rather than rendered items: a listing is computed once
and paged through many times, and holding a million small renderers is cheap where a
million rendered dicts is not. Only the page being served gets rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from tap_calinstances.sandbox.google.params import EventsQuery, InstancesQuery
from tap_calinstances.sandbox.google.wire import etag, event_item, instance_item, stamp
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


@dataclass(frozen=True)
class _Row:
    start: datetime
    updated: datetime
    position: tuple[int, datetime]  # dataset order of the series, then original start
    render: Render


def _touches(occurrence: Occurrence, lo: datetime | None, hi: datetime | None) -> bool:
    """events.list's window: end strictly after timeMin, start strictly before timeMax."""
    return (lo is None or occurrence.end > lo) and (hi is None or occurrence.start < hi)


class EventLister:
    def __init__(self, world: World, horizon: timedelta) -> None:
        self._world = world
        self._horizon = horizon

    def _names(self, series: Iterable[Series]) -> dict[str, str]:
        names = {}
        for organizer in {s.organizer for s in series}:
            principal = self._world.principal(organizer)
            if principal is not None:
                names[organizer] = principal.name
        return names

    def head(self, calendar: Calendar, role: str) -> dict[str, Any]:
        """Top-level fields of an events or instances page."""
        series = self._world.series_in(calendar.id)
        updated = max(
            [
                calendar.updated,
                *(s.updated for s in series),
                *(o.updated for s in series for o in s.overrides),
            ]
        )
        head: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": etag(updated, self._world.version),
            "summary": calendar.summary,
        }
        if calendar.description:
            head["description"] = calendar.description
        head.update(
            updated=stamp(updated),
            timeZone=calendar.timezone,
            accessRole=role,
            defaultReminders=[{"method": "popup", "minutes": 10}] if role == "owner" else [],
        )
        return head

    def events(self, calendar: Calendar, query: EventsQuery, since: int | None) -> list[Render]:
        lo, hi = query.window.time_min, query.window.time_max
        horizon = self._world.now() + self._horizon
        changes_only = since is not None or query.updated_min is not None
        with_deleted = query.show_deleted or changes_only

        def changed(seq: int, updated: datetime) -> bool:
            return (since is None or seq > since) and (
                query.updated_min is None or updated >= query.updated_min
            )

        all_series = self._world.series_in(calendar.id)
        names = self._names(all_series)
        rows: list[_Row] = []

        def render_instance(occurrence: Occurrence) -> Render:
            return partial(instance_item, occurrence, calendar, names, query.render)

        def add(index: int, occurrence: Occurrence, render: Render) -> None:
            rows.append(
                _Row(
                    occurrence.start, occurrence.updated, (index, occurrence.original_start), render
                )
            )

        for index, series in enumerate(all_series):
            zone = expansion_zone(series, calendar.timezone)
            first = occurrence_at(series, series.start, zone)
            master = partial(event_item, series, first, calendar, names, query.render)
            if not series.recurring:
                if (
                    changed(series.seq, series.updated)
                    and _touches(first, lo, hi)
                    and (with_deleted or not series.deleted)
                ):
                    add(index, first, master)
            elif query.single_events:
                if series.deleted and not with_deleted:
                    continue
                if changes_only:
                    for occurrence in self._tombstones(series, zone, changed):
                        if _touches(occurrence, lo, hi):
                            add(index, occurrence, render_instance(occurrence))
                for occurrence in iter_occurrences(
                    series, lo, hi or horizon, calendar.timezone, end_inclusive=False
                ):
                    if (occurrence.cancelled and not with_deleted) or not changed(
                        occurrence.seq, occurrence.updated
                    ):
                        continue
                    add(index, occurrence, render_instance(occurrence))
            elif series.deleted:
                if with_deleted and changed(series.seq, series.updated):
                    add(index, first, master)
            else:
                if changed(series.seq, series.updated) and overlaps(
                    series, lo, hi, calendar.timezone, horizon=horizon
                ):
                    add(index, first, master)
                if changes_only:
                    for occurrence in self._tombstones(series, zone, changed):
                        if _touches(occurrence, lo, hi):
                            add(index, occurrence, render_instance(occurrence))
                for override in series.overrides:
                    if override.detached:
                        continue
                    occurrence = occurrence_at(series, override.original_start, zone)
                    if changed(occurrence.seq, occurrence.updated) and _touches(occurrence, lo, hi):
                        add(index, occurrence, render_instance(occurrence))
        if query.order_by == "updated":
            rows.sort(key=lambda row: row.updated)
        elif query.single_events:
            rows.sort(key=lambda row: (row.start, row.position))
        else:
            rows.sort(key=lambda row: row.position)
        return [row.render for row in rows]

    @staticmethod
    def _tombstones(
        series: Series, zone: ZoneInfo, changed: Callable[[int, datetime], bool]
    ) -> list[Occurrence]:
        """Exceptions deleted with a change of the rule, when changed since the cursor."""
        return [
            tombstone(series, o, zone)
            for o in series.overrides
            if o.detached and changed(o.seq, o.updated)
        ]

    def instances(self, calendar: Calendar, series: Series, query: InstancesQuery) -> list[Render]:
        if not series.recurring:
            return []
        hi = query.window.time_max or self._world.now() + self._horizon
        names = self._names([series])
        items: list[Render] = []
        for occurrence in iter_occurrences(
            series, query.window.time_min, hi, calendar.timezone, end_inclusive=True
        ):
            if occurrence.cancelled and not query.show_deleted:
                continue
            if (
                query.original_start is not None
                and occurrence.original_start != query.original_start
            ):
                continue
            items.append(partial(instance_item, occurrence, calendar, names, query.render))
        return items

    def event(self, calendar: Calendar, event_id: str, render_zone: Any) -> dict[str, Any] | None:
        """events.get: a master, a single event or one occurrence by its instance id."""
        series = self._world.series(calendar.id, event_id)
        if series is not None:
            zone = expansion_zone(series, calendar.timezone)
            first = occurrence_at(series, series.start, zone)
            return event_item(series, first, calendar, self._names([series]), render_zone)
        master_id, _, suffix = event_id.rpartition("_")
        series = self._world.series(calendar.id, master_id)
        if series is None or not series.recurring:
            return None
        occurrence = find_instance(series, suffix, calendar.timezone)
        if occurrence is None:
            return None
        return instance_item(occurrence, calendar, self._names([series]), render_zone)


def find_instance(series: Series, suffix: str, floating: str) -> Occurrence | None:
    """The occurrence an instance-id suffix (`20260105T140000Z` or `20260109`) names."""
    zone = expansion_zone(series, floating)
    try:
        if series.all_day:
            wall = datetime.strptime(suffix, "%Y%m%d")
        else:
            utc = datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            wall = to_wall(utc, zone)
    except ValueError:
        return None
    if not is_occurrence(series, wall, floating):
        return None
    return occurrence_at(series, wall, zone)
