"""How the tap reacts to provider errors: one vocabulary, filled by each provider's table.

Each provider classifies a response once (status, body code, reason) into a :class:`Verdict`;
the base stream acts on the verdict. Messages always say what the user can do.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError


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
    """A failure the tap cannot work around; the message says what to do."""


class AuthError(ProviderError):
    """Credentials were refused by the token endpoint or the API."""


class MalformedResponseError(ProviderError):
    """The provider answered something that is not what its API documents."""


class SkipResource(Exception):
    """A calendar or series cannot be read (deleted, forbidden): warn and continue."""


class ListingExpired(Exception):
    """The provider expired a page or sync token: the listing must start again."""
