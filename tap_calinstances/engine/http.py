"""Requests for every provider: retries, refresh once, skip, restart, host pinning, paging.

Nothing here is kept per call on a shared object: each request's retry count and refresh
flag are locals, so any number of worker threads can use one :class:`Http`. Each thread has
its own ``requests.Session`` (sessions are not guaranteed thread-safe).

Every attempt, token requests included, is bounded by the connect and read timeouts; when
retrying stops (a calendar skipped, or the run stopped) is decided in trouble.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote

import requests

from tap_calinstances import redaction, transport
from tap_calinstances.auth import TokenPolicy
from tap_calinstances.engine.progress import Tally
from tap_calinstances.engine.scheduler import CALENDAR_LISTS, Cancelled, Scheduler
from tap_calinstances.engine.trouble import Trouble
from tap_calinstances.errors import (
    Action,
    AuthError,
    CalendarReadError,
    ListingExpired,
    MalformedResponseError,
    ProviderError,
    SkipResource,
    TokenTrouble,
    Verdict,
    unreachable,
)
from tap_calinstances.providers import Call, Provider
from tap_calinstances.settings import Deadlines
from tap_calinstances.transport import origin

T = TypeVar("T")
log = logging.getLogger("tap-calinstances")

# Retries: exponential from 1 s, at most 60 s apart unless the provider asks for longer;
# the retry budget (a setting) bounds the total.
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_WAIT_SECONDS = 60.0
RETRY_MAX_TRIES = 10
# A listing whose tokens keep expiring is not converging; stop rather than loop.
MAX_LISTING_RESTARTS = 3
# Google and Graph document pages that are empty but link to a next one; a handful in a row
# is seen in practice. More than this is a listing that no longer progresses.
MAX_EMPTY_PAGES = 25


def retry_waits(hint: float | None, attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): the provider's hint when it
    sent one (Retry-After may be fractional; retrying earlier only earns another 429), else
    exponential back-off, capped."""
    if hint is not None:
        return max(hint, 0.0)
    return min(RETRY_BASE_SECONDS * 2**attempt, RETRY_MAX_WAIT_SECONDS)


@dataclass(frozen=True)
class Listing:
    items: list[dict[str, Any]]
    cursor: str | None
    call: Call  # the call that produced it (the fallback, when the first one expired)


