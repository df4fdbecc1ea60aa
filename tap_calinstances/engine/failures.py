"""Calendars a run could not read: named once at ERROR when it happens, never claimed in
STATE (so the next run reads them again), and listed together when the run ends."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tap_calinstances.errors import CalendarReadError, Failure

log = logging.getLogger("tap-calinstances")


class Skipped:
    """The calendars one provider's run skipped, by id, in the order they failed."""

    def __init__(self, provider: str, counted: Callable[[], None]) -> None:
        self._provider = provider
        self._counted = counted  # the run's tally of skipped calendars
        self._failures: dict[str, Failure] = {}

    def add(self, calendar_id: str, exc: CalendarReadError) -> None:
        """``calendar_id`` could not be read; its first failure is the one reported."""
        if calendar_id in self._failures:
            return
        self._failures[calendar_id] = Failure(self._provider, calendar_id, exc.endpoint, str(exc))
        self._counted()
        log.error(
            "%s: skipping calendar %s (%s): %s. It stays unclaimed in STATE: the next run "
            "reads it again",
            self._provider,
            calendar_id,
            exc.endpoint,
            exc,
        )

    def __contains__(self, calendar_id: object) -> bool:
        return calendar_id in self._failures

    def values(self) -> list[Failure]:
        return list(self._failures.values())
