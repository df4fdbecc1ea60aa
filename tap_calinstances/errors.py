"""How the tap reacts to provider errors: one vocabulary, filled by each provider's table.

Each provider classifies a response once (status, body code, reason) into a :class:`Verdict`;
the base stream acts on the verdict. Messages always say what the user can do.

How a failure ends the process is decided here too, once: each exception class that can
stop a run carries its ``exit_code`` (see :func:`exit_code`), so that schedulers can tell a
configuration to fix from a provider to wait for.
"""

from __future__ import annotations

import enum
import ssl
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

    exit_code = EXIT_PROVIDER


class AuthError(ProviderError):
    """Credentials were refused by the token endpoint or the API."""


class MalformedResponseError(ProviderError):
    """The provider answered something that is not what its API documents."""


class HostUnreachable(ProviderError):
    """Nothing answers at a configured host (refused, unknown name, TLS failure): retrying
    for minutes would not help, the setting that names the host is wrong."""


class SkipResource(Exception):
    """A calendar or series cannot be read (deleted, forbidden): warn and continue."""


class ListingExpired(Exception):
    """The provider expired a page or sync token: the listing must start again."""


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
