"""Fault switches, the control API, the dataset and the command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from tap_calinstances.sandbox import Faults, Sandbox
from tap_calinstances.sandbox.cli import main as cli_main
from tap_calinstances.sandbox.dataset import build_dataset
from tests.sandbox.helpers import (
    ALEX,
    OPS,
    ROBIN,
    events_path,
    get,
    google,
    instances_path,
    items,
    reason,
    user_token,
)

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
            "--principals",
            "2",
            "--series-per-calendar",
            "3",
            "--page-size",
            "7",
            "--enforce-budgets",
            "--budget-rate",
            "100/10",
            "--budget-concurrency",
            "4",
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
        base = config["google"]["api_url"].removesuffix("/google/calendar/v3")
        settings = requests.get(f"{base}/_sandbox/", timeout=10).json()["settings"]
        assert {k: settings[k] for k in ("principals", "series_per_calendar", "page_size")} == {
            "principals": 2,
            "series_per_calendar": 3,
            "page_size": 7,
        }
        assert settings["budgets"]["google"] == {
            "requests": 100,
            "window_s": 10.0,
            "concurrency": 4,
        }
        assert settings["enforce_budgets"] is True
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        banner = process.stderr.read()
        assert "serving Google Calendar v3 on http://127.0.0.1:" in banner
        assert "/_sandbox/" in banner
    finally:
        process.kill()
        process.wait()
