"""The tap against the Google sandbox: exact normalized values for every dataset case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.tap import TapCalInstances
from tests.harness import TapRun, run_cli, run_tap

OPS = "ops#oncall@group.calendar.sandbox.example"
ALEX, ROBIN = "alex@sandbox.example", "robin@sandbox.example"


@pytest.fixture(scope="module")
def user_requests(sandbox: Sandbox, user_run: TapRun) -> list[Any]:
    return list(sandbox.requests)


def occurrences(run: TapRun, summary: str) -> dict[str, dict[str, Any]]:
    """Occurrences of the series called ``summary``, by original start (UTC)."""
    (series_id,) = {s["series_id"] for s in run.records("google_series") if s["summary"] == summary}
    return {
        r["original_start_at"]: r
        for r in run.records("google_instances")
        if r["series_id"] == series_id
    }


def test_calendars_of_the_refresh_token_user(user_run: TapRun) -> None:
    calendars = {c["calendar_id"]: c for c in user_run.records("google_calendars")}
    assert set(calendars) == {ALEX, OPS}
    assert calendars[ALEX]["is_primary"] is True
    assert calendars[ALEX]["owner_id"] == ALEX
    assert calendars[ALEX]["timezone"] == "America/New_York"
    assert calendars[OPS]["is_primary"] is False
    assert calendars[OPS]["owner_id"] == ALEX  # dataOwner
    assert calendars[OPS]["timezone"] == "Europe/London"
    assert calendars[OPS]["name"] == "Ops on-call"
    assert calendars[OPS]["raw"]["id"] == OPS


def test_series_are_recurring_masters_only(user_run: TapRun) -> None:
    summaries = {s["summary"]: s for s in user_run.records("google_series")}
    assert set(summaries) == {"Weekly sync", "Monthly review", "Daily standup", "Legacy sync"}
    weekly = summaries["Weekly sync"]
    assert weekly["recurrence"] == ["RRULE:FREQ=WEEKLY;BYDAY=MO"]
    assert weekly["rrule"] == "RRULE:FREQ=WEEKLY;BYDAY=MO"
    assert weekly["timezone"] == "America/New_York"
    assert weekly["first_start_at"] == "2026-01-05T14:00:00Z"
    assert summaries["Daily standup"]["calendar_id"] == OPS


@pytest.mark.parametrize(
    ("original", "start_local"),
    [
        ("2026-03-02T14:00:00Z", "2026-03-02T09:00:00"),
        ("2026-03-09T13:00:00Z", "2026-03-09T09:00:00"),
        ("2026-10-26T13:00:00Z", "2026-10-26T09:00:00"),
        ("2026-11-02T14:00:00Z", "2026-11-02T09:00:00"),
    ],
    ids=["EST-before-spring", "EDT-after-spring", "EDT-before-fall", "EST-after-fall"],
)
def test_weekly_new_york_series_across_dst(
    user_run: TapRun, original: str, start_local: str
) -> None:
    record = occurrences(user_run, "Weekly sync")[original]
    assert record["start_at"] == original
    assert record["start_local"] == start_local
    assert record["timezone"] == "America/New_York"
    assert record["status"] == "confirmed" and record["is_exception"] is False
    assert record["calendar_id"] == ALEX and record["owner_id"] == ALEX
    assert record["location"] == "Hudson room"
    attendees = {a["email"]: a for a in record["attendees"]}
    assert attendees[ROBIN]["response_status"] == "needs_action"
    assert attendees["room-hudson@resource.sandbox.example"]["is_resource"] is True
    assert record["organizer_email"] == ALEX
    assert record["show_as"] == "busy"
    assert record["instance_id"].endswith("_" + original.replace("-", "").replace(":", ""))


def test_weekly_series_has_every_monday_of_2026(user_run: TapRun) -> None:
    weekly = occurrences(user_run, "Weekly sync")
    assert len(weekly) == 52
    assert min(weekly) == "2026-01-05T14:00:00Z" and max(weekly) == "2026-12-28T14:00:00Z"


def test_monthly_second_tuesday(user_run: TapRun) -> None:
    monthly = occurrences(user_run, "Monthly review")
    assert sorted(r["start_local"][:10] for r in monthly.values())[:4] == [
        "2026-01-13",
        "2026-02-10",
        "2026-03-10",
        "2026-04-14",
    ]
    march = monthly["2026-03-10T19:00:00Z"]  # 15:00 EDT
    assert march["end_at"] == "2026-03-10T20:30:00Z"
    assert len(monthly) == 12


def test_moved_occurrence(user_run: TapRun) -> None:
    moved = occurrences(user_run, "Daily standup")["2026-02-10T09:30:00Z"]
    assert (moved["start_at"], moved["end_at"]) == ("2026-02-10T11:00:00Z", "2026-02-10T11:15:00Z")
    assert moved["start_local"] == "2026-02-10T11:00:00"
    assert moved["is_exception"] is True and moved["status"] == "confirmed"
    assert moved["calendar_id"] == OPS


def test_cancelled_occurrence(user_run: TapRun) -> None:
    cancelled = occurrences(user_run, "Daily standup")["2026-02-12T09:30:00Z"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["start_at"] == "2026-02-12T09:30:00Z"
    assert cancelled["end_at"] == "2026-02-12T09:45:00Z"
    assert cancelled["summary"] == "Daily standup"
    assert cancelled["is_exception"] is False
    assert cancelled["instance_id"] is not None  # Google reports it; not synthesized


def test_edited_occurrence_is_an_exception_and_untouched_ones_are_not(user_run: TapRun) -> None:
    standup = occurrences(user_run, "Daily standup")
    edited = standup["2026-02-17T09:30:00Z"]
    assert edited["summary"] == "Daily standup (demo day)"
    assert edited["is_exception"] is True
    assert edited["start_at"] == "2026-02-17T09:30:00Z"
    plain = standup["2026-02-11T09:30:00Z"]
    assert plain["is_exception"] is False and plain["summary"] == "Daily standup"


def test_daily_standup_has_every_weekday_after_its_start(user_run: TapRun) -> None:
    # 2026 has 261 weekdays; the series starts on Monday 5 January, after two of them.
    standup = occurrences(user_run, "Daily standup")
    assert len(standup) == 259
    # London switches to BST on 29 March: 09:30 local is 08:30Z from then on.
    assert standup["2026-03-30T08:30:00Z"]["start_local"] == "2026-03-30T09:30:00"


def test_series_that_ended_before_the_window_has_no_occurrences(user_run: TapRun) -> None:
    assert occurrences(user_run, "Legacy sync") == {}


def test_series_that_ended_before_the_window_costs_no_request(
    user_run: TapRun, user_requests: list[Any]
) -> None:
    (legacy,) = [s for s in user_run.records("google_series") if s["summary"] == "Legacy sync"]
    (weekly,) = [s for s in user_run.records("google_series") if s["summary"] == "Weekly sync"]
    instances = [r.path for r in user_requests if r.path.endswith("/instances")]
    assert not [p for p in instances if legacy["series_id"] in p]
    assert [p for p in instances if weekly["series_id"] in p]


def test_single_events_never_appear(user_run: TapRun) -> None:
    everything = user_run.records("google_series") + user_run.records("google_instances")
    assert all(r["summary"] != "Dentist" for r in everything)


def test_primary_keys_are_unique_in_every_stream(user_run: TapRun) -> None:
    assert user_run.duplicates("google_calendars", ("calendar_id",)) == []
    assert user_run.duplicates("google_series", ("calendar_id", "series_id")) == []
    assert user_run.duplicates("google_instances", ("instance_key",)) == []


def test_every_occurrence_is_inside_the_window(user_run: TapRun) -> None:
    for record in user_run.records("google_instances"):
        assert record["end_at"] > "2026-01-01T00:00:00Z"
        assert record["start_at"] < "2027-01-01T00:00:00Z"


def test_calendar_id_with_hash_and_at_is_percent_encoded(user_requests: list[Any]) -> None:
    ops = [r for r in user_requests if OPS in r.path]
    assert ops, "the ops calendar was never read"
    assert all("ops%23oncall%40group.calendar.sandbox.example" in r.raw_path for r in ops)


def test_largest_pages_and_empty_pages_are_followed(user_requests: list[Any]) -> None:
    instances = [r for r in user_requests if r.path.endswith("/instances")]
    assert all(r.query.get("maxResults") == "2500" for r in instances)
    assert all(r.query.get("showDeleted") == "true" for r in instances)
    # Every listing starts with an empty page that carries a token: the data came after it.
    assert any("pageToken" in r.query for r in instances)


def test_one_token_for_the_whole_run(sandbox: Sandbox, user_run: TapRun) -> None:
    assert len(sandbox.token_requests) == 1


def test_state_is_one_small_entry_per_calendar(user_run: TapRun) -> None:
    calendars = user_run.last_state["bookmarks"]["google_calendars"]["calendars"]
    assert set(calendars) == {ALEX, OPS}
    assert calendars[OPS]["window_start"] == "2026-01-01T00:00:00Z"
    assert calendars[OPS]["window_end"] == "2027-01-01T00:00:00Z"
    assert calendars[OPS]["sync_token"]
    # STATE is emitted when a calendar is done, not once per series or occurrence: one per
    # calendar, plus the SDK's first (empty) and final messages. This run has 4 series.
    assert len(user_run.states) <= len(calendars) + 2
    assert "partitions" not in str(user_run.last_state)


def test_state_only_claims_calendars_whose_records_were_written(user_run: TapRun) -> None:
    calendars_written: set[str] = set()
    occurrences_written: set[str] = set()
    for message in user_run.messages:
        if message["type"] == "RECORD" and message["stream"] == "google_calendars":
            calendars_written.add(message["record"]["calendar_id"])
        if message["type"] == "RECORD" and message["stream"] == "google_instances":
            occurrences_written.add(message["record"]["calendar_id"])
        if message["type"] == "STATE":
            claimed = set(
                message["value"]["bookmarks"].get("google_calendars", {}).get("calendars", {})
            )
            # The calendar record itself (written after its children) must be out too.
            assert claimed <= calendars_written
            assert claimed <= occurrences_written


def test_a_run_resumed_from_mid_run_state_loses_nothing(
    sandbox: Sandbox, user_run: TapRun, user_config: dict[str, Any]
) -> None:
    # Killed right after the first STATE that claims a calendar: what was written up to
    # then, plus what the resumed run writes, is everything; the claimed calendar is not
    # read again.
    index, first_state = next(
        (i, m["value"])
        for i, m in enumerate(user_run.messages)
        if m["type"] == "STATE" and m["value"]["bookmarks"]["google_calendars"].get("calendars")
    )
    (claimed,) = first_state["bookmarks"]["google_calendars"]["calendars"]
    written = {
        m["record"]["instance_key"]
        for m in user_run.messages[:index]
        if m["type"] == "RECORD" and m["stream"] == "google_instances"
    }
    resumed = run_tap(user_config, state=first_state)
    assert written | set(resumed.by_key()) == set(user_run.by_key())
    assert claimed not in {r["calendar_id"] for r in resumed.records("google_instances")}


def test_service_account_reads_each_subject_and_each_calendar_once(
    sandbox: Sandbox, service_config: dict[str, Any]
) -> None:
    run = run_tap(service_config)
    calendars = [c["calendar_id"] for c in run.records("google_calendars")]
    assert sorted(calendars) == sorted([ALEX, OPS, ROBIN])
    assert run.duplicates("google_instances", ("instance_key",)) == []
    # One token per impersonated subject for the whole run.
    assert len(sandbox.token_requests) == 2
    focus = occurrences(run, "Focus day")
    january = focus["2026-01-08T23:00:00Z"]
    assert (january["start_at"], january["end_at"]) == (
        "2026-01-08T23:00:00Z",
        "2026-01-09T23:00:00Z",
    )
    assert (january["start_date"], january["end_date"]) == ("2026-01-09", "2026-01-10")
    assert january["is_all_day"] is True and january["timezone"] == "Europe/Berlin"
    assert january["show_as"] == "free"
    july = focus["2026-07-02T22:00:00Z"]
    assert (july["start_date"], july["end_date"]) == ("2026-07-03", "2026-07-04")
    assert july["start_local"] == "2026-07-03T00:00:00"


def test_calendar_ids_restricts_the_run(
    clean_sandbox: Sandbox, user_config: dict[str, Any]
) -> None:
    user_config["google"]["calendar_ids"] = [OPS]
    run = run_tap(user_config)
    assert {c["calendar_id"] for c in run.records("google_calendars")} == {OPS}
    assert {r["calendar_id"] for r in run.records("google_instances")} == {OPS}
    assert not [r for r in clean_sandbox.requests if ALEX in r.path and "/events" in r.path]


def test_primary_in_calendar_ids_means_each_principals_own_calendar(
    clean_sandbox: Sandbox, service_config: dict[str, Any]
) -> None:
    service_config["google"]["calendar_ids"] = ["primary"]
    run = run_tap(service_config)
    assert {c["calendar_id"] for c in run.records("google_calendars")} == {ALEX, ROBIN}


def test_hidden_calendars_are_listed(user_requests: list[Any]) -> None:
    (listing,) = [r for r in user_requests if r.path.endswith("/calendarList")]
    assert listing.query.get("showHidden") == "true"


def test_shared_calendar_is_read_through_the_strongest_access(
    clean_sandbox: Sandbox, service_config: dict[str, Any]
) -> None:
    # Robin can only read the ops calendar, Alex owns it; Robin is listed first.
    service_config["google"]["subjects"] = [ROBIN, ALEX]
    run = run_tap(service_config)
    assert [c["calendar_id"] for c in run.records("google_calendars")].count(OPS) == 1
    readers = {r.principal for r in clean_sandbox.requests if OPS in r.path and "/events" in r.path}
    assert readers == {ALEX}


def test_service_account_reads_a_calendar_shared_with_it_by_id(
    clean_sandbox: Sandbox, service_config: dict[str, Any]
) -> None:
    # No subjects: the service account itself, whose calendar list is empty at Google.
    del service_config["google"]["subjects"]
    service_config["google"]["calendar_ids"] = [OPS]
    run = run_tap(service_config)
    (calendar,) = run.records("google_calendars")
    assert calendar["calendar_id"] == OPS
    assert calendar["timezone"] == "Europe/London"
    assert len(occurrences(run, "Daily standup")) == 259
    assert any(r.path.endswith("/calendars/" + OPS) for r in clean_sandbox.requests)


def test_unreadable_calendar_id_is_a_warning_naming_it(
    clean_sandbox: Sandbox, user_config: dict[str, Any], tmp_path: Path
) -> None:
    user_config["google"]["calendar_ids"] = [OPS, "nobody@group.calendar.sandbox.example"]
    run = run_cli(user_config, tmp_path)
    assert run.returncode == 0, run.stderr
    assert "nobody@group.calendar.sandbox.example" in run.stderr
    assert {c["calendar_id"] for c in run.records("google_calendars")} == {OPS}


def test_a_catalog_that_deselects_properties_drops_them_from_records(
    user_config: dict[str, Any],
) -> None:
    # The tap skips the SDK's per-record catalog walk when nothing is deselected: when
    # something is, the walk must still happen.
    catalog = TapCalInstances(config=user_config).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if entry["tap_stream_id"] == "google_instances" and meta["breadcrumb"] in (
                ["properties", "attendees"],
                ["properties", "description"],
            ):
                meta["metadata"]["selected"] = False
    run = run_tap(user_config, catalog=catalog)
    weekly = [r for r in run.records("google_instances") if r["summary"] == "Weekly sync"]
    assert len(weekly) == 52
    assert "attendees" not in weekly[0] and "description" not in weekly[0]
    assert weekly[0]["location"] == "Hudson room"
    series = {r["summary"]: r for r in run.records("google_series")}
    assert series["Weekly sync"]["raw"]["description"] == "What we are shipping this week."
