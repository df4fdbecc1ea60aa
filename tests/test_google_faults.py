"""Provider trouble is survived without losing or duplicating a record, or fails clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from tap_calinstances.errors import AuthError
from tap_calinstances.providers.google.auth import authenticator
from tap_calinstances.providers.google.settings import GoogleSettings
from tap_calinstances.sandbox import Sandbox
from tests.harness import TapRun, run_cli, run_tap

OPS = "ops#oncall@group.calendar.sandbox.example"


@pytest.fixture(scope="module")
def clean_run(sandbox: Sandbox) -> TapRun:
    config = sandbox.tap_config(
        providers=["google"],
        google_auth="refresh_token",
        start_date="2026-01-01T00:00:00Z",
        end_date="2026-04-01T00:00:00Z",
    )
    return run_tap(config)


def quarter(config: dict[str, Any]) -> dict[str, Any]:
    # A shorter window keeps retried runs quick; the cases are all in it.
    return {**config, "end_date": "2026-04-01T00:00:00Z"}


def comparable(run: TapRun) -> dict[str, dict[str, Any]]:
    """Records by key without the fields that legitimately differ between reads."""
    return {
        key: {k: v for k, v in record.items() if k not in {"raw", "etag"}}
        for key, record in run.by_key().items()
    }


@pytest.mark.parametrize(
    "faults",
    [
        {"rate_limit_every": 4, "rate_limit_status": 429, "rate_limit_reason": "rateLimitExceeded"},
        {"rate_limit_every": 5, "rate_limit_status": 403, "rate_limit_reason": "rateLimitExceeded"},
        {
            "rate_limit_every": 6,
            "rate_limit_status": 403,
            "rate_limit_reason": "userRateLimitExceeded",
        },
        {"server_error_every": 4},
        {"drop_every": 5},
        {"token_ttl_requests": 3},
        {"expire_page_tokens_every": 2},
    ],
    ids=[
        "429",
        "403-rateLimitExceeded",
        "403-userRateLimitExceeded",
        "503",
        "dropped-connection",
        "token-expiry",
        "expired-page-token",
    ],
)
def test_faults_are_survived_with_the_same_records(
    clean_sandbox: Sandbox, user_config: dict[str, Any], clean_run: TapRun, faults: dict[str, Any]
) -> None:
    clean_sandbox.set_faults(**faults)
    run = run_tap(quarter(user_config))
    faulted = [r for r in clean_sandbox.requests if r.fault]
    assert faulted, "the sandbox injected no fault: the test proves nothing"
    assert run.duplicates("google_instances", ("instance_key",)) == []
    assert comparable(run) == comparable(clean_run)


def test_token_expiry_fetches_a_new_token_each_time(
    clean_sandbox: Sandbox, user_config: dict[str, Any]
) -> None:
    clean_sandbox.set_faults(token_ttl_requests=10)
    run_tap(quarter(user_config))
    api_requests = len(clean_sandbox.requests)
    # One token to start, then one per expiry: never one per request.
    assert 1 < len(clean_sandbox.token_requests) <= api_requests // 10 + 2


def test_forbidden_calendar_is_skipped_with_a_warning_naming_it(
    clean_sandbox: Sandbox, user_config: dict[str, Any], tmp_path: Path
) -> None:
    clean_sandbox.set_faults(forbidden_calendars=(OPS,))
    run = run_cli(quarter(user_config), tmp_path)
    assert run.returncode == 0, run.stderr
    assert OPS in run.stderr and "skipping" in run.stderr
    calendars = {r["calendar_id"] for r in run.records("google_instances")}
    assert calendars == {"alex@sandbox.example"}


def test_a_malformed_response_skips_its_calendar_naming_provider_endpoint_and_calendar(
    clean_sandbox: Sandbox, user_config: dict[str, Any], tmp_path: Path
) -> None:
    clean_sandbox.set_faults(malformed_every=6)
    run = run_cli(quarter(user_config), tmp_path)
    assert run.returncode == 4  # finished, with calendars left for the next run
    message = next(line for line in run.stderr.splitlines() if "malformed response" in line)
    assert "google" in message and "calendar" in message and "/calendars/" in message
    # Whatever STATE was emitted before the failure only claims written calendars.
    written = {r["calendar_id"] for r in run.records("google_instances")}
    for state in run.states:
        assert set(state["bookmarks"].get("google_calendars", {}).get("calendars", {})) <= written


def test_wrong_api_url_fails_instead_of_extracting_nothing(
    clean_sandbox: Sandbox, user_config: dict[str, Any], tmp_path: Path
) -> None:
    user_config["google"]["api_url"] = user_config["google"]["api_url"].replace("/v3", "/v4")
    run = run_cli(user_config, tmp_path)
    assert run.returncode != 0
    assert "google.api_url" in run.stderr
    assert run.records("google_calendars") == []


def test_revoked_refresh_token_fails_with_advice(
    clean_sandbox: Sandbox, user_config: dict[str, Any], tmp_path: Path
) -> None:
    user_config["google"]["refresh_token"] = "revoked-token-0000"
    run = run_cli(user_config, tmp_path)
    assert run.returncode != 0
    assert "refresh token" in run.stderr and "calendar.readonly" in run.stderr
    assert "revoked-token-0000" not in run.stderr + run.stdout
    assert clean_sandbox.requests == []


def test_no_secret_reaches_stdout_or_stderr(
    clean_sandbox: Sandbox, service_config: dict[str, Any], tmp_path: Path
) -> None:
    # Faults push the run through retry, refresh and warning paths, which log the most.
    clean_sandbox.set_faults(rate_limit_every=7, token_ttl_requests=9, forbidden_calendars=(OPS,))
    run = run_cli(quarter(service_config), tmp_path, env={"LOGLEVEL": "DEBUG"})
    assert run.returncode == 0, run.stderr
    output = run.stdout + run.stderr
    secrets = clean_sandbox.secret_values()
    assert any("PRIVATE KEY" in s for s in secrets), "nothing to look for: the test proves nothing"
    assert "DEBUG" in run.stderr  # the most talkative level was really on
    leaked = [s for s in secrets if s and s in output]
    assert leaked == []


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        ({"end_date": "2025-01-01T00:00:00Z"}, "end_date"),
        ({"start_date": "soon"}, "start_date"),
        ({"google": {"client_id": "x"}}, "google.client_secret"),
        (
            {
                "google": {
                    "refresh_token": "r",
                    "client_id": "c",
                    "client_secret": "s",
                    "api_url": "http://example.com/calendar/v3",
                }
            },
            "google.api_url",
        ),
        (
            {
                "google": {
                    "refresh_token": "r",
                    "client_id": "c",
                    "client_secret": "s",
                    "calendarids": ["x"],
                }
            },
            "calendarids",
        ),
    ],
    ids=["end-before-start", "unparsable-date", "missing-credential", "http-remote", "unknown-key"],
)
def test_invalid_config_exits_before_any_request(
    clean_sandbox: Sandbox,
    user_config: dict[str, Any],
    tmp_path: Path,
    change: dict[str, Any],
    setting: str,
) -> None:
    config = {**user_config, **change}
    run = run_cli(config, tmp_path)
    assert run.returncode != 0
    assert setting in run.stderr
    assert clean_sandbox.requests == [] and clean_sandbox.token_requests == []


def test_credentials_are_only_sent_to_the_configured_api_host(
    user_config: dict[str, Any],
) -> None:
    auth = authenticator(
        GoogleSettings.parse(user_config["google"]),
        GoogleSettings.parse(user_config["google"]).principals[0],
    )
    elsewhere = requests.Request("GET", "http://127.0.0.2:9/calendar/v3/x").prepare()
    with pytest.raises(AuthError, match="refusing to send credentials"):
        auth.authenticate_request(elsewhere)
