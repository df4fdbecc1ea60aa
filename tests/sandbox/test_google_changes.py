"""Changes between runs, seen through sync-token listings and the instances endpoint."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tap_calinstances.sandbox import ChangeError, Sandbox
from tests.sandbox.helpers import (
    ALEX,
    OPS,
    ROBIN,
    events_path,
    get,
    instances_path,
    items,
    reason,
    subject_token,
    sync_token_of,
    user_token,
)

# -- changes and sync tokens ----------------------------------------------------------------


def test_sync_token_returns_only_what_changed(sb: Sandbox) -> None:
    token = user_token(sb)
    sync = sync_token_of(sb, token)
    assert items(sb, events_path(ALEX), token, syncToken=sync) == []
    weekly = sb.series_id("Weekly sync")
    sb.change(
        "cancel_occurrence",
        calendar_id=ALEX,
        series_id=weekly,
        original_start="2026-03-09T09:00:00-04:00",
    )
    changed = items(sb, events_path(ALEX), token, syncToken=sync)
    assert [(i["id"], i["status"]) for i in changed] == [
        (f"{weekly}_20260309T130000Z", "cancelled")
    ]


def test_edit_and_delete_reach_listings_and_instances(sb: Sandbox) -> None:
    token = user_token(sb)
    sync = sync_token_of(sb, token)
    monthly = sb.series_id("Monthly review")
    sb.change("edit_series", calendar_id=ALEX, series_id=monthly, summary="Quarterly review")
    instance = items(sb, instances_path(sb, "Quarterly review"), token)[0]
    assert instance["summary"] == "Quarterly review"
    assert instance["updated"] > "2026-01-02T10:00:00.000Z"
    sb.change("delete_series", calendar_id=ALEX, series_id=monthly)
    changed = items(sb, events_path(ALEX), token, syncToken=sync)
    assert [(i["id"], i["status"]) for i in changed] == [(monthly, "cancelled")]
    answer = get(sb, f"{events_path(ALEX)}/{monthly}/instances", token)
    assert (answer.status_code, reason(answer)) == (410, "deleted")


def test_added_and_moved_occurrences_show_up(sb: Sandbox) -> None:
    token = user_token(sb)
    added = sb.change(
        "add_series",
        calendar_id=ALEX,
        summary="Retro",
        rrule="FREQ=WEEKLY;BYDAY=FR;COUNT=3",
        start="2026-04-03T16:00:00-04:00",
        end="2026-04-03T17:00:00-04:00",
        timezone="America/New_York",
    )
    sb.change(
        "move_occurrence",
        calendar_id=ALEX,
        series_id=added["series_id"],
        original_start="2026-04-10T16:00:00-04:00",
        start="2026-04-09T16:00:00-04:00",
        end="2026-04-09T17:00:00-04:00",
    )
    found = items(sb, f"{events_path(ALEX)}/{added['series_id']}/instances", token)
    assert [i["start"]["dateTime"] for i in found] == [
        "2026-04-03T16:00:00-04:00",
        "2026-04-09T16:00:00-04:00",
        "2026-04-17T16:00:00-04:00",
    ]
    with pytest.raises(ChangeError):
        sb.change(
            "cancel_occurrence",
            calendar_id=ALEX,
            series_id=added["series_id"],
            original_start="2026-04-04T16:00:00-04:00",
        )


@pytest.mark.parametrize(
    "sync",
    ["not-a-token", "eyJjIjoiZXZlbnRzOmFsZXgiLCJ2IjoxLCJlIjowfQ"],
    ids=["garbage", "other-listing"],
)
def test_unknown_sync_token_needs_full_sync(sb: Sandbox, sync: str) -> None:
    answer = get(sb, events_path(ALEX), user_token(sb), syncToken=sync)
    assert (answer.status_code, reason(answer)) == (410, "fullSyncRequired")


def test_expired_sync_tokens_need_full_sync(sb: Sandbox) -> None:
    token = user_token(sb)
    sync = sync_token_of(sb, token)
    sb.change("expire_sync_tokens")
    answer = get(sb, events_path(ALEX), token, syncToken=sync)
    assert (answer.status_code, reason(answer)) == (410, "fullSyncRequired")


def test_sync_token_with_time_min_is_bad_request(sb: Sandbox) -> None:
    token = user_token(sb)
    answer = get(
        sb,
        events_path(ALEX),
        token,
        syncToken=sync_token_of(sb, token),
        timeMin="2026-01-01T00:00:00Z",
    )
    assert answer.status_code == 400


# -- rule changes, sharing, moves across the window ---------------------------------------------


def changes_since(sb: Sandbox, token: str, sync: str, calendar_id: str = ALEX) -> list[Any]:
    """(id, status) of what a sync-token listing reports, with the fields that say what."""
    found = items(sb, events_path(calendar_id), token, syncToken=sync, showDeleted="true")
    return [
        (
            i["id"],
            i["status"],
            i.get("recurrence") or i.get("originalStartTime", {}).get("dateTime"),
        )
        for i in found
    ]


def starts(sb: Sandbox, token: str, series_id: str, time_min: str, time_max: str) -> list[str]:
    path = f"{events_path(ALEX)}/{series_id}/instances"
    found = items(sb, path, token, timeMin=time_min, timeMax=time_max)
    return [i["start"]["dateTime"] for i in found]


def test_new_rule_reaches_sync_listings_and_instances(sb: Sandbox) -> None:
    token, weekly = user_token(sb), sb.series_id("Weekly sync")
    sync = sync_token_of(sb, token)
    sb.change("edit_series", calendar_id=ALEX, series_id=weekly, rrule="FREQ=WEEKLY;BYDAY=TU")
    assert changes_since(sb, token, sync) == [(weekly, "confirmed", ["RRULE:FREQ=WEEKLY;BYDAY=TU"])]
    assert starts(sb, token, weekly, "2026-03-01T00:00:00Z", "2026-03-18T00:00:00Z") == [
        "2026-03-03T09:00:00-05:00",
        "2026-03-10T09:00:00-04:00",
        "2026-03-17T09:00:00-04:00",
    ]
    master = get(sb, f"{events_path(ALEX)}/{weekly}", token).json()
    assert master["start"]["dateTime"] == "2026-01-06T09:00:00-05:00"


def test_new_rule_keeps_exceptions_it_still_schedules_and_deletes_the_others(
    sb: Sandbox,
) -> None:
    token, weekly = user_token(sb), sb.series_id("Weekly sync")
    for day, hour in (("09", "11"), ("16", "12")):
        sb.change(
            "move_occurrence",
            calendar_id=ALEX,
            series_id=weekly,
            original_start=f"2026-03-{day}T09:00:00-04:00",
            start=f"2026-03-{day}T{hour}:00:00-04:00",
            end=f"2026-03-{day}T{hour}:30:00-04:00",
        )
    sync = sync_token_of(sb, token)
    sb.change(
        "edit_series",
        calendar_id=ALEX,
        series_id=weekly,
        rrule="RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260313T000000Z",
    )
    assert changes_since(sb, token, sync) == [
        (weekly, "confirmed", ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260313T000000Z"]),
        # Kept, and reported again: an exception changes with its master, as at Google.
        (f"{weekly}_20260309T130000Z", "confirmed", "2026-03-09T09:00:00-04:00"),
        (f"{weekly}_20260316T130000Z", "cancelled", "2026-03-16T09:00:00-04:00"),
    ]
    assert starts(sb, token, weekly, "2026-03-09T00:00:00Z", "2026-03-20T00:00:00Z") == [
        "2026-03-09T11:00:00-04:00",
        "2026-03-11T09:00:00-04:00",
    ]


def test_shortened_series_ends_before_until_and_reports_its_dropped_exceptions(
    sb: Sandbox,
) -> None:
    token, standup = user_token(sb), sb.series_id("Daily standup")
    sync = sync_token_of(sb, token, OPS)
    answer = sb.change(
        "shorten_series", calendar_id=OPS, series_id=standup, until="2026-02-11T00:00:00Z"
    )
    line = "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20260210T235959Z"
    assert answer["rrule"] == line
    assert changes_since(sb, token, sync, OPS) == [
        (standup, "confirmed", [line]),
        (f"{standup}_20260210T093000Z", "confirmed", "2026-02-10T09:30:00Z"),
        (f"{standup}_20260212T093000Z", "cancelled", "2026-02-12T09:30:00Z"),
        (f"{standup}_20260217T093000Z", "cancelled", "2026-02-17T09:30:00Z"),
    ]
    path = f"{events_path(OPS)}/{standup}/instances"
    found = items(sb, path, token, timeMin="2026-02-06T00:00:00Z", timeMax="2026-03-01T00:00:00Z")
    assert [(i["id"].rpartition("_")[2], i["start"]["dateTime"]) for i in found] == [
        ("20260206T093000Z", "2026-02-06T09:30:00Z"),
        ("20260209T093000Z", "2026-02-09T09:30:00Z"),
        ("20260210T093000Z", "2026-02-10T11:00:00Z"),
    ]


def test_shortening_to_before_the_first_occurrence_is_refused(sb: Sandbox) -> None:
    with pytest.raises(ChangeError, match="delete_series"):
        sb.change(
            "shorten_series",
            calendar_id=ALEX,
            series_id=sb.series_id("Weekly sync"),
            until="2026-01-05T14:00:00Z",
        )


def test_occurrence_moved_far_away_leaves_its_window_and_enters_the_other(sb: Sandbox) -> None:
    token, weekly = user_token(sb), sb.series_id("Weekly sync")
    sync = sync_token_of(sb, token)
    sb.change(
        "move_occurrence",
        calendar_id=ALEX,
        series_id=weekly,
        original_start="2026-03-09T13:00:00Z",
        start="2026-09-01T09:00:00-04:00",
        end="2026-09-01T10:00:00-04:00",
    )
    assert changes_since(sb, token, sync) == [
        (f"{weekly}_20260309T130000Z", "confirmed", "2026-03-09T09:00:00-04:00")
    ]
    assert starts(sb, token, weekly, "2026-03-01T00:00:00Z", "2026-03-17T00:00:00Z") == [
        "2026-03-02T09:00:00-05:00",
        "2026-03-16T09:00:00-04:00",
    ]
    # timeMin bounds the end inclusively: the moved occurrence ends at 14:00Z exactly.
    path = f"{events_path(ALEX)}/{weekly}/instances"
    found = items(sb, path, token, timeMin="2026-09-01T14:00:00Z", timeMax="2026-09-01T15:00:00Z")
    assert [(i["id"], i["start"]["dateTime"]) for i in found] == [
        (f"{weekly}_20260309T130000Z", "2026-09-01T09:00:00-04:00")
    ]
    assert (
        items(sb, path, token, timeMin="2026-09-01T14:00:01Z", timeMax="2026-09-02T00:00:00Z") == []
    )


def test_unshared_calendar_leaves_the_list_and_its_reads_are_not_found(sb: Sandbox) -> None:
    robin = subject_token(sb, ROBIN)
    listing = items(sb, "/users/me/calendarList", robin)
    sync = get(sb, "/users/me/calendarList", robin).json()["nextSyncToken"]
    assert [c["id"] for c in listing] == [OPS, ROBIN]
    sb.change("unshare_calendar", calendar_id=OPS, principal=ROBIN)
    assert [c["id"] for c in items(sb, "/users/me/calendarList", robin)] == [ROBIN]
    changed = items(sb, "/users/me/calendarList", robin, syncToken=sync)
    assert [(c["id"], c.get("deleted")) for c in changed] == [(OPS, True)]
    answer = get(sb, events_path(OPS), robin)
    assert (answer.status_code, reason(answer)) == (404, "notFound")
    standup = get(sb, f"{events_path(OPS)}/{sb.series_id('Daily standup')}/instances", robin)
    assert standup.status_code == 404
    assert get(sb, events_path(OPS), user_token(sb)).status_code == 200  # alex still reads


def test_shared_calendar_joins_the_list_with_its_role(sb: Sandbox) -> None:
    robin = subject_token(sb, ROBIN)
    sb.change("unshare_calendar", calendar_id=OPS, principal=ROBIN)
    sync = get(sb, "/users/me/calendarList", robin).json()["nextSyncToken"]
    sb.change("share_calendar", calendar_id=OPS, principal=ROBIN, role="writer")
    changed = items(sb, "/users/me/calendarList", robin, syncToken=sync)
    assert [(c["id"], c["accessRole"]) for c in changed] == [(OPS, "writer")]
    assert get(sb, events_path(OPS), robin).status_code == 200
    sb.change("share_calendar", calendar_id=ALEX, principal=ROBIN)
    assert [c["id"] for c in items(sb, "/users/me/calendarList", robin)] == [ALEX, OPS, ROBIN]


def test_occurrences_lists_original_starts_to_change(sb: Sandbox) -> None:
    weekly = sb.series_id("Weekly sync")
    assert sb.occurrences(ALEX, weekly, "2026-03-01T00:00:00Z", "2026-03-16T13:00:00Z") == [
        "2026-03-02T14:00:00Z",
        "2026-03-09T13:00:00Z",
    ]
    focus = sb.series_id("Focus day")
    assert sb.occurrences(ROBIN, focus, "2026-01-01T00:00:00Z", "2026-01-17T00:00:00Z") == [
        "2026-01-09",
        "2026-01-16",
    ]
    served = requests.get(
        f"{sb.url}/_sandbox/occurrences",
        params={
            "calendar_id": ALEX,
            "series_id": weekly,
            "start": "2026-03-01T00:00:00Z",
            "end": "2026-03-03T00:00:00Z",
        },
        timeout=10,
    ).json()
    assert served == {"original_starts": ["2026-03-02T14:00:00Z"]}
    assert (
        sb.change(
            "cancel_occurrence",
            calendar_id=ALEX,
            series_id=weekly,
            original_start=served["original_starts"][0],
        )["series_id"]
        == weekly
    )
