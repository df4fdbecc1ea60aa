"""One series' occurrences: read on a worker, then what to write for them and remember.

A read asks the provider for the occurrences of one series over the spans its plan names,
keeps those inside the window, and synthesizes the cancellations a provider that drops
deleted occurrences cannot report. What is written for it afterwards (on the main thread)
is its records plus one cancellation for every start emitted earlier that it no longer has.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from tap_calinstances import normalize
from tap_calinstances.engine.http import Http
from tap_calinstances.engine.memory import SeriesMemory
from tap_calinstances.engine.plan import Plan, SeriesRead, facts_from_memory
from tap_calinstances.engine.tombstones import vanished, with_series_summary
from tap_calinstances.errors import ODD_BODY
from tap_calinstances.providers import Provider
from tap_calinstances.windows import Window, split

_ENCODE = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class Outcome:
    read: SeriesRead
    records: list[dict[str, Any]]
    emitted: frozenset[datetime]  # originals of occurrences that take place
    cancelled: frozenset[datetime]  # originals the provider reported cancelled
    deleted: bool = False  # the series vanished between listing and reading


def read_series(provider: Provider, http: Http, each: Plan, read: SeriesRead) -> Outcome:
    """One series' occurrences over its spans (on a worker)."""
    window_start = utc(each.window.start)
    window_end = utc(each.window.end)
    keep_from = utc(read.keep_from) if read.keep_from else None
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    emitted: set[datetime] = set()
    cancelled: set[datetime] = set()
    for span in pieces(provider, read.spans):
        call = provider.instances(each.target, read.facts.series_id, span)
        listing = http.listing(call)
        if listing is None:
            return Outcome(read, [], frozenset(), frozenset(), deleted=True)
        for item in listing.items:
            try:
                record = provider.instance_record(item, read.facts, read.exceptions)
            except ODD_BODY as exc:
                raise http.malformed(call, f"an occurrence: {exc!r}") from exc
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
    if not provider.reports_deletions:
        synthesized = vanished(provider.name, read, each.window, emitted | cancelled)
        records += synthesized
        cancelled |= {datetime.fromisoformat(r["original_start_at"]) for r in synthesized}
    return Outcome(read, records, frozenset(emitted), frozenset(cancelled))


def pieces(provider: Provider, spans: tuple[Window, ...]) -> list[Window]:
    """Spans cut to the provider's longest request span (Feishu: two years)."""
    limit = provider.max_span
    return [piece for span in spans for piece in (split(span, limit) if limit else [span])]


def missing(outcome: Outcome) -> Iterator[dict[str, Any]]:
    """A cancellation for every start emitted earlier that the read no longer has."""
    read = outcome.read
    remembered = read.remembered.starts if read.remembered else frozenset()
    if outcome.deleted:
        gone = remembered
    elif read.keep_from is not None:  # a slice: what lies before it was not read again
        return
    else:
        gone = remembered - outcome.emitted - outcome.cancelled
    for original in sorted(gone):
        yield normalize.cancellation_record(read.facts, original)


def remembered(outcome: Outcome) -> SeriesMemory:
    """What STATE keeps of the series after the read."""
    read, facts = outcome.read, outcome.read.facts
    earlier = read.remembered.starts if read.remembered else frozenset()
    return SeriesMemory(
        facts.series_id,
        read.stamp,
        facts.timezone,
        facts.is_all_day,
        facts.duration,
        earlier | outcome.emitted if read.keep_from is not None else outcome.emitted,
        # Cancelled originals count as exceptions too: where a provider drops deleted
        # occurrences, one "missing" may have been moved past the window (or the rule's
        # end), and the series must be read again when the window grows.
        read.exceptions | outcome.cancelled,
        read.ends_before,
    )


def tombstones(provider: str, each: Plan) -> Iterator[dict[str, Any]]:
    """A cancellation for every start emitted earlier by the series that are gone."""
    for memory in each.gone:
        facts = facts_from_memory(each.target, provider, memory)
        for original in sorted(memory.starts):
            yield normalize.cancellation_record(facts, original)


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
