"""Concurrent fetching returns exactly what one request at a time returns, within budget."""

from __future__ import annotations

from typing import Any

from tap_calinstances.sandbox import Sandbox
from tests.harness import TapRun, run_tap


def comparable(run: TapRun, stream: str, key: tuple[str, ...]) -> dict[tuple[Any, ...], Any]:
    return {tuple(r[k] for k in key): r for r in run.records(stream)}


def test_concurrent_and_sequential_runs_emit_the_same_records(
    clean_sandbox: Sandbox, service_config: dict[str, Any]
) -> None:
    sequential = run_tap({**service_config, "max_concurrency": 1})
    concurrent = run_tap({**service_config, "max_concurrency": 16})
    assert comparable(concurrent, "google_instances", ("instance_key",)) == comparable(
        sequential, "google_instances", ("instance_key",)
    )
    assert comparable(concurrent, "google_series", ("calendar_id", "series_id")) == comparable(
        sequential, "google_series", ("calendar_id", "series_id")
    )
    # 52 weekly + 12 monthly + 259 standups + 52 focus days in 2026.
    assert len(concurrent.records("google_instances")) == 375

    # STATE claims the same calendars with the same memory either way.
    def memories(run: TapRun) -> dict[str, str]:
        calendars = run.last_state["bookmarks"]["google_calendars"]["calendars"]
        return {k: v["memory"] for k, v in calendars.items()}

    assert memories(concurrent) == memories(sequential)
