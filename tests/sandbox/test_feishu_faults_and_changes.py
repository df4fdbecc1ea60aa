"""Faults, budgets and changes reach the Feishu emulation with Feishu's own signals."""

from __future__ import annotations

import pytest
import requests

from tap_calinstances.sandbox import Sandbox
from tests.sandbox.feishu_helpers import (
    PRIMARY,
    TEAM,
    code,
    data,
    events_path,
    get,
    instances_path,
    listing,
    tenant_token,
)

CALENDARS = "/calendar/v4/calendars"


@pytest.mark.parametrize(
    ("reason", "status", "expected"),
    [
        ("", 0, (429, 99991400)),
        ("190004", 0, (429, 190004)),
        ("190005", 0, (429, 190005)),
        ("190010", 0, (429, 190010)),
        ("rateLimitExceeded", 403, (429, 99991400)),
    ],
    ids=["gateway", "method", "app", "operation", "google-variant"],
)
def test_rate_limit_fault_speaks_feishu(
    sb: Sandbox, reason: str, status: int, expected: tuple[int, int]
) -> None:
    token = tenant_token(sb)
    sb.set_faults(rate_limit_every=2, rate_limit_reason=reason, rate_limit_status=status)
    assert get(sb, CALENDARS, token).status_code == 200
    refused = get(sb, CALENDARS, token)
    assert code(refused) == expected
    gateway = expected[1] == 99991400
    assert (refused.headers.get("x-ogw-ratelimit-reset") == "1") is gateway
    assert get(sb, CALENDARS, token).status_code == 200


def test_server_error_is_500_with_190003_and_page_expiry_is_190008(sb: Sandbox) -> None:
    token = tenant_token(sb)
    sb.set_faults(server_error_every=1)
    assert code(get(sb, CALENDARS, token)) == (500, 190003)
    sb.set_faults(server_error_every=0, expire_page_tokens_every=1)
    sb.set_limits(page_size=2)
    first = data(get(sb, events_path(TEAM), token, page_size=50))
    assert first["has_more"] is True
    again = get(sb, events_path(TEAM), token, page_size=50, page_token=first["page_token"])
    assert code(again) == (400, 190008)


def test_errors_can_come_on_http_200(sb: Sandbox) -> None:
    token = tenant_token(sb)
    sb.set_faults(errors_on_http_200=True)
    assert code(get(sb, events_path("feishu.cn_nosuch@x"), token)) == (200, 191000)


def test_malformed_answers_are_cut_off_json_on_200(sb: Sandbox) -> None:
    sb.set_faults(malformed_every=1)
    answer = get(sb, CALENDARS, tenant_token(sb))
    assert answer.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        answer.json()


def test_a_dead_token_is_99991663_and_the_token_endpoint_then_issues_a_new_one(
    sb: Sandbox,
) -> None:
    token = tenant_token(sb)
    sb.set_faults(token_ttl_requests=1)
    assert get(sb, CALENDARS, token).status_code == 200
    assert code(get(sb, CALENDARS, token)) == (400, 99991663)
    fresh = tenant_token(sb)
    assert fresh != token
    assert get(sb, CALENDARS, fresh).status_code == 200


def test_forbidden_calendars_answer_191002(sb: Sandbox) -> None:
    sb.set_faults(forbidden_calendars=[PRIMARY])
    answer = get(sb, events_path(PRIMARY), tenant_token(sb))
    assert code(answer) == (403, 191002)
    assert sb.requests[-1].fault == "forbidden"


def test_budget_is_per_app_with_the_gateways_reset_header() -> None:
    with Sandbox(seed=7, enforce_budgets=True, budget_rate=(3, 30)) as sb:
        token = tenant_token(sb)
        answers = [get(sb, CALENDARS, token) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].json()["code"] == 99991400
        assert 25 <= int(answers[-1].headers["x-ogw-ratelimit-reset"]) <= 30
        app_id = sb.tap_config()["feishu"]["app_id"]
        counts = sb.stats()["principals"][app_id]
        assert (counts["requests"], counts["refused"], counts["peak_in_flight"]) == (4, 1, 1)


def test_feishu_declares_1000_a_minute_and_50_a_second(sb: Sandbox) -> None:
    assert sb.app.budgets()["feishu"] == {
        "requests": 1000,
        "window_s": 60.0,
        "concurrency": 50,
        "burst": [50, 1.0],
    }


