"""What no longer takes place: cancellations the engine synthesizes. Pure, but for a warning.

Two kinds: a series that is gone comes once more as a series record with status
``cancelled``; and, for providers that drop deleted occurrences without a trace (Graph),
every occurrence the series' rule schedules but the provider no longer returns.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from tap_calinstances import normalize, recurrence
from tap_calinstances.engine.memory import SeriesMemory
from tap_calinstances.engine.plan import SeriesRead
from tap_calinstances.windows import Window

log = logging.getLogger("tap-calinstances")


def vanished(
    provider: str, read: SeriesRead, window: Window, returned: set[datetime]
) -> list[dict[str, Any]]:
    """Cancellations of what the rule schedules but the provider no longer returns
    (Graph drops deleted occurrences without a trace).

    Only when the expansion agrees with the provider: if an occurrence it did return
    is one the rule does not schedule (a zone the provider did not name, a rule read
    differently), nothing is synthesized: never a wrong cancellation."""
    if not read.rule or read.first_start is None or not read.spans:
        return []
    scope = window if read.keep_from is None else Window(read.keep_from, window.end)
    expected = recurrence.scheduled_starts(read.rule, read.first_start, read.facts.duration, scope)
    if expected is None:
        return []
    duration = read.facts.duration
    in_scope = {o for o in returned if scope.overlaps(o, o + duration)}
    if read.keep_from is not None:
        in_scope = {o for o in in_scope if o >= read.keep_from}
    if not in_scope <= set(expected):
        log.warning(
            "%s: series %s of calendar %s returned occurrences its rule does not "
            "schedule; its deleted occurrences cannot be detected",
            provider,
            read.facts.series_id,
            read.facts.calendar_id,
        )
        return []
    # A slice read does not see an occurrence of the slice moved before it: earlier
    # runs emitted it (remembered) and it still takes place.
    earlier = read.remembered.starts if read.keep_from and read.remembered else frozenset()
    return [
        normalize.cancellation_record(read.facts, original)
        for original in expected
        if original not in returned
        and original not in earlier
        and (read.keep_from is None or original >= read.keep_from)
    ]


def series_tombstone(provider: str, calendar_id: str, memory: SeriesMemory) -> dict[str, Any]:
    """A series that is gone: the warehouse learns it, although the provider says no more."""
    return {
        "provider": provider,
        "calendar_id": calendar_id,
        "series_id": memory.series_id,
        "summary": None,
        "timezone": memory.timezone,
        "first_start_at": None,
        "recurrence": None,
        "rrule": None,
        "status": "cancelled",
        "updated_at": None,
        "raw": None,
    }


def with_series_summary(read: SeriesRead, records: list[dict[str, Any]]) -> SeriesRead:
    """A series re-read because only an occurrence changed is known from STATE, which keeps
    no summary; its cancellations carry the series' summary all the same (contract 4),
    and any occurrence the provider did not modify has it. Cancellations the provider
    reported in ``records`` were built without it: they get it here."""
    summary = next(
        (
            r["summary"]
            for r in records
            if r["instance_id"] and not r["is_exception"] and r["status"] != "cancelled"
        ),
        None,
    )
    if not summary:
        return read
    for record in records:
        if record["status"] == "cancelled" and record["summary"] is None:
            record["summary"] = summary
    return replace(read, facts=replace(read.facts, summary=summary))
