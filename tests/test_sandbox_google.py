"""The sandbox's Google Calendar v3 emulation, over real sockets: auth, listings, faults."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tap_calinstances.sandbox import ChangeError, Faults, Sandbox
from tap_calinstances.sandbox.cli import main as cli_main
from tap_calinstances.sandbox.dataset import build_dataset

ALEX, ROBIN = "alex@sandbox.example", "robin@sandbox.example"
OPS = "ops#oncall@group.calendar.sandbox.example"
READONLY = "https://www.googleapis.com/auth/calendar.readonly"


# -- builders ---------------------------------------------------------------------------


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sandbox:
        yield sandbox


def google(sb: Sandbox, auth: str = "refresh_token") -> dict[str, Any]:
    block: dict[str, Any] = sb.tap_config(google_auth=auth)["google"]
    return block


def user_token(sb: Sandbox) -> str:
    g = google(sb)
    answer = requests.post(
        g["token_url"],
        data={
            "grant_type": "refresh_token",
            "client_id": g["client_id"],
            "client_secret": g["client_secret"],
            "refresh_token": g["refresh_token"],
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def assertion(sb: Sandbox, *, sub: str | None = None, key: str | None = None, **claims: Any) -> str:
    info = google(sb, "service_account")["service_account_info"]
    now = int(time.time())
    payload = {
        "iss": info["client_email"],
        "scope": READONLY,
        "aud": info["token_uri"],
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    if sub is not None:
        payload["sub"] = sub
    return jwt.encode(payload, key or info["private_key"], algorithm="RS256")


def jwt_grant(sb: Sandbox, signed: str) -> requests.Response:
    return requests.post(
        google(sb)["token_url"],
        timeout=10,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": signed},
    )


def get(sb: Sandbox, path: str, token: str | None, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(google(sb)["api_url"] + path, headers=headers, params=params, timeout=10)


def items(sb: Sandbox, path: str, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a listing, following nextPageToken to the end."""
    found: list[dict[str, Any]] = []
    page_token = None
    while True:
        answer = get(sb, path, token, **params, **({"pageToken": page_token} if page_token else {}))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found += body["items"]
        page_token = body.get("nextPageToken")
        if not page_token:
            return found


def events_path(calendar_id: str) -> str:
    return f"/calendars/{quote(calendar_id, safe='')}/events"


def instances_path(sb: Sandbox, summary: str, calendar_id: str = ALEX) -> str:
    return f"{events_path(calendar_id)}/{sb.series_id(summary)}/instances"


def reason(answer: requests.Response) -> str:
    detail: str = answer.json()["error"]["errors"][0]["reason"]
    return detail


# -- token endpoint -----------------------------------------------------------------------


def test_refresh_token_grant_issues_a_bearer_token(sb: Sandbox) -> None:
    g = google(sb)
    answer = requests.post(
        g["token_url"],
        timeout=10,
        data={
            "grant_type": "refresh_token",
            "client_id": g["client_id"],
            "client_secret": g["client_secret"],
            "refresh_token": g["refresh_token"],
        },
    )
    body = answer.json()
    assert answer.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3599
    assert body["scope"] == READONLY
    assert sb.token_requests[-1].principal == ALEX


@pytest.mark.parametrize(
    ("field", "status", "error"),
    [
        ("refresh_token", 400, "invalid_grant"),
        ("client_secret", 401, "invalid_client"),
        ("client_id", 401, "invalid_client"),
    ],
)
def test_refresh_token_grant_refuses_wrong_values(
    sb: Sandbox, field: str, status: int, error: str
) -> None:
    g = google(sb)
    form = {
        "grant_type": "refresh_token",
        "client_id": g["client_id"],
        "client_secret": g["client_secret"],
        "refresh_token": g["refresh_token"],
        field: "wrong",
    }
    answer = requests.post(g["token_url"], data=form, timeout=10)
    assert (answer.status_code, answer.json()["error"]) == (status, error)


def test_jwt_grant_with_subject_acts_as_that_user(sb: Sandbox) -> None:
    answer = jwt_grant(sb, assertion(sb, sub=ROBIN))
    assert answer.status_code == 200, answer.text
    listed = items(sb, "/users/me/calendarList", answer.json()["access_token"])
    assert [(c["id"], c["accessRole"]) for c in listed] == [(OPS, "reader"), (ROBIN, "owner")]


