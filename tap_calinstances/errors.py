"""How the tap reacts to provider errors: one vocabulary, filled by each provider's table.

Each provider classifies a response once (status, body code, reason) into a :class:`Verdict`;
the request machinery acts on the verdict. Messages always say what the user can do.

How a failure ends the process is decided here too, once: each exception class that can
stop a run carries its ``exit_code`` (see :func:`exit_code`), so that schedulers can tell a
configuration to fix from a provider to wait for.
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import requests
import urllib3.exceptions
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError

# Exit codes of `tap-calinstances` (the README's "Exit codes" lists them for users).
EXIT_OK = 0
EXIT_UNEXPECTED = 1  # a bug in the tap: report it
EXIT_CONFIG = 2  # invalid configuration, found before any request
EXIT_PROVIDER = 3  # a provider failure stopped the run (credentials, permissions, outage)
EXIT_PARTIAL = 4  # the run finished, but some calendars could not be read

# What the pure functions reading a provider's items raise on an item that is not what the
# API documents (a missing key, a number where a string belongs, a list for an object).
ODD_BODY: tuple[type[Exception], ...] = (
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
)


class Action(enum.Enum):
    RETRY = "retry"  # transient: back off (honouring the provider's hint) and try again
    REFRESH = "refresh"  # the access token was rejected: fetch a new one once, then retry
    SKIP = "skip"  # this calendar or series is gone or forbidden: warn and go on
    RESTART = "restart"  # a page or sync token expired: list again from the beginning
    FAIL = "fail"  # nothing the tap can do: stop with advice


@dataclass(frozen=True)
class Verdict:
    action: Action
    reason: str  # the provider's own word for it, e.g. "rateLimitExceeded"
    advice: str = ""  # what the user can do
    wait_seconds: float | None = None  # the provider's back-off hint, if it sent one
    # The provider said "too many": the principal's pace drops, not only this request's.
    rate_limited: bool = False


class RetryableError(RetriableAPIError):
    """A transient failure, with the provider's back-off hint when there is one."""

    def __init__(
        self, message: str, response: requests.Response | None, wait_seconds: float | None
    ) -> None:
        super().__init__(message, response)
        self.wait_seconds = wait_seconds


class ProviderError(FatalAPIError):
    """A failure the tap cannot work around; the message says what to do.

    ``provider``, ``endpoint`` (method and path template, never a secret) and ``where`` (the
    calendar, or "calendar list") say where it happened, for whoever presents the error.
    """

    exit_code = EXIT_PROVIDER

    def __init__(
        self, message: str, *, provider: str = "", endpoint: str = "", where: str = ""
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.endpoint = endpoint
        self.where = where


class AuthError(ProviderError):
    """Credentials were refused by the token endpoint or the API, or the token endpoint
    answered something that is not a token: nothing the tap can retry its way out of."""


class CalendarReadError(ProviderError):
    """Reading stopped on one listing: retries exhausted, a malformed body, a listing that
    keeps restarting or never progresses. When it happens on one calendar's listings, the
    run skips that calendar and goes on; on a listing the whole run needs (a calendar
    list), it stops the run."""


class MalformedResponseError(CalendarReadError):
    """The provider answered something that is not what its API documents."""


class HostUnreachable(ProviderError):
    """Nothing answers at a configured host (refused, unknown name, TLS failure): retrying
    for minutes would not help, the setting that names the host is wrong."""


class SkipResource(Exception):
    """A calendar or series cannot be read (deleted, forbidden): warn and continue."""


class ListingExpired(Exception):
    """The provider expired a page or sync token: the listing must start again."""


class TokenTrouble(Exception):
    """A token request failed in a way worth retrying (429, 5xx, a reset, a timeout): the
    request that needed the token is retried like after any transient failure."""

    def __init__(self, message: str, wait_seconds: float | None) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class Failure:
    """One calendar the run had to skip, and why."""

    provider: str
    calendar: str
    endpoint: str  # e.g. "GET /calendars/{calendar_id}/events"
    reason: str


class PartialFailure(Exception):
    """Every stream was synced, but some calendars could not be read: each was named in
    an ERROR line when it failed; this is the one line that ends the run."""

    exit_code = EXIT_PARTIAL

    def __init__(self, failures: Sequence[Failure]) -> None:
        self.failures = tuple(failures)
        named = "; ".join(f"{f.provider} calendar {f.calendar} ({f.endpoint})" for f in failures)
        count = len(self.failures)
        super().__init__(
            f"{count} calendar{'s' if count != 1 else ''} could not be read: {named}. Every "
            "other calendar was read; the ones named stay unclaimed in STATE, so the next run "
            "reads them again (the ERROR line of each above says why)"
        )


def unreachable(exc: BaseException) -> str | None:
    """Why a connection could not even be made, when that is the failure: a refused
    connection, a name that does not resolve, a TLS handshake that fails. None for
    failures of a connection that was made (resets, timeouts), which are worth retrying."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, urllib3.exceptions.NameResolutionError):
            return "the host name does not resolve"
        if isinstance(cause, ConnectionRefusedError):
            return "the connection was refused"
        if isinstance(cause, ssl.SSLError | urllib3.exceptions.SSLError):
            return "the TLS handshake failed"
        cause = cause.__cause__ or cause.__context__
    return None


def exit_code(exc: BaseException) -> int:
    """The process exit code for an exception that ended a run."""
    if isinstance(exc, ConfigValidationError):
        return EXIT_CONFIG
    code = getattr(exc, "exit_code", None)
    return code if isinstance(code, int) else EXIT_UNEXPECTED
