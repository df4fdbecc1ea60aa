"""Feishu's error codes, each through a tap run against the sandbox: retried, refreshed,
restarted, skipped with a warning naming what was skipped, or a loud stop that says what
to fix. Budgets hold under the sandbox's enforcement."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tap_calinstances.engine import http
from tap_calinstances.engine.scheduler import Scheduler
from tap_calinstances.errors import AuthError, ProviderError
from tap_calinstances.providers import Budget
from tap_calinstances.providers.feishu import FEISHU
from tap_calinstances.sandbox import Sandbox
from tests.harness import TapRun, run_cli, run_tap
from tests.sandbox.feishu_helpers import LONDON, PRIMARY, ROOM, TEAM

QUARTER = ("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")
# Event ids of the sandbox's series (`<uid>_0`).
WEEKLY = "23d8d78a-98d2-b329-2298-94779f39afc8_0"
TOKYO = "801abb4f-4485-11a2-a539-b10f0beb1ff4_0"
RELEASE = "028f5609-8ace-d575-d33e-3c697803df5f_0"
INSTANCES = "/calendar/v4/calendars/{calendar_id}/events/{series_id}/instances"


def quarter(sandbox: Sandbox) -> dict[str, Any]:
    return sandbox.tap_config(providers=["feishu"], start_date=QUARTER[0], end_date=QUARTER[1])


def comparable(run: TapRun) -> dict[str, dict[str, Any]]:
    records = run.by_key("feishu_instances").items()
    return {key: {k: v for k, v in record.items() if k != "raw"} for key, record in records}


def written(run: TapRun, **where: str) -> set[str]:
    """Keys of the clean run's occurrences matching ``where`` (field=value)."""
    return {
        key
        for key, record in run.by_key("feishu_instances").items()
        if all(record[field] == value for field, value in where.items())
    }


@pytest.fixture(scope="module")
def clean(sandbox: Sandbox) -> TapRun:
    return run_tap(quarter(sandbox))


@pytest.fixture
def feishu(clean_sandbox: Sandbox) -> Iterator[Sandbox]:
    yield clean_sandbox
    clean_sandbox.set_limits(page_size=0)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The wait the tap chose before each retry (its real choice); it sleeps 10 ms
    instead. Back-off without a hint starts at 0.05 s, so a hint shows."""
    chosen: list[float] = []
    choose = http.retry_waits

    def record(hint: float | None, attempt: int) -> float:
        chosen.append(choose(hint, attempt))
        return 0.01

    monkeypatch.setattr(http, "RETRY_BASE_SECONDS", 0.05)
    monkeypatch.setattr(http, "retry_waits", record)
    return chosen


@pytest.fixture
def slowed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The principals whose pace the tap lowered (a "too many" answer), in order."""
    principals: list[str] = []
    slow_down = Scheduler.slow_down

    def record(self: Scheduler, principal: str, seconds: float) -> None:
        principals.append(principal)
        slow_down(self, principal, seconds)

    monkeypatch.setattr(Scheduler, "slow_down", record)
    return principals


# -- retried: the same records as a clean run -------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "code", "status", "hinted", "too_many"),
    [
        ({"rate_limit_every": 3, "rate_limit_reason": "190004"}, 190004, 429, False, True),
        ({"rate_limit_every": 3, "rate_limit_reason": "190005"}, 190005, 429, False, True),
        ({"rate_limit_every": 3, "rate_limit_reason": "190010"}, 190010, 429, False, True),
        ({"rate_limit_every": 3}, 99991400, 429, True, True),
        ({"error_codes": [[99991400, "/instances", 3, 400]]}, 99991400, 400, True, True),
        ({"server_error_every": 3}, 190003, 500, False, False),
    ],
    ids=["190004", "190005", "190010", "99991400", "99991400-on-400", "190003-on-500"],
)
def test_transient_codes_are_retried_after_the_time_asked_with_the_same_records(
    feishu: Sandbox,
    clean: TapRun,
    waits: list[float],
    slowed: list[str],
    faults: dict[str, Any],
    code: int,
    status: int,
    hinted: bool,
    too_many: bool,
) -> None:
    feishu.set_faults(**faults)
    run = run_tap(quarter(feishu))
    refused = [r for r in feishu.requests if r.fault]
    assert refused and {r.status for r in refused} == {status}
    # A rate limit, whatever its HTTP status, slows the whole app down; a server error not.
    assert slowed == (["the app"] * len(refused) if too_many else [])
    # One wait per refused request: the gateway's x-ogw-ratelimit-reset (1 s here) where it
    # sent one, the tap's own back-off (0.05 s, doubling when refused again) where it did not.
    assert len(waits) == len(refused)
    assert set(waits) <= ({1.0} if hinted else {0.05, 0.1, 0.2, 0.4})
    assert comparable(run) == comparable(clean)
    assert run.duplicates("feishu_instances", ("instance_key",)) == []
    assert any(str(code) in line and "retry" in line for line in run.logs)


