"""Google's change listing (events.list, singleEvents=false, showDeleted=true) as values.

Pure. With a sync token the listing holds only what changed since: edited masters, deleted
masters (``{id, status: cancelled}``), and edited or cancelled occurrences, which carry
``recurringEventId`` and ``originalStartTime`` and are how Google says an occurrence is an
exception.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from tap_calinstances import timeutil
from tap_calinstances.engine.memory import CalendarMemory
from tap_calinstances.providers import CalendarTarget, Changes, Master
from tap_calinstances.providers.google import records


def changes(
    items: Sequence[Mapping[str, Any]],
    target: CalendarTarget,
    full: bool,
    cursor: str | None,
    remembered: CalendarMemory,
) -> Changes:
    calendar = records.CalendarFacts(target.calendar_id, target.timezone, target.owner_id)
    live: dict[str, Master] = {}
    for item in items:  # masters first: an exception may come before its master
        if records.is_master(item):
            facts = records.series_facts(item, calendar)
            live[facts.series_id] = Master(
                facts=facts,
                record=records.series_record(item, facts),
                stamp=str(item.get("etag") or item.get("updated") or ""),
                rule=records.recurrence_lines(item),
                first_start=records.rule_start(item, facts),
            )
    deleted: set[str] = set()
    touched: set[str] = set()
    exceptions: dict[str, set[datetime]] = {}
    unexceptions: dict[str, set[datetime]] = {}
    edited_at: dict[str, dict[datetime, tuple[datetime, datetime]]] = {}
    for item in items:
        series_id = item.get("recurringEventId")
        if series_id:
            series_id = str(series_id)
            touched.add(series_id)
            zone = _zone(series_id, live, remembered, target.timezone)
            original = records.original_instant(item, zone)
            if item.get("status") == "cancelled":
                unexceptions.setdefault(series_id, set()).add(original)
            else:
                exceptions.setdefault(series_id, set()).add(original)
                if item.get("start") and item.get("end"):  # else unknown: the series is read
                    edited_at.setdefault(series_id, {})[original] = records.span(item, zone)
        elif not records.is_master(item):
            # A deleted master, a single event, or a series whose rule was removed: none of
            # them is a series any more (ids not remembered are ignored).
            deleted.add(str(item["id"]))
    return Changes(
        full=full,
        live=live,
        deleted=frozenset(deleted),
        touched=frozenset(touched),
        exceptions={key: frozenset(value) for key, value in exceptions.items()},
        unexceptions={key: frozenset(value) for key, value in unexceptions.items()},
        cursor=cursor,
        edited_at=edited_at,
    )


def _zone(
    series_id: str, live: Mapping[str, Master], remembered: CalendarMemory, fallback: str
) -> str:
    """The zone all-day originals of a series are midnights in."""
    if series_id in live:
        return live[series_id].facts.timezone
    memory = remembered.series.get(series_id)
    return memory.timezone if memory is not None else timeutil.canonical_zone(fallback)
