"""The Graph emulation's fixed data, as Graph shows it: patterns, zones, occurrences,
exceptions and deletions, with literal expected values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.sandbox.microsoft.dataset import (
    ADELE_ASIA,
    ADELE_CALENDAR,
    MEGAN_CALENDAR,
    MEGAN_TEAM,
)
from tests.sandbox.graph import ADELE, MEGAN, app_token, calendar_path, instances_path, values

SELECT = "subject,type,start,end,originalStart,isCancelled,showAs"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def token(sb: Sandbox) -> str:
    return app_token(sb)


def masters(sb: Sandbox, token: str, user: str, calendar_id: str) -> dict[str, dict[str, Any]]:
    path = calendar_path(sb, user, calendar_id) + "/events"
    return {e["subject"]: e for e in values(sb, path, token, **{"$top": 50})}


def starts(sb: Sandbox, token: str, user: str, calendar_id: str, summary: str, lo: str,
           hi: str) -> list[tuple[str, str, str]]:  # fmt: skip
    """(type, UTC start, originalStart) of each instance in [lo, hi]."""
    path = instances_path(sb, user, calendar_id, summary)
    found = values(sb, path, token, startDateTime=lo, endDateTime=hi, **{"$select": SELECT})
    return [(i["type"], i["start"]["dateTime"][:16], i["originalStart"]) for i in found]


ZONES = {
    # summary: (originalStartTimeZone, originalEndTimeZone, recurrenceTimeZone)
    "Weekly planning": ("Pacific Standard Time",) * 3,
    "Design review": ("Eastern Standard Time",) * 3,
    "Daily check-in": ("China Standard Time",) * 3,
    "Payroll cutoff": ("India Standard Time",) * 3,
    "Month-end close": ("W. Europe Standard Time",) * 3,
    "Founders day": ("Pacific Standard Time",) * 3,
    "Board offsite": ("Pacific Standard Time",) * 3,
    "Remote Friday": ("W. Europe Standard Time",) * 3,
    "Partner sync": ("tzone://Microsoft/Custom", "Eastern Standard Time",
                     "tzone://Microsoft/Custom"),
    "Vendor call": (None, None, "W. Europe Standard Time"),
    "Lab booking": ("India Standard Time", "India Standard Time", ""),
    "Tokyo sync": ("Asia/Tokyo",) * 3,
}  # fmt: skip

PATTERNS = {
    # summary: (type, interval, daysOfWeek, dayOfMonth, month, index, firstDayOfWeek)
    "Weekly planning": ("weekly", 1, ["tuesday"], 0, 0, "first", "sunday"),
    "Design review": ("weekly", 2, ["monday", "thursday"], 0, 0, "first", "monday"),
    "Daily check-in": ("daily", 1, [], 0, 0, "first", "sunday"),
    "Payroll cutoff": ("absoluteMonthly", 1, [], 15, 0, "first", "sunday"),
    "Month-end close": ("relativeMonthly", 1, ["friday"], 0, 0, "last", "sunday"),
    "Founders day": ("absoluteYearly", 1, [], 4, 5, "first", "sunday"),
    "Board offsite": ("relativeYearly", 1, ["wednesday"], 0, 10, "second", "sunday"),
    "Remote Friday": ("weekly", 1, ["friday"], 0, 0, "first", "sunday"),
    "Lab booking": ("daily", 2, [], 0, 0, "first", "sunday"),
    "Tokyo sync": ("relativeMonthly", 1, ["monday"], 0, 0, "first", "sunday"),
}
RANGES = {
    # summary: (type, startDate, endDate, numberOfOccurrences)
    "Weekly planning": ("noEnd", "2026-01-06", "0001-01-01", 0),
    "Design review": ("endDate", "2026-01-05", "2026-06-25", 0),
    "Daily check-in": ("numbered", "2026-01-05", "0001-01-01", 30),
    "Payroll cutoff": ("numbered", "2026-01-15", "0001-01-01", 12),
    "Lab booking": ("endDate", "2026-01-06", "2026-01-30", 0),  # its last occurrence
    "Board offsite": ("numbered", "2026-10-14", "0001-01-01", 5),
}


def all_masters(sb: Sandbox, token: str) -> dict[str, dict[str, Any]]:
    found = {}
    for user, calendar in ((MEGAN, MEGAN_CALENDAR), (MEGAN, MEGAN_TEAM), (ADELE, ADELE_CALENDAR),
                           (ADELE, ADELE_ASIA)):  # fmt: skip
        found.update(masters(sb, token, user, calendar))
    return found


def test_every_master_names_its_zones_the_graph_way(sb: Sandbox, token: str) -> None:
    found = all_masters(sb, token)
    seen = {
        name: (e["originalStartTimeZone"], e["originalEndTimeZone"],
               e["recurrence"]["range"]["recurrenceTimeZone"])
        for name, e in found.items() if e["type"] == "seriesMaster"
    }  # fmt: skip
    assert seen == ZONES


def test_every_master_has_its_pattern_and_range(sb: Sandbox, token: str) -> None:
    found = all_masters(sb, token)
    for name, expected in PATTERNS.items():
        p = found[name]["recurrence"]["pattern"]
        assert (p["type"], p["interval"], p["daysOfWeek"], p["dayOfMonth"], p["month"],
                p["index"], p["firstDayOfWeek"]) == expected, name  # fmt: skip
    for name, limits in RANGES.items():
        r = found[name]["recurrence"]["range"]
        assert (r["type"], r["startDate"], r["endDate"], r["numberOfOccurrences"]) == limits
    assert found["Lunch with Adele"]["type"] == "singleInstance"
    assert found["Lunch with Adele"]["recurrence"] is None


def test_weekly_planning_crosses_both_us_dst_changes(sb: Sandbox, token: str) -> None:
    assert starts(sb, token, MEGAN, MEGAN_CALENDAR, "Weekly planning",
                  "2026-03-03T00:00:00Z", "2026-03-25T00:00:00Z") == [
        ("occurrence", "2026-03-03T17:00", "2026-03-03T17:00:00Z"),  # PST
        ("exception", "2026-03-10T20:00", "2026-03-10T16:00:00Z"),  # moved to 13:00 PDT
        # 2026-03-17 was deleted: absent
        ("occurrence", "2026-03-24T16:00", "2026-03-24T16:00:00Z"),  # PDT
    ]  # fmt: skip
    assert starts(sb, token, MEGAN, MEGAN_CALENDAR, "Weekly planning",
                  "2026-10-27T00:00:00Z", "2026-11-04T00:00:00Z") == [
        ("occurrence", "2026-10-27T16:00", "2026-10-27T16:00:00Z"),
        ("occurrence", "2026-11-03T17:00", "2026-11-03T17:00:00Z"),
    ]  # fmt: skip


def test_an_occurrence_cancelled_but_not_deleted_says_so(sb: Sandbox, token: str) -> None:
    path = instances_path(sb, MEGAN, MEGAN_CALENDAR, "Weekly planning")
    found = values(sb, path, token, startDateTime="2026-04-07T00:00:00Z",
                   endDateTime="2026-04-08T00:00:00Z")  # fmt: skip
    assert [(i["subject"], i["isCancelled"], i["type"], i["showAs"]) for i in found] == [
        ("Canceled: Weekly planning", True, "exception", "free")
    ]
    assert "originalStart" not in found[0]  # only with $select
    assert found[0]["occurrenceId"] == f"OID.{sb.graph_event_id('Weekly planning')}.2026-04-07"


def test_daily_and_monthly_series_with_their_exceptions(sb: Sandbox, token: str) -> None:
    assert starts(sb, token, ADELE, ADELE_ASIA, "Daily check-in",
                  "2026-01-05T00:00:00Z", "2026-01-09T23:00:00Z") == [
        ("occurrence", "2026-01-05T01:00", "2026-01-05T01:00:00Z"),
        ("occurrence", "2026-01-06T01:00", "2026-01-06T01:00:00Z"),
        ("occurrence", "2026-01-08T01:00", "2026-01-08T01:00:00Z"),
        ("exception", "2026-01-09T01:00", "2026-01-09T01:00:00Z"),  # renamed
    ]  # fmt: skip
    assert starts(sb, token, ADELE, ADELE_CALENDAR, "Month-end close",
                  "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z") == [
        ("exception", "2026-01-29T15:00", "2026-01-30T15:00:00Z"),  # moved a day earlier
        # 2026-02-27 deleted
        ("occurrence", "2026-03-27T15:00", "2026-03-27T15:00:00Z"),
    ]  # fmt: skip
    assert starts(sb, token, ADELE, ADELE_CALENDAR, "Payroll cutoff",
                  "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z") == [
        ("occurrence", "2026-01-15T05:30", "2026-01-15T05:30:00Z"),
        ("occurrence", "2026-02-15T05:30", "2026-02-15T05:30:00Z"),
    ]  # fmt: skip


def test_yearly_series(sb: Sandbox, token: str) -> None:
    assert starts(sb, token, MEGAN, MEGAN_TEAM, "Board offsite",
                  "2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z") == [
        ("occurrence", "2026-10-14T16:00", "2026-10-14T16:00:00Z"),
        ("occurrence", "2027-10-13T16:00", "2027-10-13T16:00:00Z"),
    ]  # fmt: skip


def test_all_day_series_float_at_local_midnight(sb: Sandbox, token: str) -> None:
    path = instances_path(sb, ADELE, ADELE_CALENDAR, "Remote Friday")
    found = values(sb, path, token, prefer='outlook.timezone="Pacific Standard Time"',
                   startDateTime="2026-02-06T00:00:00Z", endDateTime="2026-02-21T00:00:00Z",
                   **{"$select": SELECT + ",isAllDay"})  # fmt: skip
    assert [(i["start"], i["end"]["dateTime"], i["originalStart"], i["showAs"]) for i in found] == [
        ({"dateTime": "2026-02-06T00:00:00.0000000", "timeZone": "Pacific Standard Time"},
         "2026-02-07T00:00:00.0000000", "2026-02-05T23:00:00Z", "workingElsewhere"),
        # 2026-02-13 deleted
        ({"dateTime": "2026-02-20T00:00:00.0000000", "timeZone": "Pacific Standard Time"},
         "2026-02-21T00:00:00.0000000", "2026-02-19T23:00:00Z", "workingElsewhere"),
    ]  # fmt: skip
    assert starts(sb, token, MEGAN, MEGAN_CALENDAR, "Founders day",
                  "2026-01-01T00:00:00Z", "2027-12-31T00:00:00Z") == [
        ("occurrence", "2026-05-04T00:00", "2026-05-04T07:00:00Z"),
        ("occurrence", "2027-05-04T00:00", "2027-05-04T07:00:00Z"),
    ]  # fmt: skip


def test_odd_zone_labels_still_expand_in_the_real_zone(sb: Sandbox, token: str) -> None:
    assert starts(sb, token, ADELE, ADELE_CALENDAR, "Vendor call",
                  "2026-03-26T00:00:00Z", "2026-04-03T00:00:00Z") == [
        ("occurrence", "2026-03-26T09:00", "2026-03-26T09:00:00Z"),  # CET
        ("occurrence", "2026-04-02T08:00", "2026-04-02T08:00:00Z"),  # CEST
    ]  # fmt: skip
    assert starts(sb, token, MEGAN, MEGAN_TEAM, "Partner sync",
                  "2026-01-07T00:00:00Z", "2026-01-08T00:00:00Z") == [
        ("occurrence", "2026-01-07T13:30", "2026-01-07T13:30:00Z"),
    ]  # fmt: skip
    assert starts(sb, token, MEGAN, MEGAN_TEAM, "Tokyo sync",
                  "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z") == [
        ("occurrence", "2026-01-05T00:00", "2026-01-05T00:00:00Z"),
        ("occurrence", "2026-02-02T00:00", "2026-02-02T00:00:00Z"),
    ]  # fmt: skip
    assert len(starts(sb, token, ADELE, ADELE_ASIA, "Lab booking",
                      "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z")) == 13  # fmt: skip


def test_occurrences_touching_the_window_edges_are_returned(sb: Sandbox, token: str) -> None:
    # Weekly planning on 2026-01-06 runs 17:00Z-18:00Z.
    touching_end = starts(sb, token, MEGAN, MEGAN_CALENDAR, "Weekly planning",
                          "2026-01-06T18:00:00", "2026-01-06T20:00:00")  # fmt: skip
    touching_start = starts(sb, token, MEGAN, MEGAN_CALENDAR, "Weekly planning",
                            "2026-01-06T10:00:00Z", "2026-01-06T17:00:00Z")  # fmt: skip
    assert (
        touching_end
        == touching_start
        == [("occurrence", "2026-01-06T17:00", "2026-01-06T17:00:00Z")]
    )


def test_instance_ids_and_ical_uids(sb: Sandbox, token: str) -> None:
    path = instances_path(sb, MEGAN, MEGAN_CALENDAR, "Weekly planning")
    window = {"startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2026-01-14T00:00:00Z"}
    first, second = values(sb, path, token, **window)
    assert first["id"] != second["id"] and first["iCalUId"] != second["iCalUId"]
    assert first["iCalUId"][32:40] == "07EA0106"  # the original date, 2026-01-06
    assert first["seriesMasterId"] == sb.graph_event_id("Weekly planning")
    assert first["lastModifiedDateTime"] == "2026-01-02T10:00:00.0000000Z"
    again = values(sb, path, token, **window)
    assert [i["id"] for i in again] == [first["id"], second["id"]]  # stable
    immutable = values(sb, path, token, prefer='IdType="ImmutableId"', **window)
    assert immutable[0]["id"].startswith("AAkALg") and first["id"].startswith("AAMkAG")
