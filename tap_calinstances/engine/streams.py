"""The Singer streams: three per provider, each a view of that provider's run.

The run computes its phases once, on demand, whichever stream asks first; the streams only
hand its values to the SDK, on the main thread, which writes every message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from singer_sdk import Stream, Tap
from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from singer_sdk.singerlib import SelectionMask
from typing_extensions import override

from tap_calinstances import record_schemas
from tap_calinstances import settings as common
from tap_calinstances.engine.progress import Summary
from tap_calinstances.engine.run import ProviderRun
from tap_calinstances.errors import Failure, PartialFailure
from tap_calinstances.providers import Provider
from tap_calinstances.writer import SingerWriter

KINDS = ("calendars", "series", "instances")


class RunHolder:
    """One provider's run, started on first use (discovery needs no configuration) and
    closed when the last of its selected streams is done."""

    def __init__(self, tap: Tap, provider: Provider, summary: Summary) -> None:
        self.tap = tap
        self.provider = provider
        self.summary = summary
        self._run: ProviderRun | None = None
        # Calendars skipped by the runs closed so far (a connection test starts a new run).
        self.failures: list[Failure] = []

    def stream_name(self, kind: str) -> str:
        return f"{self.provider.name}_{kind}"

    def get(self) -> ProviderRun | None:
        config = self.tap.config
        if self.provider.name not in config:
            return None
        if self._run is None:
            streams = self.tap.streams
            root = streams[self.stream_name("calendars")]
            self._run = ProviderRun(
                self.provider,
                self.provider.settings(config[self.provider.name]),
                common.window(config, datetime.now(UTC)),
                workers=common.max_concurrency(config),
                stream_state=root.stream_state,
                write_state=lambda: self.tap.state_writer.write_state(self.tap.state),
                series_selected=streams[self.stream_name("series")].selected,
                full_refresh=bool(config.get("full_refresh")),
                tally=self.summary.tally(self.provider.name),
                deadlines=common.deadlines(config),
            )
        return self._run

    @property
    def skipped(self) -> list[Failure]:
        """Calendars skipped by this provider's runs, the current one included."""
        current = self._run.failures.values() if self._run is not None else []
        return self.failures + current

    def done(self, kind: str) -> None:
        # The SDK syncs streams in its own order (by name): close after the last one.
        mine = {self.stream_name(k): k for k in KINDS}
        order = [mine[name] for name, s in self.tap.streams.items() if name in mine and s.selected]
        if not order or kind == order[-1]:
            self.close()

    def close(self) -> None:
        """Stop the run's workers; a later stream (a connection test) starts a new run."""
        if self._run is not None:
            self._run.close()
            self.failures += self._run.failures.values()
            self._run = None


