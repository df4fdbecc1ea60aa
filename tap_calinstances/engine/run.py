"""One provider's run: its window, calendars, plans and occurrences, as values.

Three phases, each computed once and on demand, whichever stream asks first:
calendars (every principal's calendar list), plans (one change listing per calendar,
diffed against STATE), occurrences (the series reads the plans ask for, then tombstones).
Requests run on the scheduler's workers; records are handed back to the main thread, which
alone writes Singer messages and claims calendars in STATE.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

import msgspec

from tap_calinstances import normalize
from tap_calinstances.engine import allocator, state
from tap_calinstances.engine.failures import Skipped
from tap_calinstances.engine.http import Http
from tap_calinstances.engine.memory import CalendarMemory, SeriesMemory
from tap_calinstances.engine.plan import (
    Plan,
    SeriesRead,
    cursor_usable,
    facts_from_memory,
    gone_plan,
    plan,
)
from tap_calinstances.engine.progress import Tally
from tap_calinstances.engine.scheduler import Scheduler
from tap_calinstances.engine.tombstones import series_tombstone, vanished, with_series_summary
from tap_calinstances.errors import ODD_BODY, CalendarReadError
from tap_calinstances.providers import CalendarTarget, Provider
from tap_calinstances.settings import Deadlines
from tap_calinstances.windows import Window, split

log = logging.getLogger("tap-calinstances")
# Records read and not yet written, counting those the reads running will bring (or one
# average read per worker, if that is more): what bounds memory whatever the tenant size.
BUFFERED_RECORDS = 2_000
# Series reads handed to the scheduler ahead of the calendar being written.
PENDING_READS = 2_000
_ENCODE = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class _Outcome:
    read: SeriesRead
    records: list[dict[str, Any]]
    emitted: frozenset[datetime]  # originals of occurrences that take place
    cancelled: frozenset[datetime]  # originals the provider reported cancelled
    deleted: bool = False  # the series vanished between listing and reading


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
        self._lock = threading.Lock()
        self._series_waiting: dict[str, list[dict[str, Any]]] = {}
        self._head = 0
        self._buffered = 0
        self._workers = workers
        self._reads_done = 0
        self._records_read = 0

    def close(self) -> None:
        self.scheduler.close()
        self.tally.stop()

    # -- phase 1: calendars ---------------------------------------------------------------

    def calendars(self) -> list[CalendarTarget]:
        if self._calendars is None:
            self._calendars = self.provider.calendars(self.http, self.settings)
        return self._calendars

    # -- phase 2: plans -------------------------------------------------------------------

    def plans(self) -> Iterator[Plan]:
        """Plans in calendar order, as their change listings finish (and then cached)."""
        if self._plans is not None:
            yield from self._plans
            return
        targets = self.calendars()
        futures = [
            self.http.run(
                target.principal,
                index,
                self.tally.attributed(target.calendar_id, partial(self._plan, target)),
            )
            for index, target in enumerate(targets)
        ]
        plans: list[Plan] = []
        for target, future in zip(targets, futures, strict=True):
            try:
                plans.append(future.result())
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
        self.scheduler.hold_back = self._hold_back
        submitted: list[list[Future[_Outcome]]] = []
        pending = 0
        for index, each in enumerate(plans):
            while len(submitted) < len(plans) and (
                len(submitted) <= index or pending < PENDING_READS
            ):
                ahead = plans[len(submitted)]
                submitted.append(
                    [
                        self.http.run(
                            ahead.target.principal,
                            len(submitted),
                            self.tally.attributed(
                                ahead.target.calendar_id, partial(self._read, ahead, read)
                            ),
                        )
                        for read in ahead.reads
                    ]
                )
                pending += len(ahead.reads)
            with self._lock:
                self._head = index
            self.scheduler.wake()
            series: dict[str, SeriesMemory] = {m.series_id: m for m in each.kept}
            calendar_id = each.target.calendar_id
            for future in as_completed(submitted[index]):
                pending -= 1
                try:
                    outcome = future.result()
                except CalendarReadError as exc:
                    self.failures.add(calendar_id, exc)  # the other series are still written
                    continue
                yield from self.tally.counted(calendar_id, self._written(outcome, series))
                outcome.records.clear()  # written: memory stays bounded by what is read ahead
            submitted[index] = []
            if calendar_id in self.failures:
                continue  # unclaimed: the next run reads it again, tombstones included
            yield from self.tally.counted(calendar_id, self._tombstones(each, each.gone))
            self._entries[calendar_id] = self._entry(each, series)
            self.tally.calendar_done(each.target, len(each.reads) + len(each.kept), each.forget)
            self._written_out(calendar_id, "instances")
        self.finish()

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
        thread waits for it); the ones after it wait for their turn.
        """
        with self._lock:
            if priority < self._head or (priority == self._head and not running[priority]):
                return False
            per_read = self._records_read / self._reads_done if self._reads_done else 0.0
            expected = self._buffered + sum(running.values()) * per_read
            return expected >= max(BUFFERED_RECORDS, self._workers * per_read)

    def _read(self, each: Plan, read: SeriesRead) -> _Outcome:
        """One series' occurrences over its spans (on a worker)."""
        window_start = _utc(each.window.start)
        window_end = _utc(each.window.end)
        keep_from = _utc(read.keep_from) if read.keep_from else None
        records: list[dict[str, Any]] = []
        seen: set[str] = set()
        emitted: set[datetime] = set()
        cancelled: set[datetime] = set()
        for span in self._pieces(read.spans):
            call = self.provider.instances(each.target, read.facts.series_id, span)
            listing = self.http.listing(call)
            if listing is None:
                return _Outcome(read, [], frozenset(), frozenset(), deleted=True)
            for item in listing.items:
                try:
                    record = self.provider.instance_record(item, read.facts, read.exceptions)
                except ODD_BODY as exc:
                    raise self.http.malformed(call, f"an occurrence: {exc!r}") from exc
                key = record["instance_key"]
                # UTC "Z" strings of one format compare like the instants they name.
                start, end = record["start_at"], record["end_at"]
                if key in seen or not (end > window_start and start < window_end):
                    continue
                if keep_from is not None and start < keep_from:
                    continue  # emitted by the run that read the window before it grew
                seen.add(key)
                # Encoded here, once: the SDK walks every nested object of a record on the
                # main thread (a third of a run's time); pre-encoded JSON it passes as is.
                record["raw"] = msgspec.Raw(_ENCODE(record["raw"]))
                original = datetime.fromisoformat(record["original_start_at"])
                (cancelled if record["status"] == "cancelled" else emitted).add(original)
                records.append(record)
        if read.facts.summary is None:
            read = with_series_summary(read, records)
        if not self.provider.reports_deletions:
            synthesized = vanished(self.provider.name, read, each.window, emitted | cancelled)
            records += synthesized
            cancelled |= {datetime.fromisoformat(r["original_start_at"]) for r in synthesized}
        with self._lock:
            self._buffered += len(records)
            self._reads_done += 1
            self._records_read += len(records)
        return _Outcome(read, records, frozenset(emitted), frozenset(cancelled))

    def _pieces(self, spans: tuple[Window, ...]) -> list[Window]:
        """Spans cut to the provider's longest request span (Feishu: two years)."""
        limit = self.provider.max_span
        return [piece for span in spans for piece in (split(span, limit) if limit else [span])]

    def _written(
        self, outcome: _Outcome, series: dict[str, SeriesMemory]
    ) -> Iterator[dict[str, Any]]:
        read = outcome.read
        remembered = read.remembered.starts if read.remembered else frozenset()
        if outcome.deleted:
            for original in sorted(remembered):
                yield normalize.cancellation_record(read.facts, original)
            return
        yield from outcome.records
        with self._lock:
            self._buffered -= len(outcome.records)
        self.scheduler.wake()
        if read.keep_from is not None:
            starts = remembered | outcome.emitted
        else:
            for original in sorted(remembered - outcome.emitted - outcome.cancelled):
                yield normalize.cancellation_record(read.facts, original)
            starts = outcome.emitted
        facts = read.facts
        series[facts.series_id] = SeriesMemory(
            facts.series_id,
            read.stamp,
            facts.timezone,
            facts.is_all_day,
            facts.duration,
            starts,
            # Cancelled originals count as exceptions too: where a provider drops deleted
            # occurrences, one "missing" may have been moved past the window (or the rule's
            # end), and the series must be read again when the window grows.
            read.exceptions | outcome.cancelled,
            read.ends_before,
        )

    def _tombstones(self, each: Plan, gone: tuple[SeriesMemory, ...]) -> Iterator[dict[str, Any]]:
        for memory in gone:
            facts = facts_from_memory(each.target, self.provider.name, memory)
            for original in sorted(memory.starts):
                yield normalize.cancellation_record(facts, original)

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


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
