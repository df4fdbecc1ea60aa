"""The shared mechanisms: retry schedule, giving up clearly, and secret redaction."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from tap_calinstances.engine import http as streams
from tap_calinstances.engine.scheduler import Scheduler
from tap_calinstances.errors import ProviderError
from tap_calinstances.providers import Budget, CalendarTarget
from tap_calinstances.providers.google import GOOGLE
from tap_calinstances.redaction import MASK, RedactSecrets, secret_values
from tap_calinstances.sandbox import Sandbox
from tap_calinstances.settings import Deadlines
from tests.harness import run_tap


@pytest.mark.parametrize(
    ("hint", "attempt", "wait"),
    [
        (None, 0, 1.0),
        (None, 3, 8.0),
        (None, 10, 60.0),
        (2.128, 0, 2.128),
        (0.0, 5, 0.0),
        (900.0, 0, 900.0),
        (-3.0, 0, 0.0),
    ],
    ids=[
        "first",
        "exponential",
        "capped",
        "fractional-retry-after",
        "refresh-now",
        "long-hint-kept-the-budget-decides",
        "negative-hint",
    ],
)
def test_retry_waits(hint: float | None, attempt: int, wait: float) -> None:
    assert streams.retry_waits(hint, attempt) == pytest.approx(wait)


def test_the_tap_gives_up_after_its_tries_with_advice(
    clean_sandbox: Sandbox, user_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every request is rate limited; a small budget keeps the test quick.
    monkeypatch.setattr(streams, "RETRY_MAX_TRIES", 3)
    monkeypatch.setattr(streams, "RETRY_BASE_SECONDS", 0.05)
    clean_sandbox.set_faults(rate_limit_every=1)
    with pytest.raises(ProviderError, match=r"gave up after 3 tries.*wait and re-run"):
        run_tap(user_config)
    assert len(clean_sandbox.requests) == 3


def test_the_total_wait_for_one_request_is_bounded(
    clean_sandbox: Sandbox, user_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "RETRY_MAX_TRIES", 1000)
    monkeypatch.setattr(streams, "RETRY_BASE_SECONDS", 0.1)
    clean_sandbox.set_faults(rate_limit_every=1)
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"no request to google succeeded for \d+ s"):
        run_tap({**user_config, "retry_budget_seconds": 1.0})
    assert time.monotonic() - started < 10
    assert len(clean_sandbox.requests) < 20


def test_give_up_on_connection_errors_names_provider_and_calendar(
    clean_sandbox: Sandbox, user_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "RETRY_MAX_TRIES", 2)
    monkeypatch.setattr(streams, "RETRY_BASE_SECONDS", 0.05)
    clean_sandbox.set_faults(drop_every=1)
    with pytest.raises(ProviderError, match=r"google: connection problem .* on calendar list"):
        run_tap(user_config)


def test_secret_values_cover_nested_and_multiline_secrets() -> None:
    config = {
        "google": {
            "client_secret": "s3cr3t-value",
            "service_account_info": {
                "private_key": "-----BEGIN-----\nAAAABBBBCCCC\n-----END-----\n"
            },
        }
    }
    found = secret_values(config, ["google.client_secret", "google.service_account_info"])
    assert "s3cr3t-value" in found
    assert "AAAABBBBCCCC" in found


def test_redaction_masks_messages_and_tracebacks() -> None:
    redactor = RedactSecrets(["s3cr3t-value"])
    try:
        raise RuntimeError("token s3cr3t-value refused")
    except RuntimeError:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "sent %s",
            ("s3cr3t-value",),
            exc_info=__import__("sys").exc_info(),
        )
    assert redactor.filter(record)
    assert record.getMessage() == f"sent {MASK}"
    assert "s3cr3t-value" not in (record.exc_text or "")
    assert MASK in (record.exc_text or "")


def test_waiting_on_the_providers_pace_does_not_count_against_the_retry_budget(
    clean_sandbox: Sandbox, user_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One request per 0.8 s: each request waits longer for its turn than the whole budget.
    monkeypatch.setattr(streams, "RETRY_BASE_SECONDS", 0.05)
    settings = GOOGLE.settings(user_config["google"])
    paced = Scheduler(1, Budget(concurrency=1, requests=1, per_seconds=0.8), "google")
    http = streams.Http(GOOGLE, settings, paced, Deadlines(retry_budget=0.3))
    label = settings.principals[0].label
    target = CalendarTarget("alex@sandbox.example", label, "America/New_York", None, {})
    # The listing's empty first page passes; its second page fails after waiting its turn,
    # and is retried instead of ending the run as if the provider had been down 0.8 s.
    clean_sandbox.set_faults(server_error_every=2)
    listing = http.listing(GOOGLE.change_listing(target, None))
    paced.close()
    assert listing is not None and len(listing.items) == 4
    assert [r.fault for r in clean_sandbox.requests] == [None, "server_error", None]
