"""What every provider's OAuth authenticator shares: host pinning, early refresh, clear errors.

Providers combine :class:`TokenPolicy` with the SDK authenticator that fits their grant
(``OAuthAuthenticator``, ``OAuthJWTAuthenticator``); one instance lives per credential and
principal for the whole run, so a token is fetched once and reused until it expires.
"""

from __future__ import annotations

import datetime
import json
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
from singer_sdk.authenticators import OAuthAuthenticator
from typing_extensions import override

from tap_calinstances import redaction
from tap_calinstances.errors import AuthError

# Refresh this long before the provider's expiry, so a token never dies mid-request.
EXPIRY_MARGIN = datetime.timedelta(seconds=60)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class TokenPolicy(OAuthAuthenticator):
    """Mixin for the SDK's OAuth authenticators (put it first in the bases).

    One instance serves every worker thread that uses its credential: a lock makes sure a
    token is fetched once, not once per thread that found it missing.
    """

    expiry_margin = EXPIRY_MARGIN

    def __init__(
        self, *args: Any, provider: str, api_url: str, principal: str, advice: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        self.principal = principal
        self.advice = advice
        self._api_origin = origin(api_url)
        self._lock = threading.Lock()

    @override
    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        # The bearer token only ever goes to the configured API host (contract section 6).
        if origin(request.url or "") != self._api_origin:
            raise AuthError(
                f"{self.provider}: refusing to send credentials to {origin(request.url or '')}; "
                f"only {self._api_origin} (the configured api_url) receives them"
            )
        with self._lock:
            return super().authenticate_request(request)

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
        age = datetime.datetime.now(datetime.UTC) - self.last_refreshed
        return age + self.expiry_margin < datetime.timedelta(seconds=self.expires_in)

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

    @override
    def handle_error(self, *, content: str, status_code: int | None) -> None:
        raise AuthError(
            f"{self.provider}: the token endpoint refused the credentials for {self.principal} "
            f"(HTTP {status_code}, {_oauth_error(content)}): {self.advice}"
        )


def _oauth_error(content: str) -> str:
    """The OAuth error code and description; token endpoints never echo the secret."""
    try:
        body = json.loads(content)
    except ValueError:
        return "no JSON body"
    if not isinstance(body, dict):
        return "unexpected body"
    error = body.get("error")
    if isinstance(error, dict):  # some endpoints nest it
        error = error.get("status") or error.get("message")
    description = body.get("error_description") or body.get("msg") or ""
    return f"{error}: {description}".strip(": ") or "no error code"
