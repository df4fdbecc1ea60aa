"""The tap against the Graph sandbox: exact normalized values for every dataset case.

Expected values are worked out by hand from the dataset (`sandbox/microsoft/dataset.py`)
and the contract: US DST 2026 starts on 8 March and ends on 1 November, EU DST on 29 March
and 25 October; all-day occurrences start at local midnight of their series' zone.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.sandbox.microsoft.dataset import (
    ADELE_ASIA,
    ADELE_CALENDAR,
    MEGAN_BIRTHDAYS,
    MEGAN_CALENDAR,
    MEGAN_TEAM,
    ROOM,
)
from tests.conftest import END, START
from tests.harness import TapRun, run_cli, run_tap
from tests.sandbox.graph import ADELE, MEGAN, NO_MAILBOX, app_token, instances_path, values

IMMUTABLE = 'IdType="ImmutableId"'


@pytest.fixture(scope="module")
def graph_config(sandbox: Sandbox) -> dict[str, Any]:
    return sandbox.tap_config(providers=["microsoft"], start_date=START, end_date=END)


@pytest.fixture(scope="module")
def first_run(sandbox: Sandbox, graph_config: dict[str, Any]) -> tuple[TapRun, list[Any], int]:
    """A full run over 2026 of every user of the tenant, its API requests and how many
    tokens it fetched (taken at once: later tests clear the log)."""
    sandbox.clear_requests()
    run = run_tap(graph_config)
    return run, sandbox.requests, len(sandbox.token_requests)


@pytest.fixture(scope="module")
def graph_run(first_run: tuple[TapRun, list[Any], int]) -> TapRun:
    return first_run[0]


@pytest.fixture(scope="module")
def graph_requests(first_run: tuple[TapRun, list[Any], int]) -> list[Any]:
    return first_run[1]


@pytest.fixture(scope="module")
def planning_items(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """Weekly planning's March and April items as Graph serves them, by local date."""
    path = instances_path(sandbox, MEGAN, MEGAN_CALENDAR, "Weekly planning")
    window = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-05-01T00:00:00Z"}
    found = values(sandbox, path, app_token(sandbox), prefer=IMMUTABLE, **window)
    return {item["occurrenceId"].rsplit(".", 1)[-1]: item for item in found}


def calendar_id(sandbox: Sandbox, neutral_id: str) -> str:
    return sandbox.graph_calendar_id(neutral_id, immutable=True)


