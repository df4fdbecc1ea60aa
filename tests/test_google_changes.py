"""Changes at the provider between runs reach the warehouse under the same keys, and runs
with STATE read only what changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tap_calinstances.sandbox import Sandbox
from tests.harness import TapRun, run_tap

ALEX = "alex@sandbox.example"


@pytest.fixture
def private_sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sandbox:
        yield sandbox


def config(sandbox: Sandbox) -> dict[str, Any]:
    return sandbox.tap_config(
        providers=["google"],
        google_auth="refresh_token",
        start_date="2026-03-01T00:00:00Z",
        end_date="2026-04-01T00:00:00Z",
    )


def weekly(run: TapRun, series_id: str) -> dict[str, dict[str, Any]]:
    return {
        r["original_start_at"]: r
        for r in run.records("google_instances")
        if r["series_id"] == series_id
    }


def test_cancel_move_and_rename_show_up_in_the_next_run(private_sandbox: Sandbox) -> None:
    first = run_tap(config(private_sandbox))
    series_id = private_sandbox.series_id("Weekly sync")
    private_sandbox.change(
        "cancel_occurrence",
        calendar_id=ALEX,
        series_id=series_id,
        original_start="2026-03-16T09:00:00-04:00",
    )
    private_sandbox.change(
        "move_occurrence",
        calendar_id=ALEX,
        series_id=series_id,
        original_start="2026-03-23T09:00:00-04:00",
        start="2026-03-24T15:00:00-04:00",
        end="2026-03-24T16:00:00-04:00",
    )
    private_sandbox.change(
        "edit_series", calendar_id=ALEX, series_id=series_id, summary="Weekly sync (renamed)"
    )

    second = run_tap(config(private_sandbox), state=first.last_state)
    before, after = weekly(first, series_id), weekly(second, series_id)
    assert set(before) == set(after)
    cancelled = after["2026-03-16T13:00:00Z"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["instance_key"] == before["2026-03-16T13:00:00Z"]["instance_key"]
    moved = after["2026-03-23T13:00:00Z"]
    assert (moved["start_at"], moved["is_exception"]) == ("2026-03-24T19:00:00Z", True)
    assert moved["instance_key"] == before["2026-03-23T13:00:00Z"]["instance_key"]
    untouched = after["2026-03-30T13:00:00Z"]
    assert untouched["summary"] == "Weekly sync (renamed)"
    assert untouched["is_exception"] is False


def test_a_deleted_series_gets_one_cancellation_per_occurrence_emitted(
    private_sandbox: Sandbox,
) -> None:
    first = run_tap(config(private_sandbox))
    series_id = private_sandbox.series_id("Weekly sync")
    before = weekly(first, series_id)
    assert sorted(before) == [
        "2026-03-02T14:00:00Z",
        "2026-03-09T13:00:00Z",
        "2026-03-16T13:00:00Z",
        "2026-03-23T13:00:00Z",
        "2026-03-30T13:00:00Z",
    ]
    private_sandbox.change("delete_series", calendar_id=ALEX, series_id=series_id)
    run = run_tap(config(private_sandbox), state=first.last_state)
    after = weekly(run, series_id)
    assert sorted(after) == sorted(before)
    for original, record in after.items():
        assert record["status"] == "cancelled"
        assert record["instance_key"] == before[original]["instance_key"]
        assert (record["instance_id"], record["raw"]) == (None, None)
        assert record["end_at"] == before[original]["end_at"]
    (series,) = [s for s in run.records("google_series") if s["series_id"] == series_id]
    assert series["status"] == "cancelled"
    assert not [r for r in private_sandbox.requests if r.status >= 400]


def test_a_run_with_nothing_changed_reads_no_occurrence(private_sandbox: Sandbox) -> None:
    first = run_tap(config(private_sandbox))
    private_sandbox.clear_requests()
    second = run_tap(config(private_sandbox), state=first.last_state)
    assert second.records("google_instances") == []
    assert second.records("google_series") == []
    paths = [r.path for r in private_sandbox.requests]
    assert not [p for p in paths if p.endswith("/instances")]
    listings = [r for r in private_sandbox.requests if r.path.endswith("/events")]
    assert {r.query.get("syncToken") is not None for r in listings} == {True}
    assert {p.rsplit("/", 2)[-2] for p in paths if p.endswith("/events")} == {
        ALEX,
        "ops#oncall@group.calendar.sandbox.example",
    }


def test_an_unreadable_calendar_cancels_what_it_emitted(private_sandbox: Sandbox) -> None:
    ops = "ops#oncall@group.calendar.sandbox.example"
    first = run_tap(config(private_sandbox))
    emitted = {
        r["instance_key"]
        for r in first.records("google_instances")
        if r["calendar_id"] == ops and r["status"] != "cancelled"
    }
    assert len(emitted) == 22
    private_sandbox.set_faults(forbidden_calendars=(ops,))
    second = run_tap(config(private_sandbox), state=first.last_state)
    cancelled = {
        r["instance_key"]
        for r in second.records("google_instances")
        if r["calendar_id"] == ops and r["status"] == "cancelled"
    }
    assert cancelled == emitted
    assert ops not in second.last_state["bookmarks"]["google_calendars"]["calendars"]


def test_runs_on_the_same_day_share_the_default_window(private_sandbox: Sandbox) -> None:
    config = private_sandbox.tap_config(providers=["google"], start_date="2026-11-01T00:00:00Z")
    config["lookahead_days"] = 30
    first = run_tap(config)
    entry = first.last_state["bookmarks"]["google_calendars"]["calendars"][ALEX]
    assert entry["window_end"].endswith("T00:00:00Z")  # rounded up to a UTC midnight
    private_sandbox.clear_requests()
    run_tap(config, state=first.last_state)
    assert not [r for r in private_sandbox.requests if r.path.endswith("/instances")]


def test_a_grown_window_reads_only_the_new_slice(private_sandbox: Sandbox) -> None:
    first = run_tap(config(private_sandbox))  # March
    private_sandbox.clear_requests()
    april = {**config(private_sandbox), "end_date": "2026-04-08T00:00:00Z"}
    second = run_tap(april, state=first.last_state)
    instances = [r for r in private_sandbox.requests if r.path.endswith("/instances")]
    assert instances and {r.query["timeMin"] for r in instances} == {"2026-04-01T00:00:00+00:00"}
    series_id = private_sandbox.series_id("Weekly sync")
    assert sorted(weekly(second, series_id)) == ["2026-04-06T13:00:00Z"]
    full = run_tap(april)
    assert set(first.by_key()) | set(second.by_key()) == set(full.by_key())


def test_an_occurrence_cancelled_alone_keeps_the_series_summary(
    private_sandbox: Sandbox,
) -> None:
    # Only the occurrence changed: the next run knows the series from STATE, which keeps no
    # summary, and Google's cancelled instance has none of its own.
    first = run_tap(config(private_sandbox))
    series_id = private_sandbox.series_id("Weekly sync")
    private_sandbox.change(
        "cancel_occurrence",
        calendar_id=ALEX,
        series_id=series_id,
        original_start="2026-03-09T09:00:00-04:00",
    )
    second = run_tap(config(private_sandbox), state=first.last_state)
    cancelled = weekly(second, series_id)["2026-03-09T13:00:00Z"]
    assert (cancelled["status"], cancelled["summary"]) == ("cancelled", "Weekly sync")


def test_an_ended_series_is_read_only_when_an_edit_moved_an_occurrence_into_the_window(
    private_sandbox: Sandbox,
) -> None:
    # Four Mondays of January, long over by March; one of them moved to February.
    added = private_sandbox.change(
        "add_series",
        calendar_id=ALEX,
        summary="January onboarding",
        rrule="RRULE:FREQ=WEEKLY;COUNT=4",
        start="2026-01-05T10:00:00-05:00",
        end="2026-01-05T11:00:00-05:00",
    )
    series_id = added["series_id"]
    private_sandbox.change(
        "move_occurrence",
        calendar_id=ALEX,
        series_id=series_id,
        original_start="2026-01-12T10:00:00-05:00",
        start="2026-02-20T10:00:00-05:00",
        end="2026-02-20T11:00:00-05:00",
    )
    private_sandbox.clear_requests()
    quiet = run_tap(config(private_sandbox))
    read = [r.path for r in private_sandbox.requests if r.path.endswith("/instances")]
    assert [p for p in read if series_id in p] == []  # the listing shows the edit is outside
    assert [r["summary"] for r in quiet.records("google_series") if r["series_id"] == series_id]
    assert weekly(quiet, series_id) == {}

    # Another one moved into March: a fresh run must read the series and find it.
    private_sandbox.change(
        "move_occurrence",
        calendar_id=ALEX,
        series_id=series_id,
        original_start="2026-01-19T10:00:00-05:00",
        start="2026-03-10T14:00:00-04:00",
        end="2026-03-10T15:00:00-04:00",
    )
    private_sandbox.clear_requests()
    moved = weekly(run_tap(config(private_sandbox)), series_id)
    assert [p for p in private_sandbox.requests if p.path.endswith(f"{series_id}/instances")]
    assert list(moved) == ["2026-01-19T15:00:00Z"]
    only = moved["2026-01-19T15:00:00Z"]
    assert (only["start_at"], only["end_at"]) == ("2026-03-10T18:00:00Z", "2026-03-10T19:00:00Z")
    assert (only["status"], only["is_exception"]) == ("confirmed", True)