def test_jwt_grant_without_subject_is_the_service_account_with_no_calendars(sb: Sandbox) -> None:
    answer = jwt_grant(sb, assertion(sb))
    assert answer.status_code == 200, answer.text
    assert items(sb, "/users/me/calendarList", answer.json()["access_token"]) == []
    assert str(sb.token_requests[-1].principal).endswith(".iam.gserviceaccount.com")


def test_jwt_grant_refuses_a_signature_from_another_key(sb: Sandbox) -> None:
    other = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    answer = jwt_grant(sb, assertion(sb, sub=ROBIN, key=other))
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "https://example.com/token"},
        {"scope": "openid email"},
        {"sub": "nobody@sandbox.example"},
        {"exp": int(time.time()) + 7200},
    ],
    ids=["wrong-audience", "no-calendar-scope", "unknown-subject", "too-long-lived"],
)
def test_jwt_grant_refuses_bad_claims(sb: Sandbox, claims: dict[str, Any]) -> None:
    answer = jwt_grant(sb, assertion(sb, sub=claims.pop("sub", ROBIN), **claims))
    assert answer.status_code in (400, 401)
    assert answer.json()["error"] in ("invalid_grant", "invalid_scope", "unauthorized_client")


# -- auth and calendars -------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "ya29.not-issued-here"], ids=["missing", "unknown"])
def test_api_without_a_valid_token_is_401_auth_error(sb: Sandbox, token: str | None) -> None:
    answer = get(sb, "/users/me/calendarList", token)
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert reason(answer) == "authError"
    assert answer.json()["error"]["status"] == "UNAUTHENTICATED"
    assert sb.requests[-1].authorization is (token is not None)


def test_calendar_list_of_alex(sb: Sandbox) -> None:
    listed = items(sb, "/users/me/calendarList", user_token(sb), maxResults=1)
    assert [c["id"] for c in listed] == [ALEX, OPS]
    primary, ops = listed
    assert primary["primary"] is True
    assert "dataOwner" not in primary
    assert primary["timeZone"] == "America/New_York"
    assert (ops["summary"], ops["description"], ops["timeZone"]) == (
        "Ops on-call",
        "Who holds the pager",
        "Europe/London",
    )
    assert ops["dataOwner"] == ALEX
    assert "primary" not in ops
    assert all(c["kind"] == "calendar#calendarListEntry" for c in listed)


def test_percent_encoded_calendar_id_reaches_the_calendar(sb: Sandbox) -> None:
    answer = get(sb, events_path(OPS), user_token(sb))
    assert answer.status_code == 200
    assert answer.json()["summary"] == "Ops on-call"
    record = sb.requests[-1]
    assert record.raw_path.endswith(
        "/calendars/ops%23oncall%40group.calendar.sandbox.example/events"
    )
    assert record.path.endswith(f"/calendars/{OPS}/events")


def test_calendar_of_another_user_is_not_found(sb: Sandbox) -> None:
    answer = get(sb, events_path(ROBIN), user_token(sb))
    assert (answer.status_code, reason(answer)) == (404, "notFound")


# -- paging and parameters ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["events", "instances"])
def test_first_page_is_empty_but_has_a_next_page_token(sb: Sandbox, path: str) -> None:
    url = events_path(ALEX) if path == "events" else instances_path(sb, "Weekly sync")
    body = get(sb, url, user_token(sb)).json()
    assert body["items"] == []
    assert body["nextPageToken"]
    assert "nextSyncToken" not in body


def test_page_token_of_another_query_is_refused(sb: Sandbox) -> None:
    token = user_token(sb)
    page_token = get(sb, instances_path(sb, "Weekly sync"), token).json()["nextPageToken"]
    answer = get(sb, instances_path(sb, "Monthly review"), token, pageToken=page_token)
    assert answer.status_code == 400


def test_time_min_without_offset_is_bad_request(sb: Sandbox) -> None:
    answer = get(
        sb, instances_path(sb, "Weekly sync"), user_token(sb), timeMin="2026-01-01T00:00:00"
    )
    assert (answer.status_code, reason(answer)) == (400, "badRequest")


