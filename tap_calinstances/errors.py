"""How the tap reacts to provider errors: one vocabulary, filled by each provider's table.

Each provider classifies a response once (status, body code, reason) into a :class:`Verdict`;
the request machinery acts on the verdict. Messages always say what the user can do.

What the process exits with, whoever presents these errors:

- ``EXIT_INVALID_CONFIG`` (2): the configuration was refused before any request;
- ``EXIT_STOPPED`` (3): a provider failure stopped the whole run (credentials, permissions,
  a request the provider rejects, a provider that stopped answering altogether);
- ``EXIT_PARTIAL`` (4): the run finished, but some calendars could not be read (they stay
  unclaimed in STATE, so the next run reads them again).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

EXIT_INVALID_CONFIG = 2
EXIT_STOPPED = 3
EXIT_PARTIAL = 4


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

    exit_code = EXIT_STOPPED

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

    def line(self) -> str:
        return f"{self.provider} calendar {self.calendar} ({self.endpoint}): {self.reason}"


class PartialFailure(Exception):
    """Every stream was synced, but some calendars could not be read."""

    exit_code = EXIT_PARTIAL

    def __init__(self, failures: Sequence[Failure]) -> None:
        self.failures = tuple(failures)
        count = len(self.failures)
        lines = "\n".join(f"  - {failure.line()}" for failure in self.failures)
        super().__init__(
            f"{count} calendar{'s' if count != 1 else ''} could not be read; every other "
            "calendar was read and STATE is valid. The failed ones stay unclaimed in STATE, "
            f"so the next run reads them again:\n{lines}"
        )
