"""The shared mechanisms: retry schedule, giving up clearly, and secret redaction."""

from __future__ import annotations

import base64
import io
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import requests
from singer_sdk.logging import StructuredFormatter

from tap_calinstances import redaction
from tap_calinstances.engine import http as streams
from tap_calinstances.errors import ProviderError
from tap_calinstances.providers.google.settings import SCOPE
from tap_calinstances.providers.microsoft.auth import GraphClientCredentials
from tap_calinstances.providers.microsoft.settings import MicrosoftSettings
from tap_calinstances.redaction import MASK, Secrets
from tap_calinstances.sandbox import Sandbox
from tap_calinstances.tap import TapCalInstances
from tests.builders import (
    GRAPH_SECRET,
    PRIVATE_KEY_ID,
    SECRETS,
    SUBJECT,
    good_config,
    service_account_key,
)
from tests.harness import TapRun, run_cli, run_tap
from tests.local_servers import EchoServer


@pytest.mark.parametrize(
    ("hint", "attempt", "wait"),
    [
        (None, 0, 1.0),
        (None, 3, 8.0),
        (None, 10, 60.0),
        (2.128, 0, 2.128),
        (0.0, 5, 0.0),
        (900.0, 0, 300.0),
        (-3.0, 0, 0.0),
    ],
    ids=[
        "first",
        "exponential",
        "capped",
        "fractional-retry-after",
        "refresh-now",
        "hint-capped-at-budget",
        "negative-hint",
    ],
)
def test_retry_waits(hint: float | None, attempt: int, wait: float) -> None:
    assert streams.retry_waits(hint, attempt) == pytest.approx(wait)


