"""Fault switches, budgets and changes between runs, as the Graph emulation renders them."""

from __future__ import annotations

import threading

import pytest
import requests

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.sandbox.microsoft.dataset import MEGAN_CALENDAR, MEGAN_TEAM
from tests.sandbox.graph import MEGAN, app_token, calendar_path, code, get, instances_path, values

WINDOW = {"startDateTime": "2026-03-01T00:00:00Z", "endDateTime": "2026-04-01T00:00:00Z"}


def test_injected_faults_speak_graph(sb: Sandbox) -> None:
    token = app_token(sb)
    sb.set_faults(rate_limit_every=2)
    assert get(sb, "/users", token).status_code == 200
    limited = get(sb, "/users", token)
    assert (limited.status_code, code(limited)) == (429, "ApplicationThrottled")
    assert limited.headers["Retry-After"] == "0.128"
    sb.set_faults(rate_limit_every=1, rate_limit_reason="GatewayTimeout")
    assert get(sb, "/users", token).status_code == 504
    sb.set_faults(rate_limit_every=0, server_error_every=1)
    unavailable = get(sb, "/users", token)
    assert (unavailable.status_code, code(unavailable)) == (503, "ServiceUnavailable")
    assert float(unavailable.headers["Retry-After"]) > 0
    sb.set_faults(server_error_every=0, malformed_every=1)
    broken = get(sb, "/users", token)
    assert broken.status_code == 200
    assert broken.text.startswith('{"@odata.context"') and not broken.text.endswith("}")


def test_stale_cursors_answer_410(sb: Sandbox) -> None:
    token = app_token(sb)
    link = get(sb, "/users", token, **{"$top": 1}).json()["@odata.nextLink"]
    sb.set_faults(expire_page_tokens_every=1)
    stale = get(sb, link, token)
    assert (stale.status_code, code(stale)) == (410, "SyncStateNotFound")
    assert get(sb, "/users", token).status_code == 200  # a first page has no cursor


def test_forbidden_calendars_and_dying_tokens(sb: Sandbox) -> None:
    token = app_token(sb)
    sb.set_faults(forbidden_calendars=[MEGAN_CALENDAR])
    denied = get(sb, calendar_path(sb, MEGAN, MEGAN_CALENDAR) + "/events", token)
    assert (denied.status_code, code(denied)) == (403, "ErrorAccessDenied")
    assert sb.requests[-1].fault == "forbidden" and sb.requests[-1].principal == MEGAN
    sb.set_faults(forbidden_calendars=[], token_ttl_requests=1)
    token = app_token(sb)
    assert get(sb, "/users", token).status_code == 200
    expired = get(sb, "/users", token)
    assert (expired.status_code, code(expired)) == (401, "InvalidAuthenticationToken")
    sb.set_faults(token_ttl_requests=0, reject_tokens=True)
    assert get(sb, "/users", app_token(sb)).status_code == 401


def test_a_vanished_calendar_is_listed_but_its_items_are_not_found(sb: Sandbox) -> None:
    token = app_token(sb)
    sb.set_faults(vanished_calendars=[MEGAN_TEAM])
    listed = [c["name"] for c in values(sb, f"/users/{MEGAN}/calendars", token)]
    assert listed == ["Calendar", "Team planning", "Birthdays"]
    team = calendar_path(sb, MEGAN, MEGAN_TEAM)
    for path in (team, team + "/events", instances_path(sb, MEGAN, MEGAN_TEAM, "Design review")):
        gone = get(sb, path, token, **WINDOW)
        assert (gone.status_code, code(gone)) == (404, "ErrorItemNotFound")
    assert get(sb, calendar_path(sb, MEGAN, MEGAN_CALENDAR) + "/events", token).ok
    assert [r.fault for r in sb.requests] == [None, "vanished", "vanished", "vanished", None]


def test_an_app_without_user_read_all_is_refused_the_directory(sb: Sandbox) -> None:
    token = app_token(sb)
    sb.set_faults(missing_permissions=["User.Read.All"])
    for path in ("/users", f"/users/{MEGAN}"):
        denied = get(sb, path, token)
        assert (denied.status_code, code(denied)) == (403, "Authorization_RequestDenied")
        assert denied.json()["error"]["message"] == (
            "Insufficient privileges to complete the operation."
        )
    # Calendars need Calendars.Read, not User.Read.All.
    assert get(sb, f"/users/{MEGAN}/calendars", token).ok
    assert [r.fault for r in sb.requests] == ["permission", "permission", None]
    with pytest.raises(ValueError, match=r"Calendars\.ReadWrite"):
        sb.set_faults(missing_permissions=["Calendars.ReadWrite"])


def test_next_links_can_name_another_origin(sb: Sandbox) -> None:
    token = app_token(sb)
    sb.set_faults(next_link_origin="https://graph.microsoft.com")
    page = get(sb, "/users", token, **{"$top": 1}).json()
    assert page["@odata.nextLink"].startswith("https://graph.microsoft.com/microsoft/v1.0/users?")
    with pytest.raises(ValueError, match="next_link_origin"):
        sb.set_faults(next_link_origin="graph.microsoft.com")


