"""Expansion of a series into occurrences, lazily and only within the window asked for.

Rules are expanded in wall-clock time of the series' zone and localised afterwards: a
weekly 09:00 New York meeting stays at 09:00 local across DST changes, so it is 14:00Z in
winter and 13:00Z in summer. Expanding in UTC would get that wrong.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from tap_calinstances.sandbox.model import Override, Series


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a series: aware datetimes in the series' (or floating) zone."""

    series: Series
    original_start: datetime
    start: datetime
    end: datetime
    override: Override | None = None

    @property
    def cancelled(self) -> bool:
        return self.override is not None and self.override.cancelled

    @property
    def is_exception(self) -> bool:
        """Moved or edited and still taking place."""
        return self.override is not None and not self.override.cancelled

    @property
    def moved(self) -> bool:
        return self.override is not None and self.override.start is not None

    @property
    def summary(self) -> str:
        if self.override is not None and self.override.summary is not None:
            return self.override.summary
        return self.series.summary

    @property
    def seq(self) -> int:
        return max(self.series.seq, self.override.seq if self.override else 0)

    @property
    def updated(self) -> datetime:
        if self.override is None:
            return self.series.updated
        return max(self.series.updated, self.override.updated)


def expansion_zone(series: Series, floating: str) -> ZoneInfo:
    """The series' zone; all-day (floating) series take the zone they are read in."""
    return ZoneInfo(series.timezone or floating)


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    # fold=0 reads a wall time inside the spring-forward gap with the offset before the
    # gap and an ambiguous autumn time as its first instant, as RFC 5545 3.3.5 says.
    return wall.replace(tzinfo=zone, fold=0)


def to_wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _padded_wall(instant: datetime, zone: ZoneInfo, pad: timedelta) -> datetime:
    """The wall time of `instant` moved by `pad`, saturating at the ends of the calendar: a
    window may reach 9999-12-31, and padding past it must not fail the request."""
    try:
        return to_wall(instant, zone) + pad
    except OverflowError:
        return datetime.max if instant.year > 1 else datetime.min


def _until_wall(value: str, zone: ZoneInfo, all_day: bool) -> datetime:
    if len(value) == 8:  # a DATE: the whole day is included
        day = datetime.strptime(value, "%Y%m%d")
        return day if all_day else day + timedelta(days=1, microseconds=-1)
    if value.upper().endswith("Z"):
        instant = datetime.strptime(value[:-1], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return to_wall(instant, zone)
    return datetime.strptime(value, "%Y%m%dT%H%M%S")


def rule_of(series: Series, zone: ZoneInfo) -> rrule:
    """The series' rule over naive wall-clock times.

    dateutil refuses a UTC UNTIL with a naive DTSTART, so UNTIL is converted to the
    series' wall clock here; RFC 5545 requires UNTIL in UTC for zoned DTSTARTs.
    """
    if series.rrule is None:
        raise ValueError(f"series {series.id} is not recurring")
    kept: list[str] = []
    until: datetime | None = None
    for part in series.rrule.removeprefix("RRULE:").split(";"):
        name, _, value = part.partition("=")
        if name.upper() == "UNTIL":
            until = _until_wall(value, zone, series.all_day)
        else:
            kept.append(part)
    rule = rrulestr(";".join(kept), dtstart=series.start, cache=False)
    if not isinstance(rule, rrule):
        raise ValueError(f"series {series.id} must have exactly one RRULE")
    return rule.replace(until=until) if until is not None else rule


def is_occurrence(series: Series, wall: datetime, floating: str = "UTC") -> bool:
    """Whether the rule schedules an occurrence at this wall-clock start."""
    rule = rule_of(series, expansion_zone(series, floating))
    return rule.after(wall, inc=True) == wall


def occurrence_at(series: Series, original: datetime, zone: ZoneInfo) -> Occurrence:
    """The occurrence the rule schedules at wall time `original`, with its exception."""
    override = next(
        (o for o in series.overrides if o.original_start == original and not o.detached), None
    )
    start_wall, end_wall = original, original + series.duration
    if override is not None and override.start is not None and override.end is not None:
        start_wall, end_wall = override.start, override.end
    return Occurrence(
        series,
        localize(original, zone),
        localize(start_wall, zone),
        localize(end_wall, zone),
        override,
    )


def tombstone(series: Series, override: Override, zone: ZoneInfo) -> Occurrence:
    """A detached exception (its start no longer in the rule) as a cancelled occurrence,
    for change listings."""
    start = localize(override.original_start, zone)
    return Occurrence(series, start, start, start + series.duration, override)


def iter_occurrences(
    series: Series, lo: datetime | None, hi: datetime, floating: str, *, end_inclusive: bool
) -> Iterator[Occurrence]:
    """Occurrences that end after `lo` (or at it, when end_inclusive) and start before
    `hi`, in order of original start. Cancelled ones are included: callers filter them.

    Moved occurrences are matched on their actual times, cancelled ones on their
    scheduled times, as Google's instances endpoint does.
    """
    zone = expansion_zone(series, floating)
    rule = rule_of(series, zone)
    # Wall-clock bounds padded by the duration and a day, so offset changes and long
    # events near the edges are never cut; the exact test below decides.
    lo_wall = series.start
    if lo is not None:
        lo_wall = max(series.start, _padded_wall(lo, zone, -series.duration - timedelta(days=1)))
    hi_wall = _padded_wall(hi, zone, timedelta(days=1))
    scheduled = itertools.takewhile(lambda wall: wall <= hi_wall, rule.xafter(lo_wall, inc=True))
    # An occurrence moved into the window from a start outside it must still be found.
    moved_in = sorted(
        o.original_start
        for o in series.overrides
        if o.start is not None and not lo_wall <= o.original_start <= hi_wall
    )
    for original in heapq.merge(scheduled, moved_in):
        try:
            occurrence = occurrence_at(series, original, zone)
        except OverflowError:  # ends after 9999-12-31: past any window there can be
            return
        if lo is not None and (occurrence.end < lo or (occurrence.end == lo and not end_inclusive)):
            continue
        if occurrence.start < hi:
            yield occurrence


def expand(
    series: Series, lo: datetime | None, hi: datetime, floating: str, *, end_inclusive: bool = True
) -> list[Occurrence]:
    return list(iter_occurrences(series, lo, hi, floating, end_inclusive=end_inclusive))


def overlaps(
    series: Series, lo: datetime | None, hi: datetime | None, floating: str, *, horizon: datetime
) -> bool:
    """Whether any occurrence of the series (cancelled or not) touches the window."""
    found = iter_occurrences(series, lo, hi or horizon, floating, end_inclusive=False)
    return next(found, None) is not None
