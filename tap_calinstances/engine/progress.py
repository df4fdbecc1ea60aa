"""What a run has done so far, told as it goes: a line per calendar, a line now and then on
long runs, and a summary table per provider at the end.

Requests are counted on worker threads and attributed to the calendar whose work made them
(a thread-local label set around each task); records are counted on the main thread as they
are written. Nothing here touches Singer output.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from tap_calinstances.providers import CalendarTarget

T = TypeVar("T")
R = TypeVar("R", bound=Mapping[str, Any])
log = logging.getLogger("tap-calinstances")
# A line at least this often on a long run, so that a quiet log never looks like a hang.
PERIOD_SECONDS = 30.0
# How many records pass between two looks at the clock (a million records go through).
CLOCK_EVERY = 500


@dataclass
class _Calendar:
    requests: int = 0
    first: float | None = None  # when its first task started
    last: float = 0.0  # when its last task ended
    occurrences: int = 0
    cancellations: int = 0


@dataclass
class Tally:
    """One provider's counts over its run (and any later run in the same process)."""

    provider: str
    clock: Callable[[], float] = time.monotonic
    period: float = PERIOD_SECONDS
    requests: int = 0
    retries: int = 0
    calendars_total: int = 0
    calendars_read: int = 0
    calendars_skipped: int = 0
    series: int = 0
    occurrences: int = 0
    cancellations: int = 0
    seconds: float = 0.0
    _started: float | None = None
    _calendars: dict[str, _Calendar] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)
    _next_report: float = 0.0
    _calendars_done: int = 0  # of calendars_total, this run
    _since_clock: int = 0

    # -- the run's phases -------------------------------------------------------------------

    def start(self) -> None:
        now = self.clock()
        self._started = now
        self._calendars_done = 0
        self._next_report = now + self.period

    def stop(self) -> None:
        if self._started is not None:
            self.seconds += self.clock() - self._started
            self._started = None

    # -- worker threads ---------------------------------------------------------------------

    def attributed(self, calendar_id: str, fn: Callable[[], T]) -> Callable[[], T]:
        """``fn`` (one task of a calendar), whose requests count for that calendar."""

        def run() -> T:
            self._local.calendar = calendar_id
            started = self.clock()
            try:
                return fn()
            finally:
                self._local.calendar = None
                ended = self.clock()
                with self._lock:
                    counts = self._calendars.setdefault(calendar_id, _Calendar())
                    counts.first = started if counts.first is None else min(counts.first, started)
                    counts.last = max(counts.last, ended)

        return run

    def request(self) -> None:
        """One request sent (each try counts)."""
        calendar_id = getattr(self._local, "calendar", None)
        with self._lock:
            self.requests += 1
            if calendar_id is not None:
                self._calendars.setdefault(calendar_id, _Calendar()).requests += 1

    def retry(self) -> None:
        with self._lock:
            self.retries += 1

    def skipped(self) -> None:
        """A resource could not be read; outside any calendar's task it is a calendar (or a
        whole principal's calendars, such as a user without a mailbox)."""
        if getattr(self._local, "calendar", None) is None:
            with self._lock:
                self.calendars_skipped += 1

    # -- the main thread --------------------------------------------------------------------

    def counted(self, calendar_id: str, records: Iterable[R]) -> Iterator[R]:
        """``records`` of one calendar's occurrences, counted as they are written."""
        counts = self._calendar(calendar_id)
        for record in records:
            if record["status"] == "cancelled":
                counts.cancellations += 1
            else:
                counts.occurrences += 1
            self._since_clock += 1
            if self._since_clock >= CLOCK_EVERY:
                self._since_clock = 0
                self._maybe_report()
            yield record

    def calendar_done(self, target: CalendarTarget, series: int, unreadable: bool) -> None:
        """Every occurrence of the calendar is written: one line about it."""
        calendar_id = target.calendar_id
        counts = self._calendar(calendar_id)
        self._calendars_done += 1
        self.series += series
        self.occurrences += counts.occurrences
        self.cancellations += counts.cancellations
        if unreadable:
            self.calendars_skipped += 1
        else:
            self.calendars_read += 1
        with self._lock:
            spent = counts.last - counts.first if counts.first is not None else 0.0
            requests = counts.requests
        log.info(
            "%s: calendar %s done (%d of %d): %d series, %d occurrences, %d cancelled, "
            "%d requests, %.1f s",
            self.provider,
            label(target),
            self._calendars_done,
            self.calendars_total,
            series,
            counts.occurrences,
            counts.cancellations,
            requests,
            spent,
        )
        self._maybe_report()

    def _calendar(self, calendar_id: str) -> _Calendar:
        with self._lock:
            return self._calendars.setdefault(calendar_id, _Calendar())

    def _maybe_report(self) -> None:
        now = self.clock()
        if self._started is None or now < self._next_report:
            return
        self._next_report = now + self.period
        with self._lock:
            requests, retries = self.requests, self.retries
            written = sum(c.occurrences + c.cancellations for c in self._calendars.values())
        log.info(
            "%s: %d of %d calendars done, %d occurrences written, %d requests (%d retried) "
            "in %.0f s",
            self.provider,
            self._calendars_done,
            self.calendars_total,
            written,
            requests,
            retries,
            now - self._started + self.seconds,
        )


def label(target: CalendarTarget) -> str:
    """How people know a calendar: Graph's ids are 150 opaque characters, its name is not."""
    name, owner = target.record.get("name"), target.owner_id
    if len(target.calendar_id) <= 64 or not name:
        return target.calendar_id
    return f"'{name}' of {owner}" if owner else f"'{name}'"


@dataclass
class Summary:
    """The tap's tallies, one per provider, and the table they make at the end."""

    clock: Callable[[], float] = time.monotonic
    tallies: dict[str, Tally] = field(default_factory=dict)

    def tally(self, provider: str) -> Tally:
        if provider not in self.tallies:
            self.tallies[provider] = Tally(provider, clock=self.clock)
        return self.tallies[provider]

    def table(self) -> list[str]:
        """The summary, one line per provider that ran (empty when none did)."""
        if not self.tallies:
            return []
        header = (
            f"{'provider':<10} {'calendars':>9} {'skipped':>7} {'series':>7} "
            f"{'occurrences':>11} {'cancelled':>9} {'requests':>8} {'retries':>7} {'time':>8}"
        )
        rows = [
            f"{t.provider:<10} {t.calendars_read:>9} {t.calendars_skipped:>7} {t.series:>7} "
            f"{t.occurrences:>11} {t.cancellations:>9} {t.requests:>8} {t.retries:>7} "
            f"{t.seconds:>6.1f} s"
            for t in self.tallies.values()
        ]
        return ["Summary of the run:", header, *rows]

    def log(self) -> None:
        for line in self.table():
            log.info("%s", line)
