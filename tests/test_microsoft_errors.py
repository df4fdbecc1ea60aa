"""Graph's error table through tap runs: what is retried, refreshed, skipped or fatal, and
what the user reads when the run stops."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tap_calinstances.engine import http
from tap_calinstances.providers import Budget
from tap_calinstances.providers.microsoft import MICROSOFT
from tap_calinstances.sandbox import Sandbox
from tap_calinstances.sandbox.microsoft.dataset import MEGAN_CALENDAR, MEGAN_TEAM
from tests.conftest import END, START
from tests.harness import TapRun, run_cli, run_tap
from tests.sandbox.graph import ADELE, MEGAN, NO_MAILBOX

GENERATED = "user0001@sandbox.example"


@pytest.fixture(scope="module")
def graph_config(sandbox: Sandbox) -> dict[str, Any]:
    return sandbox.tap_config(providers=["microsoft"], start_date=START, end_date=END)


@pytest.fixture(scope="module")
def clean_run(sandbox: Sandbox, graph_config: dict[str, Any]) -> TapRun:
    return run_tap(graph_config)


@pytest.fixture
def config(clean_sandbox: Sandbox, graph_config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The module's config, against a sandbox with no faults and default limits."""
    yield {**graph_config, "microsoft": dict(graph_config["microsoft"])}
    clean_sandbox.set_limits(page_size=0, empty_first_pages=False)


def with_block(config: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return {**config, "microsoft": {**config["microsoft"], **settings}}


def retries(run: TapRun) -> list[str]:
    return [line for line in run.stderr.splitlines() if "; retry " in line]


def errors(run: TapRun) -> list[str]:
    """The log's ERROR lines: what a user reads when the run stops."""
    return [line for line in run.stderr.splitlines() if "| ERROR" in line]


# -- survived with the same records --------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "signal"),
    [
        ({"rate_limit_every": 4}, "HTTP 429 ApplicationThrottled"),
        ({"rate_limit_every": 5, "rate_limit_reason": "TooManyRequests"},
         "HTTP 429 TooManyRequests"),
        ({"rate_limit_every": 4, "rate_limit_reason": "ServiceUnavailable"},
         "HTTP 503 ServiceUnavailable"),
        ({"rate_limit_every": 4, "rate_limit_reason": "GatewayTimeout"},
         "HTTP 504 GatewayTimeout"),
        ({"server_error_every": 6}, "HTTP 503 ServiceUnavailable"),
    ],
    ids=["429-ApplicationThrottled", "429-TooManyRequests", "503", "504", "503-server-error"],
)  # fmt: skip
def test_throttling_and_unavailability_are_retried_with_the_same_records(
    clean_sandbox: Sandbox,
    config: dict[str, Any],
    clean_run: TapRun,
    faults: dict[str, Any],
    signal: str,
) -> None:
    clean_sandbox.set_faults(**faults)
    run = run_tap(config)
    faulted = [r for r in clean_sandbox.requests if r.fault]
    assert len(faulted) >= 4, "the sandbox injected too few faults: the test proves little"
    assert run.messages and retries(run)
    assert all(signal in line for line in retries(run))
    assert run.by_key("microsoft_instances") == clean_run.by_key("microsoft_instances")
    assert run.records("microsoft_series") == clean_run.records("microsoft_series")


def test_a_fractional_retry_after_is_honoured(
    clean_sandbox: Sandbox, config: dict[str, Any]
) -> None:
    # Graph asks for 0.128 s. Rounding it down would retry at once (and earn another 429);
    # ignoring it would wait the engine's own back-off, a second at least.
    clean_sandbox.set_faults(rate_limit_every=3)
    waits = {re.sub(r".* in ([0-9.]+) s$", r"\1", line) for line in retries(run_tap(config))}
    assert waits == {"0.1"}


