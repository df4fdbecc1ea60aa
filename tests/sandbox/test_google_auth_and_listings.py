"""The sandbox's Google emulation over real sockets: token endpoint, auth, listings."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tap_calinstances.sandbox import Sandbox
from tests.sandbox.helpers import (
    ALEX,
    OPS,
    READONLY,
    ROBIN,
    assertion,
    events_path,
    get,
    google,
    instances_path,
    items,
    jwt_grant,
    reason,
    user_token,
)

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
