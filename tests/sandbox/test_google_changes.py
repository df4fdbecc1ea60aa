"""Changes between runs, seen through sync-token listings and the instances endpoint."""

from __future__ import annotations

import pytest

from tap_calinstances.sandbox import ChangeError, Sandbox
from tests.sandbox.helpers import (
    ALEX,
    events_path,
    get,
    instances_path,
    items,
    reason,
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