def test_a_dropped_connection_is_retried_with_the_same_records(
    clean_sandbox: Sandbox,
    config: dict[str, Any],
    clean_run: TapRun,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(http, "RETRY_BASE_SECONDS", 0.02)  # no Retry-After on a reset
    clean_sandbox.set_faults(drop_every=5)
    run = run_tap(config)
    assert [r for r in clean_sandbox.requests if r.fault == "drop"]
    assert run.by_key("microsoft_instances") == clean_run.by_key("microsoft_instances")


def test_an_expired_token_is_renewed_once_for_every_request_that_saw_it_expire(
    clean_sandbox: Sandbox, config: dict[str, Any], clean_run: TapRun
) -> None:
    # The token dies after 15 of the run's 21 requests, while up to four are in flight:
    # each of them gets 401 InvalidAuthenticationToken, one new token serves them all.
    clean_sandbox.set_faults(token_ttl_requests=15, latency_ms=20)
    run = run_tap(config)
    expired = [r for r in clean_sandbox.requests if r.status == 401]
    assert expired, "no request saw the token expire: the test proves nothing"
    assert len(clean_sandbox.token_requests) == 2
    assert run.by_key("microsoft_instances") == clean_run.by_key("microsoft_instances")


def test_a_token_refused_even_fresh_stops_after_one_refresh(
    clean_sandbox: Sandbox, config: dict[str, Any], tmp_path: Path
) -> None:
    clean_sandbox.set_faults(reject_tokens=True)
    run = run_cli(config, tmp_path, timeout=60)  # a tap refreshing forever would hang
    assert run.returncode != 0
    (message,) = {line for line in errors(run) if "even with a fresh token" in line}
    assert "InvalidAuthenticationToken" in message and "Calendars.Read" in message
    assert len(clean_sandbox.token_requests) == 2
    assert len(clean_sandbox.requests) == 2


def test_empty_and_small_pages_are_followed_to_the_same_records(
    clean_sandbox: Sandbox, config: dict[str, Any], clean_run: TapRun
) -> None:
    clean_sandbox.set_limits(page_size=4, empty_first_pages=True)
    run = run_tap(config)
    pages = [r for r in clean_sandbox.requests if "$skip" in r.query]
    assert any(r.query["$skip"] == "0" for r in pages)  # after an empty first page
    assert any(int(r.query["$skip"]) > 4 for r in pages)  # third pages and beyond
    assert run.by_key("microsoft_instances") == clean_run.by_key("microsoft_instances")


# -- skipped with a warning naming what ----------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "neutral_id", "code", "advice", "left"),
    [
        # Team planning's four series: 26 + 1 + 52 + 12 occurrences.
        ({"vanished_calendars": [MEGAN_TEAM]}, MEGAN_TEAM, "ErrorItemNotFound", "deleted", 224),
        # Megan's Calendar: Weekly planning (52) and Founders day (1).
        ({"forbidden_calendars": [MEGAN_CALENDAR]}, MEGAN_CALENDAR, "ErrorAccessDenied",
         "application access policy", 262),
    ],
    ids=["gone-since-listed", "access-denied"],
)  # fmt: skip
def test_an_unreadable_calendar_is_skipped_and_named_and_the_rest_read(
    clean_sandbox: Sandbox,
    config: dict[str, Any],
    clean_run: TapRun,
    tmp_path: Path,
    faults: dict[str, Any],
    neutral_id: str,
    code: str,
    advice: str,
    left: int,
) -> None:
    calendar = clean_sandbox.graph_calendar_id(neutral_id, immutable=True)
    clean_sandbox.set_faults(**faults)
    run = run_cli(config, tmp_path)
    assert run.returncode == 0, run.stderr
    (warning,) = [line for line in run.stderr.splitlines() if code in line]
    assert calendar in warning and "skipping" in warning and advice in warning
    expected = {k: r for k, r in clean_run.by_key("microsoft_instances").items()
                if r["calendar_id"] != calendar}  # fmt: skip
    assert run.by_key("microsoft_instances") == expected
    assert len(expected) == left


def test_a_configured_user_without_a_mailbox_is_skipped_and_named(
    clean_sandbox: Sandbox, config: dict[str, Any], tmp_path: Path
) -> None:
    run = run_cli(with_block(config, user_ids=[NO_MAILBOX, ADELE]), tmp_path)
    assert run.returncode == 0, run.stderr
    (warning,) = [line for line in run.stderr.splitlines() if NO_MAILBOX in line]
    assert "MailboxNotEnabledForRESTAPI" in warning and "no Exchange Online mailbox" in warning
    assert {c["name"] for c in run.records("microsoft_calendars")} == {
        "Calendar", "Asia projects", "Team planning",
    }  # fmt: skip


# -- fatal, with what to do ------------------------------------------------------------------


def test_a_directory_the_app_may_not_read_stops_the_run_naming_user_read_all(
    clean_sandbox: Sandbox, config: dict[str, Any], tmp_path: Path
) -> None:
    clean_sandbox.set_faults(missing_permissions=["User.Read.All"])
    run = run_cli(config, tmp_path)
    assert run.returncode != 0
    (message,) = {line for line in errors(run) if "Authorization_RequestDenied" in line}
    assert "User.Read.All" in message and "microsoft.user_ids" in message
    assert run.records("microsoft_calendars") == []
    # Naming the users instead needs no directory permission.
    named = run_tap(with_block(config, user_ids=[MEGAN]))
    assert len(named.records("microsoft_calendars")) == 3