def test_four_requests_in_flight_per_mailbox() -> None:
    with Sandbox(seed=7, enforce_budgets=True) as sb:
        token = app_token(sb)
        sb.set_faults(latency_ms=300)
        statuses: list[int] = []
        lock = threading.Lock()

        def call() -> None:
            answer = get(sb, f"/users/{MEGAN}/calendars", token)
            with lock:
                statuses.append(answer.status_code)
                if answer.status_code == 429:
                    assert code(answer) == "ApplicationThrottled"
                    assert answer.headers["Retry-After"] == "0.128"

        threads = [threading.Thread(target=call) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [200, 200, 200, 200, 429, 429]
        counts = sb.stats()["principals"][MEGAN]
        assert (counts["peak_in_flight"], counts["refused"]) == (6, 2)
        assert requests.get(f"{sb.url}/_sandbox/", timeout=10).json()["settings"]["budgets"][
            "microsoft"
        ] == {"requests": 10_000, "window_s": 600.0, "concurrency": 4}


def test_rate_budget_per_mailbox() -> None:
    with Sandbox(seed=7, enforce_budgets=True, budget_rate=(2, 60)) as sb:
        token = app_token(sb)
        assert [get(sb, f"/users/{MEGAN}/calendars", token).status_code for _ in range(3)] == [
            200, 200, 429,
        ]  # fmt: skip
        # Another mailbox has its own budget.
        assert get(sb, "/users/adele.vance@contoso.sandbox.example/calendars", token).ok


def test_a_cancelled_occurrence_disappears_and_the_master_changes(sb: Sandbox) -> None:
    token = app_token(sb)
    path = instances_path(sb, MEGAN, MEGAN_CALENDAR, "Weekly planning")
    events = calendar_path(sb, MEGAN, MEGAN_CALENDAR) + "/events"
    before = values(sb, events, token)[0]
    sb.change(
        "cancel_occurrence",
        calendar_id=MEGAN_CALENDAR,
        series_id=sb.series_id("Weekly planning"),
        original_start="2026-03-24T16:00:00Z",
    )
    after = values(sb, events, token)[0]
    assert after["changeKey"] != before["changeKey"]
    assert after["lastModifiedDateTime"] > before["lastModifiedDateTime"]
    starts = [i["start"]["dateTime"][:10] for i in values(sb, path, token, **WINDOW)]
    assert starts == ["2026-03-03", "2026-03-10", "2026-03-31"]


def test_moves_rule_edits_shortening_and_deletion(sb: Sandbox) -> None:
    token = app_token(sb)
    series_id = sb.series_id("Weekly planning")
    where = {"calendar_id": MEGAN_CALENDAR, "series_id": series_id}
    path = instances_path(sb, MEGAN, MEGAN_CALENDAR, "Weekly planning")
    sb.change("move_occurrence", **where, original_start="2026-03-03T17:00:00Z",
              start="2026-03-04T17:00:00Z", end="2026-03-04T18:00:00Z")  # fmt: skip
    first = values(sb, path, token, **WINDOW)[0]
    assert (first["type"], first["start"]["dateTime"]) == (
        "exception",
        "2026-03-04T17:00:00.0000000",
    )
    sb.change("edit_series", **where, rrule="RRULE:FREQ=WEEKLY;BYDAY=TU,TH")
    master = values(sb, calendar_path(sb, MEGAN, MEGAN_CALENDAR) + "/events", token)[0]
    assert master["recurrence"]["pattern"]["daysOfWeek"] == ["tuesday", "thursday"]
    sb.change("shorten_series", **where, until="2026-03-20T00:00:00Z")
    master = values(sb, calendar_path(sb, MEGAN, MEGAN_CALENDAR) + "/events", token)[0]
    assert master["recurrence"]["range"]["type"] == "endDate"
    assert master["recurrence"]["range"]["endDate"] == "2026-03-19"
    sb.change("delete_series", **where)
    gone = get(sb, path, token, **WINDOW)
    assert (gone.status_code, code(gone)) == (404, "ErrorItemNotFound")


def test_added_series_and_generated_users_speak_windows_zones() -> None:
    with Sandbox(seed=7, principals=2, series_per_calendar=1) as sb:
        token = app_token(sb)
        sb.change(
            "add_series",
            calendar_id=MEGAN_CALENDAR,
            summary="Added",
            timezone="Asia/Kolkata",
            rrule="RRULE:FREQ=DAILY",
            start="2026-03-02T09:00:00+05:30",
            end="2026-03-02T09:30:00+05:30",
        )
        added = values(sb, calendar_path(sb, MEGAN, MEGAN_CALENDAR) + "/events", token)[-1]
        assert (added["subject"], added["originalStartTimeZone"]) == (
            "Added",
            "India Standard Time",
        )
        users = [u["userPrincipalName"] for u in values(sb, "/users", token)]
        assert users[-2:] == ["user0001@sandbox.example", "user0002@sandbox.example"]
        generated = values(sb, "/users/user0001@sandbox.example/events", token)
        assert generated[0]["originalStartTimeZone"] == "India Standard Time"  # Asia/Kolkata
        assert generated[0]["recurrence"]["pattern"]["daysOfWeek"] == ["thursday"]
