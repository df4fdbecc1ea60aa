"""Per-calendar plans: from what changed and what was emitted before, what to read. Pure.

A plan says, for one calendar, which series to read over which spans, which to keep as
they are, and which are gone (every occurrence emitted for them earlier gets a tombstone).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from tap_calinstances import recurrence
from tap_calinstances.engine.memory import CalendarMemory, SeriesMemory, stamp_of
from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers import CalendarTarget, Changes, Master
from tap_calinstances.windows import Window


@dataclass(frozen=True)
class SeriesRead:
    """One series to ask the provider for."""

    facts: SeriesFacts
    spans: tuple[Window, ...]  # empty: the rule cannot occur in the window
    # A read of only the slice the window grew by: occurrences starting before this were
    # emitted by earlier runs, and the remembered starts stay valid.
    keep_from: datetime | None
    exceptions: frozenset[datetime]
    remembered: SeriesMemory | None
    stamp: bytes
    ends_before: datetime | None
    # The rule, where the listing gave it: what the engine expands to cancel occurrences a
    # provider drops without a trace (empty: nothing is synthesized).
    rule: tuple[str, ...] = ()
    first_start: datetime | None = None


@dataclass(frozen=True)
class Plan:
    target: CalendarTarget
    window: Window
    series_records: tuple[Mapping[str, object], ...]
    reads: tuple[SeriesRead, ...]
    kept: tuple[SeriesMemory, ...]  # unchanged and not read: remembered as they are
    gone: tuple[SeriesMemory, ...]  # deleted: every remembered start gets a tombstone
    cursor: str | None
    forget: bool = False  # the calendar is unreadable: drop it from STATE after tombstones


def window_grew(old: Window | None, new: Window) -> bool:
    """Only the end moved later: unchanged series need just the new slice."""
    return old is not None and old.start == new.start and new.end > old.end


def cursor_usable(old: Window | None, new: Window) -> bool:
    """A change cursor only says what changed inside the window it was taken over."""
    return old is not None and (old == new or window_grew(old, new))


def facts_from_memory(target: CalendarTarget, provider: str, memory: SeriesMemory) -> SeriesFacts:
    """What a tombstone needs of a series the listing no longer shows (summary unknown)."""
    return SeriesFacts(
        provider=provider,
        calendar_id=target.calendar_id,
        series_id=memory.series_id,
        owner_id=target.owner_id,
        timezone=memory.timezone,
        summary=None,
        is_all_day=memory.is_all_day,
        duration=memory.duration,
    )


def _fitted(memory: SeriesMemory | None, old: Window | None, new: Window) -> SeriesMemory | None:
    """Remembered starts of a window that changed otherwise than growing are forgotten
    outside the new window: they left the scope, they were not cancelled."""
    if memory is None or old is None or old == new or window_grew(old, new):
        return memory
    inside = frozenset(s for s in memory.starts if new.overlaps(s, s + memory.duration))
    return replace(memory, starts=inside)


def plan(
    provider: str,
    target: CalendarTarget,
    changes: Changes,
    remembered: CalendarMemory,
    old_window: Window | None,
    window: Window,
    *,
    stamps_cover_occurrences: bool = False,
) -> Plan:
    """``stamps_cover_occurrences``: a master's stamp changes whenever one of its occurrences
    does, so a live series with the remembered stamp is unchanged even in a full listing."""
    known = remembered.series
    records: list[Mapping[str, object]] = []
    reads: list[SeriesRead] = []
    gone: list[SeriesMemory] = []
    kept: list[SeriesMemory] = []
    seen: set[str] = set()
    same_scope = old_window is not None and (
        old_window == window or window_grew(old_window, window)
    )
    trust_stamps = stamps_cover_occurrences and same_scope

    def exceptions(series_id: str, memory: SeriesMemory | None) -> frozenset[datetime]:
        earlier = memory.exceptions if memory is not None and not changes.full else frozenset()
        added = changes.exceptions.get(series_id, frozenset())
        return (earlier | added) - changes.unexceptions.get(series_id, frozenset())

    def unchanged(memory: SeriesMemory, master: Master | None) -> None:
        """No change since the last run: only a slice when the window grew, else nothing."""
        rule = tuple(master.rule) if master else ()
        first = master.first_start if master else None
        facts = master.facts if master else facts_from_memory(target, provider, memory)
        if window_grew(old_window, window) and _may_start_after(memory, old_window):
            assert old_window is not None
            reads.append(
                SeriesRead(
                    facts=facts,
                    spans=(Window(old_window.end, window.end),),
                    keep_from=old_window.end,
                    exceptions=memory.exceptions,
                    remembered=memory,
                    stamp=memory.stamp,
                    ends_before=memory.ends_before,
                    rule=rule,
                    first_start=first,
                )
            )
        else:
            fitted = _fitted(memory, old_window, window)
            assert fitted is not None
            kept.append(fitted)

    for series_id, master in changes.live.items():
        seen.add(series_id)
        memory = known.get(series_id)
        # Only a provider whose stamps tell changes apart needs them remembered (Google's
        # sync token does that job): 5 bytes of STATE per series saved.
        stamp = stamp_of(master.stamp) if stamps_cover_occurrences else b""
        if (
            trust_stamps
            and memory is not None
            and memory.stamp == stamp
            and series_id not in changes.touched
        ):
            unchanged(memory, master)
            continue
        memory = _fitted(memory, old_window, window)
        records.append(master.record)
        edited = exceptions(series_id, memory)
        occurs = _edits_may_occur(
            edited, changes.edited_at.get(series_id, {}), window
        ) or recurrence.may_occur_in(master.rule, master.first_start, master.facts.duration, window)
        reads.append(
            SeriesRead(
                facts=master.facts,
                spans=(window,) if occurs else (),
                keep_from=None,
                exceptions=edited,
                remembered=memory,
                stamp=stamp,
                ends_before=recurrence.ends_before(master.rule, master.first_start),
                rule=tuple(master.rule),
                first_start=master.first_start,
            )
        )
    for series_id in sorted(changes.deleted):
        seen.add(series_id)
        if series_id in known:
            gone.append(known[series_id])
    for series_id, memory in sorted(known.items()):
        if series_id in seen:
            continue
        if changes.full:  # a complete listing that no longer shows it: deleted
            gone.append(memory)
        elif series_id in changes.touched:  # an occurrence changed, the master did not
            reads.append(
                SeriesRead(
                    facts=facts_from_memory(target, provider, memory),
                    spans=(window,),
                    keep_from=None,
                    exceptions=exceptions(series_id, memory),
                    remembered=_fitted(memory, old_window, window),
                    stamp=memory.stamp,
                    ends_before=memory.ends_before,
                )
            )
        else:
            unchanged(memory, None)
    return Plan(
        target, window, tuple(records), tuple(reads), tuple(kept), tuple(gone), changes.cursor
    )


def _edits_may_occur(
    edited: frozenset[datetime],
    where: Mapping[datetime, tuple[datetime, datetime]],
    window: Window,
) -> bool:
    """Whether an edited occurrence may take place in the window. An edit may have moved
    it anywhere, past the end of its rule too: only where the listing shows each edited
    occurrence now (all of them, in a full listing) is the answer no. A series ended years
    ago with one moved occurrence costs no request then."""
    if not edited:
        return False
    if not edited <= where.keys():
        return True
    return any(window.overlaps(*where[original]) for original in edited)


def _may_start_after(memory: SeriesMemory, old: Window | None) -> bool:
    """Whether an unchanged series can have an occurrence after the old window's end: its
    rule goes on, or one of its occurrences was moved (possibly past the rule's end)."""
    return old is not None and (
        memory.ends_before is None or memory.ends_before > old.end or bool(memory.exceptions)
    )


def gone_plan(target: CalendarTarget, remembered: CalendarMemory, window: Window) -> Plan:
    """A calendar that vanished or became unreadable: everything it emitted is gone."""
    return Plan(target, window, (), (), (), tuple(remembered.series.values()), None)