@pytest.mark.parametrize(
    ("time_min", "time_max", "expected"),
    [
        ("2026-01-05T15:00:00Z", "2026-01-06T00:00:00Z", ["20260105T140000Z"]),
        ("2026-01-05T15:00:01Z", "2026-01-12T14:00:00Z", []),
        ("2026-01-05T15:00:01Z", "2026-01-12T14:00:01Z", ["20260112T140000Z"]),
        ("2026-01-05T10:00:00-05:00", "2026-01-05T10:00:00-05:00", ["20260105T140000Z"]),
    ],
    ids=["end-at-timeMin-included", "start-at-timeMax-excluded", "start-before-timeMax", "offsets"],
)
def test_instances_window_bounds_end_inclusively_and_start_exclusively(
    sb: Sandbox, time_min: str, time_max: str, expected: list[str]
) -> None:
    found = items(
        sb, instances_path(sb, "Weekly sync"), user_token(sb), timeMin=time_min, timeMax=time_max
    )
    assert [i["id"].rpartition("_")[2] for i in found] == expected


@pytest.mark.parametrize(
    ("day", "utc_start"),
    [
        ("2026-03-02", "20260302T140000Z"),
        ("2026-03-09", "20260309T130000Z"),
        ("2026-10-26", "20261026T130000Z"),
        ("2026-11-02", "20261102T140000Z"),
    ],
    ids=["before-spring-DST", "after-spring-DST", "before-autumn-DST", "after-autumn-DST"],
)
def test_weekly_sync_keeps_nine_oclock_new_york_across_dst(
    sb: Sandbox, day: str, utc_start: str
) -> None:
    found = items(
        sb,
        instances_path(sb, "Weekly sync"),
        user_token(sb),
        timeMin=f"{day}T00:00:00Z",
        timeMax=f"{day}T23:59:59Z",
    )
    assert [i["id"].rpartition("_")[2] for i in found] == [utc_start]
    assert found[0]["start"]["dateTime"].startswith(f"{day}T09:00:00-0")


def test_time_zone_parameter_sets_the_offsets_but_not_the_event_zone(sb: Sandbox) -> None:
    found = items(
        sb,
        instances_path(sb, "Weekly sync"),
        user_token(sb),
        timeZone="UTC",
        timeMin="2026-01-05T00:00:00Z",
        timeMax="2026-01-06T00:00:00Z",
    )
    assert found[0]["start"] == {"dateTime": "2026-01-05T14:00:00Z", "timeZone": "America/New_York"}


def test_primary_is_the_principals_own_calendar(sb: Sandbox) -> None:
    answer = get(sb, "/calendars/primary/events", user_token(sb))
    assert answer.json()["summary"] == "Alex Rivera"


# -- exceptions -----------------------------------------------------------------------------


def standup(sb: Sandbox, **params: Any) -> dict[str, dict[str, Any]]:
    found = items(
        sb,
        instances_path(sb, "Daily standup", OPS),
        user_token(sb),
        timeMin="2026-02-09T00:00:00Z",
        timeMax="2026-02-21T00:00:00Z",
        **params,
    )
    return {i["originalStartTime"]["dateTime"][:10]: i for i in found}


def test_cancelled_occurrence_only_with_show_deleted(sb: Sandbox) -> None:
    assert "2026-02-12" not in standup(sb)
    cancelled = standup(sb, showDeleted="true")["2026-02-12"]
    assert cancelled["status"] == "cancelled"
    assert set(cancelled) == {
        "kind",
        "etag",
        "id",
        "status",
        "recurringEventId",
        "originalStartTime",
    }


def test_moved_and_edited_occurrences_carry_their_own_values(sb: Sandbox) -> None:
    by_day = standup(sb)
    assert by_day["2026-02-10"]["start"]["dateTime"] == "2026-02-10T11:00:00Z"
    assert by_day["2026-02-10"]["originalStartTime"]["dateTime"] == "2026-02-10T09:30:00Z"
    assert by_day["2026-02-17"]["summary"] == "Daily standup (demo day)"
    assert by_day["2026-02-16"]["summary"] == "Daily standup"
    assert len(by_day) == 9  # ten weekdays, one cancelled


