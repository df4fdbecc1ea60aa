"""Changes between runs (`Sandbox.change(op, **kwargs)`, `POST /_sandbox/changes`).

Every change takes a new change sequence number and a later `updated` time, so sync-token
listings report it. Times are RFC 3339 with an offset (all-day series: dates). An
exception whose original start the rule no longer schedules (after edit_series with a new
rrule, or shorten_series) is kept as a detached tombstone: change listings report it as
cancelled, as a provider reports the exceptions it deleted, and nothing else shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tap_calinstances.sandbox.model import Attendee, Override, Series
from tap_calinstances.sandbox.recurrence import is_occurrence, rule_of, to_wall
from tap_calinstances.sandbox.times import TimeError, parse_day, parse_instant

if TYPE_CHECKING:
    from tap_calinstances.sandbox.world import World

ROLES = ("freeBusyReader", "reader", "writer", "owner")


class ChangeError(ValueError):
    """A change request that does not fit the data (unknown ids, bad times, ...)."""


def _rule_line(rrule: str) -> str:
    line = rrule.strip()
    return line if line.upper().startswith("RRULE:") else "RRULE:" + line


def _parsed(value: str) -> datetime:
    try:
        return parse_instant(value)
    except TimeError as exc:
        raise ChangeError(str(exc)) from exc


def _with_rule(world: World, series: Series, line: str, seq: int, stamp: datetime) -> Series:
    """`series` under a new rule: exceptions the rule no longer schedules are detached,
    and tombstones it schedules again are dropped (the occurrence is plain again)."""
    floating = world.require_calendar(series.calendar_id).timezone
    changed = replace(series, rrule=line, seq=seq, updated=stamp, sequence=series.sequence + 1)
    try:
        first = rule_of(changed, world.zone_of(changed)).after(series.start, inc=True)
    except (ValueError, TypeError) as exc:
        raise ChangeError(f"invalid rule {line!r}: {exc}") from exc
    if first is None:
        raise ChangeError(f"{line} schedules no occurrence from the series' start on")
    # The first start must be an occurrence of the rule (see add_series): a start the new
    # rule skips moves to the rule's first occurrence.
    changed = replace(changed, start=first)
    overrides = []
    for override in changed.overrides:
        scheduled = is_occurrence(changed, override.original_start, floating)
        if (override.detached and not scheduled) or (not override.detached and scheduled):
            overrides.append(override)
        elif not override.detached:
            overrides.append(
                Override(override.original_start, seq, stamp, cancelled=True, detached=True)
            )
    return replace(changed, overrides=tuple(overrides))


def cancel_occurrence(
    world: World, calendar_id: str, series_id: str, original_start: str
) -> dict[str, Any]:
    series = world.require(calendar_id, series_id)
    original = world.original(series, original_start)
    seq, stamp = world.stamp()
    world.put_override(series, Override(original, seq, stamp, cancelled=True))
    return {"calendar_id": calendar_id, "series_id": series_id}


def move_occurrence(
    world: World, calendar_id: str, series_id: str, original_start: str, start: str, end: str
) -> dict[str, Any]:
    """Give one occurrence other times, anywhere (also far outside any window)."""
    series = world.require(calendar_id, series_id)
    original = world.original(series, original_start)
    new_start, new_end = world.to_wall(series, start), world.to_wall(series, end)
    if new_end <= new_start:
        raise ChangeError("end must be after start")
    previous = next(
        (o for o in series.overrides if o.original_start == original and not o.detached), None
    )
    seq, stamp = world.stamp()
    summary = previous.summary if previous else None
    world.put_override(
        series, Override(original, seq, stamp, start=new_start, end=new_end, summary=summary)
    )
    return {"calendar_id": calendar_id, "series_id": series_id}


def edit_series(
    world: World,
    calendar_id: str,
    series_id: str,
    summary: str | None = None,
    description: str | None = None,
    location: str | None = None,
    rrule: str | None = None,
) -> dict[str, Any]:
    """Edit the master. A new `rrule` replaces the rule: exceptions at starts it still
    schedules are kept, the others are deleted."""
    series = world.require(calendar_id, series_id)
    if summary is None and description is None and location is None and rrule is None:
        raise ChangeError("edit_series needs summary, description, location or rrule")
    if rrule is not None and not series.recurring:
        raise ChangeError(f"event {series_id} is not recurring")
    seq, stamp = world.stamp()
    changed = replace(
        series,
        seq=seq,
        updated=stamp,
        summary=summary or series.summary,
        description=series.description if description is None else description,
        location=series.location if location is None else location,
    )
    if rrule is not None:
        changed = _with_rule(world, changed, _rule_line(rrule), seq, stamp)
    world.put_series(changed)
    return {"calendar_id": calendar_id, "series_id": series_id}


def shorten_series(world: World, calendar_id: str, series_id: str, until: str) -> dict[str, Any]:
    """End the rule before `until` (an instant), as deleting "this and following
    occurrences" does: UNTIL becomes the last second before it (all-day: the last day)."""
    series = world.require(calendar_id, series_id)
    if series.rrule is None:
        raise ChangeError(f"event {series_id} is not recurring")
    cut = _parsed(until)
    zone = world.zone_of(series)
    rule = rule_of(series, zone)
    cut_wall = to_wall(cut, zone)
    last = rule.before(cut_wall, inc=False)
    if last is None:
        raise ChangeError(f"no occurrence of {series_id} before {until}; use delete_series")
    if rule.after(cut_wall, inc=True) is None:
        raise ChangeError(f"series {series_id} already ends before {until}")
    if series.all_day:
        end_value = last.strftime("%Y%m%d")
    else:
        end_value = (cut - timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    parts = [
        part
        for part in series.rrule.removeprefix("RRULE:").split(";")
        if part.partition("=")[0].upper() not in ("UNTIL", "COUNT")
    ]
    seq, stamp = world.stamp()
    line = "RRULE:" + ";".join([*parts, f"UNTIL={end_value}"])
    world.put_series(_with_rule(world, series, line, seq, stamp))
    return {"calendar_id": calendar_id, "series_id": series_id, "rrule": line}


def delete_series(world: World, calendar_id: str, series_id: str) -> dict[str, Any]:
    series = world.require(calendar_id, series_id)
    seq, stamp = world.stamp()
    world.put_series(replace(series, deleted=True, seq=seq, updated=stamp))
    return {"calendar_id": calendar_id, "series_id": series_id}


def add_series(
    world: World,
    calendar_id: str,
    summary: str,
    rrule: str,
    start: str,
    end: str,
    timezone: str | None = None,
    description: str | None = None,
    location: str | None = None,
) -> dict[str, Any]:
    calendar = world.require_calendar(calendar_id)
    all_day = len(start.strip()) == 10 and len(end.strip()) == 10
    zone_name = None if all_day else (timezone or calendar.timezone)
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ChangeError(f"unknown time zone {timezone!r}") from exc
    try:
        if all_day:
            first = datetime.combine(parse_day(start), datetime.min.time())
            last = datetime.combine(parse_day(end), datetime.min.time())
        else:
            first = to_wall(parse_instant(start), zone)
            last = to_wall(parse_instant(end), zone)
    except TimeError as exc:
        raise ChangeError(
            f"{exc}; write times with an offset, e.g. 2026-03-02T09:00:00-05:00"
        ) from exc
    if last <= first:
        raise ChangeError("end must be after start")
    existing = {s.key for s in world.series_in(calendar_id)}
    key = f"added:{calendar_id}:{summary}:{start}"
    while key in existing:
        key += "+"
    line = _rule_line(rrule)
    seq, stamp = world.stamp()
    series = Series(
        key,
        world.event_id(key),
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
    except (ValueError, TypeError) as exc:
        raise ChangeError(f"invalid rule {rrule!r}: {exc}") from exc
    if not valid:
        # A DTSTART that the rule does not produce is read differently by different
        # providers; the sandbox keeps its data unambiguous instead.
        raise ChangeError(f"start {start} is not an occurrence of {line}")
    world.put_series(series)
    return {"calendar_id": calendar_id, "series_id": series.id}


def unshare_calendar(world: World, calendar_id: str, principal: str) -> dict[str, Any]:
    """Take the principal's access away: the calendar leaves its calendar list (change
    listings report it deleted) and every read of it answers as for a missing calendar."""
    calendar = world.require_calendar(calendar_id)
    if calendar.role_of(principal) is None:
        raise ChangeError(f"{principal} has no access to calendar {calendar_id!r}")
    seq, stamp = world.stamp()
    world.put_calendar(
        replace(
            calendar,
            members=tuple(m for m in calendar.members if m[0] != principal),
            unlisted=tuple(m for m in calendar.unlisted if m[0] != principal),
            seq=seq,
            updated=stamp,
        )
    )
    if calendar.listed_role_of(principal) is not None:
        world.mark_removed(calendar_id, principal, (seq, stamp))
    return {"calendar_id": calendar_id, "principal": principal}


def share_calendar(
    world: World, calendar_id: str, principal: str, role: str = "reader"
) -> dict[str, Any]:
    """Put the calendar in the principal's calendar list with `role` (or change it)."""
    calendar = world.require_calendar(calendar_id)
    if world.principal(principal) is None:
        raise ChangeError(f"no principal {principal!r}")
    if role not in ROLES:
        raise ChangeError(f"role must be one of {', '.join(ROLES)}")
    seq, stamp = world.stamp()
    members = [m for m in calendar.members if m[0] != principal]
    world.put_calendar(
        replace(calendar, members=(*members, (principal, role)), seq=seq, updated=stamp)
    )
    world.unmark_removed(calendar_id, principal)
    return {"calendar_id": calendar_id, "principal": principal, "role": role}


def expire_sync_tokens(world: World) -> dict[str, Any]:
    """Invalidate every sync token handed out so far, as providers do after a while."""
    return {"sync_epoch": world.expire_epoch()}


HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    "cancel_occurrence": cancel_occurrence,
    "move_occurrence": move_occurrence,
    "edit_series": edit_series,
    "add_series": add_series,
    "delete_series": delete_series,
    "expire_sync_tokens": expire_sync_tokens,
    "shorten_series": shorten_series,
    "unshare_calendar": unshare_calendar,
    "share_calendar": share_calendar,
}
