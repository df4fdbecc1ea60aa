"""The tap against the Feishu sandbox: exact normalized values for every dataset case.

Expected values come from the dataset's definition (sandbox/feishu/dataset.py) and the
contract: Shanghai is UTC+8 all year, New York and London change at their DST dates, and
Feishu's all-day end dates are inclusive where the record's are exclusive.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tap_calinstances.sandbox import Sandbox
from tests.harness import TapRun, run_tap
from tests.sandbox.feishu_helpers import ARCHIVED, EXEC, LONDON, PRIMARY, ROOM, TEAM

# The sandbox's event ids (`<uid>_0`) of the series the golden values below name.
WEEKLY = "23d8d78a-98d2-b329-2298-94779f39afc8_0"
ROTA = "5384597b-0786-5343-1d89-646b22fe61cf_0"
OFFSITE = "cbb50113-7bc3-6265-60fd-248b77e834f7_0"
STANDUP = "20026fab-60ee-902d-6ae5-af4b12ca368f_0"
YEAR = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
LIN = {
    "email": None,
    "name": "Lin Wei",
    "response_status": "accepted",
    "is_optional": False,
    "is_resource": False,
}
SAM = {**LIN, "name": "Sam Carter"}


def config(sandbox: Sandbox, start: str, end: str, **feishu: Any) -> dict[str, Any]:
    made = sandbox.tap_config(providers=["feishu"], start_date=start, end_date=end)
    made["feishu"].update(feishu)
    return made


def app_link(calendar_id: str, series_id: str, original: str) -> str:
    calendar = calendar_id.replace("@", "%40")
    uid = series_id.removesuffix("_0")
    return (
        "https://applink.feishu.cn/client/calendar/event/detail?"
        f"calendarId={calendar}&key={uid}&originalTime={original}"
    )


def occurrences(run: TapRun, summary: str) -> dict[str, dict[str, Any]]:
    return run.occurrences("feishu", summary)


def without_raw(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "raw"}


@pytest.fixture(scope="module")
def year(sandbox: Sandbox) -> TapRun:
    """A first run over 2026, with the requests it made."""
    sandbox.clear_requests()
    return run_tap(config(sandbox, *YEAR))


@pytest.fixture(scope="module")
def year_requests(sandbox: Sandbox, year: TapRun) -> list[Any]:
    return list(sandbox.requests)


# -- calendars and series ------------------------------------------------------------------


def test_every_readable_calendar_is_a_record(year: TapRun) -> None:
    calendars = {c["calendar_id"]: without_raw(c) for c in year.records("feishu_calendars")}
    assert calendars == {
        PRIMARY: {"provider": "feishu", "calendar_id": PRIMARY, "name": "Sandbox app",
                  "description": None, "timezone": None, "owner_id": None,
                  "access_role": "owner", "is_primary": True},
        TEAM: {"provider": "feishu", "calendar_id": TEAM, "name": "Platform team",
               "description": "Team rota and check-ins", "timezone": None, "owner_id": None,
               "access_role": "writer", "is_primary": False},
        LONDON: {"provider": "feishu", "calendar_id": LONDON, "name": "London office",
                 "description": None, "timezone": None, "owner_id": None,
                 "access_role": "reader", "is_primary": False},
        # A meeting room's calendar (type resource) is read like any other.
        ROOM: {"provider": "feishu", "calendar_id": ROOM, "name": "Room Dawn (3F)",
               "description": None, "timezone": None, "owner_id": None,
               "access_role": "reader", "is_primary": False},
    }  # fmt: skip


def test_free_busy_only_and_deleted_calendars_are_skipped_with_a_note_naming_them(
    year: TapRun, year_requests: list[Any]
) -> None:
    notes = [line for line in year.logs if "skipping it" in line]
    assert any(EXEC in line and "free/busy" in line for line in notes), year.logs
    assert any(ARCHIVED in line and "deleted" in line for line in notes), year.logs
    # Skipped from the calendar list: not even asked for their events.
    assert not [r for r in year_requests if EXEC in r.path or ARCHIVED in r.path]


def test_series_records_carry_the_rule_with_its_rrule_prefix_restored(year: TapRun) -> None:
    series = {s["summary"]: s for s in year.records("feishu_series")}
    assert set(series) == {
        "Weekly sync", "Release review", "Tokyo sync", "Duty rota", "Offsite",
        "Daily check-in", "London standup", "Design review",
    }  # fmt: skip
    assert without_raw(series["Weekly sync"]) == {
        "provider": "feishu",
        "calendar_id": PRIMARY,
        "series_id": WEEKLY,
        "summary": "Weekly sync",
        "timezone": "Asia/Shanghai",
        "first_start_at": "2026-01-05T02:00:00Z",  # Monday 10:00 in Shanghai
        "recurrence": "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
        "rrule": "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
        "status": "confirmed",
        "updated_at": None,
    }
    assert series["Weekly sync"]["raw"]["event_id"] == WEEKLY
    rules = {name: (s["rrule"], s["timezone"], s["first_start_at"]) for name, s in series.items()}
    assert rules == {
        "Weekly sync": ("RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO", "Asia/Shanghai",
                        "2026-01-05T02:00:00Z"),
        "Release review": ("RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15", "America/New_York",
                           "2026-01-15T21:00:00Z"),
        "Tokyo sync": ("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;COUNT=10", "Asia/Tokyo",
                       "2026-01-07T02:00:00Z"),
        "Duty rota": ("RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO", "UTC", "2026-01-05T00:00:00Z"),
        "Offsite": ("RRULE:FREQ=MONTHLY;INTERVAL=1;COUNT=3", "UTC", "2026-01-14T00:00:00Z"),
        "Daily check-in": ("RRULE:FREQ=DAILY;INTERVAL=1;UNTIL=20281231T235959Z",
                           "Asia/Shanghai", "2025-01-01T01:00:00Z"),
        "London standup": ("RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TU", "Europe/London",
                           "2026-01-06T09:30:00Z"),
        "Design review": ("RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR", "Asia/Shanghai",
                          "2026-01-09T07:00:00Z"),
    }  # fmt: skip


def test_single_events_never_appear(year: TapRun) -> None:
    everything = year.records("feishu_series") + year.records("feishu_instances")
    assert all(r["summary"] != "Room maintenance" for r in everything)


# -- Weekly sync: moved, deleted and renamed occurrences -----------------------------------


def test_a_moved_occurrence_keeps_its_original_start_from_the_id_suffix(year: TapRun) -> None:
    moved = occurrences(year, "Weekly sync")["2026-01-19T02:00:00Z"]
    assert without_raw(moved) == {
        "instance_key": "2755e1e6ad6efb436f318088a25d6448",
        "provider": "feishu",
        "calendar_id": PRIMARY,
        "owner_id": None,
        "series_id": WEEKLY,
        "instance_id": WEEKLY.removesuffix("_0") + "_1768788000",
        # Monday 19 January 10:00 Shanghai, moved to Tuesday 14:00-15:00.
        "original_start_at": "2026-01-19T02:00:00Z",
        "start_at": "2026-01-20T06:00:00Z",
        "end_at": "2026-01-20T07:00:00Z",
        "start_local": "2026-01-20T14:00:00",
        "end_local": "2026-01-20T15:00:00",
        "start_date": "2026-01-20",
        "end_date": "2026-01-20",
        "timezone": "Asia/Shanghai",
        "is_all_day": False,
        "status": "confirmed",
        "is_exception": True,
        "summary": "Weekly sync",
        "description": "Plans for the week.",
        "location": "Room Dawn (3F)",
        "organizer_email": None,  # Feishu names organizers, it gives no address
        "organizer_name": "Sandbox app",
        "attendees": [LIN, {**SAM, "response_status": "tentative"}],
        "show_as": "busy",
        "html_link": app_link(PRIMARY, WEEKLY, "1768788000"),
        "ical_uid": None,
        "updated_at": None,
        "etag": None,
    }
    assert moved["raw"]["event_id"] == WEEKLY.removesuffix("_0") + "_1768788000"
    assert moved["raw"]["start_time"] == {"timestamp": "1768888800", "timezone": "Asia/Shanghai"}


def test_a_deleted_occurrence_is_a_cancellation_with_its_golden_key(year: TapRun) -> None:
    # /instances leaves the deleted 16 February out: the tap cancels what the rule
    # schedules and the listing no longer shows.
    deleted = occurrences(year, "Weekly sync")["2026-02-16T02:00:00Z"]
    assert deleted == {
        "instance_key": "578f097dee894bbc41bac6833064a4bc",
        "provider": "feishu",
        "calendar_id": PRIMARY,
        "owner_id": None,
        "series_id": WEEKLY,
        "instance_id": None,
        "original_start_at": "2026-02-16T02:00:00Z",
        "start_at": "2026-02-16T02:00:00Z",
        "end_at": "2026-02-16T03:00:00Z",
        "start_local": "2026-02-16T10:00:00",
        "end_local": "2026-02-16T11:00:00",
        "start_date": "2026-02-16",
        "end_date": "2026-02-16",
        "timezone": "Asia/Shanghai",
        "is_all_day": False,
        "status": "cancelled",
        "is_exception": False,
        "summary": "Weekly sync",
        "description": None,
        "location": None,
        "organizer_email": None,
        "organizer_name": None,
        "attendees": None,
        "show_as": None,
        "html_link": None,
        "ical_uid": None,
        "updated_at": None,
        "etag": None,
        "raw": None,
    }


def test_a_renamed_occurrence_is_an_exception_at_its_own_time(year: TapRun) -> None:
    weekly = occurrences(year, "Weekly sync")
    renamed = weekly["2026-03-02T02:00:00Z"]
    assert (renamed["summary"], renamed["is_exception"], renamed["status"]) == (
        "Weekly sync (planning)",
        True,
        "confirmed",
    )
    assert (renamed["start_at"], renamed["end_at"]) == (
        "2026-03-02T02:00:00Z",
        "2026-03-02T03:00:00Z",
    )
    assert renamed["html_link"] == app_link(PRIMARY, WEEKLY, "1772416800")
    plain = weekly["2026-03-09T02:00:00Z"]
    assert (plain["summary"], plain["is_exception"]) == ("Weekly sync", False)


def test_weekly_sync_has_every_monday_of_2026_once(year: TapRun) -> None:
    weekly = occurrences(year, "Weekly sync")
    assert len(weekly) == 52  # 5 January to 28 December, the deleted one as a cancellation
    assert min(weekly) == "2026-01-05T02:00:00Z" and max(weekly) == "2026-12-28T02:00:00Z"
    assert Counter(r["status"] for r in weekly.values()) == {"confirmed": 51, "cancelled": 1}
    assert [k for k, r in weekly.items() if r["is_exception"]] == [
        "2026-01-19T02:00:00Z",
        "2026-03-02T02:00:00Z",
    ]


# -- the other series -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "end", "local"),
    [
        ("2026-01-15T21:00:00Z", "2026-01-15T21:45:00Z", "2026-01-15T16:00:00"),
        ("2026-03-15T20:00:00Z", "2026-03-15T20:45:00Z", "2026-03-15T16:00:00"),
        ("2026-11-15T21:00:00Z", "2026-11-15T21:45:00Z", "2026-11-15T16:00:00"),
    ],
    ids=["EST", "EDT-after-8-March", "EST-after-1-November"],
)
def test_release_review_keeps_16_00_in_new_york(
    year: TapRun, original: str, end: str, local: str
) -> None:
    review = occurrences(year, "Release review")
    assert len(review) == 12
    record = review[original]
    assert (record["start_at"], record["end_at"], record["start_local"]) == (original, end, local)
    assert (record["timezone"], record["calendar_id"]) == ("America/New_York", PRIMARY)


def test_tokyo_sync_is_ten_fortnightly_wednesdays(year: TapRun) -> None:
    tokyo = occurrences(year, "Tokyo sync")
    # 11:00 in Tokyo (UTC+9) every other Wednesday from 7 January, COUNT=10.
    assert sorted(tokyo) == [
        "2026-01-07T02:00:00Z", "2026-01-21T02:00:00Z", "2026-02-04T02:00:00Z",
        "2026-02-18T02:00:00Z", "2026-03-04T02:00:00Z", "2026-03-18T02:00:00Z",
        "2026-04-01T02:00:00Z", "2026-04-15T02:00:00Z", "2026-04-29T02:00:00Z",
        "2026-05-13T02:00:00Z",
    ]  # fmt: skip
    first = tokyo["2026-01-07T02:00:00Z"]
    assert (first["end_at"], first["start_local"], first["timezone"]) == (
        "2026-01-07T02:30:00Z",
        "2026-01-07T11:00:00",
        "Asia/Tokyo",
    )


def test_the_duty_rota_is_all_day_free_time_with_one_deleted_monday(year: TapRun) -> None:
    rota = occurrences(year, "Duty rota")
    assert len(rota) == 52
    first = rota["2026-01-05T00:00:00Z"]
    assert (first["start_date"], first["end_date"], first["is_all_day"]) == (
        "2026-01-05",
        "2026-01-06",
        True,
    )
    assert (first["start_at"], first["end_at"], first["timezone"]) == (
        "2026-01-05T00:00:00Z",
        "2026-01-06T00:00:00Z",
        "UTC",
    )
    assert (first["show_as"], first["organizer_name"]) == ("free", "Lin Wei")
    deleted = rota["2026-02-16T00:00:00Z"]
    assert (deleted["instance_key"], deleted["status"], deleted["instance_id"]) == (
        "26f274454abcf56123771e6149d69711",
        "cancelled",
        None,
    )
    assert (deleted["start_date"], deleted["end_date"], deleted["summary"]) == (
        "2026-02-16",
        "2026-02-17",
        "Duty rota",
    )


def test_the_offsite_inclusive_end_date_is_made_exclusive(year: TapRun) -> None:
    offsite = occurrences(year, "Offsite")
    assert sorted(offsite) == [
        "2026-01-14T00:00:00Z",
        "2026-02-14T00:00:00Z",
        "2026-03-14T00:00:00Z",
    ]
    january = offsite["2026-01-14T00:00:00Z"]
    # Feishu sends 14 to 16 January (inclusive): three days, ending on the 17th exclusive.
    assert january["raw"]["end_time"] == {"date": "2026-01-16", "timezone": "UTC"}
    assert without_raw(january) == {
        "instance_key": january["instance_key"],
        "provider": "feishu",
        "calendar_id": TEAM,
        "owner_id": None,
        "series_id": OFFSITE,
        "instance_id": OFFSITE.removesuffix("_0") + "_1768348800",
        "original_start_at": "2026-01-14T00:00:00Z",
        "start_at": "2026-01-14T00:00:00Z",
        "end_at": "2026-01-17T00:00:00Z",
        "start_local": "2026-01-14T00:00:00",
        "end_local": "2026-01-17T00:00:00",
        "start_date": "2026-01-14",
        "end_date": "2026-01-17",
        "timezone": "UTC",
        "is_all_day": True,
        "status": "confirmed",
        "is_exception": False,
        "summary": "Offsite",
        "description": None,
        "location": None,
        "organizer_email": None,
        "organizer_name": "Lin Wei",
        "attendees": [],
        "show_as": "busy",
        "html_link": app_link(TEAM, OFFSITE, "1768348800"),
        "ical_uid": None,
        "updated_at": None,
        "etag": None,
    }


def test_daily_check_in_has_every_day_of_2026(year: TapRun) -> None:
    checkin = occurrences(year, "Daily check-in")
    assert len(checkin) == 365
    assert min(checkin) == "2026-01-01T01:00:00Z" and max(checkin) == "2026-12-31T01:00:00Z"
    assert checkin["2026-06-01T01:00:00Z"]["description"] == "Runs 2025 to 2028."


@pytest.mark.parametrize(
    ("original", "local"),
    [
        ("2026-03-24T09:30:00Z", "2026-03-24T09:30:00"),
        ("2026-04-07T08:30:00Z", "2026-04-07T09:30:00"),
        ("2026-10-20T08:30:00Z", "2026-10-20T09:30:00"),
        ("2026-10-27T09:30:00Z", "2026-10-27T09:30:00"),
    ],
    ids=["GMT-before-29-March", "BST-after", "BST-before-25-October", "GMT-after"],
)
def test_london_standup_keeps_09_30_across_dst(year: TapRun, original: str, local: str) -> None:
    record = occurrences(year, "London standup")[original]
    assert (record["start_at"], record["start_local"], record["timezone"]) == (
        original,
        local,
        "Europe/London",
    )
    assert record["calendar_id"] == LONDON


def test_an_unanswered_invitation_is_tentative_as_feishu_says(year: TapRun) -> None:
    standup = occurrences(year, "London standup")
    record = standup["2026-03-24T09:30:00Z"]
    assert (record["status"], record["is_exception"], record["organizer_name"]) == (
        "tentative",
        False,
        "Lin Wei",
    )
    assert record["attendees"] == [LIN, {**SAM, "response_status": "needs_action"}]
    assert record["end_at"] == "2026-03-24T10:00:00Z"
    assert record["instance_id"] == STANDUP.removesuffix("_0") + "_1774344600"
    # 31 March (already BST) was deleted: a cancellation at 08:30Z.
    deleted = standup["2026-03-31T08:30:00Z"]
    assert (deleted["status"], deleted["start_local"], deleted["end_at"]) == (
        "cancelled",
        "2026-03-31T09:30:00",
        "2026-03-31T09:00:00Z",
    )
    assert Counter(r["status"] for r in standup.values()) == {"tentative": 51, "cancelled": 1}


def test_design_review_on_the_room_calendar(year: TapRun) -> None:
    review = occurrences(year, "Design review")
    assert len(review) == 51  # Fridays from 9 January to 25 December
    first = review["2026-01-09T07:00:00Z"]
    assert (first["calendar_id"], first["start_local"], first["end_at"]) == (
        ROOM,
        "2026-01-09T15:00:00",
        "2026-01-09T08:00:00Z",
    )


def test_every_occurrence_once_and_inside_the_window(year: TapRun) -> None:
    assert year.duplicates("feishu_instances", ("instance_key",)) == []
    assert year.duplicates("feishu_series", ("calendar_id", "series_id")) == []
    records = year.records("feishu_instances")
    # 52 + 12 + 10 + 52 + 3 + 365 + 52 + 51
    assert len(records) == 597
    for record in records:
        assert record["end_at"] > YEAR[0] and record["start_at"] < YEAR[1]


# -- the window --------------------------------------------------------------------------------


def test_the_window_rule_holds_at_both_ends(sandbox: Sandbox) -> None:
    # From the end of the 5 January check-in to the start of the 9 January design review:
    # an occurrence that ends at the window start or starts at its end is out.
    run = run_tap(config(sandbox, "2026-01-05T01:15:00Z", "2026-01-09T07:00:00Z"))
    found = {(r["summary"], r["original_start_at"]) for r in run.records("feishu_instances")}
    assert found == {
        ("Duty rota", "2026-01-05T00:00:00Z"),  # began before the window, ends inside it
        ("Weekly sync", "2026-01-05T02:00:00Z"),
        ("London standup", "2026-01-06T09:30:00Z"),
        ("Tokyo sync", "2026-01-07T02:00:00Z"),
        ("Daily check-in", "2026-01-06T01:00:00Z"),
        ("Daily check-in", "2026-01-07T01:00:00Z"),
        ("Daily check-in", "2026-01-08T01:00:00Z"),
        ("Daily check-in", "2026-01-09T01:00:00Z"),
    }


def test_a_four_year_window_reads_every_daily_check_in_once(sandbox: Sandbox) -> None:
    # Starting 2 s after the first check-in starts puts a 730-day split at 2027-01-01
    # 01:00:00Z, exactly when a check-in starts.
    sandbox.clear_requests()
    run = run_tap(config(sandbox, "2025-01-01T01:00:02Z", "2029-01-01T00:00:00Z",
                         calendar_ids=[TEAM]))  # fmt: skip
    checkin = [r for r in run.records("feishu_instances") if r["summary"] == "Daily check-in"]
    starts = [r["original_start_at"] for r in checkin]
    # 2025 to 2028: 365 + 365 + 365 + 366 days, each exactly once, none cancelled.
    assert len(starts) == len(set(starts)) == 1461
    assert {r["status"] for r in checkin} == {"confirmed"}
    assert min(starts) == "2025-01-01T01:00:00Z" and max(starts) == "2028-12-31T01:00:00Z"
    spans = sorted(
        (int(r.query["start_time"]), int(r.query["end_time"]))
        for r in sandbox.requests
        if r.path.endswith("/instances") and "3fdcc803" in r.path and "page_token" not in r.query
    )
    assert len(spans) >= 3
    assert all(0 < hi - lo <= 730 * 86400 for lo, hi in spans)
    assert spans[0][0] < 1735693202 and spans[-1][1] > 1861920000  # the whole window
    # Consecutive requests overlap (open intervals): an occurrence at the split is asked
    # twice and written once. 2027-01-01T01:00:00Z is such a one.
    assert any(lo < 1798765200 < hi for lo, hi in spans[:1]) and any(
        lo < 1798765200 < hi for lo, hi in spans[1:2]
    )
    assert "2027-01-01T01:00:00Z" in starts


# -- requests and incremental runs -----------------------------------------------------------


def test_a_first_run_costs_the_calendar_list_a_listing_per_calendar_and_a_read_per_series(
    sandbox: Sandbox, year_requests: list[Any]
) -> None:
    kinds = Counter(r.path.rsplit("/", 1)[-1] for r in year_requests)
    assert kinds == {"calendars": 1, "events": 4, "instances": 8}
    events = [r for r in year_requests if r.path.endswith("/events")]
    # Never the truncating start_time/end_time mode; the largest pages.
    assert all(r.query == {"page_size": "1000"} for r in events)
    instances = [r for r in year_requests if r.path.endswith("/instances")]
    assert all(r.query["page_size"] == "500" for r in instances)
    assert len(sandbox.token_requests) == 1


def test_a_second_run_with_nothing_changed_reads_only_the_change_listings(
    sandbox: Sandbox, year: TapRun
) -> None:
    sandbox.clear_requests()
    again = run_tap(config(sandbox, *YEAR), state=year.last_state)
    assert again.records("feishu_instances") == []
    kinds = Counter(r.path.rsplit("/", 1)[-1] for r in sandbox.requests)
    assert kinds == {"calendars": 1, "events": 4}
    assert all("sync_token" in r.query for r in sandbox.requests if r.path.endswith("/events"))


def test_deleted_occurrences_listed_as_cancelled_keep_the_same_key(
    sandbox: Sandbox, year: TapRun
) -> None:
    # Whether /instances leaves a deleted occurrence out or lists it cancelled is not
    # settled by Feishu's material; either way the warehouse gets one record, same key.
    sandbox.set_faults(deleted_occurrences="cancelled")
    try:
        run = run_tap(config(sandbox, "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"))
    finally:
        sandbox.set_faults(deleted_occurrences="")
    reported = occurrences(run, "Weekly sync")["2026-02-16T02:00:00Z"]
    assert (reported["instance_key"], reported["status"], reported["is_exception"]) == (
        "578f097dee894bbc41bac6833064a4bc",
        "cancelled",
        False,
    )
    assert reported["instance_id"] == WEEKLY.removesuffix("_0") + "_1771207200"
    assert (reported["start_at"], reported["end_at"]) == (
        "2026-02-16T02:00:00Z",
        "2026-02-16T03:00:00Z",
    )
    assert run.duplicates("feishu_instances", ("instance_key",)) == []


def test_an_occurrence_deleted_between_runs_is_cancelled_under_the_key_it_had() -> None:
    with Sandbox(seed=7) as sandbox:
        quarter = config(sandbox, "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")
        first = run_tap(quarter)
        before = occurrences(first, "Weekly sync")["2026-03-09T02:00:00Z"]
        assert before["status"] == "confirmed"
        sandbox.change("cancel_occurrence", calendar_id=PRIMARY, series_id=WEEKLY,
                       original_start="2026-03-09T02:00:00Z")  # fmt: skip
        second = run_tap(quarter, state=first.last_state)
    after = [r for r in second.records("feishu_instances") if r["status"] == "cancelled"]
    assert [(r["instance_key"], r["original_start_at"]) for r in after] == [
        (before["instance_key"], "2026-03-09T02:00:00Z")
    ]
    assert (after[0]["summary"], after[0]["end_at"]) == ("Weekly sync", "2026-03-09T03:00:00Z")