def test_listing_without_single_events_holds_masters_and_exceptions(sb: Sandbox) -> None:
    listed = items(sb, events_path(OPS), user_token(sb))
    master_id = sb.series_id("Daily standup")
    master, *exceptions = listed
    assert master["recurrence"] == ["RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"]
    assert [(e["id"], e["status"]) for e in exceptions] == [
        (f"{master_id}_20260210T093000Z", "confirmed"),
        (f"{master_id}_20260212T093000Z", "cancelled"),
        (f"{master_id}_20260217T093000Z", "confirmed"),
    ]
    assert all(e["recurringEventId"] == master_id for e in exceptions)


def test_all_day_series_renders_dates_with_exclusive_end(sb: Sandbox) -> None:
    jwt_token = jwt_grant(sb, assertion(sb, sub=ROBIN)).json()["access_token"]
    found = items(
        sb,
        instances_path(sb, "Focus day", ROBIN),
        jwt_token,
        timeMin="2026-01-01T00:00:00Z",
        timeMax="2026-01-20T00:00:00Z",
    )
    assert [(i["id"].rpartition("_")[2], i["start"], i["end"]) for i in found] == [
        ("20260109", {"date": "2026-01-09"}, {"date": "2026-01-10"}),
        ("20260116", {"date": "2026-01-16"}, {"date": "2026-01-17"}),
    ]
    assert found[0]["transparency"] == "transparent"


# -- changes and sync tokens ----------------------------------------------------------------


def sync_token_of(sb: Sandbox, token: str, calendar_id: str = ALEX) -> str:
    page = get(sb, events_path(calendar_id), token).json()
    while "nextPageToken" in page:
        page = get(sb, events_path(calendar_id), token, pageToken=page["nextPageToken"]).json()
    sync: str = page["nextSyncToken"]
    return sync


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


# -- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "status", "expected_reason", "fault"),
    [
        ({"rate_limit_every": 2}, 429, "rateLimitExceeded", "rate_limit"),
        (
            {
                "rate_limit_every": 2,
                "rate_limit_status": 403,
                "rate_limit_reason": "userRateLimitExceeded",
            },
            403,
            "userRateLimitExceeded",
            "rate_limit",
        ),
        ({"server_error_every": 2}, 503, "backendError", "server_error"),
    ],
    ids=["429", "403-user-rate", "503"],
)
def test_every_nth_request_gets_the_fault_and_the_retry_passes(
    sb: Sandbox, faults: dict[str, Any], status: int, expected_reason: str, fault: str
) -> None:
    token = user_token(sb)
    assert get(sb, events_path(ALEX), token).ok  # numbering restarts when faults are set
    sb.clear_requests()
    sb.set_faults(**faults)
    answers = [get(sb, events_path(ALEX), token) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, status, 200]
    assert reason(answers[1]) == expected_reason
    assert [r.fault for r in sb.requests] == [None, fault, None]


def test_forbidden_calendar_answers_403_on_its_events_only(sb: Sandbox) -> None:
    token = user_token(sb)
    sb.set_faults(forbidden_calendars=[OPS])
    answer = get(sb, events_path(OPS), token)
    assert (answer.status_code, reason(answer)) == (403, "forbidden")
    assert get(sb, instances_path(sb, "Daily standup", OPS), token).status_code == 403
    assert get(sb, events_path(ALEX), token).status_code == 200
    assert [r.fault for r in sb.requests] == ["forbidden", "forbidden", None]


def test_drop_resets_the_connection_without_an_answer(sb: Sandbox) -> None:
    token = user_token(sb)
    sb.set_faults(drop_every=2)
    assert get(sb, events_path(ALEX), token).ok
    with pytest.raises(requests.ConnectionError):
        get(sb, events_path(ALEX), token)
    assert get(sb, events_path(ALEX), token).ok
    assert [(r.status, r.fault) for r in sb.requests] == [(200, None), (0, "drop"), (200, None)]


def test_malformed_answer_is_200_with_a_body_that_is_not_json(sb: Sandbox) -> None:
    token = user_token(sb)
    sb.set_faults(malformed_every=1)
    answer = get(sb, events_path(ALEX), token)
    assert answer.status_code == 200
    with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
        answer.json()


def test_token_dies_after_ttl_requests_and_a_new_one_works(sb: Sandbox) -> None:
    sb.set_faults(token_ttl_requests=2)
    token = user_token(sb)
    statuses = [get(sb, events_path(ALEX), token).status_code for _ in range(3)]
    assert statuses == [200, 200, 401]
    assert sb.requests[-1].fault == "token_expired"
    assert get(sb, events_path(ALEX), user_token(sb)).status_code == 200


