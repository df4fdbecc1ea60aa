"""Against servers that misbehave on purpose (loopback only): redirects never carry a
credential anywhere, a server that never answers costs the configured deadlines and no
more, and whatever a body holds, the run ends with a message naming the endpoint."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tap_calinstances.errors import (
    EXIT_PARTIAL,
    EXIT_PROVIDER,
    AuthError,
    PartialFailure,
    ProviderError,
)
from tap_calinstances.sandbox import Sandbox
from tests import hostile
from tests.harness import attempt_tap
from tests.hostile import CUT, STALL, Reply, Seen

PROVIDERS = ("google", "microsoft", "feishu")
QUARTER = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}
OPS = "ops#oncall@group.calendar.sandbox.example"
OPS_EVENTS = f"/google/calendar/v3/calendars/{quote(OPS, safe='')}/events"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sb:
        yield sb


@pytest.fixture
def proxy(sandbox: Sandbox) -> Iterator[Any]:
    with hostile.serving(sandbox.url) as server:
        yield server


@pytest.fixture
def bystander() -> Iterator[Any]:
    with hostile.serving() as server:
        yield server


def through(proxy: Any, sandbox: Sandbox, provider: str, **settings: Any) -> dict[str, Any]:
    """A config whose every URL points at the proxy."""
    config = sandbox.tap_config(providers=[provider], **QUARTER)
    block = config[provider]
    for key in ("api_url", "token_url"):
        if key in block:
            block[key] = block[key].replace(sandbox.url, proxy.url)
    return {**config, **settings}


def token_request(seen: Seen) -> bool:
    return seen.method == "POST"


def secrets_of(config: dict[str, Any]) -> list[str]:
    block = next(v for v in config.values() if isinstance(v, dict))
    return [v for k, v in block.items() if "secret" in k or k == "refresh_token"]


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_redirected_token_request_sends_nothing_to_the_other_host(
    sandbox: Sandbox, proxy: Any, bystander: Any, provider: str, status: int
) -> None:
    proxy.rule = lambda seen: (
        Reply(status, headers={"Location": bystander.url + "/token"})
        if token_request(seen)
        else None
    )
    config = through(proxy, sandbox, provider)
    run = attempt_tap(config)
    assert bystander.seen == []
    assert isinstance(run.error, AuthError) and run.error.exit_code == EXIT_PROVIDER
    message = str(run.error)
    assert f"{provider}: the token endpoint (POST {proxy.url}/" in message
    assert f"HTTP {status}, a redirect to {bystander.url}" in message
    assert not any(secret in message for secret in secrets_of(config))
    assert [seen.method for seen in proxy.seen] == ["POST"]  # refused once, never retried


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_redirected_api_request_sends_no_token_to_the_other_host(
    sandbox: Sandbox, proxy: Any, bystander: Any, provider: str, status: int
) -> None:
    proxy.rule = lambda seen: (
        None
        if token_request(seen)
        else Reply(status, headers={"Location": bystander.url + seen.path})
    )
    run = attempt_tap(through(proxy, sandbox, provider))
    assert bystander.seen == []
    assert isinstance(run.error, ProviderError) and run.error.exit_code == EXIT_PROVIDER
    message = str(run.error)
    assert f"{provider}: HTTP {status} on " in message and "(GET /" in message
    assert f"a redirect to {bystander.url}. The tap never follows redirects" in message


@pytest.mark.parametrize(
    ("provider", "stalled"),
    [("google", "token endpoint"), ("microsoft", "API"), ("feishu", "API")],
)
def test_a_server_that_never_answers_costs_the_deadlines_and_no_more(
    sandbox: Sandbox, proxy: Any, provider: str, stalled: str
) -> None:
    on_token = stalled == "token endpoint"
    proxy.rule = lambda seen: STALL if token_request(seen) == on_token else None
    deadlines = {"connect_timeout_seconds": 1, "read_timeout_seconds": 0.5}
    started = time.monotonic()
    run = attempt_tap(through(proxy, sandbox, provider, **deadlines, retry_budget_seconds=2))
    elapsed = time.monotonic() - started
    # The budget, one more attempt's timeouts, and a second of slack for a loaded machine.
    assert elapsed < 2 + 1 + 0.5 + 1
    assert isinstance(run.error, ProviderError) and run.error.exit_code == EXIT_PROVIDER
    assert f"no request to {provider} succeeded for 2 s" in str(run.error)
    assert "ReadTimeout" in str(run.error)
    stalls = [s for s in proxy.seen if token_request(s) == on_token]
    assert len(stalls) >= 2  # a stalled request is retried like a reset


def google_rule(path: str, reply: Any) -> Any:
    """Misbehave on requests to ``path`` (a prefix); forward the rest."""
    return lambda seen: reply(seen) if seen.path.startswith(path) else None


def test_retry_after_nan_is_ignored_and_the_request_retried(sandbox: Sandbox, proxy: Any) -> None:
    answered = itertools.count()
    nan = Reply(429, b'{"error": {"code": 429, "errors": [{"reason": "rateLimitExceeded"}]}}',
                {"Retry-After": "NaN", "Content-Type": "application/json"})  # fmt: skip
    proxy.rule = google_rule(OPS_EVENTS, lambda _s: nan if next(answered) == 0 else None)
    run = attempt_tap(through(proxy, sandbox, "google"))
    assert run.error is None
    assert len(run.records("google_instances")) == 78


def test_a_page_cut_short_in_its_body_is_read_again(sandbox: Sandbox, proxy: Any) -> None:
    # Bodies are read whole, in one go (transport.py): a hang-up halfway through one is
    # still a connection problem, retried, and never half a page of records.
    answered = itertools.count()
    proxy.rule = google_rule(OPS_EVENTS, lambda _s: CUT if next(answered) == 0 else None)
    run = attempt_tap(through(proxy, sandbox, "google"))
    assert run.error is None
    assert len(run.records("google_instances")) == 78
    assert "connection problem (ChunkedEncodingError)" in run.stderr
    ops = [s.path for s in proxy.seen if s.path.startswith(OPS_EVENTS)]
    assert ops.count(ops[0]) == 2  # the page cut short, then whole


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html><body>Sign in to continue</body></html>", "the answer is not a JSON object"),
        (b'{"token_type": "Bearer", "expires_in": 3599}', "the answer has no access_token"),
        (b'{"access_token": "ya29.x", "expires_in": "soon"}', "expires_in is not a number"),
        (b'{"access_token": "ya29.x", "expires_in": 1e30}', "expires_in is not a number"),
    ],
    ids=["html", "no-token", "expires-soon", "expires-in-1e30-seconds"],
)
def test_a_token_answer_without_a_usable_token_stops_naming_the_token_endpoint(
    sandbox: Sandbox, proxy: Any, body: bytes, problem: str
) -> None:
    proxy.rule = lambda seen: Reply(200, body) if token_request(seen) else None
    config = through(proxy, sandbox, "google")
    run = attempt_tap(config)
    assert isinstance(run.error, AuthError)
    message = str(run.error)
    assert message.startswith(f"google: the token endpoint (POST {proxy.url}/google/token)")
    assert problem in message and "google.token_url" in message
    assert not any(secret in message for secret in secrets_of(config))


DEEP_JSON = b"[" * 200_000 + b"]" * 200_000  # deeper than any decoder's recursion allows
EVENTS = "GET /calendars/{calendar_id}/events"
INSTANCES = "GET /calendars/{calendar_id}/events/{series_id}/instances"


@pytest.mark.parametrize(
    ("endpoint", "answer", "requests_seen", "said"),
    [
        (EVENTS, lambda _n: Reply(200, DEEP_JSON), 1, "malformed response"),
        (EVENTS, lambda _n: Reply(200, b'{"items": [], "nextPageToken": "again"}'), 2,
         "the same page token came back twice"),
        (EVENTS, lambda n: Reply(200, b'{"items": [], "nextPageToken": "t%d"}' % n), 26,
         "26 empty pages in a row"),
        (EVENTS, lambda n: Reply(200, b'{"items": [], "nextPageToken": "t%d"}' % (n % 2)), 3,
         "a page token came back that was already followed"),
        (INSTANCES, lambda _n: Reply(200, DEEP_JSON), 1, "malformed response"),
        (INSTANCES, lambda _n: Reply(200, b'{"items": [{"id": 7}]}'), 1, "malformed response"),
    ],
    ids=["deep-json", "same-token", "endless-empty-pages", "token-cycle",
         "instances-deep-json", "instances-odd-item"],
)  # fmt: skip
def test_a_calendar_answering_nonsense_is_skipped_by_name_and_the_rest_is_read(
    sandbox: Sandbox, proxy: Any, endpoint: str, answer: Any, requests_seen: int, said: str
) -> None:
    served = itertools.count()

    def misbehave(_seen: Seen) -> Reply | None:
        number = next(served)
        # At most 100 answers: a tap without its bounds ends instead of running forever.
        return answer(number) if number < 100 else None

    instances = endpoint == INSTANCES
    proxy.rule = lambda seen: (
        misbehave(seen)
        if seen.path.startswith(OPS_EVENTS) and ("/instances" in seen.path) == instances
        else None
    )
    run = attempt_tap(through(proxy, sandbox, "google"))
    error = run.error
    assert isinstance(error, PartialFailure) and error.exit_code == EXIT_PARTIAL
    (failure,) = error.failures
    assert failure.calendar == OPS
    assert failure.endpoint == endpoint
    assert said in failure.reason
    listing = [s for s in proxy.seen if s.path.startswith(OPS_EVENTS)]
    assert len([s for s in listing if ("/instances" in s.path) == instances]) == requests_seen
    # The other calendar was read whole and claimed; the failed one was not.
    assert {r["calendar_id"] for r in run.records("google_instances")} == {"alex@sandbox.example"}
    claimed = json.dumps(run.last_state)
    assert "alex@sandbox.example" in claimed and "ops#oncall" not in claimed
