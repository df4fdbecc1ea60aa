"""Concurrent fetching returns exactly what one request at a time returns, within budget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

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


@pytest.fixture(scope="module")
def budget_sandbox() -> Iterator[Sandbox]:
    # Three generated users with 20 series each, Google's own budget enforced: 10 requests
    # in flight and 600 a minute per user. 20 ms per request makes requests overlap.
    with Sandbox(seed=7, principals=3, series_per_calendar=20, enforce_budgets=True) as sandbox:
        sandbox.set_faults(latency_ms=20)
        yield sandbox


def test_concurrency_fills_each_users_budget_and_never_exceeds_it(
    budget_sandbox: Sandbox,
) -> None:
    config = budget_sandbox.tap_config(
        providers=["google"],
        google_auth="service_account",
        start_date="2026-01-01T00:00:00Z",
        end_date="2026-07-01T00:00:00Z",
    )
    config["google"]["subjects"] = [f"user000{n}@sandbox.example" for n in (1, 2, 3)]
    budget_sandbox.clear_requests()
    concurrent = run_tap({**config, "max_concurrency": 32})
    stats = budget_sandbox.stats()
    assert stats["totals"]["refused"] == 0
    peaks = {p: s["peak_in_flight"] for p, s in stats["principals"].items()}
    # Requests did overlap for each user (on a loaded machine the budget's 10 may not be
    # reached), and never beyond the budget.
    assert 5 <= max(peaks.values()) <= 10
    sequential = run_tap({**config, "max_concurrency": 1})
    assert comparable(concurrent, "google_instances", ("instance_key",)) == comparable(
        sequential, "google_instances", ("instance_key",)
    )
    assert len(concurrent.records("google_calendars")) == 3