def kind(path: str) -> str:
    """users, calendars, events or instances: what a Graph request listed."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return last if last in ("users", "calendars", "events", "instances") else "other"


def attendee(email: str, name: str, response: str, *, optional: bool = False,
             resource: bool = False) -> dict[str, Any]:  # fmt: skip
    return {"email": email, "name": name, "response_status": response,
            "is_optional": optional, "is_resource": resource}  # fmt: skip


# -- what the run reads ---------------------------------------------------------------------


def test_every_mailbox_calendar_once_read_through_its_owner(
    sandbox: Sandbox, graph_run: TapRun
) -> None:
    calendars = {c["calendar_id"]: c for c in graph_run.records("microsoft_calendars")}
    seen = {
        neutral: (c["name"], c["owner_id"], c["access_role"], c["is_primary"], c["timezone"])
        for neutral in (MEGAN_CALENDAR, MEGAN_TEAM, MEGAN_BIRTHDAYS, ADELE_CALENDAR, ADELE_ASIA)
        for c in [calendars[calendar_id(sandbox, neutral)]]
    }
    # Team planning is shared with Adele, who reads it: it is still Megan's calendar.
    assert seen == {
        MEGAN_CALENDAR: ("Calendar", MEGAN, "owner", True, None),
        MEGAN_TEAM: ("Team planning", MEGAN, "owner", False, None),
        MEGAN_BIRTHDAYS: ("Birthdays", MEGAN, "owner", False, None),
        ADELE_CALENDAR: ("Calendar", ADELE, "owner", True, None),
        ADELE_ASIA: ("Asia projects", ADELE, "owner", False, None),
    }
    assert len(calendars) == 5


def test_a_calendar_shared_between_mailboxes_is_read_through_the_owner(
    sandbox: Sandbox, graph_requests: list[Any]
) -> None:
    team = calendar_id(sandbox, MEGAN_TEAM)
    readers = {r.principal for r in graph_requests if f"/calendars/{team}/" in r.path}
    assert readers == {MEGAN}


def test_the_user_without_a_mailbox_is_skipped_with_a_warning_naming_it(
    graph_run: TapRun,
) -> None:
    (warning,) = [line for line in graph_run.stderr.splitlines() if NO_MAILBOX in line]
    assert "MailboxNotEnabledForRESTAPI" in warning and "skipping" in warning
    owners = {c["owner_id"] for c in graph_run.records("microsoft_calendars")}
    assert owners == {MEGAN, ADELE}


def test_counts_over_2026(graph_run: TapRun) -> None:
    series = {s["series_id"]: s["summary"] for s in graph_run.records("microsoft_series")}
    per_series = Counter(series[r["series_id"]] for r in graph_run.records("microsoft_instances"))
    assert per_series == {
        "Weekly planning": 52,  # every Tuesday from 6 January
        "Design review": 26,  # Monday and Thursday every other week, until 25 June
        "Daily check-in": 30,  # COUNT=30 from 5 January: until 3 February
        "Payroll cutoff": 12,
        "Month-end close": 12,
        "Founders day": 1,
        "Board offsite": 1,
        "Remote Friday": 52,  # 51 Fridays from 9 January, and 1 January 2027 in Berlin
        "Partner sync": 52,
        "Vendor call": 52,
        "Lab booking": 13,  # every other day from 6 to 30 January
        "Tokyo sync": 12,
    }
    assert len(graph_run.records("microsoft_instances")) == 315
    instances = graph_run.records("microsoft_instances")
    assert sum(r["status"] == "cancelled" for r in instances) == 5
    assert sum(r["instance_id"] is None for r in instances) == 4  # deleted: synthesized
    assert sum(r["is_exception"] for r in instances) == 3


def test_primary_keys_are_unique_in_every_stream(graph_run: TapRun) -> None:
    assert graph_run.duplicates("microsoft_calendars", ("calendar_id",)) == []
    assert graph_run.duplicates("microsoft_series", ("calendar_id", "series_id")) == []
    assert graph_run.duplicates("microsoft_instances", ("instance_key",)) == []


def test_the_first_run_costs_one_request_per_listing(
    first_run: tuple[TapRun, list[Any], int], graph_requests: list[Any]
) -> None:
    # /users, a calendar list per user (3), a masters listing per calendar (5), one
    # instances listing per series (12): no page is ever a second one at these sizes.
    assert Counter(kind(r.path) for r in graph_requests) == {
        "users": 1, "calendars": 3, "events": 5, "instances": 12,
    }  # fmt: skip
    assert first_run[2] == 1  # one app token for every mailbox
    (users,) = [r for r in graph_requests if kind(r.path) == "users"]
    assert users.query["$top"] == "999"
    instances = [r for r in graph_requests if kind(r.path) == "instances"]
    assert {(r.query["startDateTime"], r.query["endDateTime"], r.query["$top"])
            for r in instances} == {(START, END, "1000")}  # fmt: skip
    assert all("originalStart" in r.query["$select"].split(",") for r in instances)


def test_a_run_with_nothing_changed_reads_only_the_masters(
    sandbox: Sandbox, graph_config: dict[str, Any], graph_run: TapRun
) -> None:
    sandbox.clear_requests()
    again = run_tap(graph_config, state=graph_run.last_state)
    assert Counter(kind(r.path) for r in sandbox.requests) == {
        "users": 1, "calendars": 3, "events": 5,
    }  # fmt: skip
    assert again.records("microsoft_instances") == []


def test_ids_are_immutable_and_times_utc(sandbox: Sandbox, graph_run: TapRun) -> None:
    # Both Prefer headers were honoured: immutable ids, UTC times on the wire.
    (series,) = [s for s in graph_run.records("microsoft_series") if s["summary"] == "Tokyo sync"]
    assert series["series_id"] == sandbox.graph_event_id("Tokyo sync", immutable=True)
    record = graph_run.occurrences("microsoft", "Tokyo sync")["2026-03-02T00:00:00Z"]
    assert record["raw"]["start"] == {"dateTime": "2026-03-02T00:00:00.0000000", "timeZone": "UTC"}


def test_a_single_event_is_neither_a_series_nor_an_instance(
    sandbox: Sandbox, graph_run: TapRun, graph_requests: list[Any]
) -> None:
    lunch = sandbox.graph_event_id("Lunch with Adele", immutable=True)
    everything = graph_run.records("microsoft_series") + graph_run.records("microsoft_instances")
    assert [r for r in everything if r["summary"] == "Lunch with Adele"] == []
    assert [r.path for r in graph_requests if lunch in r.path] == []


# -- series ---------------------------------------------------------------------------------

SERIES = {
    # summary: (rrule, timezone, first_start_at, updated_at)
    "Weekly planning": ("RRULE:FREQ=WEEKLY;BYDAY=TU;WKST=SU", "America/Los_Angeles",
                        "2026-01-06T17:00:00Z", "2026-01-20T11:00:00Z"),
    "Design review": ("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=MO;UNTIL=20260625T180000Z",
                      "America/New_York", "2026-01-05T19:00:00Z", "2026-01-02T10:00:00Z"),
    "Daily check-in": ("RRULE:FREQ=DAILY;COUNT=30", "Asia/Shanghai", "2026-01-05T01:00:00Z",
                       "2026-01-20T09:00:00Z"),
    "Payroll cutoff": ("RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12", "Asia/Kolkata",
                       "2026-01-15T05:30:00Z", "2026-01-02T10:00:00Z"),
    "Month-end close": ("RRULE:FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1", "Europe/Berlin",
                        "2026-01-30T15:00:00Z", "2026-01-20T09:00:00Z"),
    "Founders day": ("RRULE:FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=4", "America/Los_Angeles",
                     "2026-05-04T07:00:00Z", "2026-01-02T10:00:00Z"),
    "Board offsite": ("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=WE;BYSETPOS=2;COUNT=5",
                      "America/Los_Angeles", "2026-10-14T16:00:00Z", "2026-01-02T10:00:00Z"),
    "Remote Friday": ("RRULE:FREQ=WEEKLY;BYDAY=FR;WKST=SU", "Europe/Berlin",
                      "2026-01-08T23:00:00Z", "2026-01-20T09:00:00Z"),
    # tzone://Microsoft/Custom in the start and recurrence zones: the end zone tells.
    "Partner sync": ("RRULE:FREQ=WEEKLY;BYDAY=WE;WKST=SU", "America/New_York",
                     "2026-01-07T13:30:00Z", "2026-01-02T10:00:00Z"),
    # Null start and end zones: the recurrence zone tells.
    "Vendor call": ("RRULE:FREQ=WEEKLY;BYDAY=TH;WKST=SU", "Europe/Berlin", "2026-01-08T09:00:00Z",
                    "2026-01-02T10:00:00Z"),
    # An empty recurrence zone: the start zone tells.
    "Lab booking": ("RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20260130T043000Z", "Asia/Kolkata",
                    "2026-01-06T04:30:00Z", "2026-01-02T10:00:00Z"),
    "Tokyo sync": ("RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1", "Asia/Tokyo",
                   "2026-01-05T00:00:00Z", "2026-01-02T10:00:00Z"),
}  # fmt: skip


def test_series_records(sandbox: Sandbox, graph_run: TapRun) -> None:
    records = {s["summary"]: s for s in graph_run.records("microsoft_series")}
    seen = {
        name: (s["rrule"], s["timezone"], s["first_start_at"], s["updated_at"])
        for name, s in records.items()
    }
    assert seen == SERIES
    assert {s["status"] for s in records.values()} == {"confirmed"}
    design = records["Design review"]
    assert design["recurrence"]["pattern"]["daysOfWeek"] == ["monday", "thursday"]
    assert design["series_id"] == sandbox.graph_event_id("Design review", immutable=True)
    assert design["calendar_id"] == calendar_id(sandbox, MEGAN_TEAM)
    assert records["Month-end close"]["recurrence"]["pattern"]["index"] == "last"


# -- occurrences ----------------------------------------------------------------------------

CASES = [
    # (summary, original_start_at, start_at, end_at, start_local, timezone, status,
    #  is_exception, show_as)
    ("Weekly planning", "2026-03-03T17:00:00Z", "2026-03-03T17:00:00Z", "2026-03-03T18:00:00Z",
     "2026-03-03T09:00:00", "America/Los_Angeles", "confirmed", False, "busy"),
    ("Weekly planning", "2026-03-24T16:00:00Z", "2026-03-24T16:00:00Z", "2026-03-24T17:00:00Z",
     "2026-03-24T09:00:00", "America/Los_Angeles", "confirmed", False, "busy"),
    ("Weekly planning", "2026-10-27T16:00:00Z", "2026-10-27T16:00:00Z", "2026-10-27T17:00:00Z",
     "2026-10-27T09:00:00", "America/Los_Angeles", "confirmed", False, "busy"),
    ("Weekly planning", "2026-11-03T17:00:00Z", "2026-11-03T17:00:00Z", "2026-11-03T18:00:00Z",
     "2026-11-03T09:00:00", "America/Los_Angeles", "confirmed", False, "busy"),
    ("Weekly planning", "2026-03-10T16:00:00Z", "2026-03-10T20:00:00Z", "2026-03-10T21:00:00Z",
     "2026-03-10T13:00:00", "America/Los_Angeles", "confirmed", True, "busy"),
    ("Weekly planning", "2026-03-17T16:00:00Z", "2026-03-17T16:00:00Z", "2026-03-17T17:00:00Z",
     "2026-03-17T09:00:00", "America/Los_Angeles", "cancelled", False, None),
    ("Weekly planning", "2026-04-07T16:00:00Z", "2026-04-07T16:00:00Z", "2026-04-07T17:00:00Z",
     "2026-04-07T09:00:00", "America/Los_Angeles", "cancelled", False, None),
    ("Design review", "2026-03-05T19:00:00Z", "2026-03-05T19:00:00Z", "2026-03-05T19:45:00Z",
     "2026-03-05T14:00:00", "America/New_York", "confirmed", False, "busy"),
    ("Design review", "2026-03-16T18:00:00Z", "2026-03-16T18:00:00Z", "2026-03-16T18:45:00Z",
     "2026-03-16T14:00:00", "America/New_York", "confirmed", False, "busy"),
    ("Design review", "2026-06-25T18:00:00Z", "2026-06-25T18:00:00Z", "2026-06-25T18:45:00Z",
     "2026-06-25T14:00:00", "America/New_York", "confirmed", False, "busy"),
    ("Daily check-in", "2026-01-07T01:00:00Z", "2026-01-07T01:00:00Z", "2026-01-07T01:15:00Z",
     "2026-01-07T09:00:00", "Asia/Shanghai", "cancelled", False, None),
    ("Daily check-in", "2026-01-09T01:00:00Z", "2026-01-09T01:00:00Z", "2026-01-09T01:15:00Z",
     "2026-01-09T09:00:00", "Asia/Shanghai", "confirmed", True, "busy"),
    ("Daily check-in", "2026-02-03T01:00:00Z", "2026-02-03T01:00:00Z", "2026-02-03T01:15:00Z",
     "2026-02-03T09:00:00", "Asia/Shanghai", "confirmed", False, "busy"),
    ("Payroll cutoff", "2026-01-15T05:30:00Z", "2026-01-15T05:30:00Z", "2026-01-15T06:00:00Z",
     "2026-01-15T11:00:00", "Asia/Kolkata", "confirmed", False, "busy"),
    ("Payroll cutoff", "2026-12-15T05:30:00Z", "2026-12-15T05:30:00Z", "2026-12-15T06:00:00Z",
     "2026-12-15T11:00:00", "Asia/Kolkata", "confirmed", False, "busy"),
    ("Month-end close", "2026-01-30T15:00:00Z", "2026-01-29T15:00:00Z", "2026-01-29T16:00:00Z",
     "2026-01-29T16:00:00", "Europe/Berlin", "confirmed", True, "busy"),
    ("Month-end close", "2026-02-27T15:00:00Z", "2026-02-27T15:00:00Z", "2026-02-27T16:00:00Z",
     "2026-02-27T16:00:00", "Europe/Berlin", "cancelled", False, None),
    ("Month-end close", "2026-04-24T14:00:00Z", "2026-04-24T14:00:00Z", "2026-04-24T15:00:00Z",
     "2026-04-24T16:00:00", "Europe/Berlin", "confirmed", False, "busy"),
    ("Founders day", "2026-05-04T07:00:00Z", "2026-05-04T07:00:00Z", "2026-05-05T07:00:00Z",
     "2026-05-04T00:00:00", "America/Los_Angeles", "confirmed", False, "oof"),
    ("Board offsite", "2026-10-14T16:00:00Z", "2026-10-14T16:00:00Z", "2026-10-14T19:00:00Z",
     "2026-10-14T09:00:00", "America/Los_Angeles", "confirmed", False, "tentative"),
    ("Remote Friday", "2026-01-08T23:00:00Z", "2026-01-08T23:00:00Z", "2026-01-09T23:00:00Z",
     "2026-01-09T00:00:00", "Europe/Berlin", "confirmed", False, "working_elsewhere"),
    ("Remote Friday", "2026-02-12T23:00:00Z", "2026-02-12T23:00:00Z", "2026-02-13T23:00:00Z",
     "2026-02-13T00:00:00", "Europe/Berlin", "cancelled", False, None),
    ("Remote Friday", "2026-07-02T22:00:00Z", "2026-07-02T22:00:00Z", "2026-07-03T22:00:00Z",
     "2026-07-03T00:00:00", "Europe/Berlin", "confirmed", False, "working_elsewhere"),
    ("Remote Friday", "2026-12-31T23:00:00Z", "2026-12-31T23:00:00Z", "2027-01-01T23:00:00Z",
     "2027-01-01T00:00:00", "Europe/Berlin", "confirmed", False, "working_elsewhere"),
    ("Partner sync", "2026-03-04T13:30:00Z", "2026-03-04T13:30:00Z", "2026-03-04T14:00:00Z",
     "2026-03-04T08:30:00", "America/New_York", "confirmed", False, "busy"),
    ("Partner sync", "2026-03-11T12:30:00Z", "2026-03-11T12:30:00Z", "2026-03-11T13:00:00Z",
     "2026-03-11T08:30:00", "America/New_York", "confirmed", False, "busy"),
    ("Vendor call", "2026-03-26T09:00:00Z", "2026-03-26T09:00:00Z", "2026-03-26T09:30:00Z",
     "2026-03-26T10:00:00", "Europe/Berlin", "confirmed", False, "busy"),
    ("Vendor call", "2026-04-02T08:00:00Z", "2026-04-02T08:00:00Z", "2026-04-02T08:30:00Z",
     "2026-04-02T10:00:00", "Europe/Berlin", "confirmed", False, "busy"),
    ("Lab booking", "2026-01-30T04:30:00Z", "2026-01-30T04:30:00Z", "2026-01-30T06:30:00Z",
     "2026-01-30T10:00:00", "Asia/Kolkata", "confirmed", False, "busy"),
    ("Tokyo sync", "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z", "2026-03-02T01:00:00Z",
     "2026-03-02T09:00:00", "Asia/Tokyo", "confirmed", False, "busy"),
]  # fmt: skip
CASE_IDS = [
    "planning-PST", "planning-PDT", "planning-PDT-before-fall", "planning-PST-after-fall",
    "planning-moved", "planning-deleted", "planning-isCancelled",
    "design-EST", "design-EDT", "design-last", "checkin-deleted", "checkin-renamed",
    "checkin-30th", "payroll-IST", "payroll-12th", "month-end-moved", "month-end-deleted",
    "month-end-CEST", "founders-all-day-PDT", "board-2nd-wednesday", "remote-friday-CET",
    "remote-friday-deleted", "remote-friday-CEST", "remote-friday-2027-in-berlin",
    "partner-custom-zone-EST", "partner-custom-zone-EDT", "vendor-null-zones-CET",
    "vendor-null-zones-CEST", "lab-empty-zone-last", "tokyo-iana-zone",
]  # fmt: skip


@pytest.mark.parametrize(
    ("summary", "original", "start_at", "end_at", "start_local", "zone", "status", "exception",
     "show_as"),
    CASES,
    ids=CASE_IDS,
)  # fmt: skip
def test_every_dataset_case(
    graph_run: TapRun,
    summary: str,
    original: str,
    start_at: str,
    end_at: str,
    start_local: str,
    zone: str,
    status: str,
    exception: bool,
    show_as: str | None,
) -> None:
    record = graph_run.occurrences("microsoft", summary)[original]
    assert (record["start_at"], record["end_at"], record["start_local"]) == (
        start_at, end_at, start_local,
    )  # fmt: skip
    assert (record["timezone"], record["status"], record["is_exception"], record["show_as"]) == (
        zone, status, exception, show_as,
    )  # fmt: skip


def test_an_occurrence_in_full(
    sandbox: Sandbox, graph_run: TapRun, planning_items: dict[str, dict[str, Any]]
) -> None:
    record = dict(graph_run.occurrences("microsoft", "Weekly planning")["2026-03-03T17:00:00Z"])
    item = planning_items["2026-03-03"]
    raw, key = record.pop("raw"), record.pop("instance_key")
    assert record == {
        "provider": "microsoft",
        "calendar_id": calendar_id(sandbox, MEGAN_CALENDAR),
        "owner_id": MEGAN,
        "series_id": sandbox.graph_event_id("Weekly planning", immutable=True),
        "instance_id": item["id"],
        "original_start_at": "2026-03-03T17:00:00Z",
        "start_at": "2026-03-03T17:00:00Z",
        "end_at": "2026-03-03T18:00:00Z",
        "start_local": "2026-03-03T09:00:00",
        "end_local": "2026-03-03T10:00:00",
        "timezone": "America/Los_Angeles",
        "is_all_day": False,
        "start_date": "2026-03-03",
        "end_date": "2026-03-03",
        "status": "confirmed",
        "is_exception": False,
        "summary": "Weekly planning",
        "description": "Plans for the week ahead.",
        "location": "Conf Room Rainier",
        "organizer_email": MEGAN,
        "organizer_name": "Megan Bowen",
        "attendees": [
            attendee(MEGAN, "Megan Bowen", "accepted"),  # Graph says "organizer"
            attendee(ADELE, "Adele Vance", "accepted"),
            attendee(ROOM, "Conf Room Rainier", "needs_action", resource=True),
        ],
        "show_as": "busy",
        "html_link": item["webLink"],
        "ical_uid": item["iCalUId"],
        "updated_at": "2026-01-02T10:00:00Z",
        "etag": item["@odata.etag"],
    }
    assert record["html_link"].startswith("https://outlook.office365.com/owa/?itemid=")
    # Outlook's global object id carries the occurrence's date: 2026 = 0x07EA, 3 March.
    assert record["ical_uid"].startswith("040000008200E00074C5B7101A82E00807EA0303")
    assert record["etag"].startswith('W/"')
    assert raw["id"] == item["id"] and len(key) == 32


def test_a_moved_exception_keeps_its_original_start(
    graph_run: TapRun, planning_items: dict[str, dict[str, Any]]
) -> None:
    moved = graph_run.occurrences("microsoft", "Weekly planning")["2026-03-10T16:00:00Z"]
    assert moved["instance_id"] == planning_items["2026-03-10"]["id"]
    assert (moved["start_date"], moved["end_local"]) == ("2026-03-10", "2026-03-10T14:00:00")
    assert moved["updated_at"] == "2026-01-20T09:00:00Z"  # when it was moved
    assert moved["raw"]["type"] == "exception"


def test_a_deleted_occurrence_is_synthesized_as_a_cancellation(graph_run: TapRun) -> None:
    record = dict(graph_run.occurrences("microsoft", "Weekly planning")["2026-03-17T16:00:00Z"])
    del record["instance_key"]
    assert {k: v for k, v in record.items() if k not in ("calendar_id", "series_id")} == {
        "provider": "microsoft",
        "owner_id": MEGAN,
        "instance_id": None,
        "original_start_at": "2026-03-17T16:00:00Z",
        "start_at": "2026-03-17T16:00:00Z",
        "end_at": "2026-03-17T17:00:00Z",
        "start_local": "2026-03-17T09:00:00",
        "end_local": "2026-03-17T10:00:00",
        "timezone": "America/Los_Angeles",
        "is_all_day": False,
        "start_date": "2026-03-17",
        "end_date": "2026-03-17",
        "status": "cancelled",
        "is_exception": False,
        "summary": "Weekly planning",
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


def test_an_occurrence_graph_reports_cancelled_keeps_its_id(
    graph_run: TapRun, planning_items: dict[str, dict[str, Any]]
) -> None:
    record = graph_run.occurrences("microsoft", "Weekly planning")["2026-04-07T16:00:00Z"]
    assert record["instance_id"] == planning_items["2026-04-07"]["id"]
    assert record["raw"]["isCancelled"] is True
    # The contract's summary of a cancellation is the series', not "Canceled: ...".
    assert record["summary"] == "Weekly planning"
    assert record["etag"] == planning_items["2026-04-07"]["@odata.etag"]


def test_renamed_occurrence_and_attendees_of_the_other_mailbox(graph_run: TapRun) -> None:
    renamed = graph_run.occurrences("microsoft", "Daily check-in")["2026-01-09T01:00:00Z"]
    assert renamed["summary"] == "Daily check-in (demo)"
    assert (renamed["owner_id"], renamed["organizer_email"]) == (ADELE, ADELE)
    assert renamed["attendees"] == [attendee(ADELE, "Adele Vance", "accepted")]
    close = graph_run.occurrences("microsoft", "Month-end close")["2026-03-27T15:00:00Z"]
    assert close["attendees"] == [
        attendee(ADELE, "Adele Vance", "accepted"),
        attendee(MEGAN, "Megan Bowen", "declined"),
    ]
    review = graph_run.occurrences("microsoft", "Design review")["2026-01-05T19:00:00Z"]
    assert review["attendees"] == [
        attendee(MEGAN, "Megan Bowen", "accepted"),
        attendee(ADELE, "Adele Vance", "tentative", optional=True),
    ]


def test_all_day_occurrences_have_local_dates_and_an_exclusive_end(graph_run: TapRun) -> None:
    friday = graph_run.occurrences("microsoft", "Remote Friday")
    dates = {
        original: (r["is_all_day"], r["start_date"], r["end_date"], r["end_local"])
        for original, r in friday.items()
        if original in ("2026-01-08T23:00:00Z", "2026-02-12T23:00:00Z", "2026-12-31T23:00:00Z")
    }
    assert dates == {
        "2026-01-08T23:00:00Z": (True, "2026-01-09", "2026-01-10", "2026-01-10T00:00:00"),
        "2026-02-12T23:00:00Z": (True, "2026-02-13", "2026-02-14", "2026-02-14T00:00:00"),
        "2026-12-31T23:00:00Z": (True, "2027-01-01", "2027-01-02", "2027-01-02T00:00:00"),
    }
    founders = graph_run.occurrences("microsoft", "Founders day")["2026-05-04T07:00:00Z"]
    assert (founders["start_date"], founders["end_date"]) == ("2026-05-04", "2026-05-05")


def test_daily_check_in_runs_thirty_days(graph_run: TapRun) -> None:
    checkin = graph_run.occurrences("microsoft", "Daily check-in")
    assert (min(checkin), max(checkin)) == ("2026-01-05T01:00:00Z", "2026-02-03T01:00:00Z")


# -- the window -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "summary", "expected"),
    [
        # Weekly planning 6 and 20 January (17:00-18:00Z) touch the window's edges.
        ("2026-01-06T18:00:00Z", "2026-01-20T17:00:00Z", "Weekly planning",
         {"2026-01-13T17:00:00Z": "confirmed"}),
        # The deleted check-in of 7 January (01:00-01:15Z) ends at the window's start: Graph
        # would not return it anyway, and it is not synthesized as a cancellation.
        ("2026-01-07T01:15:00Z", "2026-01-10T01:00:00Z", "Daily check-in",
         {"2026-01-08T01:00:00Z": "confirmed", "2026-01-09T01:00:00Z": "confirmed"}),
        # The deleted Remote Friday of 13 February starts at the window's end.
        ("2026-01-30T00:00:00Z", "2026-02-12T23:00:00Z", "Remote Friday",
         {"2026-01-29T23:00:00Z": "confirmed", "2026-02-05T23:00:00Z": "confirmed"}),
    ],
    ids=["read-occurrences-touching", "deleted-touching-start", "deleted-all-day-touching-end"],
)  # fmt: skip
def test_occurrences_that_merely_touch_the_window_are_dropped(
    clean_sandbox: Sandbox, start: str, end: str, summary: str, expected: dict[str, str]
) -> None:
    config = clean_sandbox.tap_config(providers=["microsoft"], start_date=start, end_date=end)
    run = run_tap(config)
    found = {k: r["status"] for k, r in run.occurrences("microsoft", summary).items()}
    assert found == expected
    for record in run.records("microsoft_instances"):
        assert record["end_at"] > start and record["start_at"] < end


# -- what the user restricts ----------------------------------------------------------------


def test_calendar_ids_restrict_the_run_and_unknown_ones_are_named(
    clean_sandbox: Sandbox, graph_config: dict[str, Any], tmp_path: Path
) -> None:
    asia = calendar_id(clean_sandbox, ADELE_ASIA)
    config = {**graph_config, "microsoft": {**graph_config["microsoft"],
              "calendar_ids": [asia, "AAkALgAA-no-such-calendar"]}}  # fmt: skip
    run = run_cli(config, tmp_path)
    assert run.returncode == 0, run.stderr
    assert {c["calendar_id"] for c in run.records("microsoft_calendars")} == {asia}
    assert {r["calendar_id"] for r in run.records("microsoft_instances")} == {asia}
    (warning,) = [line for line in run.stderr.splitlines() if "AAkALgAA-no-such-calendar" in line]
    assert "microsoft.calendar_ids" in warning
    assert not [r for r in clean_sandbox.requests if kind(r.path) == "instances"
                and asia not in r.path]  # fmt: skip


def test_user_ids_restrict_the_run_and_unknown_users_are_named(
    clean_sandbox: Sandbox, graph_config: dict[str, Any], tmp_path: Path
) -> None:
    nobody = "nobody@contoso.sandbox.example"
    config = {**graph_config, "microsoft": {**graph_config["microsoft"],
              "user_ids": [nobody, ADELE]}}  # fmt: skip
    run = run_cli(config, tmp_path)
    assert run.returncode == 0, run.stderr
    (warning,) = [line for line in run.stderr.splitlines() if nobody in line]
    assert "skipping" in warning
    calendars = {c["name"]: c for c in run.records("microsoft_calendars")}
    # Without Megan, her Team planning calendar is read through Adele, who may only read it.
    assert {n: (c["owner_id"], c["access_role"]) for n, c in calendars.items()} == {
        "Calendar": (ADELE, "owner"),
        "Asia projects": (ADELE, "owner"),
        "Team planning": (MEGAN, "reader"),
    }
    assert not [r for r in clean_sandbox.requests if r.path.endswith("/users")]
    # All but Megan's own Calendar: Weekly planning (52) and Founders day (1).
    assert len(run.records("microsoft_instances")) == 262


def test_a_deleted_occurrence_keeps_the_key_it_had() -> None:
    with Sandbox(seed=7) as sb:
        config = sb.tap_config(providers=["microsoft"], start_date="2026-03-01T00:00:00Z",
                               end_date="2026-04-01T00:00:00Z")  # fmt: skip
        before = run_tap(config)
        read = before.occurrences("microsoft", "Weekly planning")["2026-03-24T16:00:00Z"]
        assert read["instance_id"] is not None
        sb.change("cancel_occurrence", calendar_id=MEGAN_CALENDAR,
                  series_id=sb.series_id("Weekly planning"),
                  original_start="2026-03-24T16:00:00Z")  # fmt: skip
        fresh = run_tap(config).occurrences("microsoft", "Weekly planning")
        incremental = run_tap(config, state=before.last_state).occurrences(
            "microsoft", "Weekly planning"
        )
        for after in (fresh, incremental):
            cancelled = after["2026-03-24T16:00:00Z"]
            assert (cancelled["instance_key"], cancelled["status"], cancelled["instance_id"]) == (
                read["instance_key"], "cancelled", None,
            )  # fmt: skip
