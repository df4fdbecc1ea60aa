"""The compact memory of what a calendar emitted: enough to tombstone it later. Pure.

Per series it keeps the id, a change stamp, the zone and duration a cancellation needs, when
its rule ends (if it does), and the original starts emitted as taking place. Starts are
sorted, delta-encoded seconds in varints, and the whole calendar is one zlib stream in
base64: a weekly series over a year costs a few dozen bytes, never anything per occurrence
(contract section 5).
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

FORMAT = 1
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # small varints for the dates calendars hold


class MemoryFormatError(ValueError):
    """STATE holds a memory this release cannot read."""


@dataclass(frozen=True)
class SeriesMemory:
    """What earlier runs emitted for one series."""

    series_id: str
    stamp: bytes  # a short digest of the provider's change stamp (etag, changeKey, ...)
    timezone: str
    is_all_day: bool
    duration: timedelta
    starts: frozenset[datetime]  # original starts emitted as taking place
    exceptions: frozenset[datetime] = frozenset()  # originals the provider marked as edited
    ends_before: datetime | None = None  # no occurrence of the rule starts at or after this


@dataclass(frozen=True)
class CalendarMemory:
    owner_id: str | None = None
    series: Mapping[str, SeriesMemory] = field(default_factory=dict)


def stamp_of(text: str | None) -> bytes:
    """Four bytes of the provider's change stamp: enough to notice a change, small in STATE."""
    return hashlib.sha256((text or "").encode("utf-8")).digest()[:4]


# -- encoding ------------------------------------------------------------------------------


def _varint(value: int, out: bytearray) -> None:
    if value < 0:
        raise ValueError("varints are unsigned")
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def _text(value: str, out: bytearray) -> None:
    data = value.encode("utf-8")
    _varint(len(data), out)
    out += data


def _seconds(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds())


def _zigzag(value: int) -> int:
    return value * 2 if value >= 0 else -value * 2 - 1


def _instants(values: Iterable[datetime], out: bytearray) -> None:
    ordered = sorted(_seconds(v) for v in values)
    _varint(len(ordered), out)
    previous = 0
    for index, value in enumerate(ordered):
        # The first start may precede 2000 in odd data; the rest only grow.
        _varint(_zigzag(value) if index == 0 else value - previous, out)
        previous = value


def encode(memory: CalendarMemory) -> str:
    out = bytearray([FORMAT])
    _text(memory.owner_id or "", out)
    zones = sorted({s.timezone for s in memory.series.values()})
    _varint(len(zones), out)
    for zone in zones:
        _text(zone, out)
    _varint(len(memory.series), out)
    for series in sorted(memory.series.values(), key=lambda s: s.series_id):
        _text(series.series_id, out)
        _varint(len(series.stamp), out)
        out += series.stamp
        _varint(zones.index(series.timezone), out)
        _varint(int(series.is_all_day), out)
        _varint(int(series.duration.total_seconds()), out)
        _varint(0 if series.ends_before is None else _zigzag(_seconds(series.ends_before)) + 1, out)
        _instants(series.starts, out)
        _instants(series.exceptions, out)
    return base64.b64encode(zlib.compress(bytes(out), 9)).decode("ascii")


# -- decoding ------------------------------------------------------------------------------


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def varint(self) -> int:
        value, shift = 0, 0
        while True:
            if self._at >= len(self._data):
                raise MemoryFormatError("the memory ends in the middle of a value")
            byte = self._data[self._at]
            self._at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def raw(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise MemoryFormatError("the memory ends in the middle of a value")
        chunk = self._data[self._at : self._at + size]
        self._at += size
        return chunk

    def text(self) -> str:
        return self.raw(self.varint()).decode("utf-8")

    def instants(self) -> frozenset[datetime]:
        count = self.varint()
        values: list[int] = []
        for index in range(count):
            step = self.varint()
            values.append(_unzigzag(step) if index == 0 else values[-1] + step)
        return frozenset(_EPOCH + timedelta(seconds=v) for v in values)


def _unzigzag(value: int) -> int:
    return value // 2 if value % 2 == 0 else -(value + 1) // 2


def decode(text: str) -> CalendarMemory:
    try:
        data = zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True))
    except (ValueError, zlib.error) as exc:
        raise MemoryFormatError(f"the memory is not readable: {exc}") from exc
    reader = _Reader(data)
    version = reader.varint()
    if version != FORMAT:
        raise MemoryFormatError(f"memory format {version} is not known to this release")
    owner = reader.text() or None
    zones = [reader.text() for _ in range(reader.varint())]
    series: dict[str, SeriesMemory] = {}
    for _ in range(reader.varint()):
        series_id = reader.text()
        stamp = reader.raw(reader.varint())
        zone_index = reader.varint()
        if zone_index >= len(zones):
            raise MemoryFormatError("a series names a zone the memory does not hold")
        all_day = bool(reader.varint())
        duration = timedelta(seconds=reader.varint())
        ends = reader.varint()
        series[series_id] = SeriesMemory(
            series_id=series_id,
            stamp=stamp,
            timezone=zones[zone_index],
            is_all_day=all_day,
            duration=duration,
            ends_before=None if ends == 0 else _EPOCH + timedelta(seconds=_unzigzag(ends - 1)),
            starts=reader.instants(),
            exceptions=reader.instants(),
        )
    return CalendarMemory(owner, series)
