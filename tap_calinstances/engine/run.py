"""One provider's run: its window, calendars, plans and occurrences, as values.

Three phases, each computed once, whichever stream asks first: calendars (every principal's
calendar list), plans (one change listing per calendar, diffed against STATE), occurrences
(the series reads the plans ask for, then tombstones). The phases overlap on the workers: a
calendar's change listing starts as soon as the provider knows who reads it, and its series
reads as soon as its plan is in. The main thread alone writes Singer messages, in calendar
order, and claims calendars in STATE.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, as_completed
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

import msgspec

from tap_calinstances.engine import allocator, reads, state
from tap_calinstances.engine.failures import Skipped
from tap_calinstances.engine.http import Http
from tap_calinstances.engine.memory import CalendarMemory, SeriesMemory
from tap_calinstances.engine.plan import Plan, SeriesRead, cursor_usable, gone_plan, plan
from tap_calinstances.engine.progress import Tally
from tap_calinstances.engine.scheduler import CHANGE_LISTINGS, Scheduler
from tap_calinstances.engine.tombstones import series_tombstone
from tap_calinstances.errors import ODD_BODY, CalendarReadError
from tap_calinstances.providers import CalendarTarget, Provider
from tap_calinstances.settings import Deadlines
from tap_calinstances.windows import Window

log = logging.getLogger("tap-calinstances")
# Records read and not yet written, counting those the reads running will bring (or one
# average read per worker, if that is more): what bounds memory whatever the tenant size.
BUFFERED_RECORDS = 2_000
# Series reads handed to the scheduler ahead of the calendar being written.
PENDING_READS = 2_000
_ENCODE = msgspec.json.Encoder().encode


class ProviderRun:
    def __init__(
        self,
        provider: Provider,
        settings: Any,
        window: Window,
        *,
        workers: int,
        stream_state: dict[str, Any],
        write_state: Callable[[], None],
        series_selected: bool,
        full_refresh: bool,
        tally: Tally | None = None,
        deadlines: Deadlines | None = None,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.window = window
        allocator.share_arenas()
        self.scheduler = Scheduler(workers, provider.budget, provider.name)
        self.tally = tally or Tally(provider.name)
        self.tally.start()
        self.http = Http(provider, settings, self.scheduler, deadlines, self.tally)
        self.failures = Skipped(provider.name, self.tally.skipped)
        self._stream_state = stream_state
        self._write_state = write_state
        self._full_refresh = full_refresh
        self._earlier = state.read(stream_state, provider.cursor_name)
        self._calendars: list[CalendarTarget] | None = None
        self._plans: list[Plan] | None = None
        # What each calendar still needs written before it may be claimed in STATE: the SDK
        # syncs streams in name order, so occurrences may well be written before series.
        self._needs = {"series", "instances"} if series_selected else {"instances"}
        self._done: dict[str, set[str]] = {}
        self._entries: dict[str, dict[str, Any] | None] = {}
        self._claims: state.Claims | None = None
        self._series_waiting: dict[str, list[dict[str, Any]]] = {}
        # Change listings by calendar, started as soon as the provider names the calendar.
        self._planning: dict[str, Future[Plan]] = {}
        # Series reads by calendar index, submitted by the worker that made the plan or, past
        # PENDING_READS, by the main thread when it comes near: never taken under _lock,
        # which the scheduler's hold_back takes under its own.
        self._reads: dict[int, list[Future[reads.Outcome]]] = {}
        self._submitted: set[int] = set()
        self._pending = 0
        self._submitting = threading.Lock()
        # The memory bound (see _hold_back), from the first read on.
        self._lock = threading.Lock()
        self._head = 0
        self._buffered = 0
        self._workers = workers
        self._reads_done = 0
        self._records_read = 0
        self.scheduler.hold_back = self._hold_back

    def close(self) -> None:
        self.scheduler.close()
        self.tally.stop()

    # -- phase 1: calendars ---------------------------------------------------------------

    def calendars(self) -> list[CalendarTarget]:
        if self._calendars is None:
            targets = self.provider.calendars(self.http, self.settings, self._start_plan)
            for target in targets:
                self._start_plan(target)
            self._calendars = targets
            for index, target in enumerate(targets):
                # Run at once for a plan already in, else by the worker that makes it.
                self._planning[target.calendar_id].add_done_callback(partial(self._planned, index))
        return self._calendars

    def _start_plan(self, target: CalendarTarget) -> None:
        """Start the calendar's change listing (once): the provider knows who reads it."""
        if target.calendar_id in self._planning:
            return
        self._planning[target.calendar_id] = self.http.run(
            target.principal,
            CHANGE_LISTINGS + len(self._planning),
            self.tally.attributed(target.calendar_id, partial(self._plan, target)),
        )

    # -- phase 2: plans -------------------------------------------------------------------

    def plans(self) -> Iterator[Plan]:
        """Plans in calendar order, as their change listings finish (and then cached)."""
        if self._plans is not None:
            yield from self._plans
            return
        plans: list[Plan] = []
        for target in self.calendars():
            try:
                plans.append(self._planning[target.calendar_id].result())
            except CalendarReadError as exc:
                self.failures.add(target.calendar_id, exc)
                plans.append(Plan(target, self.window, (), (), (), (), None))
            yield plans[-1]
        for each in self._vanished():
            plans.append(each)
            yield each
        self._plans = plans

    def _plan(self, target: CalendarTarget) -> Plan:
        earlier = self._earlier.get(target.calendar_id)
        remembered = (earlier.memory if earlier else None) or CalendarMemory(target.owner_id)
        old = earlier.window if earlier and earlier.memory is not None else None
        cursor = earlier.cursor if earlier and cursor_usable(old, self.window) else None
        full = self.provider.change_listing(target, None)
        call = (
            full
            if cursor is None or self._full_refresh
            else self.provider.change_listing(target, cursor)
        )
        listing = self.http.listing(call, fallback=full)
        if listing is None:  # unreadable now: what it emitted no longer takes place for us
            return replace(gone_plan(target, remembered, self.window), forget=True)
        try:
            changes = self.provider.changes(
                listing.items, target, listing.call is full, listing.cursor, remembered
            )
            result = plan(
                self.provider.name,
                target,
                changes,
                remembered,
                old,
                self.window,
                stamps_cover_occurrences=self.provider.stamps_cover_occurrences
                and not self._full_refresh,
            )
        except ODD_BODY as exc:
            raise self.http.malformed(listing.call, repr(exc)) from exc
        # Series records wait for their stream apart from the cached plan, so that they leave
        # memory once written (before the occurrences are read); their raw items wait
        # encoded, a fraction of the memory of nested dicts.
        if "series" in self._needs:
            self._series_waiting[target.calendar_id] = [_encoded(r) for r in result.series_records]
        return replace(result, series_records=())

    def _planned(self, index: int, future: Future[Plan]) -> None:
        """A plan is in: its reads start now, unless PENDING_READS are waiting already."""
        if not future.cancelled() and future.exception() is None:
            self._submit_reads(index, future.result(), bounded=True)

    def series_records(self) -> Iterator[Mapping[str, Any]]:
        for each in self.plans():
            yield from self._series_waiting.pop(each.target.calendar_id, ())
            for memory in each.gone:
                yield series_tombstone(self.provider.name, each.target.calendar_id, memory)
            self._written_out(each.target.calendar_id, "series")
        self.finish()

    # -- phase 3: occurrences -------------------------------------------------------------

    def occurrences(self) -> Iterator[dict[str, Any]]:
        plans = list(self.plans())
        self.tally.calendars_total = len(plans)
        ahead = 0  # reads of the calendars before this one were submitted
        for index, each in enumerate(plans):
            self._submit_reads(index, each, bounded=False)
            while ahead < len(plans) and (ahead <= index or self._pending < PENDING_READS):
                self._submit_reads(ahead, plans[ahead], bounded=False)
                ahead += 1
            with self._lock:
                self._head = index
            self.scheduler.wake()
            series: dict[str, SeriesMemory] = {m.series_id: m for m in each.kept}
            calendar_id = each.target.calendar_id
            with self._submitting:
                submitted = self._reads.pop(index)
            for future in as_completed(submitted):
                with self._submitting:
                    self._pending -= 1
                try:
                    outcome = future.result()
                except CalendarReadError as exc:
                    self.failures.add(calendar_id, exc)  # the other series are still written
                    continue
                yield from self.tally.counted(calendar_id, self._written(outcome, series))
                outcome.records.clear()  # written: memory stays bounded by what is read ahead
            if calendar_id in self.failures:
                continue  # unclaimed: the next run reads it again, tombstones included
            yield from self.tally.counted(calendar_id, reads.tombstones(self.provider.name, each))
            self._entries[calendar_id] = self._entry(each, series)
            self.tally.calendar_done(each.target, len(each.reads) + len(each.kept), each.forget)
            self._written_out(calendar_id, "instances")
        self.finish()

    def _submit_reads(self, index: int, each: Plan, *, bounded: bool) -> None:
        with self._submitting:
            if index in self._submitted or (bounded and self._pending >= PENDING_READS):
                return
            self._submitted.add(index)
            self._reads[index] = [
                self.http.run(
                    each.target.principal,
                    index,
                    self.tally.attributed(each.target.calendar_id, partial(self._read, each, r)),
                )
                for r in each.reads
            ]
            self._pending += len(each.reads)

    def _written_out(self, calendar_id: str, kind: str) -> None:
        """All of ``kind`` is written for the calendar: claim it once nothing is missing."""
        written = self._done.setdefault(calendar_id, set())
        written.add(kind)
        if written >= self._needs and calendar_id in self._entries:
            if self._claims is None:
                total = len(self._plans) if self._plans is not None else 1
                self._claims = state.Claims(self._stream_state, self._write_state, total)
            self._claims.claim(calendar_id, self._entries.pop(calendar_id))

    def finish(self) -> None:
        """Write what is claimed but not yet in STATE (the end of the run)."""
        if self._claims is not None:
            self._claims.flush()

    def _hold_back(self, priority: int, running: Counter[int]) -> bool:
        """Whether a read for the calendar of index ``priority`` must wait: the records
        buffered plus those the reads running will bring (as many as reads brought on
        average) would pass the bound. Counting only finished reads, each batch the main
        thread wrote let every idle worker start one, and on a fast network those bursts
        competed with the main thread for the GIL.

        The calendar being written keeps one read running whatever the bound (the main
        thread waits for it); the ones after it wait for their turn. Listings (negative
        priorities) never wait: the main thread waits for them before it writes anything.
        """
        with self._lock:
            if priority < self._head or (priority == self._head and not running[priority]):
                return False
            per_read = self._records_read / self._reads_done if self._reads_done else 0.0
            expected = self._buffered + sum(running.values()) * per_read
            return expected >= max(BUFFERED_RECORDS, self._workers * per_read)

    def _read(self, each: Plan, read: SeriesRead) -> reads.Outcome:
        outcome = reads.read_series(self.provider, self.http, each, read)
        with self._lock:
            self._buffered += len(outcome.records)
            self._reads_done += 1
            self._records_read += len(outcome.records)
        return outcome

    def _written(
        self, outcome: reads.Outcome, series: dict[str, SeriesMemory]
    ) -> Iterator[dict[str, Any]]:
        if outcome.deleted:
            yield from reads.missing(outcome)
            return
        yield from outcome.records
        with self._lock:
            self._buffered -= len(outcome.records)
        self.scheduler.wake()
        yield from reads.missing(outcome)
        series[outcome.read.facts.series_id] = reads.remembered(outcome)

    def _entry(self, each: Plan, series: dict[str, SeriesMemory]) -> dict[str, Any] | None:
        if each.forget or not each.target.record:  # unreadable, or no longer listed
            return None
        memory = CalendarMemory(each.target.owner_id, series)
        return state.entry(
            self.window, self.provider.cursor_name, each.cursor, memory, datetime.now(UTC)
        )

    def _vanished(self) -> list[Plan]:
        """Calendars earlier runs emitted that no principal lists any more: gone, when the
        configuration still asks for them; forgotten quietly when it no longer does."""
        listed = {target.calendar_id for target in self.calendars()}
        plans = []
        for calendar_id, earlier in sorted(self._earlier.items()):
            if calendar_id in listed or earlier.memory is None:
                continue
            memory = earlier.memory
            if not self.provider.in_scope(self.settings, calendar_id):
                memory = CalendarMemory(memory.owner_id)
            else:
                log.warning(
                    "%s: calendar %s is no longer listed; its occurrences are cancelled",
                    self.provider.name,
                    calendar_id,
                )
            target = CalendarTarget(calendar_id, "", "UTC", memory.owner_id, {})
            plans.append(gone_plan(target, memory, self.window))
        return plans


def _encoded(record: Mapping[str, Any]) -> dict[str, Any]:
    raw = record.get("raw")
    return {**record, "raw": msgspec.Raw(_ENCODE(raw))} if isinstance(raw, dict) else dict(record)
