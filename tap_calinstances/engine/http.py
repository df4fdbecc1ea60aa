"""Requests for every provider: retries, refresh once, skip, restart, host pinning, paging.

Nothing here is kept per call on a shared object: each request's retry count and refresh
flag are locals, so any number of worker threads can use one :class:`Http`. Each thread has
its own ``requests.Session`` (sessions are not guaranteed thread-safe).
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote

import msgspec
import requests

from tap_calinstances import redaction
from tap_calinstances.auth import TokenPolicy, origin
from tap_calinstances.engine.progress import Tally
from tap_calinstances.engine.scheduler import Cancelled, Scheduler
from tap_calinstances.errors import (
    Action,
    AuthError,
    HostUnreachable,
    ListingExpired,
    MalformedResponseError,
    ProviderError,
    SkipResource,
    Verdict,
    unreachable,
)
from tap_calinstances.providers import Call, Provider

T = TypeVar("T")
log = logging.getLogger("tap-calinstances")

# Retries: exponential from 1 s, at most 60 s apart unless the provider asks for longer,
# at most 5 minutes of waiting for any one request.
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_WAIT_SECONDS = 60.0
RETRY_BUDGET_SECONDS = 300.0
RETRY_MAX_TRIES = 10
# A host that refuses connections, does not resolve or fails TLS is misconfigured far more
# often than down: a few tries (about 3 s), not minutes of back-off.
UNREACHABLE_TRIES = 3
# A listing whose tokens keep expiring is not converging; stop rather than loop.
MAX_LISTING_RESTARTS = 3
# (connect, read) seconds: a host that does not answer is retried, not waited on forever.
TIMEOUT = (10.0, 60.0)
_TRANSIENT = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ConnectionResetError,
)
_JSON = msgspec.json.Decoder()
# Retry verdicts that mean "too many requests", as opposed to a failing server.
RATE_LIMIT_STATUSES = frozenset({403, 429})


def retry_waits(hint: float | None, attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): the provider's hint when it
    sent one (Retry-After may be fractional; retrying earlier only earns another 429), else
    exponential back-off, capped."""
    if hint is not None:
        return min(max(hint, 0.0), RETRY_BUDGET_SECONDS)
    return min(RETRY_BASE_SECONDS * 2**attempt, RETRY_MAX_WAIT_SECONDS)


@dataclass(frozen=True)
class Listing:
    items: list[dict[str, Any]]
    cursor: str | None
    call: Call  # the call that produced it (the fallback, when the first one expired)


