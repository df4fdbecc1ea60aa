"""The sandbox's network faults: stalls, redirects, faults at the token endpoints (in each
provider's wire shape), and windows reaching the end of the calendar."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.sandbox.microsoft.dataset import MEGAN_CALENDAR
from tests.sandbox import feishu_helpers as feishu
from tests.sandbox import graph
from tests.sandbox import helpers as google

TOKEN_REQUESTS: dict[str, Callable[[Sandbox], requests.Response]] = {
    "google": lambda sb: requests.post(
        google.google(sb)["token_url"],
        data={
            "grant_type": "refresh_token",
            "client_id": google.google(sb)["client_id"],
            "client_secret": google.google(sb)["client_secret"],
            "refresh_token": google.google(sb)["refresh_token"],
        },
        timeout=10,
        allow_redirects=False,
    ),
    "microsoft": lambda sb: graph.token_answer(sb),
    "feishu": lambda sb: feishu.token_answer(sb),
}


@pytest.mark.parametrize(
    ("provider", "fault", "status", "body_says"),
    [
        ("google", "rate_limit", 429, '"error": "rate_limit_exceeded"'),
        ("google", "server_error", 503, '"error": "internal_failure"'),
        ("microsoft", "rate_limit", 429, "AADSTS90055"),
        ("microsoft", "server_error", 503, "AADSTS90033"),
        ("feishu", "rate_limit", 429, '"code": 99991400'),
        ("feishu", "server_error", 500, '"code": 1500'),
    ],
)
def test_token_endpoints_answer_faults_in_their_own_shape_first_request_first(
    sb: Sandbox, provider: str, fault: str, status: int, body_says: str
) -> None:
    sb.set_faults(token_fault=fault, token_fault_every=2)
    first, second, third = (TOKEN_REQUESTS[provider](sb) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (status, 200, status)
    assert body_says in first.text
    assert [r.fault for r in sb.token_requests] == [fault, None, fault]


def test_throttled_token_answers_say_when_to_come_back(sb: Sandbox) -> None:
    sb.set_faults(token_fault="rate_limit", token_fault_every=1)
    assert TOKEN_REQUESTS["microsoft"](sb).headers["Retry-After"] == "1"
    assert TOKEN_REQUESTS["feishu"](sb).headers["x-ogw-ratelimit-reset"] == "1"


@pytest.mark.parametrize("provider", ["google", "microsoft", "feishu"])
def test_a_malformed_token_answer_is_200_cut_mid_way(sb: Sandbox, provider: str) -> None:
    sb.set_faults(token_fault="malformed", token_fault_every=1)
    answer = TOKEN_REQUESTS[provider](sb)
    assert answer.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        answer.json()


def test_a_token_request_can_be_redirected_to_a_host_that_never_resolves(sb: Sandbox) -> None:
    sb.set_faults(token_fault="redirect", token_fault_every=1)
    answer = TOKEN_REQUESTS["google"](sb)
    assert answer.status_code == 307
    assert answer.headers["Location"] == "https://redirected.sandbox.invalid/google/token"


def test_api_redirects_keep_path_and_query_on_the_other_host(sb: Sandbox) -> None:
    token = google.user_token(sb)
    sb.set_faults(redirect_every=2)
    path = google.events_path(google.ALEX)
    kept, moved = (
        requests.get(
            google.google(sb)["api_url"] + path,
            headers={"Authorization": f"Bearer {token}"},
            params={"maxResults": 5},
            timeout=10,
            allow_redirects=False,
        )
        for _ in range(2)
    )
    assert (kept.status_code, moved.status_code) == (200, 307)
    assert moved.headers["Location"] == (
        "https://redirected.sandbox.invalid/google/calendar/v3/calendars/"
        "alex%40sandbox.example/events?maxResults=5"
    )
    assert [r.fault for r in sb.requests] == [None, "redirect"]


def test_a_stalled_request_gets_no_answer_within_a_clients_timeout(sb: Sandbox) -> None:
    token = google.user_token(sb)
    sb.set_faults(stall_every=1, stall_ms=1500)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            google.google(sb)["api_url"] + google.events_path(google.ALEX),
            headers={"Authorization": f"Bearer {token}"},
            timeout=(1, 0.3),
        )
    assert [(r.status, r.fault) for r in sb.requests] == [(0, "stall")]


def test_a_stalled_token_request_is_reset_after_the_stall(sb: Sandbox) -> None:
    sb.set_faults(token_fault="stall", token_fault_every=1, stall_ms=100)
    with pytest.raises(requests.exceptions.ConnectionError):
        TOKEN_REQUESTS["feishu"](sb)
    assert [(r.status, r.fault) for r in sb.token_requests] == [(0, "stall")]


def test_unknown_token_faults_are_refused(sb: Sandbox) -> None:
    with pytest.raises(ValueError, match="token_fault must be one of"):
        sb.set_faults(token_fault="teapot")


def test_windows_ending_on_9999_12_31_are_answered(sb: Sandbox) -> None:
    # Padding the window by a day used to overflow past year 9999: a 500 on every provider.
    review = google.items(
        sb,
        google.instances_path(sb, "Monthly review"),
        google.user_token(sb),
        timeMin="9999-10-01T00:00:00Z",
        timeMax="9999-12-31T00:00:00Z",
    )
    assert [i["originalStartTime"]["dateTime"] for i in review] == [
        "9999-10-12T15:00:00-04:00",
        "9999-11-09T15:00:00-05:00",
        "9999-12-14T15:00:00-05:00",
    ]
    founders = graph.get(
        sb,
        graph.instances_path(sb, graph.MEGAN, MEGAN_CALENDAR, "Founders day"),
        graph.app_token(sb),
        prefer='outlook.timezone="UTC"',
        startDateTime="9999-04-01T00:00:00Z",
        endDateTime="9999-12-31T23:59:59Z",
    )
    assert [i["start"]["dateTime"] for i in founders.json()["value"]] == [
        "9999-05-04T00:00:00.0000000"
    ]
    release = feishu.listing(
        sb,
        feishu.instances_path(sb, "Release review", feishu.PRIMARY),
        feishu.tenant_token(sb),
        start_time="253400659200",  # 9999-12-13T00:00:00Z
        end_time="253402300799",  # 9999-12-31T23:59:59Z
    )
    # 9999-12-15 16:00 New York is 21:00Z.
    assert [i["event_id"].rsplit("_", 1)[1] for i in release] == ["253400907600"]