class EngineStream(Stream):
    kind: ClassVar[str]
    # Records are built typed by normalize.py; conforming them again costs throughput.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    # STATE is kept per calendar by the engine, never one partition per context.
    state_partitioning_keys: ClassVar[list[str]] = []

    def __init__(self, tap: Tap, holder: RunHolder, schema: dict[str, Any]) -> None:
        super().__init__(tap, schema=schema, name=holder.stream_name(self.kind))
        self._holder = holder
        self._memo_mask: SelectionMask | None = None
        self._deselects: bool | None = None

    @property
    @override
    def mask(self) -> SelectionMask:
        # The SDK looks every key of every record up in the mask, down into ``raw``, whose
        # keys the schema does not name: remember those answers instead of deriving each
        # one again from its parent for every record.
        if self._memo_mask is None:
            self._memo_mask = _MemoMask(super().mask)
        return self._memo_mask

    @override
    def _write_record_message(self, record: dict[str, Any]) -> None:
        # The SDK copies every record to look each property up in the catalog (a tenth of
        # a run's time) even when the catalog deselects nothing, calls the type conformer
        # that TYPE_CONFORMANCE_LEVEL turns into a no-op, and builds a message object that
        # the writer turns back into a dict. The same bytes, written directly.
        writer = cast(SingerWriter, self._tap.message_writer)  # the tap's message_writer_class
        if self._deselects is None:
            self._deselects = not all(self.mask.values())
        if self._deselects:
            pop_deselected_record_properties(record, self.schema, self.mask)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                writer.write_record(
                    stream_map.stream_alias, mapped, self._stream_version, datetime.now(UTC)
                )
        self.state_manager.is_flushed = False

    @override
    def generate_child_contexts(
        self, record: dict[str, Any], context: Context | None
    ) -> Iterable[Context | None]:
        # No stream here has children; the SDK's default copies every record for them.
        return ()

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        for stream in self._tap.streams.values():
            # The SDK adds each stream's (empty) bookmark when that stream ends, and each
            # addition would be one more STATE message: the first stream adds them all.
            _ = stream.stream_state
        run = self._holder.get()
        if run is None:  # discovery, or a run of other providers only
            # Said once per provider, not once per stream.
            self.logger.log(
                logging.INFO if self.kind == "calendars" else logging.DEBUG,
                "%s: no %s block in the configuration; nothing to read",
                self._holder.provider.name,
                self._holder.provider.name,
            )
            return
        try:
            yield from self.records(run)
        except BaseException:
            self._holder.close()
            raise
        finally:
            # A stream can end without a STATE message after it (a dry run's record limit
            # closes it early): its records leave now, not at exit.
            writer = self._tap.message_writer
            if isinstance(writer, SingerWriter):
                writer.flush()
        self._holder.done(self.kind)

    def records(self, run: ProviderRun) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    @override
    def log_sync_costs(self) -> None:
        # The SDK calls this for every stream, in order, once the sync is over: the last
        # stream ends the log with the run's summary instead of the SDK's cost lines.
        # Then, when calendars were skipped, the one error that ends the run (exit code 4).
        if self is list(self._tap.streams.values())[-1]:
            self._holder.summary.log()
            skipped = failures(self._tap.streams.values())
            if skipped:
                raise PartialFailure(skipped)


class CalendarsStream(EngineStream):
    kind = "calendars"
    primary_keys: ClassVar[tuple[str, ...]] = ("calendar_id",)

    @override
    def records(self, run: ProviderRun) -> Iterable[dict[str, Any]]:
        for target in run.calendars():
            yield dict(target.record)


class SeriesStream(EngineStream):
    kind = "series"
    primary_keys: ClassVar[tuple[str, ...]] = ("calendar_id", "series_id")

    @override
    def records(self, run: ProviderRun) -> Iterable[dict[str, Any]]:
        for record in run.series_records():
            yield dict(record)


class InstancesStream(EngineStream):
    kind = "instances"
    primary_keys: ClassVar[tuple[str, ...]] = ("instance_key",)

    @override
    def records(self, run: ProviderRun) -> Iterable[dict[str, Any]]:
        return run.occurrences()


class _MemoMask(SelectionMask):
    def __missing__(self, breadcrumb: tuple[str, ...]) -> bool:
        value = super().__missing__(breadcrumb)
        self[breadcrumb] = value
        return value


def failures(streams: Iterable[Stream]) -> list[Failure]:
    """Every calendar the providers' runs skipped, in the order they failed."""
    holders = {id(s._holder): s._holder for s in streams if isinstance(s, EngineStream)}
    return [failure for holder in holders.values() for failure in holder.skipped]


STREAMS: tuple[type[EngineStream], ...] = (CalendarsStream, SeriesStream, InstancesStream)
SCHEMAS = {"calendars": "calendar", "series": "series", "instances": "instance"}


def provider_streams(tap: Tap, provider: Provider, summary: Summary) -> list[Stream]:
    holder = RunHolder(tap, provider, summary)
    streams: list[Stream] = []
    for cls in STREAMS:
        schema = record_schemas.load(SCHEMAS[cls.kind])
        if cls.kind == "series":
            described = schema["properties"]["recurrence"].get("description")
            schema["properties"]["recurrence"] = {
                **provider.recurrence_schema,
                "description": described,
            }
        streams.append(cls(tap, holder, schema))
    return streams
