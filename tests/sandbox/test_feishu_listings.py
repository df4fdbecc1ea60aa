"""The Feishu emulation's data as a client reads it: tokens, calendars, events, instances."""

from __future__ import annotations

import itertools

import pytest
import requests

from tap_calinstances.sandbox import Sandbox
from tests.sandbox.feishu_helpers import (
    ARCHIVED,
    EXEC,
    LONDON,
    PRIMARY,
    ROOM,
    TEAM,
    code,
    data,
    events_path,
    feishu,
    get,
    instances_path,
    listing,
    tenant_token,
    token_answer,
)

JAN_1, MAR_1, APR_1, APR_15 = "1767225600", "1772323200", "1775001600", "1776211200"


def starts(items: list[dict]) -> list[str]:
    return [item["start_time"].get("timestamp") or item["start_time"]["date"] for item in items]


def test_config_block_names_the_app_and_the_open_apis_root(sb: Sandbox) -> None:
    block = feishu(sb)
    assert sorted(block) == ["api_url", "app_id", "app_secret"]
    assert block["api_url"] == sb.url + "/open-apis"
    assert block["app_id"].startswith("cli_") and len(block["app_id"]) == 20
    assert block["app_secret"] in sb.secret_values()


def test_the_same_tenant_token_comes_back_at_the_top_level(sb: Sandbox) -> None:
    first, second = token_answer(sb).json(), token_answer(sb).json()
    assert (first["code"], first["msg"]) == (0, "ok")
    # The seconds left: 7200 for a new token, a little less when the module's earlier
    # tests already had it issued.
    assert 7000 < first["expire"] <= 7200
    assert first["tenant_access_token"].startswith("t-")
    assert second["tenant_access_token"] == first["tenant_access_token"]
    assert "data" not in first


def test_a_wrong_secret_is_code_10014(sb: Sandbox) -> None:
    answer = token_answer(sb, app_secret="nope")
    assert answer.json()["code"] == 10014
    assert "tenant_access_token" not in answer.json()


def test_api_calls_without_a_valid_token_are_refused_with_feishu_codes(sb: Sandbox) -> None:
    assert code(get(sb, "/calendar/v4/calendars", None)) == (400, 99991661)
    assert code(get(sb, "/calendar/v4/calendars", "t-forged")) == (400, 99991663)


def test_calendar_list_has_every_type_role_and_the_deleted_calendar(sb: Sandbox) -> None:
    calendars = listing(sb, "/calendar/v4/calendars", tenant_token(sb), key="calendar_list")
    assert [(c["calendar_id"], c["type"], c["role"], c["is_deleted"]) for c in calendars] == [
        (PRIMARY, "primary", "owner", False),
        (TEAM, "shared", "writer", False),
        (LONDON, "shared", "reader", False),
        (ROOM, "resource", "reader", False),
        (EXEC, "shared", "free_busy_reader", False),
        (ARCHIVED, "shared", "reader", True),
    ]
    assert calendars[1] | {"calendar_id": "x"} == {
        "calendar_id": "x",
        "summary": "Platform team",
        "description": "Team rota and check-ins",
        "permissions": "private",
        "color": -1,
        "type": "shared",
        "summary_alias": "",
        "is_deleted": False,
        "is_third_party": False,
        "role": "writer",
    }


def test_calendar_page_size_must_be_50_to_1000(sb: Sandbox) -> None:
    token = tenant_token(sb)
    assert code(get(sb, "/calendar/v4/calendars", token, page_size=49)) == (400, 190002)
    assert code(get(sb, "/calendar/v4/calendars", token, page_size=1001)) == (400, 190002)


