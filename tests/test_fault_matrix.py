"""Every provider under every kind of trouble: either the clean run's exact records, or a
clean stop (or skipped calendars) naming provider, endpoint and calendar, with STATE from
which a resumed run reads the rest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tap_calinstances.engine import http
from tap_calinstances.errors import (
    EXIT_PARTIAL,
    EXIT_PROVIDER,
    AuthError,
    PartialFailure,
    ProviderError,
)
from tap_calinstances.sandbox import Faults, Sandbox
from tests.harness import TapRun, attempt_tap, run_cli, run_tap

PROVIDERS = ("google", "microsoft", "feishu")
QUARTER = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}
# Tenths of seconds instead of the defaults' tens: a stalled attempt costs 0.25 s.
FAST = {"connect_timeout_seconds": 1, "read_timeout_seconds": 0.25, "retry_budget_seconds": 8}

# Faults the tap must come through with exactly the records of a clean run.
SURVIVED: dict[str, dict[str, dict[str, Any]]] = {
    # Each provider's own "slow down": Google 429 rateLimitExceeded, Graph 429 with a
    # fractional Retry-After, Feishu HTTP 429 with body code 190004.
    "rate-limit": {
        "google": {"rate_limit_every": 4},
        "microsoft": {"rate_limit_every": 4},
        "feishu": {"rate_limit_every": 4, "rate_limit_reason": "190004"},
    },
    "5xx": {p: {"server_error_every": 4} for p in PROVIDERS},
    "reset": {p: {"drop_every": 5} for p in PROVIDERS},
    # Held for 1.5 s without a byte: the 0.25 s read timeout gives up and retries.
    "stall": {p: {"stall_every": 5, "stall_ms": 1500} for p in PROVIDERS},
    # The first token request fails (503, AADSTS90033, Feishu 1500), the retry passes;
    # tokens dying every 4 requests make every other refresh fail too.
    "token-endpoint": {
        p: {"token_fault": "server_error", "token_fault_every": 2, "token_ttl_requests": 4}
        for p in PROVIDERS
    },
    "token-expiry": {p: {"token_ttl_requests": 3} for p in PROVIDERS},
    # Every Nth request carrying a page token, N above the most tokens one listing needs
    # (pages of 10: Google 7, Graph 2, Feishu 8): a listing restarts at most once, with
    # requests one at a time. A listing needing N tokens or more could never finish.
    "expired-page-token": {
        "google": {"expire_page_tokens_every": 8},
        "microsoft": {"expire_page_tokens_every": 3},
        "feishu": {"expire_page_tokens_every": 9},
    },
}
# Faults no retry can get past: the run stops or skips calendars, and says where.
STOPPED: dict[str, tuple[dict[str, Any], str]] = {
    "malformed-body": ({"malformed_every": 6}, "malformed response"),
    "redirect": ({"redirect_every": 6}, "never follows redirects"),
}


@pytest.fixture(scope="module")
def paged() -> Iterator[Sandbox]:
    # Pages of 10: occurrence listings span several pages, so page tokens can expire.
    with Sandbox(seed=7, page_size=10) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def quick_back_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "RETRY_BASE_SECONDS", 0.05)


def config(sandbox: Sandbox, provider: str, **extra: Any) -> dict[str, Any]:
    return {**sandbox.tap_config(providers=[provider], **QUARTER), **FAST, **extra}


@pytest.fixture(scope="module")
def clean(paged: Sandbox) -> dict[str, TapRun]:
    return {provider: run_tap(config(paged, provider)) for provider in PROVIDERS}


def occurrences(*runs: TapRun, provider: str) -> dict[str, dict[str, Any]]:
    """The latest record per key over ``runs``, as a warehouse would keep it."""
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:
        latest.update(run.by_key(f"{provider}_instances"))
    return latest


def claimed(run: TapRun) -> set[str]:
    bookmarks = run.last_state["bookmarks"] if run.states else {}
    return {c for b in bookmarks.values() for c in b.get("calendars", {})}


def test_the_clean_runs_read_something_of_every_provider(clean: dict[str, TapRun]) -> None:
    counts = {p: len(clean[p].records(f"{p}_instances")) for p in PROVIDERS}
    assert counts == {"google": 78, "microsoft": 114, "feishu": 153}


@pytest.mark.parametrize("cell", list(SURVIVED))
@pytest.mark.parametrize("provider", PROVIDERS)
def test_faults_are_survived_with_the_clean_runs_records(
    paged: Sandbox, clean: dict[str, TapRun], provider: str, cell: str
) -> None:
    paged.set_faults(**{**Faults().to_json(), **SURVIVED[cell][provider]})
    paged.clear_requests()
    # One request at a time where page tokens expire: which listing a numbered fault hits
    # must not depend on timing, or one might expire on every restart.
    extra = {"max_concurrency": 1} if cell == "expired-page-token" else {}
    run = attempt_tap(config(paged, provider, **extra))
    faulted = [r for r in paged.requests + paged.token_requests if r.fault]
    assert faulted, "the sandbox injected no fault: the test proves nothing"
    assert run.error is None, run.error
    assert run.duplicates(f"{provider}_instances", ("instance_key",)) == []
    assert occurrences(run, provider=provider) == occurrences(clean[provider], provider=provider)
    assert claimed(run) == claimed(clean[provider])


@pytest.mark.parametrize("cell", list(STOPPED))
@pytest.mark.parametrize("provider", PROVIDERS)
def test_faults_no_retry_passes_stop_cleanly_and_a_resumed_run_reads_the_rest(
    paged: Sandbox, clean: dict[str, TapRun], provider: str, cell: str
) -> None:
    faults, said = STOPPED[cell]
    paged.set_faults(**{**Faults().to_json(), **faults})
    run = attempt_tap(config(paged, provider))
    assert [r for r in paged.requests if r.fault], "no fault injected: the test proves nothing"
    error = run.error
    assert isinstance(error, PartialFailure | ProviderError), error
    # What a person reads: the error that ends the run, and one ERROR line per skipped
    # calendar; each names the provider, the endpoint and the calendar.
    told = [str(error)] if isinstance(error, ProviderError) else [f.reason for f in error.failures]
    for message in told:
        assert said in message
        assert f"{provider}: " in message and "GET /" in message and "calendar" in message
    if isinstance(error, PartialFailure):
        assert error.exit_code == EXIT_PARTIAL
        failed = {f.calendar for f in error.failures}
        assert failed and not failed & claimed(run)  # left unclaimed: read again next run
        assert all(f.endpoint.startswith("GET /") for f in error.failures)
        assert all(f"skipping calendar {c}" in run.stderr for c in failed)
    else:
        assert error.exit_code == EXIT_PROVIDER
    paged.set_faults(**Faults().to_json())
    resumed = run_tap(config(paged, provider), state=run.last_state if run.states else None)
    assert occurrences(run, resumed, provider=provider) == occurrences(
        clean[provider], provider=provider
    )
    assert claimed(resumed) == claimed(clean[provider])


@pytest.mark.parametrize(
    ("provider", "setting", "said"),
    [
        ("google", "client_secret", ("HTTP 401, invalid_client", "copy both again")),
        (
            "microsoft",
            "client_secret",
            ("invalid_client: AADSTS7000215", "microsoft.client_secret"),
        ),
        ("feishu", "app_secret", ("HTTP 400, code 10014", "feishu.app_secret")),
    ],
)
def test_refused_credentials_stop_at_the_first_token_request_saying_what_to_fix(
    paged: Sandbox, provider: str, setting: str, said: tuple[str, str]
) -> None:
    paged.set_faults(**Faults().to_json())
    paged.clear_requests()
    wrong = config(paged, provider)
    wrong[provider][setting] = "wrong-secret-0000"
    run = attempt_tap(wrong)
    assert isinstance(run.error, AuthError) and run.error.exit_code == EXIT_PROVIDER
    message = str(run.error)
    assert all(fragment in message for fragment in said), message
    assert "wrong-secret-0000" not in message
    # A refusal is not retried: one token request, and no API request without a token.
    assert (len(paged.token_requests), paged.requests) == (1, [])


def test_a_run_that_skipped_calendars_ends_with_its_summary_one_line_and_exit_code_4(
    paged: Sandbox, tmp_path: Path
) -> None:
    paged.set_faults(**{**Faults().to_json(), "malformed_every": 6})
    run = run_cli(config(paged, "google"), tmp_path)
    assert run.returncode == EXIT_PARTIAL
    lines = [line.rsplit(" | ", 1)[-1] for line in run.stderr.splitlines() if " | " in line]
    skipped = [line for line in lines if line.startswith("google: skipping calendar ")]
    assert skipped and all("malformed response from GET /calendars/" in s for s in skipped)
    # The summary table first, then the line that ends the run, naming what to read again.
    assert lines.index("Summary of the run:") < len(lines) - 1
    assert lines[-1].startswith(f"{len(skipped)} calendar")
    assert "google calendar " in lines[-1] and "stay unclaimed in STATE" in lines[-1]
    assert "Traceback" not in run.stderr