class Http:
    """The request machinery of one provider for one run."""

    def __init__(
        self, provider: Provider, settings: Any, scheduler: Scheduler, tally: Tally | None = None
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.scheduler = scheduler
        self.tally = tally or Tally(provider.name)
        self._base = provider.api_url(settings).rstrip("/")
        self._origin = origin(self._base)
        self._tokens: dict[str, TokenPolicy] = {}
        self._tokens_lock = threading.Lock()
        self._local = threading.local()

    # -- what providers and the run call ----------------------------------------------------

    def run(self, principal: str, priority: int, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn`` (which makes requests for ``principal``) on a worker."""
        return self.scheduler.submit(principal, priority, fn)

    def listing(self, call: Call, fallback: Call | None = None) -> Listing | None:
        """Every item of a paged listing; None when the resource is skipped (gone, forbidden).

        An expired page or sync token restarts the listing from the start: what was
        collected is dropped, so nothing is duplicated and nothing is lost. ``fallback`` is
        the listing to start over with instead (a full listing when a change cursor expired).
        """
        for attempt in range(MAX_LISTING_RESTARTS + 1):
            items: list[dict[str, Any]] = []
            cursor: str | None = None
            try:
                for page, page_cursor in self._pages(call):
                    items += page
                    cursor = page_cursor or cursor
                return Listing(items, cursor, call)
            except ListingExpired as exc:
                if fallback is not None and fallback is not call:
                    log.info("%s: %s on %s; reading it whole", self.provider.name, exc, call.where)
                    call, fallback = fallback, None
                    continue
                log.warning(
                    "%s: %s on %s; listing it again from the start (restart %d of %d)",
                    self.provider.name,
                    exc,
                    call.where,
                    attempt + 1,
                    MAX_LISTING_RESTARTS,
                )
            except SkipResource as exc:
                log.warning("%s", exc)
                self.tally.skipped()
                return None
        raise ProviderError(
            f"{self.provider.name}: page tokens of {call.where} kept expiring "
            f"({call.path}); re-run the tap, and report it if it persists"
        )

    def fetch(self, call: Call) -> dict[str, Any] | None:
        """One object (a lookup by id); None when it is skipped."""
        try:
            response = self._send(call, self._url(call), dict(call.params))
        except SkipResource as exc:
            log.warning("%s", exc)
            self.tally.skipped()
            return None
        return self._body(call, response)

    def gather(self, calls: Sequence[Call], priority: int = -1) -> list[Listing | None]:
        """Several listings at once, each within its principal's budget."""
        futures = [self.run(c.principal, priority, partial(self.listing, c)) for c in calls]
        return [future.result() for future in futures]

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.provider.name, message)

    def note(self, message: str) -> None:
        log.info("%s: %s", self.provider.name, message)

    def malformed(self, call: Call, detail: str) -> MalformedResponseError:
        return MalformedResponseError(
            f"{self.provider.name}: malformed response from GET {call.path} for "
            f"{call.where}: {detail}. STATE emitted so far is valid; re-run the tap, and "
            "report it if it persists"
        )

    # -- internals ---------------------------------------------------------------------------

    def _url(self, call: Call) -> str:
        # Calendar ids carry '#', '@' and '/': every path segment is percent-encoded whole.
        values = {key: quote(str(value), safe="") for key, value in call.values.items()}
        return self._base + call.path.format_map(values)

    def _pages(self, call: Call) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        paginator = self.provider.paginator()
        url = self._url(call)
        while not paginator.finished:
            page_url, params = self.provider.page(call, url, paginator.current_value)
            if origin(page_url) != self._origin:
                # A next link elsewhere would carry the bearer token there (contract 6).
                raise ProviderError(
                    f"{self.provider.name}: a paging link of {call.where} ({call.path}) points "
                    f"at {origin(page_url)}, not at the configured api_url; refusing to follow "
                    "it. Check the api_url setting, or a proxy rewriting links"
                )
            response = self._send(call, page_url, params)
            body = self._body(call, response)
            try:
                items = self.provider.items(body)
            except ValueError as exc:
                raise self.malformed(call, str(exc)) from exc
            yield items, self.provider.cursor(body)
            if not items and not paginator.continue_if_empty(response):
                return
            try:
                paginator.advance(response)
            except RuntimeError as exc:  # the SDK's "Loop detected": the same token again
                raise self.malformed(call, "the same page token came back twice") from exc

    def _body(self, call: Call, response: requests.Response) -> dict[str, Any]:
        try:
            body = _JSON.decode(response.content)  # msgspec: several times json's speed
        except msgspec.DecodeError as exc:
            raise self.malformed(call, "the body is not JSON") from exc
        if not isinstance(body, dict):
            raise self.malformed(call, "the body is not a JSON object")
        # The paginator reads the body again: it gets this one instead of a second parse.
        response.json = lambda **_: body  # type: ignore[method-assign]
        return body

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            # requests reads the proxy variables of the environment on every request (0.6 ms
            # each, measured); they are read once, for the API host, NO_PROXY included.
            session.proxies = dict(requests.utils.get_environ_proxies(self._base))
            session.verify = (
                os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            )
            session.trust_env = False
        return session

    def authenticator(self, principal: str) -> TokenPolicy:
        """One authenticator per credential for the whole run (an app token serves all)."""
        credential = self.provider.credential(self.settings, principal)
        with self._tokens_lock:
            if credential not in self._tokens:
                self._tokens[credential] = self.provider.authenticator(self.settings, credential)
            return self._tokens[credential]

    def _send(self, call: Call, url: str, params: dict[str, Any]) -> requests.Response:
        """One request, retried as the provider's error table says."""
        started = time.monotonic()
        refreshed = False
        tries = 0
        auth = self.authenticator(call.principal)
        while True:
            answered = self.scheduler.pace(call.principal)
            tries += 1
            self.tally.request()
            prepared = requests.Request(
                "GET",
                url,
                params=params,
                headers=dict(self.provider.headers),
                hooks={"response": [redaction.log_error_body]},  # bodies at DEBUG only
            ).prepare()
            try:
                auth.authenticate_request(prepared)
                # A redirect could carry the bearer token to another host: never follow one.
                response = self._session().send(prepared, timeout=TIMEOUT, allow_redirects=False)
            except _TRANSIENT as exc:
                status = 0
                verdict = Verdict(Action.RETRY, "")
                what = self._connection_problem(exc, call, url)
                if tries >= UNREACHABLE_TRIES and unreachable(exc):
                    raise HostUnreachable(
                        f"{what}; gave up after {tries} tries. This looks like a configuration "
                        f"problem: check {self._setting_of(exc, url)}, and that the host is "
                        "reachable from here"
                    ) from exc
            else:
                status = response.status_code
                found = self.provider.classify(response)
                if found is None:
                    self.scheduler.succeeded(call.principal)
                    return response
                verdict = found
                what = (
                    f"{self.provider.name}: HTTP {response.status_code} {verdict.reason} on "
                    f"{call.where} (GET {call.path})"
                )
            finally:
                answered()
            if verdict.action is Action.RETRY:
                wait = retry_waits(verdict.wait_seconds, tries - 1)
                elapsed = time.monotonic() - started
                if tries >= RETRY_MAX_TRIES or elapsed + wait > RETRY_BUDGET_SECONDS:
                    raise ProviderError(
                        f"{what}; gave up after {tries} tries in {elapsed:.0f} s. The provider "
                        "is rate limiting or failing: wait and re-run the tap (STATE so far is "
                        "valid), or narrow the calendars"
                    )
                wait += random.uniform(0, wait * 0.1)  # spreads workers without ignoring a hint
                if status in RATE_LIMIT_STATUSES:
                    self.scheduler.slow_down(call.principal, wait)
                log.warning("%s; retry %d in %.1f s", what, tries, wait)
                self.tally.retry()
                if self.scheduler.cancelled.wait(wait):
                    raise Cancelled(self.provider.name)
                continue
            if verdict.action is Action.REFRESH:
                if refreshed:  # a second 401 means the grant itself is bad
                    raise AuthError(f"{what} even with a fresh token: {verdict.advice}")
                refreshed = True
                auth.invalidate(prepared.headers.get("Authorization"))
                log.info("%s; fetching a new token", what)
                continue
            if verdict.action is Action.SKIP and call.skippable:
                raise SkipResource(f"{what}: skipping it. {verdict.advice}".strip())
            if verdict.action is Action.RESTART:
                raise ListingExpired(verdict.reason)
            advice = call.advice if verdict.action is Action.SKIP else verdict.advice
            raise ProviderError(f"{what}: {advice}")

    def _connection_problem(self, exc: BaseException, call: Call, url: str) -> str:
        host = origin(getattr(getattr(exc, "request", None), "url", None) or url)
        why = unreachable(exc)
        if why:
            return f"{self.provider.name}: cannot reach {host} ({why}) for {call.where}"
        return (
            f"{self.provider.name}: connection problem ({type(exc).__name__}) with {host} "
            f"on {call.where}"
        )

    def _setting_of(self, exc: BaseException, url: str) -> str:
        """The setting that names the host a connection failed to (API or token endpoint)."""
        failed = getattr(getattr(exc, "request", None), "url", None) or url
        key = "api_url" if origin(failed) == self._origin else "token_url"
        return f"{self.provider.name}.{key}"


def list_items(body: Mapping[str, Any], key: str) -> Iterator[dict[str, Any]]:
    """The list under ``key``; absent means an empty page, anything else is malformed."""
    items = body.get(key, [])
    if not isinstance(items, list):
        raise ValueError(f"'{key}' is not a list")
    for item in items:
        if not isinstance(item, dict):
            raise ValueError(f"an item of '{key}' is not an object")
        yield item