class Http:
    """The request machinery of one provider for one run."""

    def __init__(
        self,
        provider: Provider,
        settings: Any,
        scheduler: Scheduler,
        deadlines: Deadlines | None = None,
        tally: Tally | None = None,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.scheduler = scheduler
        self.tally = tally or Tally(provider.name)
        self.deadlines = deadlines or Deadlines()
        self._base = provider.api_url(settings).rstrip("/")
        self._origin = origin(self._base)
        self._tokens: dict[str, TokenPolicy] = {}
        self._tokens_lock = threading.Lock()
        self.trouble = Trouble(provider.name, self._origin, self.deadlines.retry_budget)

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
        raise CalendarReadError(
            f"{self.provider.name}: page tokens of {call.where} kept expiring (GET "
            f"{call.path}, {MAX_LISTING_RESTARTS} restarts); re-run the tap, and report it if "
            "it persists",
            **self._context(call),
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

    def gather(self, calls: Sequence[Call]) -> Iterator[Listing | None]:
        """Several listings at once, each within its principal's budget, handed back in the
        order of ``calls`` as soon as each and those before it are in."""
        futures = [self.run(c.principal, CALENDAR_LISTS, partial(self.listing, c)) for c in calls]
        try:
            for future in futures:
                yield future.result()
        finally:  # a failure stops the run: the listings not yet begun are not wanted
            for future in futures:
                future.cancel()

    def warn(self, message: str) -> None:
        log.warning("%s: %s", self.provider.name, message)

    def note(self, message: str) -> None:
        log.info("%s: %s", self.provider.name, message)

    def malformed(self, call: Call, detail: str) -> MalformedResponseError:
        return MalformedResponseError(
            f"{self.provider.name}: malformed response from GET {call.path} for "
            f"{call.where}: {detail}. STATE emitted so far is valid; re-run the tap, and "
            "report it if it persists",
            **self._context(call),
        )

    def _context(self, call: Call) -> dict[str, str]:
        return {"provider": self.provider.name, "endpoint": f"GET {call.path}", "where": call.where}

    def _runaway(self, call: Call, detail: str) -> CalendarReadError:
        return CalendarReadError(
            f"{self.provider.name}: the listing GET {call.path} of {call.where} does not "
            f"progress: {detail}. Stopped following it; re-run the tap, and report it if it "
            "persists",
            **self._context(call),
        )

    # -- internals ---------------------------------------------------------------------------

    def _url(self, call: Call) -> str:
        # Calendar ids carry '#', '@' and '/': every path segment is percent-encoded whole.
        values = {key: quote(str(value), safe="") for key, value in call.values.items()}
        return self._base + call.path.format_map(values)

    def _pages(self, call: Call) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        paginator = self.provider.paginator()
        url = self._url(call)
        followed: set[str] = set()
        empty = 0
        while not paginator.finished:
            page_url, params = self.provider.page(call, url, paginator.current_value)
            if origin(page_url) != self._origin:
                # A next link elsewhere would carry the bearer token there (contract 6).
                raise ProviderError(
                    f"{self.provider.name}: a paging link of {call.where} ({call.path}) points "
                    f"at {origin(page_url)}, not at the configured api_url; refusing to follow "
                    "it. Check the api_url setting, or a proxy rewriting links",
                    **self._context(call),
                )
            response = self._send(call, page_url, params)
            body = self._body(call, response)
            try:
                items = self.provider.items(body)
                cursor = self.provider.cursor(body)
            except (ValueError, TypeError, AttributeError) as exc:
                raise self.malformed(call, str(exc)) from exc
            yield items, cursor
            if not items and not paginator.continue_if_empty(response):
                return
            empty = 0 if items else empty + 1
            if empty > MAX_EMPTY_PAGES:
                raise self._runaway(call, f"{empty} empty pages in a row, each naming a next one")
            try:
                paginator.advance(response)
            except RuntimeError as exc:  # the SDK's "Loop detected": the same token again
                raise self._runaway(call, "the same page token came back twice") from exc
            token = str(paginator.current_value)
            if paginator.finished:
                return
            if token in followed:
                raise self._runaway(call, "a page token came back that was already followed")
            followed.add(token)

    def _body(self, call: Call, response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()  # decoded once, when the response arrived
        except ValueError as exc:
            raise self.malformed(call, f"the body is {exc}") from exc
        if not isinstance(body, dict):
            raise self.malformed(call, "the body is not a JSON object")
        return body

    def _session(self) -> requests.Session:
        return transport.session(self._base)

    def authenticator(self, principal: str) -> TokenPolicy:
        """One authenticator per credential for the whole run (an app token serves all)."""
        credential = self.provider.credential(self.settings, principal)
        with self._tokens_lock:
            if credential not in self._tokens:
                auth = self.provider.authenticator(self.settings, credential)
                auth.timeout = self.deadlines.timeout
                self._tokens[credential] = auth
            return self._tokens[credential]

    def _send(self, call: Call, url: str, params: dict[str, Any]) -> requests.Response:
        """One request, retried as the provider's error table says."""
        failing: float | None = None  # when this request's first failed attempt was sent
        refreshed = False
        tries = 0
        auth = self.authenticator(call.principal)
        endpoint = f"{call.where} (GET {call.path})"
        if not transport.allowed(url):
            raise ProviderError(
                f"{self.provider.name}: refusing to call {origin(url)} for {endpoint}: only "
                "https:// URLs (http:// to loopback hosts) are called",
                **self._context(call),
            )
        while True:
            answered = self.scheduler.pace(call.principal)
            tries += 1
            self.tally.request()
            attempt = time.monotonic()
            prepared = requests.Request(
                "GET",
                url,
                params=params,
                headers=dict(self.provider.headers),
                hooks={"response": [redaction.log_error_body]},  # bodies at DEBUG only
            ).prepare()
            status = 0
            try:
                token = auth.sign(prepared)  # the first token fetch happens here too
                # A redirect could carry the bearer token to another host: never follow one.
                response = self._session().send(
                    prepared, timeout=self.deadlines.timeout, allow_redirects=False
                )
            except TokenTrouble as exc:
                verdict = Verdict(Action.RETRY, "", wait_seconds=exc.wait_seconds)
                what = f"{exc}, needed for {endpoint}"
                cause = exc.__cause__
                if cause is not None and unreachable(cause):  # no token endpoint there at all
                    what = self.trouble.connection(
                        cause, auth.auth_endpoint, tries, self._context(call)
                    )
            except transport.FAILED as exc:
                problem = transport.for_good(exc, f"{self.provider.name}.api_url")
                if problem:
                    message = f"{self.provider.name}: {origin(url)}, for {endpoint}: {problem}"
                    raise ProviderError(message, **self._context(call)) from exc
                verdict = Verdict(Action.RETRY, "")
                what = self.trouble.connection(exc, url, tries, self._context(call))
            else:
                status = response.status_code
                transport.decode_once(response)
                if 300 <= status < 400:
                    raise ProviderError(
                        f"{self.provider.name}: HTTP {status} on {endpoint}, a redirect to "
                        f"{transport.redirect_target(response)}. The tap never follows "
                        "redirects (the bearer token would go along): set "
                        f"{self.provider.name}.api_url to the URL that answers itself",
                        **self._context(call),
                    )
                found = self.provider.classify(response)
                auth.answered(token, accepted=found is None or found.action is not Action.REFRESH)
                if found is None:
                    self.trouble.over()
                    self.scheduler.succeeded(call.principal)
                    return response
                verdict = found
                what = f"{self.provider.name}: HTTP {status} {verdict.reason} on {endpoint}"
            finally:
                answered()
            if verdict.action is Action.RETRY:
                failing = failing or attempt
                wait = self.trouble.wait(
                    what,
                    retry_waits(verdict.wait_seconds, tries - 1),
                    (tries, RETRY_MAX_TRIES),
                    (failing, attempt),
                    self._context(call),
                )
                if verdict.rate_limited:
                    self.scheduler.slow_down(call.principal, wait)
                log.warning("%s; retry %d in %.1f s", what, tries, wait)
                self.tally.retry()
                if self.scheduler.cancelled.wait(wait):
                    raise Cancelled(self.provider.name)
                continue
            if verdict.action is Action.REFRESH:
                # A fresh token that no request could use means the grant itself is bad;
                # one that served other requests first may just have expired meanwhile.
                if refreshed and auth.refused(token):
                    raise AuthError(
                        f"{what} even with a fresh token: {verdict.advice}", **self._context(call)
                    )
                if tries >= RETRY_MAX_TRIES:
                    raise CalendarReadError(
                        f"{what}: tokens kept expiring, {tries} tries", **self._context(call)
                    )
                refreshed = True
                auth.invalidate(prepared.headers.get("Authorization"))
                log.info("%s; fetching a new token", what)
                continue
            if verdict.action is Action.SKIP and call.skippable:
                raise SkipResource(f"{what}: skipping it. {verdict.advice}".strip())
            if verdict.action is Action.RESTART:
                raise ListingExpired(verdict.reason)
            advice = call.advice if verdict.action is Action.SKIP else verdict.advice
            raise ProviderError(f"{what}: {advice}", **self._context(call))


def list_items(body: Mapping[str, Any], key: str) -> Iterator[dict[str, Any]]:
    """The list under ``key``; absent means an empty page, anything else is malformed."""
    items = body.get(key, [])
    if not isinstance(items, list):
        raise ValueError(f"'{key}' is not a list")
    for item in items:
        if not isinstance(item, dict):
            raise ValueError(f"an item of '{key}' is not an object")
        yield item