def test_events_listing_holds_masters_and_exceptions_not_deleted_occurrences(
    sb: Sandbox,
) -> None:
    items = listing(sb, events_path(PRIMARY), tenant_token(sb))
    weekly = sb.series_id("Weekly sync", provider="feishu")
    uid = weekly.removesuffix("_0")
    assert weekly.endswith("_0")
    assert [(i["event_id"], i["summary"], i["is_exception"], i["status"]) for i in items] == [
        (weekly, "Weekly sync", False, "confirmed"),
        (f"{uid}_1768788000", "Weekly sync", True, "confirmed"),
        (f"{uid}_1772416800", "Weekly sync (planning)", True, "confirmed"),
        (sb.series_id("Release review", provider="feishu"), "Release review", False, "confirmed"),
        (sb.series_id("Tokyo sync", provider="feishu"), "Tokyo sync", False, "confirmed"),
    ]
    master, moved = items[0], items[1]
    assert master["recurrence"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO"
    assert master["start_time"] == {"timestamp": "1767578400", "timezone": "Asia/Shanghai"}
    assert master["end_time"] == {"timestamp": "1767582000", "timezone": "Asia/Shanghai"}
    assert master["location"]["name"] == "Room Dawn (3F)"
    assert (moved["recurring_event_id"], moved["start_time"]["timestamp"]) == (weekly, "1768888800")
    assert items[3]["recurrence"] == "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15"
    assert items[3]["start_time"] == {"timestamp": "1768510800", "timezone": "America/New_York"}
    assert items[4]["start_time"]["timezone"] == "Asia/Tokyo"


def test_instances_carry_the_original_start_in_their_id_and_skip_the_deleted_one(
    sb: Sandbox,
) -> None:
    path = instances_path(sb, "Weekly sync", PRIMARY)
    items = listing(sb, path, tenant_token(sb), start_time=JAN_1, end_time=MAR_1, page_size=10)
    uid = sb.series_id("Weekly sync", provider="feishu").removesuffix("_0")
    # Mondays 10:00 Shanghai (02:00Z) in January and February; 2026-02-16 was deleted.
    assert [i["event_id"].removeprefix(uid + "_") for i in items] == [
        "1767578400", "1768183200", "1768788000", "1769392800", "1769997600",
        "1770602400", "1771812000",
    ]  # fmt: skip
    moved = items[2]
    assert (moved["is_exception"], moved["start_time"], moved["end_time"]) == (
        True,
        {"timestamp": "1768888800", "timezone": "Asia/Shanghai"},
        {"timestamp": "1768892400", "timezone": "Asia/Shanghai"},
    )
    assert {i["status"] for i in items} == {"confirmed"}
    assert "recurrence" not in items[0]


def test_a_deleted_occurrence_can_be_listed_as_cancelled_instead(sb: Sandbox) -> None:
    sb.set_faults(deleted_occurrences="cancelled")
    path = instances_path(sb, "Weekly sync", PRIMARY)
    items = listing(sb, path, tenant_token(sb), start_time=JAN_1, end_time=MAR_1)
    cancelled = [i for i in items if i["status"] == "cancelled"]
    assert [i["event_id"][-10:] for i in cancelled] == ["1771207200"]


def test_all_day_dates_are_utc_with_an_inclusive_end(sb: Sandbox) -> None:
    token = tenant_token(sb)
    rota = listing(
        sb, instances_path(sb, "Duty rota", TEAM), token, start_time=JAN_1, end_time=MAR_1
    )
    assert [(i["start_time"]["date"], i["end_time"]["date"]) for i in rota][:2] == [
        ("2026-01-05", "2026-01-05"),
        ("2026-01-12", "2026-01-12"),
    ]
    assert rota[0]["start_time"] == {"date": "2026-01-05", "timezone": "UTC"}
    assert rota[0]["event_id"].endswith("_1767571200")  # 2026-01-05T00:00Z
    assert "2026-02-16" not in [i["start_time"]["date"] for i in rota]
    assert rota[0]["free_busy_status"] == "free"
    offsite = listing(
        sb, instances_path(sb, "Offsite", TEAM), token, start_time=JAN_1, end_time=APR_1
    )
    assert [(i["start_time"]["date"], i["end_time"]["date"]) for i in offsite] == [
        ("2026-01-14", "2026-01-16"),
        ("2026-02-14", "2026-02-16"),
        ("2026-03-14", "2026-03-16"),
    ]


def test_a_weekly_london_series_keeps_its_wall_clock_across_dst(sb: Sandbox) -> None:
    path = instances_path(sb, "London standup", LONDON)
    items = listing(sb, path, tenant_token(sb), start_time=MAR_1, end_time=APR_15)
    # 09:30 London: 09:30Z until 29 March, 08:30Z after; 31 March was deleted.
    assert starts(items) == [
        "1772530200", "1773135000", "1773739800", "1774344600", "1775550600", "1776155400",
    ]  # fmt: skip
    assert items[-1]["start_time"]["timezone"] == "Europe/London"


def test_instances_windows_are_open_intervals_of_at_most_730_days(sb: Sandbox) -> None:
    token = tenant_token(sb)
    path = instances_path(sb, "Daily check-in", TEAM)
    first = "1735693200"  # 2025-01-01 09:00 Shanghai, 15 minutes
    # Between the first one's end and the second one's start: nothing.
    assert listing(sb, path, token, start_time="1735694100", end_time="1735779600") == []
    found = listing(sb, path, token, start_time="1735694099", end_time="1735779600")
    assert starts(found) == [first]
    assert listing(sb, path, token, start_time="1735600000", end_time=first) == []
    assert code(get(sb, path, token, start_time="1735689600", end_time="1798848000")) == (
        400,
        190002,
    )
    assert code(get(sb, path, token, start_time="1735689600")) == (400, 190002)
    # 2025-01-01 to 2029-01-01 in windows of 730 days and less: every day exactly once.
    bounds = [1735689600, 1735689600 + 730 * 86400, 1735689600 + 1460 * 86400, 1861920000]
    days: list[str] = []
    for lo, hi in itertools.pairwise(bounds):
        days += starts(
            listing(sb, path, token, start_time=str(lo), end_time=str(hi), page_size=500)
        )
    assert len(days) == len(set(days)) == 1461


@pytest.mark.parametrize(
    ("calendar_id", "expected"),
    [
        ("feishu.cn_nosuch@group.calendar.feishu.cn", (404, 191000)),
        (EXEC, (403, 191002)),
        (ARCHIVED, (403, 191003)),
    ],
    ids=["unknown", "free-busy-only", "deleted"],
)
def test_unreadable_calendars_answer_with_their_codes(
    sb: Sandbox, calendar_id: str, expected: tuple[int, int]
) -> None:
    assert code(get(sb, events_path(calendar_id), tenant_token(sb))) == expected


def test_unknown_and_deleted_events_answer_193001_and_193003(sb: Sandbox) -> None:
    token = tenant_token(sb)
    unknown = f"{events_path(PRIMARY)}/00000000-0000-0000-0000-000000000000_0/instances"
    assert code(get(sb, unknown, token, start_time=JAN_1, end_time=MAR_1)) == (404, 193001)
    series_id = sb.series_id("Tokyo sync", provider="feishu")
    sb.change("delete_series", calendar_id=PRIMARY, series_id=series_id)
    assert code(get(sb, f"{events_path(PRIMARY)}/{series_id}", token)) == (403, 193003)


def test_the_time_range_mode_expands_series_and_truncates_without_saying_so(
    sb: Sandbox,
) -> None:
    answer = data(get(sb, events_path(TEAM), tenant_token(sb), start_time=JAN_1, end_time=APR_1,
                      page_size=50))  # fmt: skip
    assert (answer["has_more"], len(answer["items"])) == (False, 50)
    assert "page_token" not in answer and "sync_token" not in answer


def test_calendar_and_event_can_be_read_one_by_one(sb: Sandbox) -> None:
    token = tenant_token(sb)
    calendar = data(get(sb, f"/calendar/v4/calendars/{ROOM}", token))
    assert (calendar["type"], calendar["summary"]) == ("resource", "Room Dawn (3F)")
    single = sb.series_id("Room maintenance", provider="feishu")
    event = data(get(sb, f"{events_path(ROOM)}/{single}", token))["event"]
    assert (event["event_id"], event["start_time"]["timestamp"], "recurrence" in event) == (
        single,
        "1768024800",
        False,
    )


def test_the_index_lists_the_feishu_endpoints_and_budget(sb: Sandbox) -> None:
    index = requests.get(f"{sb.url}/_sandbox/", timeout=10).json()
    assert index["providers"]["feishu"]["api_url"] == sb.url + "/open-apis"
    assert index["providers"]["feishu"]["token_url"] == (
        sb.url + "/open-apis/auth/v3/tenant_access_token/internal"
    )
    assert index["settings"]["budgets"]["feishu"]["burst"] == [50, 1.0]
    only = requests.get(f"{sb.url}/_sandbox/config?providers=feishu", timeout=10).json()
    assert sorted(only) == ["feishu", "start_date"]
    described = requests.get(f"{sb.url}/_sandbox/series?provider=feishu", timeout=10).json()
    assert described["series"] == sb.series(provider="feishu")