def test_sync_token_listing_reports_changes_and_deletions_as_cancelled(sb: Sandbox) -> None:
    token = tenant_token(sb)
    first = data(get(sb, events_path(PRIMARY), token))
    sync = first["sync_token"]
    assert data(get(sb, events_path(PRIMARY), token, sync_token=sync))["items"] == []
    weekly = sb.series_id("Weekly sync", provider="feishu")
    release = sb.series_id("Release review", provider="feishu")
    sb.change("cancel_occurrence", calendar_id=PRIMARY, series_id=weekly,
              original_start="2026-03-09T02:00:00Z")  # fmt: skip
    sb.change("delete_series", calendar_id=PRIMARY, series_id=release)
    changed = data(get(sb, events_path(PRIMARY), token, sync_token=sync))["items"]
    uid = weekly.removesuffix("_0")
    assert [(i["event_id"], i["status"], i["is_exception"]) for i in changed] == [
        (f"{uid}_1773021600", "cancelled", True),
        (release, "cancelled", False),
    ]
    instances = listing(sb, instances_path(sb, "Weekly sync", PRIMARY), token,
                        start_time="1772928000", end_time="1773187200")  # fmt: skip
    assert instances == []
    sb.change("expire_sync_tokens")
    assert code(get(sb, events_path(PRIMARY), token, sync_token=sync)) == (400, 190008)


def test_added_series_get_feishu_ids(sb: Sandbox) -> None:
    added = sb.change("add_series", calendar_id=TEAM, summary="Retro",
                      rrule="FREQ=WEEKLY;BYDAY=TH", start="2026-01-08T15:00:00+08:00",
                      end="2026-01-08T16:00:00+08:00")  # fmt: skip
    assert added["series_id"].endswith("_0")
    items = listing(sb, events_path(TEAM), tenant_token(sb))
    assert items[-1]["recurrence"] == "FREQ=WEEKLY;BYDAY=TH"
    assert items[-1]["start_time"] == {"timestamp": "1767855600", "timezone": "Asia/Shanghai"}
    team = [s["summary"] for s in sb.series(provider="feishu") if s["calendar_id"] == TEAM]
    assert team[-1] == "Retro"


def test_generated_principals_bring_calendars_shared_with_the_app() -> None:
    with Sandbox(seed=7, principals=3, series_per_calendar=2) as sb:
        calendars = listing(sb, CALENDARS, tenant_token(sb), key="calendar_list")
        generated = [c["calendar_id"] for c in calendars[6:]]
        assert generated == [f"feishu.cn_user000{n}@group.calendar.feishu.cn" for n in (1, 2, 3)]
        series = [s for s in sb.series(provider="feishu") if s["calendar_id"] == generated[0]]
        assert [s["summary"] for s in series] == ["User 0001 series 000", "User 0001 series 001"]
        assert all(s["series_id"].endswith("_0") for s in series)


def test_error_codes_answer_the_requests_they_target_with_feishu_statuses(sb: Sandbox) -> None:
    token = tenant_token(sb)
    weekly = sb.series_id("Weekly sync", provider="feishu")
    sb.set_faults(error_codes=[[193003, weekly, 0], [191000, TEAM, 2], [190009, "", 1]])
    # The first request matching nothing else gets the catch-all code, once.
    assert code(get(sb, CALENDARS, token)) == (400, 190009)
    assert get(sb, CALENDARS, token).status_code == 200
    assert [code(get(sb, events_path(TEAM), token)) for _ in range(2)] == [(404, 191000)] * 2
    assert get(sb, events_path(TEAM), token).status_code == 200
    instances = instances_path(sb, "Weekly sync", PRIMARY)
    for _ in range(3):
        assert code(get(sb, instances, token, start_time="1767225600", end_time="1772323200")) == (
            403,
            193003,
        )
    assert sb.requests[-1].fault == "code 193003"
    sb.set_faults(error_codes=[[99991400, "", 1, 400]])
    gateway = get(sb, CALENDARS, token)
    assert (code(gateway), gateway.headers["x-ogw-ratelimit-reset"]) == ((400, 99991400), "1")
    sb.set_faults(error_codes=[[190008, "page_token=", 1]])
    sb.set_limits(page_size=2)
    try:
        first = data(get(sb, events_path(TEAM), token, page_size=50))
        again = get(sb, events_path(TEAM), token, page_size=50, page_token=first["page_token"])
        assert code(again) == (400, 190008)
    finally:
        sb.set_limits(page_size=0)
    # Setting the switches again starts the counts again.
    sb.set_faults(error_codes=[[190006, "", 1]], errors_on_http_200=True)
    assert code(get(sb, CALENDARS, token)) == (200, 190006)
    assert get(sb, CALENDARS, token).status_code == 200


def test_error_codes_must_be_feishu_codes(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match="Feishu has no code 12345"):
        sb.set_faults(error_codes=[[12345, "", 0]])
    with pytest.raises(ValueError, match=r"times >= 0\(, HTTP status\)"):
        sb.set_faults(error_codes=[[191000, "", -1]])