def test_the_tap_gives_up_after_its_retry_budget_with_advice(
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
    monkeypatch.setattr(streams, "RETRY_BUDGET_SECONDS", 1.0)
    clean_sandbox.set_faults(rate_limit_every=1)
    started = time.monotonic()
    with pytest.raises(ProviderError, match="gave up after"):
        run_tap(user_config)
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


# -- masking -------------------------------------------------------------------------------

TOKEN = "1//0gRefresh+Token/xyz"


@pytest.mark.parametrize(
    "form",
    [
        "1//0gRefresh+Token/xyz",
        "1%2F%2F0gRefresh%2BToken%2Fxyz",
        "1%2f%2f0gRefresh%2bToken%2fxyz",
        "1//0gRefresh%2BToken/xyz",
        "1\\/\\/0gRefresh+Token\\/xyz",
    ],
    ids=["raw", "url-encoded", "url-encoded-lowercase", "url-encoded-keeping-slashes", "json"],
)
def test_a_secret_is_masked_in_each_form_it_takes(form: str) -> None:
    secrets = Secrets()
    secrets.add(TOKEN)
    assert secrets.redact(f"body: refresh_token={form}&x=1") == "body: refresh_token=***&x=1"


def test_a_secret_with_a_quote_is_masked_json_escaped() -> None:
    secrets = Secrets()
    secrets.add('pa"ss\\word')
    assert secrets.redact('{"secret": "pa\\"ss\\\\word"}') == '{"secret": "***"}'


def test_each_line_of_a_pem_key_is_masked_but_not_its_armour() -> None:
    secrets = Secrets()
    secrets.add("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\nhkiG9w0BAQEFAASC\n")
    assert secrets.redact("line MIIEvQIBADANBgkq of -----BEGIN PRIVATE KEY-----") == (
        "line *** of -----BEGIN PRIVATE KEY-----"
    )


def test_an_excerpt_masks_before_it_cuts() -> None:
    redaction.register("cut-me-not-0123456789")
    # The secret straddles the cut: cutting first would leave "cut-me-no" in clear.
    text = "x" * 491 + "cut-me-not-0123456789" + "y" * 100
    assert redaction.excerpt(text, 500) == "x" * 491 + "***" + "y" * 6 + "... (94 more characters)"


def _error_response(status: int, body: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.url = "http://127.0.0.1:9/calendar/v3/users/me/calendarList?pageToken=p-42"
    return response


def test_an_error_body_is_logged_only_at_debug_masked_and_cut(
    caplog: pytest.LogCaptureFixture,
) -> None:
    redaction.register("body-secret-42")
    response = _error_response(403, "body-secret-42 " + "x" * 700)
    with caplog.at_level(logging.INFO, logger="tap-calinstances"):
        redaction.log_error_body(response)
    assert caplog.messages == []
    with caplog.at_level(logging.DEBUG, logger="tap-calinstances"):
        redaction.log_error_body(response)
        redaction.log_error_body(_error_response(200, "fine"))
    assert caplog.messages == [
        "HTTP 403 from http://127.0.0.1:9/calendar/v3/users/me/calendarList: *** "
        + "x" * 496
        + "... (204 more characters)"
    ]


def _captured(logger_name: str, formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    """A logger with a handler of its own that does not propagate (as SINGER_SDK_LOG_CONFIG
    can set up), writing into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(logger_name)
    logger.handlers, logger.propagate = [handler], False
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_a_logger_with_its_own_handler_is_masked_too() -> None:
    redaction.install(["own-handler-secret-42"])
    logger, stream = _captured("test.own-handler", logging.Formatter("%(message)s"))
    logger.info("sent %s", "own-handler-secret-42")
    assert stream.getvalue() == "sent ***\n"


def test_exceptions_are_masked_for_plain_and_structured_formatters() -> None:
    redaction.install(["exception-secret-42"])
    for formatter in (logging.Formatter("%(message)s"), StructuredFormatter()):
        logger, stream = _captured(f"test.{type(formatter).__name__}", formatter)
        try:
            raise RuntimeError("refused exception-secret-42")
        except RuntimeError:
            logger.exception("failed")
        assert "exception-secret-42" not in stream.getvalue()
        assert "refused ***" in stream.getvalue()


def test_an_issued_token_is_masked_from_the_moment_it_is_stored() -> None:
    settings = MicrosoftSettings.parse(
        {"tenant_id": "t", "client_id": "c", "client_secret": "s", "api_url": "https://g.example"}
    )
    auth = GraphClientCredentials(settings)
    auth.access_token = "eyJ0eXAi.issued-token-1"
    assert redaction.redact("Authorization: Bearer eyJ0eXAi.issued-token-1") == (
        "Authorization: Bearer ***"
    )


def test_only_the_secret_fields_of_the_service_account_key_are_masked() -> None:
    config = good_config("google_sa", "http://127.0.0.1:9")
    TapCalInstances(config=config)
    logger, stream = _captured("test.service-account", logging.Formatter("%(message)s"))
    key = service_account_key()
    logger.info(
        "%s signs with key %s for %s on %s",
        key["client_email"],
        PRIVATE_KEY_ID,
        SCOPE,
        key["universe_domain"],
    )
    assert stream.getvalue() == (
        "tap@sandbox.iam.gserviceaccount.com signs with key *** for "
        "https://www.googleapis.com/auth/calendar.readonly on googleapis.com\n"
    )


def test_the_tap_masks_its_settings_from_the_moment_it_exists() -> None:
    TapCalInstances(config=good_config("microsoft", "http://127.0.0.1:9"))
    logger, stream = _captured("test.settings", logging.Formatter("%(message)s"))
    logger.warning("client_secret=%s", quote(GRAPH_SECRET, safe=""))
    assert stream.getvalue() == "client_secret=***\n"


# -- the leak test: an echoing server as every provider's token endpoint and API ---------------

# The tap's logger gets a handler of its own, writing JSON (the SDK's structured formatter),
# and does not propagate: masking must not depend on the root logger's handlers.
OWN_HANDLER = """
version: 1
disable_existing_loggers: false
formatters:
  structured:
    (): singer_sdk.logging.StructuredFormatter
handlers:
  own:
    class: logging.StreamHandler
    formatter: structured
    stream: ext://sys.stderr
loggers:
  tap-calinstances:
    handlers: [own]
    propagate: false
"""

ECHO_HOST = "http://127.0.0.1:"
# (configuration block, whether the token endpoint refuses) -> the logging each runs under.
# Every provider runs at DEBUG and at INFO, with and without a handler of its own.
LEAK_RUNS = [
    (block, refuse, level, own)
    for block, refuse in [
        ("google", True),
        ("google", False),
        ("google_sa", True),
        ("microsoft", True),
        ("microsoft", False),
        ("feishu", True),
        ("feishu", False),
    ]
    for level, own in (
        [("DEBUG", True), ("INFO", False)] if refuse else [("DEBUG", False), ("INFO", True)]
    )
]


def leak_id(run: tuple[str, bool, str, bool]) -> str:
    block, refuse, level, own = run
    return f"{block}-{'token' if refuse else 'api'}-refused-{level.lower()}" + (
        "-own-handler" if own else ""
    )


@dataclass
class LeakRun:
    done: TapRun
    secrets: list[str]  # every secret the runs had: settings, issued tokens, assertions
    token_requests: int  # what the refusing token endpoint was asked, over all its runs

    @property
    def output(self) -> str:
        return self.done.stdout + self.done.stderr


def encodings(secret: str) -> set[str]:
    """Every form in which ``secret`` could be read in an output."""
    json_escaped = json.dumps(secret)[1:-1]
    url = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    return {
        secret,
        json_escaped,
        json_escaped.replace("/", "\\/"),
        *url,
        *(u.lower() for u in url),
        base64.b64encode(secret.encode()).decode(),
    }


@pytest.fixture(scope="module")
def leak_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LeakRun]:
    """Every run of LEAK_RUNS through the CLI, four at a time."""
    log_config = tmp_path_factory.mktemp("logging") / "logging.yml"
    log_config.write_text(OWN_HANDLER, "utf-8")
    refusing, issuing = EchoServer(refuse_tokens=True), EchoServer(refuse_tokens=False)
    with refusing.running(), issuing.running():

        def run(case: tuple[str, bool, str, bool]) -> TapRun:
            block, refuse, level, own = case
            server = refusing if refuse else issuing
            env = {"LOGLEVEL": level}
            if own:
                env["SINGER_SDK_LOG_CONFIG"] = str(log_config)
            folder = tmp_path_factory.mktemp(leak_id(case))
            return run_cli(good_config(block, server.url), folder, env=env, timeout=60)

        with ThreadPoolExecutor(max_workers=4) as pool:
            done = list(pool.map(run, LEAK_RUNS))
    secrets = [*SECRETS, *refusing.assertions, *issuing.issued, *issuing.assertions]
    return {
        leak_id(c): LeakRun(d, secrets, refusing.requests)
        for c, d in zip(LEAK_RUNS, done, strict=True)
    }


@pytest.mark.parametrize("case", [leak_id(run) for run in LEAK_RUNS])
def test_no_secret_or_token_leaks_from_an_echoing_server(
    case: str, leak_runs: dict[str, LeakRun]
) -> None:
    run = leak_runs[case]
    assert run.done.returncode != 0  # the run stopped on the echo
    if "-api-refused-debug" in case:  # the API's echoing body is logged, masked
        assert f"HTTP 401 from {ECHO_HOST}" in run.output
        assert MASK in run.output, run.output[-3000:]
    leaks = [s for s in run.secrets for form in encodings(s) if form in run.output]
    assert leaks == []


def test_the_leak_runs_saw_tokens_and_the_own_handler(leak_runs: dict[str, LeakRun]) -> None:
    # Each provider that got a token asked for a second one after the API refused the first.
    tokens = [s for s in next(iter(leak_runs.values())).secrets if s.startswith("ya29.issued/")]
    assert len(tokens) == 2 * 3 * 2  # 3 blocks, 2 runs each, 2 tokens per run
    # Each of the 8 token-refused runs sent its credentials to the echo at least once.
    assert next(iter(leak_runs.values())).token_requests >= 8
    own = leak_runs["microsoft-token-refused-debug-own-handler"].done.stderr
    assert '"logger_name":"tap-calinstances"' in own


def test_public_fields_of_the_service_account_key_stay_readable(
    leak_runs: dict[str, LeakRun],
) -> None:
    output = leak_runs["google_sa-token-refused-info"].output
    assert f"the token endpoint refused the credentials for {SUBJECT}" in output
    assert f"with the scope {SCOPE}" in output
