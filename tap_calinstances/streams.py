"""The base stream every provider builds on: URL encoding, retries, refresh, skip, restart.

A provider's base stream supplies ``provider``, ``url_base``, ``classify`` (its error table)
and ``authenticator_for`` (one cached authenticator per principal); everything here reads
those and nothing provider-specific.
"""

from __future__ import annotations

import abc
import json
import random
import weakref
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import backoff
import requests
from singer_sdk.exceptions import RetriableAPIError
from singer_sdk.helpers.types import Context
from singer_sdk.streams import RESTStream
from typing_extensions import override

from tap_calinstances.auth import TokenPolicy
from tap_calinstances.errors import (
    Action,
    ListingExpired,
    MalformedResponseError,
    ProviderError,
    RetryableError,
    SkipResource,
    Verdict,
)

if TYPE_CHECKING:
    from backoff.types import Details

# Retries: exponential from 1 s, at most 60 s apart unless the provider asks for longer,
# at most 5 minutes of waiting for any one request.
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_WAIT_SECONDS = 60.0
RETRY_BUDGET_SECONDS = 300.0
RETRY_MAX_TRIES = 10
# A listing whose tokens keep expiring is not converging; stop rather than loop.
MAX_LISTING_RESTARTS = 3


def retry_waits(hint: float | None, attempt: int) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based): the provider's hint when it
    sent one (Retry-After may be fractional; retrying earlier only earns another 429), else
    exponential back-off, capped."""
    if hint is not None:
        return min(max(hint, 0.0), RETRY_BUDGET_SECONDS)
    return min(RETRY_BASE_SECONDS * 2**attempt, RETRY_MAX_WAIT_SECONDS)


class CalendarStream(RESTStream[Any], abc.ABC):
    """Shared behaviour of all streams of all providers."""

    provider: ClassVar[str]
    # STATE is kept per calendar by the tap itself, never one partition per context.
    state_partitioning_keys: ClassVar[list[str]] = []
    # A redirect could carry the bearer token to another host: refuse them.
    allow_redirects = False
    # A forbidden or vanished calendar or series is skipped; a listing the whole run depends
    # on (the calendar list) is not: its 403/404 means a wrong URL or missing access.
    skippable: ClassVar[bool] = True
    unskippable_advice: ClassVar[str] = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._active: Context | None = None
        # Requests already retried with a fresh token (weak: ids of freed requests get reused).
        self._refreshed: weakref.WeakSet[requests.PreparedRequest] = weakref.WeakSet()
        # Whether the last listing was skipped (forbidden, deleted): nothing to claim in STATE.
        self.listing_skipped = False

    # -- provider hooks -------------------------------------------------------------------

    @abc.abstractmethod
    def classify(self, response: requests.Response) -> Verdict | None:
        """The provider's error table: None for a usable response."""

    @abc.abstractmethod
    def authenticator_for(self, context: Context | None) -> TokenPolicy:
        """The run-wide authenticator of the principal that reads ``context``."""

    def describe(self, context: Context | None) -> str:
        """Where a problem happened, for messages: the calendar (never a secret)."""
        calendar = (context or {}).get("calendar_id")
        return f"calendar {calendar}" if calendar else "calendar list"

    # -- requests --------------------------------------------------------------------------

    @property
    @override
    def authenticator(self) -> TokenPolicy:
        return self.authenticator_for(self._active)

    @override
    def get_url(self, context: Context | None) -> str:
        # Calendar ids carry '#', '@' and '/': every path segment is percent-encoded whole.
        values = {key: quote(str(value), safe="") for key, value in (context or {}).items()}
        return self.url_base + (self.path or "").format_map(values)

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        self._active = context
        yield from self.request_records(context)

    @override
    def request_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Pages of one listing; expired tokens restart it without repeating a record."""
        seen: set[str] = set()
        self.listing_skipped = False
        for attempt in range(MAX_LISTING_RESTARTS + 1):
            try:
                for record in super().request_records(context):
                    identity = self.record_identity(record)
                    if identity is not None:
                        if identity in seen:
                            continue
                        seen.add(identity)
                    yield record
                return
            except ListingExpired as exc:
                self.logger.warning(
                    "%s: %s on %s; listing it again from the start (restart %d of %d)",
                    self.provider,
                    exc,
                    self.describe(context),
                    attempt + 1,
                    MAX_LISTING_RESTARTS,
                )
            except SkipResource as exc:
                self.logger.warning("%s", exc)
                self.listing_skipped = True
                return
        raise ProviderError(
            f"{self.provider}: page tokens of {self.describe(context)} kept expiring; "
            "re-run the tap, and report it if it persists"
        )

    def record_identity(self, record: Mapping[str, Any]) -> str | None:
        """An id that tells a repeated item apart after a listing restart (None: keep all)."""
        value = record.get("id")
        return str(value) if value is not None else None

    @override
    def validate_response(self, response: requests.Response) -> None:
        verdict = self.classify(response)
        if verdict is None:
            return
        where = f"{self.describe(self._active)} ({self._endpoint(response)})"
        what = f"{self.provider}: HTTP {response.status_code} {verdict.reason} on {where}"
        if verdict.action is Action.RETRY:
            raise RetryableError(what, response, verdict.wait_seconds)
        if verdict.action is Action.REFRESH:
            if response.request not in self._refreshed:
                # Refresh once for this request; a second 401 means the grant itself is bad.
                self._refreshed.add(response.request)
                self.authenticator.invalidate()
                raise RetryableError(f"{what}; fetching a new token", response, 0.0)
            raise ProviderError(f"{what} even with a fresh token: {verdict.advice}")
        if verdict.action is Action.SKIP and self.skippable:
            raise SkipResource(f"{what}: skipping it. {verdict.advice}".strip())
        if verdict.action is Action.SKIP:
            raise ProviderError(f"{what}: {self.unskippable_advice}")
        if verdict.action is Action.RESTART:
            raise ListingExpired(verdict.reason)
        raise ProviderError(f"{what}: {verdict.advice}")

    def _endpoint(self, response: requests.Response) -> str:
        return f"{response.request.method} {self.path}" if response.request else str(self.path)

    def parse_json(self, response: requests.Response) -> dict[str, Any]:
        """The body as a JSON object, or a clear error naming provider, endpoint and calendar."""
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError) as exc:
            raise self.malformed(response, "the body is not JSON") from exc
        if not isinstance(body, dict):
            raise self.malformed(response, "the body is not a JSON object")
        return body

    def malformed(self, response: requests.Response | None, detail: str) -> MalformedResponseError:
        endpoint = self._endpoint(response) if response is not None else str(self.path)
        return MalformedResponseError(
            f"{self.provider}: malformed response from {endpoint} for "
            f"{self.describe(self._active)}: {detail}. STATE emitted so far is valid; re-run "
            "the tap, and report it if it persists"
        )

    # -- retries (the SDK's hooks, with the provider's hint and a bounded total wait) ------

    @override
    def backoff_wait_generator(self) -> Generator[float, Any, None]:
        def waits() -> Generator[float, Any, None]:
            attempt = 0
            exc = yield 0.0  # backoff primes the generator with send(None)
            while True:
                hint = exc.wait_seconds if isinstance(exc, RetryableError) else None
                exc = yield retry_waits(hint, attempt)
                attempt += 1

        return waits()

    @override
    def backoff_jitter(self, value: float) -> float:
        # Up to 10% on top: spreads concurrent taps without ignoring a provider's hint.
        return value + random.uniform(0, value * 0.1) if value else 0.0

    @override
    def backoff_max_tries(self) -> int:
        return RETRY_MAX_TRIES

    @override
    def request_decorator(self, func: Callable[..., Any]) -> Callable[..., Any]:
        decorated: Callable[..., Any] = backoff.on_exception(
            self.backoff_wait_generator,
            (
                ConnectionResetError,
                RetriableAPIError,
                requests.exceptions.Timeout,
                requests.exceptions.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ),
            max_tries=self.backoff_max_tries,
            max_time=RETRY_BUDGET_SECONDS,
            on_backoff=self.backoff_handler,
            on_giveup=self._give_up,
            jitter=self.backoff_jitter,
            logger=None,
        )(func)
        return decorated

    @override
    def backoff_handler(self, details: Details) -> None:
        exc = details.get("exception")
        self.logger.warning(
            "%s; retry %d in %.1f s", _short(exc), details.get("tries", 0), details.get("wait", 0.0)
        )

    def _give_up(self, details: Details) -> None:
        exc = details.get("exception")
        what = _short(exc)
        if not isinstance(exc, RetriableAPIError):  # our HTTP messages already say where
            what = f"{self.provider}: {what} on {self.describe(self._active)}"
        raise ProviderError(
            f"{what}; gave up after {details.get('tries')} tries in "
            f"{details.get('elapsed', 0.0):.0f} s. The provider is rate limiting or failing: "
            "wait and re-run the tap (STATE so far is valid), or narrow the calendars"
        ) from exc


def _short(exc: BaseException | None) -> str:
    if isinstance(exc, RetriableAPIError):
        return str(exc)
    if exc is None:
        return "request failed"
    # requests' connection errors repeat the URL with its query; the type is what matters.
    return f"connection problem ({type(exc).__name__})"


def list_items(body: Mapping[str, Any], key: str) -> Iterator[dict[str, Any]]:
    """The list under ``key``; absent means an empty page, anything else is malformed."""
    items = body.get(key, [])
    if not isinstance(items, list):
        raise ValueError(f"'{key}' is not a list")
    for item in items:
        if not isinstance(item, dict):
            raise ValueError(f"an item of '{key}' is not an object")
        yield item
