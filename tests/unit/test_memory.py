"""The memory kept in STATE: exact round trips, a format later releases must still read,
and a size of a few dozen bytes per series whatever the number of occurrences."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from tap_calinstances.engine.memory import (
    CalendarMemory,
    MemoryFormatError,
    SeriesMemory,
    decode,
    encode,
    stamp_of,
)

MONDAY = datetime(2026, 3, 2, 14, tzinfo=UTC)
# Written by the first release with memory: every later release must read it as it was.
GOLDEN = (
    "eNpjFEnMSa1wKE7MS0nKr9BLrUjMLchJZRRwzE0tykxO1PdLLY+PzC/KZmRLTEo2NDJmCRIq2cXAMEGGgenA"
    "xUOT2T7cUGFc0NwzhQ0Ai0YZUg=="
)


def weekly(series_id: str = "abc123", **changes: object) -> SeriesMemory:
    values: dict[str, object] = {
        "series_id": series_id,
        "stamp": stamp_of('"3412"'),
        "timezone": "America/New_York",
        "is_all_day": False,
        "duration": timedelta(hours=1),
        "starts": frozenset({MONDAY, datetime(2026, 3, 9, 13, tzinfo=UTC)}),
        "exceptions": frozenset({datetime(2026, 3, 9, 13, tzinfo=UTC)}),
        "ends_before": None,
    }
    values.update(changes)
    return SeriesMemory(**values)  # type: ignore[arg-type]


def test_golden_memory_is_read_as_written() -> None:
    memory = decode(GOLDEN)
    assert memory == CalendarMemory("alex@sandbox.example", {"abc123": weekly()})
    assert encode(memory) == GOLDEN


@pytest.mark.parametrize(
    "series",
    [
        weekly(),
        weekly(starts=frozenset(), exceptions=frozenset()),
        weekly(ends_before=datetime(2025, 12, 18, 0, 0, 1, tzinfo=UTC)),
        weekly(starts=frozenset({datetime(1999, 12, 31, 23, tzinfo=UTC), MONDAY})),
        weekly(is_all_day=True, duration=timedelta(days=1), timezone="Europe/Berlin"),
        weekly("ops#on call/ünïcode_R20250326T131500"),
    ],
    ids=["weekly", "empty", "ended", "before-2000", "all-day", "odd-id"],
)
def test_round_trip(series: SeriesMemory) -> None:
    memory = CalendarMemory(None, {series.series_id: series})
    assert decode(encode(memory)) == memory


def test_a_year_of_weekly_series_costs_under_64_bytes_each() -> None:
    rng = random.Random(3)
    series = {}
    for _ in range(50):
        series_id = "".join(rng.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(32))
        first = datetime(2026, 1, 5, 14, tzinfo=UTC) + timedelta(minutes=15 * rng.randrange(9000))
        # New York wall clock: the UTC step changes at both DST switches.
        starts = frozenset(first + timedelta(weeks=w, hours=-1 if 10 <= w < 43 else 0)
                           for w in range(52))  # fmt: skip
        series[series_id] = weekly(series_id, starts=starts, stamp=stamp_of(series_id))
    text = json.dumps(encode(CalendarMemory("alex@sandbox.example", series)))
    assert len(text) <= 512 + 64 * 50


@pytest.mark.parametrize("text", ["not base64!", "eJwDAAAAAAE=", GOLDEN[:40]])
def test_unreadable_memory_is_a_clear_error(text: str) -> None:
    with pytest.raises(MemoryFormatError):
        decode(text)
