"""What every provider's OAuth authenticator shares: host pinning, early refresh, one token
request at a time, and a strict reading of the token endpoint's answer.

Providers combine :class:`TokenPolicy` with the SDK authenticator that fits their grant
(``OAuthAuthenticator``, ``OAuthJWTAuthenticator``); one instance lives per credential and
principal for the whole run, so a token is fetched once and reused until it expires.

A token request is one attempt: a transient failure (429, 5xx, a reset, a timeout) raises
:class:`~tap_calinstances.errors.TokenTrouble`, which the request machinery retries like any
other request, within the same budget; a refusal raises :class:`AuthError` with what to fix.
"""

from __future__ import annotations

import datetime
import logging
import math
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from singer_sdk.authenticators import OAuthAuthenticator
from typing_extensions import override

from tap_calinstances import redaction, transport
from tap_calinstances.errors import Action, AuthError, TokenTrouble, Verdict
from tap_calinstances.settings import Deadlines
from tap_calinstances.transport import origin

log = logging.getLogger("tap-calinstances")
# Refresh this long before the provider's expiry, so a token never dies mid-request.
EXPIRY_MARGIN = datetime.timedelta(seconds=60)
# A token said to live longer than this is not believed (and would overflow a timedelta).
MAX_TOKEN_LIFETIME_SECONDS = 366 * 24 * 3600
# OAuth 2.0 error codes (RFC 6749 5.2 and its registry) that mean "try again later".
TRANSIENT_OAUTH_ERRORS = frozenset({"temporarily_unavailable", "server_error"})
# Error codes are short identifiers; anything else in their place is not repeated.
_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class TokenPolicy(OAuthAuthenticator):
    """Mixin for the SDK's OAuth authenticators (put it first in the bases).

    One instance serves every worker thread that uses its credential: a lock makes sure a
    token is fetched once, not once per thread that found it missing; threads that waited
    while a fetch failed share that failure instead of each trying again at once.
    """

    expiry_margin = EXPIRY_MARGIN
    token_field = "access_token"  # noqa: S105 (a field name)
    expiry_field = "expires_in"
    # Per OAuth error code, what to fix when it is not the general advice.
    advice_by_error: Mapping[str, str] = {}

    def __init__(
        self,
        *args: Any,
        provider: str,
        api_url: str,
        principal: str,
        advice: str,
        url_setting: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.principal = principal
        self.advice = advice
        self.url_setting = url_setting  # the setting that decides the token URL
        self.timeout = Deadlines().timeout  # the run sets its own
        self._api_origin = origin(api_url)
        self._lock = threading.Lock()
        self._troubles = 0
        self._trouble: TokenTrouble | None = None
        self._refused: str | None = None
        # Per token fetched (numbered from 1): [requests that carried it, answered, accepted].
        self._token_number = 0
        self._tally: dict[int, list[int]] = {}

    @property
    def endpoint(self) -> str:
        """The token endpoint as messages name it: method, origin and path, no query."""
        parts = urlsplit(self.auth_endpoint)
        return f"POST {parts.scheme}://{parts.netloc}{parts.path}"

    @override
    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self.sign(request)
        return request

    def sign(self, request: requests.PreparedRequest) -> int:
        """Put the bearer token on ``request`` (fetching one if needed); returns the token's
        number, for :meth:`answered` and :meth:`refused`."""
        # The bearer token only ever goes to the configured API host (contract section 6).
        if origin(request.url or "") != self._api_origin:
            raise AuthError(
                f"{self.provider}: refusing to send credentials to {origin(request.url or '')}; "
                f"only {self._api_origin} (the configured api_url) receives them",
                provider=self.provider,
            )
        seen = self._troubles
        with self._lock:
            if self._refused is not None:  # refused once: asking again cannot help
                raise AuthError(self._refused, provider=self.provider, endpoint=self.endpoint)
            if not self.is_token_valid():
                if self._troubles != seen and self._trouble is not None:
                    trouble = self._trouble  # failed while this thread waited: same answer
                    raise TokenTrouble(str(trouble), trouble.wait_seconds) from trouble.__cause__
                try:
                    self.update_access_token()
                except TokenTrouble as exc:
                    self._troubles += 1
                    self._trouble = exc
                    raise
                except AuthError as exc:
                    self._refused = str(exc)
                    raise
                self._token_number += 1
                self._tally = {n: c for n, c in self._tally.items() if n > self._token_number - 8}
            super().authenticate_request(request)
            self._tally.setdefault(self._token_number, [0, 0, 0])[0] += 1
            return self._token_number

    def answered(self, number: int, *, accepted: bool) -> None:
        """A request that carried token ``number`` got its answer (a 401: not accepted)."""
        with self._lock:
            tally = self._tally.get(number)
            if tally is not None:
                tally[1] += 1
                tally[2] += accepted

    def refused(self, number: int) -> bool:
        """Whether token ``number`` is refused outright: every request that carried it got
        its answer, and none was accepted. A token that served requests and then got a 401
        merely expired (tokens die early too: revocation, clock skew)."""
        with self._lock:
            carried, answers, accepted = self._tally.get(number, (0, 0, 1))
            return answers >= carried and not accepted

    # A token is a secret from the moment it arrives: whoever stores it (the SDK's
    # update_access_token or a provider's own) registers it for masking in every log.
    @property
    def access_token(self) -> str | None:
        return self._access_token

    @access_token.setter
    def access_token(self, value: str | None) -> None:
        redaction.register(value)
        self._access_token = value

    @override
    def is_token_valid(self) -> bool:
        if self.access_token is None or self.last_refreshed is None:
            return False
        if not self.expires_in:
            return True
        lifetime = datetime.timedelta(seconds=self.expires_in)
        # A token that lives less than twice the margin is still used for half its life.
        margin = min(self.expiry_margin, lifetime / 2)
        age = datetime.datetime.now(datetime.UTC) - self.last_refreshed
        return age + margin < lifetime

    def invalidate(self, refused: str | None = None) -> None:
        """Forget the token, so that the next request fetches a new one. ``refused`` is the
        Authorization header a refused request carried: requests in flight together see
        one expiry together, and a token another worker already fetched is kept, so that
        one expiry costs one new token."""
        with self._lock:
            if refused is not None and refused != f"Bearer {self.access_token}":
                return
            self.access_token = None
            self.last_refreshed = None

    # -- one token request ------------------------------------------------------------------

    def token_request(self) -> dict[str, Any]:
        """Keyword arguments of the token POST: OAuth 2.0's form-encoded body."""
        return {"data": self.oauth_request_payload, "headers": self._oauth_headers}

    def reason(self, body: Any) -> str | None:
        """The error code of an OAuth error answer (``invalid_grant``), if it has one."""
        error = body.get("error") if isinstance(body, Mapping) else None
        return error if isinstance(error, str) and _CODE.fullmatch(error) else None

    def refusal(self, status: int, body: Any, response: requests.Response) -> Verdict | None:
        """The token endpoint's error table: None when the answer should hold a token."""
        reason = self.reason(body)
        if status < 300:
            return None
        if status in (408, 429) or status >= 500 or reason in TRANSIENT_OAUTH_ERRORS:
            hint = transport.seconds(response.headers.get("Retry-After"))
            return Verdict(Action.RETRY, reason or f"HTTP {status}", wait_seconds=hint)
        return Verdict(
            Action.FAIL,
            reason or "no error code",
            self.advice_by_error.get(reason or "", self.advice),
        )

    @override
    def update_access_token(self) -> None:
        if not transport.allowed(self.auth_endpoint):
            raise AuthError(
                f"{self.provider}: refusing to send credentials to {origin(self.auth_endpoint)}:"
                f" {self.url_setting} must be an https:// URL",
                provider=self.provider,
            )
        requested = datetime.datetime.now(datetime.UTC)
        log.debug("%s: fetching an access token for %s", self.provider, self.principal)
        try:
            # Not the SDK's session: it retries inside urllib3 (10 times per stalled
            # request) and follows redirects with the client secret in the body.
            response = transport.session(self.auth_endpoint).post(
                self.auth_endpoint,
                timeout=self.timeout,
                allow_redirects=False,  # the next hop would receive the credentials
                hooks={"response": [redaction.log_error_body]},  # bodies at DEBUG only
                **self.token_request(),
            )
        except transport.FAILED as exc:
            problem = transport.for_good(exc, self.url_setting)
            if problem:
                message = f"{self.provider}: the token endpoint ({self.endpoint}): {problem}"
                raise AuthError(message, provider=self.provider, endpoint=self.endpoint) from exc
            raise TokenTrouble(
                f"{self.provider}: connection problem ({type(exc).__name__}) on the token "
                f"endpoint ({self.endpoint})",
                None,
            ) from exc
        status = response.status_code
        try:
            body: Any = transport.decode_json(response.content)
        except ValueError:
            body = None
        if 300 <= status < 400:
            raise AuthError(
                f"{self.provider}: the token endpoint ({self.endpoint}) answered HTTP {status}, "
                f"a redirect to {transport.redirect_target(response)}. The tap never follows "
                f"redirects (the credentials would go along): set {self.url_setting} to the "
                "URL that answers itself",
                provider=self.provider,
                endpoint=self.endpoint,
            )
        verdict = self.refusal(status, body, response)
        if verdict is not None and verdict.action is Action.RETRY:
            raise TokenTrouble(
                f"{self.provider}: HTTP {status} {verdict.reason} from the token endpoint "
                f"({self.endpoint})",
                verdict.wait_seconds,
            )
        if verdict is not None:
            raise AuthError(
                f"{self.provider}: the token endpoint refused the credentials for "
                f"{self.principal} ({self.endpoint}, HTTP {status}, {verdict.reason}): "
                f"{verdict.advice}",
                provider=self.provider,
                endpoint=self.endpoint,
            )
        self.access_token, self.expires_in = self._answer(status, body)
        self.last_refreshed = requested

    def _answer(self, status: int, body: Any) -> tuple[str, int | None]:
        """The token and its lifetime in seconds, or an error naming what is wrong."""
        problem = None
        token = body.get(self.token_field) if isinstance(body, Mapping) else None
        if not isinstance(body, Mapping):
            problem = "the answer is not a JSON object"
        elif not isinstance(token, str) or not token.strip():
            problem = f"the answer has no {self.token_field}"
        else:
            try:
                return token, lifetime_seconds(body.get(self.expiry_field))
            except ValueError:
                problem = f"its {self.expiry_field} is not a number of seconds"
        raise AuthError(
            f"{self.provider}: the token endpoint ({self.endpoint}) answered HTTP {status} "
            f"without a usable token: {problem}. Check that {self.url_setting} points at "
            "the token endpoint itself, not at a login page or a proxy",
            provider=self.provider,
            endpoint=self.endpoint,
        )


def lifetime_seconds(value: Any) -> int | None:
    """``expires_in`` as whole seconds: a number or a string of digits (Azure AD's v1
    endpoints send strings); None when absent (the token serves until a 401)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("not a number")
    if not 0 < value <= MAX_TOKEN_LIFETIME_SECONDS:
        raise ValueError("out of range")
    return max(1, int(value))
