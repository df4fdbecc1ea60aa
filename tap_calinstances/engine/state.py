"""The STATE format: one entry per calendar, read at the start, claimed as calendars finish.

    {"bookmarks": {"google_calendars": {"calendars": {"<calendar id>": {
        "window_start": "2026-01-01T00:00:00Z", "window_end": "2027-01-01T00:00:00Z",
        "synced_at": "...", "sync_token": "<the provider's change cursor>",
        "memory": "<what was emitted, compressed: see memory.py>"}}}}}

A calendar is claimed only after its calendar record, series and occurrences were written,
so a run killed anywhere resumes without losing an occurrence. STATE is written when a fifth
of the calendars finished since the last time (and at the end), never after every calendar
of a large tenant: the bytes written stay a small multiple of the final STATE.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tap_calinstances import timeutil
from tap_calinstances.engine import memory as memory_format
from tap_calinstances.engine.memory import CalendarMemory
from tap_calinstances.windows import Window

log = logging.getLogger("tap-calinstances")
WRITES_PER_RUN = 5  # STATE messages a run writes at most (plus the last)


@dataclass(frozen=True)
class CalendarState:
    window: Window | None
    cursor: str | None
    memory: CalendarMemory | None  # None: written by a release without memory


def read(stream_state: Mapping[str, Any], cursor_name: str) -> dict[str, CalendarState]:
    """Entries of earlier runs; an unreadable entry means "read that calendar whole"."""
    found: dict[str, CalendarState] = {}
    entries = stream_state.get("calendars")
    if not isinstance(entries, Mapping):
        return found
    for calendar_id, entry in entries.items():
        if not isinstance(entry, Mapping):
            continue
        try:
            window = Window(
                timeutil.parse_instant(str(entry["window_start"])),
                timeutil.parse_instant(str(entry["window_end"])),
            )
            memory = entry.get("memory")
            found[str(calendar_id)] = CalendarState(
                window,
                str(entry[cursor_name]) if entry.get(cursor_name) else None,
                memory_format.decode(str(memory)) if memory is not None else None,
            )
        except (KeyError, ValueError) as exc:
            log.warning(
                "STATE of calendar %s cannot be read (%s); reading it whole", calendar_id, exc
            )
    return found


def entry(window: Window, cursor_name: str, cursor: str | None, memory: CalendarMemory,
          now: datetime) -> dict[str, Any]:  # fmt: skip
    value: dict[str, Any] = {
        "window_start": timeutil.format_instant(window.start),
        "window_end": timeutil.format_instant(window.end),
        "synced_at": timeutil.format_instant(now),
    }
    if cursor:
        value[cursor_name] = cursor
    value["memory"] = memory_format.encode(memory)
    return value


class Claims:
    """Claims calendars into the stream's STATE and writes it sparingly."""

    def __init__(self, stream_state: dict[str, Any], write: Callable[[], None], total: int):
        self._state = stream_state
        self._write = write
        self._every = max(1, math.ceil(total / WRITES_PER_RUN))
        self._pending: dict[str, dict[str, Any] | None] = {}  # None: forget the calendar

    def claim(self, calendar_id: str, value: dict[str, Any] | None) -> None:
        self._pending[calendar_id] = value
        if len(self._pending) >= self._every:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        calendars = self._state.setdefault("calendars", {})
        for calendar_id, value in self._pending.items():
            if value is None:
                calendars.pop(calendar_id, None)
            else:
                calendars[calendar_id] = value
        self._pending.clear()
        self._write()