def test_an_app_without_calendar_permission_stops_instead_of_skipping_every_user(
    clean_sandbox: Sandbox, config: dict[str, Any], tmp_path: Path
) -> None:
    clean_sandbox.set_faults(missing_permissions=["Calendars.Read"])
    run = run_cli(config, tmp_path)
    assert run.returncode == 3  # a provider failure that stopped the run, not "skipped some"
    (message,) = {line for line in errors(run) if "no calendar list could be read" in line}
    assert "(3 of 3 users refused or without a mailbox" in message
    assert "Calendars.Read" in message and "admin consent" in message
    assert run.records("microsoft_instances") == []
    # Nothing was read, so nothing is claimed: the next run starts from scratch.
    assert (run.last_state or {}).get("bookmarks", {}).get("microsoft_instances", {}) == {}


@pytest.mark.parametrize(
    ("settings", "aad_error", "setting"),
    [
        ({"client_secret": "Xy78Q~not-the-secret-of-this-app-0000000"},
         "invalid_client: AADSTS7000215", "microsoft.client_secret"),
        ({"client_id": "00000000-0000-0000-0000-00000000abcd"},
         "unauthorized_client: AADSTS700016", "microsoft.client_id"),
        ({"tenant_id": "contoso-typo.example"}, "invalid_request: AADSTS90002",
         "microsoft.tenant_id"),
    ],
    ids=["wrong-secret", "unknown-app", "unknown-tenant"],
)  # fmt: skip
def test_token_errors_stop_the_run_with_what_to_fix_and_no_secret(
    clean_sandbox: Sandbox,
    config: dict[str, Any],
    tmp_path: Path,
    settings: dict[str, str],
    aad_error: str,
    setting: str,
) -> None:
    block = dict(config["microsoft"], **settings)
    if "tenant_id" in settings:
        block["token_url"] = block["token_url"].replace(config["microsoft"]["tenant_id"],
                                                        settings["tenant_id"])  # fmt: skip
    run = run_cli({**config, "microsoft": block}, tmp_path)
    assert run.returncode != 0
    (message,) = {line for line in errors(run) if aad_error in line}
    assert setting in message and "admin" in message
    output = run.stdout + run.stderr
    assert block["client_secret"] not in output
    assert config["microsoft"]["client_secret"] not in output
    assert clean_sandbox.requests == []


def test_a_next_link_to_another_host_is_refused(
    clean_sandbox: Sandbox, config: dict[str, Any], tmp_path: Path
) -> None:
    clean_sandbox.set_limits(page_size=2)  # three users: /users has a second page
    clean_sandbox.set_faults(next_link_origin="https://graph.microsoft.com")
    run = run_cli(config, tmp_path)
    assert run.returncode != 0
    (message,) = {line for line in errors(run) if "refusing to follow" in line}
    assert "https://graph.microsoft.com" in message and "api_url" in message
    assert [r.path for r in clean_sandbox.requests] == ["/microsoft/v1.0/users"]


# -- budgets --------------------------------------------------------------------------------


def test_never_more_than_four_requests_in_flight_per_mailbox() -> None:
    with Sandbox(seed=7, principals=1, series_per_calendar=24, enforce_budgets=True) as sb:
        sb.set_faults(latency_ms=40)
        config = sb.tap_config(providers=["microsoft"], start_date=START, end_date=END)
        run = run_tap({**config, "max_concurrency": 16})
        stats = sb.stats()["principals"]
        assert [r for r in sb.requests if r.status == 429] == []
    assert {p: c["refused"] for p, c in stats.items()} == dict.fromkeys(stats, 0)
    # The generated user's calendar list, its masters and its 24 series, 4 at a time.
    assert (stats[GENERATED]["requests"], stats[GENERATED]["peak_in_flight"]) == (26, 4)
    assert len(run.records("microsoft_series")) == 12 + 24


def test_the_request_rate_per_mailbox_is_paced_within_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Outlook's 10,000 requests per 10 minutes, scaled down to 12 a second so that a short
    # run fills it. One request in flight: arrivals in the order they were sent.
    budget = Budget(concurrency=1, requests=12, per_seconds=1.0)
    monkeypatch.setattr(MICROSOFT, "budget", budget)
    with Sandbox(seed=7, principals=1, series_per_calendar=12, enforce_budgets=True,
                 budget_rate=(12, 1.0), budget_concurrency=1) as sb:  # fmt: skip
        config = sb.tap_config(providers=["microsoft"], start_date=START, end_date=END)
        started = time.monotonic()
        run_tap(config)
        elapsed = time.monotonic() - started
        stats = sb.stats()["principals"]
    assert {p: c["refused"] for p, c in stats.items()} == dict.fromkeys(stats, 0)
    assert stats[GENERATED]["requests"] == 1 + 1 + 12
    assert elapsed > 1.0  # 14 requests at 12 a second: the run had to wait