def test_the_gateway_reset_is_really_waited(feishu: Sandbox, clean: TapRun) -> None:
    feishu.set_faults(error_codes=[[99991400, "/instances", 1]])
    started = time.monotonic()
    run = run_tap(quarter(feishu))
    assert time.monotonic() - started >= 1.0  # x-ogw-ratelimit-reset: 1
    assert [r.fault for r in feishu.requests if r.fault] == ["code 99991400"]
    assert comparable(run) == comparable(clean)


# -- expired page and sync tokens ----------------------------------------------------------


def test_an_expired_page_token_lists_again_without_duplicates(
    feishu: Sandbox, clean: TapRun
) -> None:
    feishu.set_limits(page_size=10)  # the daily check-in takes 9 pages in a quarter
    feishu.set_faults(error_codes=[[190008, "page_token=", 2]])
    run = run_tap(quarter(feishu))
    assert [r.status for r in feishu.requests if r.fault] == [400, 400]
    assert run.duplicates("feishu_instances", ("instance_key",)) == []
    assert comparable(run) == comparable(clean)
    assert sum("listing it again from the start" in line for line in run.logs) == 2


def test_an_expired_sync_token_reads_the_calendar_whole_and_still_finds_a_deletion() -> None:
    with Sandbox(seed=7) as sandbox:
        first = run_tap(quarter(sandbox))
        sandbox.change("cancel_occurrence", calendar_id=PRIMARY, series_id=WEEKLY,
                       original_start="2026-03-09T02:00:00Z")  # fmt: skip
        sandbox.change("expire_sync_tokens")
        sandbox.clear_requests()
        second = run_tap(quarter(sandbox), state=first.last_state)
        expired = [r for r in sandbox.requests if r.path.endswith("/events") and r.status == 400]
    assert len(expired) == 4  # every calendar's sync token, each answered 190008
    assert second.duplicates("feishu_instances", ("instance_key",)) == []
    cancelled = [r for r in second.records("feishu_instances") if r["status"] == "cancelled"]
    deleted = first.occurrences("feishu", "Weekly sync")["2026-03-09T02:00:00Z"]
    assert deleted["instance_key"] in {r["instance_key"] for r in cancelled}
    # Read whole, diffed against STATE: everything else is as the first run wrote it.
    again = {k: r for k, r in comparable(second).items() if k != deleted["instance_key"]}
    assert again == {k: r for k, r in comparable(first).items() if k in again}


# -- gone or forbidden: skipped with a warning naming it ---------------------------------------


@pytest.mark.parametrize(
    ("switch", "skipped", "gone"),
    [
        ({"error_codes": [[191000, f"{TEAM}/events", 0]]}, TEAM, {"calendar_id": TEAM}),
        ({"forbidden_calendars": [LONDON]}, LONDON, {"calendar_id": LONDON}),
        ({"error_codes": [[191003, f"{ROOM}/events", 0]]}, ROOM, {"calendar_id": ROOM}),
        ({"error_codes": [[193001, f"{WEEKLY}/instances", 0]]}, WEEKLY, {"series_id": WEEKLY}),
        ({"error_codes": [[193003, f"{TOKYO}/instances", 0]]}, TOKYO, {"series_id": TOKYO}),
        ({"error_codes": [[195100, f"{RELEASE}/instances", 0]]}, RELEASE, {"series_id": RELEASE}),
        (
            {"error_codes": [[191000, f"{TEAM}/events", 0]], "errors_on_http_200": True},
            TEAM,
            {"calendar_id": TEAM},
        ),
    ],
    ids=[
        "191000-calendar",
        "191002-calendar",
        "191003-calendar",
        "193001-series",
        "193003-series",
        "195100-series",
        "191000-on-http-200",
    ],
)
def test_a_gone_or_forbidden_calendar_or_series_is_skipped_and_named(
    feishu: Sandbox, clean: TapRun, switch: dict[str, Any], skipped: str, gone: dict[str, str]
) -> None:
    feishu.set_faults(**switch)
    run = run_tap(quarter(feishu))
    assert [r for r in feishu.requests if r.fault], "nothing was refused: the test proves nothing"
    warnings = [line for line in run.logs if line.startswith("WARNING") and "skipping" in line]
    assert warnings and all(skipped in line for line in warnings), run.logs
    # Everything else is read as in a clean run; nothing of what was skipped is written.
    lost = written(clean, **gone)
    assert lost
    assert set(run.by_key("feishu_instances")) == set(clean.by_key("feishu_instances")) - lost
    assert comparable(run) == {k: r for k, r in comparable(clean).items() if k not in lost}