def test_latency_and_token_requests_are_not_counted(sb: Sandbox) -> None:
    sb.set_faults(latency_ms=150, server_error_every=2)
    token = user_token(sb)  # a token request: not number 1
    user_token(sb)
    started = time.monotonic()
    assert get(sb, events_path(ALEX), token).status_code == 200
    assert time.monotonic() - started >= 0.15
    assert get(sb, events_path(ALEX), token).status_code == 503


def test_unknown_fault_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        Faults().replace(rate_limit_evry=3)


# -- control API, dataset, CLI ------------------------------------------------------------------


def test_control_endpoints_set_faults_apply_changes_and_list_requests(sb: Sandbox) -> None:
    base = f"{sb.url}/_sandbox"
    assert (
        requests.put(f"{base}/faults", json={"server_error_every": 3}, timeout=10).json()[
            "server_error_every"
        ]
        == 3
    )
    assert sb.faults.server_error_every == 3
    config = requests.get(
        f"{base}/config", params={"google_auth": "service_account"}, timeout=10
    ).json()
    assert config["google"]["subjects"] == [ALEX, ROBIN]
    weekly = sb.series_id("Weekly sync")
    change = requests.post(
        f"{base}/changes",
        timeout=10,
        json={"op": "edit_series", "calendar_id": ALEX, "series_id": weekly, "summary": "Sync"},
    )
    assert change.status_code == 200
    assert sb.series_id("Sync") == weekly
    bad = requests.post(f"{base}/changes", json={"op": "explode"}, timeout=10)
    assert bad.status_code == 400
    get(sb, "/users/me/calendarList", None)
    assert requests.get(f"{base}/requests", timeout=10).json()["requests"][-1]["status"] == 401
    assert (
        requests.get(sb.url, timeout=10)
        .json()["providers"]["google"]["api_url"]
        .endswith("/google/calendar/v3")
    )


def test_secret_values_cover_every_credential(sb: Sandbox) -> None:
    g, sa = google(sb), google(sb, "service_account")["service_account_info"]
    secrets = set(sb.secret_values())
    assert {g["client_secret"], g["refresh_token"], sa["private_key"]} <= secrets
    assert user_token(sb) in sb.secret_values()


def test_dataset_is_deterministic_per_seed_and_scale() -> None:
    assert build_dataset(3, 40) == build_dataset(3, 40)
    assert build_dataset(3, 40).series != build_dataset(4, 40).series
    assert len(build_dataset(3, 40).series) == 6 + 40


def test_scale_adds_a_load_calendar_for_alex() -> None:
    with Sandbox(seed=5, scale=25) as sandbox:
        listed = items(sandbox, "/users/me/calendarList", user_token(sandbox))
        load = "load-5@group.calendar.sandbox.example"
        assert listed[-1]["id"] == load
        assert listed[-1]["timeZone"] == "America/Chicago"
        masters = [
            e for e in items(sandbox, events_path(load), user_token(sandbox)) if "recurrence" in e
        ]
        assert len(masters) == 25


def test_sandbox_starts_quickly() -> None:
    started = time.monotonic()
    with Sandbox(seed=1):
        pass
    assert time.monotonic() - started < 1.0


def test_cli_refuses_a_non_loopback_host() -> None:
    assert cli_main(["--host", "10.1.2.3"]) == 2


def test_cli_prints_a_config_and_stops_on_sigterm(tmp_path: Any) -> None:
    out = tmp_path / "config.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tap_calinstances.sandbox.cli",
            "--quiet",
            "--config-out",
            str(out),
            "--end-date",
            "2026-06-01T00:00:00Z",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        text = ""
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while datetime.now(UTC) < deadline:
            text += process.stdout.readline()
            try:
                config = json.loads(text)
                break
            except ValueError:
                continue
        assert config["end_date"] == "2026-06-01T00:00:00Z"
        assert json.loads(out.read_text()) == config
        assert (
            requests.get(
                config["google"]["api_url"] + "/users/me/calendarList", timeout=10
            ).status_code
            == 401
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        assert "serving Google Calendar v3 on http://127.0.0.1:" in process.stderr.read()
    finally:
        process.kill()
        process.wait()