# -- a bug in our request, or in the app's setup: a loud stop ----------------------------------


def test_invalid_parameters_stop_the_run_naming_the_endpoint(
    feishu: Sandbox, tmp_path: Path
) -> None:
    feishu.set_faults(error_codes=[[190002, "/instances", 0]], errors_on_http_200=True)
    run = run_cli(quarter(feishu), tmp_path)
    assert run.returncode != 0
    assert INSTANCES in run.stderr and "code 190002" in run.stderr and "report" in run.stderr


def test_a_sync_token_refused_with_other_parameters_stops_the_run(feishu: Sandbox) -> None:
    feishu.set_faults(error_codes=[[190009, "/events", 0]])
    endpoint = r"\(GET /calendar/v4/calendars/\{calendar_id\}/events\)"
    with pytest.raises(ProviderError, match=f"code 190009 .*{endpoint}"):
        run_tap(quarter(feishu))


def test_wrong_unit_for_the_app_tenant_says_which_settings_to_check(feishu: Sandbox) -> None:
    feishu.set_faults(error_codes=[[190006, "", 0]])
    with pytest.raises(ProviderError, match="code 190006") as stopped:
        run_tap(quarter(feishu))
    assert "feishu.app_id" in str(stopped.value) and "feishu.api_url" in str(stopped.value)


def test_a_token_refused_even_fresh_stops_after_one_refresh_saying_what_to_fix(
    feishu: Sandbox,
) -> None:
    feishu.set_faults(reject_tokens=True)
    with pytest.raises(AuthError, match="code 99991663") as stopped:
        run_tap(quarter(feishu))
    assert len(feishu.token_requests) == 2  # the first token and one fresh one
    assert "published" in str(stopped.value) and "enabled" in str(stopped.value)


# -- an expired or unreadable token: one refresh, then on ----------------------------------


@pytest.mark.parametrize(
    ("faults", "refused"),
    [
        ({"token_ttl_requests": 10}, (400, 99991663)),
        ({"error_codes": [[99991671, "/instances", 1]]}, (400, 99991671)),  # one refusal
    ],
    ids=["99991663-expired", "99991671"],
)
def test_a_refused_token_is_refreshed_once_and_the_run_goes_on(
    feishu: Sandbox, clean: TapRun, faults: dict[str, Any], refused: tuple[int, int]
) -> None:
    feishu.set_faults(**faults)
    run = run_tap(quarter(feishu))
    # Requests already on their way with the dead token are refused too (at most one per
    # worker); each asks for a token once and succeeds with it.
    failed = [r for r in feishu.requests if r.status != 200]
    assert 1 <= len(failed) <= 10 and {r.status for r in failed} == {refused[0]}
    assert 2 <= len(feishu.token_requests) <= 1 + len(failed)
    refreshes = [line for line in run.logs if str(refused[1]) in line and "new token" in line]
    assert len(refreshes) == len(failed)
    assert comparable(run) == comparable(clean)


# -- budgets -----------------------------------------------------------------------------------


def test_feishu_declares_its_documented_budget() -> None:
    assert FEISHU.budget == Budget(concurrency=10, requests=1000, per_seconds=60.0, burst=(50, 1.0))


def test_fifty_a_second_is_never_exceeded_under_enforcement() -> None:
    # 30 more calendars of 2 series each: well over 50 requests, so the second's window fills.
    with Sandbox(seed=7, principals=30, series_per_calendar=2, enforce_budgets=True) as sandbox:
        started = time.monotonic()
        run = run_tap(quarter(sandbox))
        elapsed = time.monotonic() - started
        counts = sandbox.stats()["principals"][sandbox.tap_config()["feishu"]["app_id"]]
    assert counts["requests"] > 100 and counts["refused"] == 0
    assert elapsed >= (counts["requests"] - 50) / 50
    assert run.duplicates("feishu_instances", ("instance_key",)) == []


def test_the_per_minute_budget_is_paced_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1,000 a minute, scaled to 40 in 2 seconds so that it binds within a test: the
    # sandbox enforces the same window on the app (and still 50 a second).
    monkeypatch.setattr(FEISHU, "budget", Budget(10, 40, 2.0, burst=(50, 1.0)))
    with Sandbox(seed=7, principals=20, series_per_calendar=1, enforce_budgets=True,
                 budget_rate=(40, 2.0)) as sandbox:  # fmt: skip
        started = time.monotonic()
        run_tap(quarter(sandbox))
        elapsed = time.monotonic() - started
        counts = sandbox.stats()["principals"][sandbox.tap_config()["feishu"]["app_id"]]
    assert counts["refused"] == 0
    assert elapsed >= 2.0 * (counts["requests"] // 40)
