"""Google's two grants: a user's refresh token, or a service account's signed JWT."""

from __future__ import annotations

from typing import Any

import jwt
from singer_sdk.authenticators import OAuthAuthenticator, OAuthJWTAuthenticator
from typing_extensions import override

from tap_calinstances import redaction
from tap_calinstances.auth import TokenPolicy
from tap_calinstances.providers.google.settings import SCOPE, GoogleSettings, Principal


class GoogleRefreshTokenAuth(TokenPolicy, OAuthAuthenticator):
    """``grant_type=refresh_token`` for an installed-app or web OAuth client."""

    def __init__(self, settings: GoogleSettings, principal: Principal) -> None:
        super().__init__(
            provider="google",
            api_url=settings.api_url,
            principal=principal.label,
            advice="the refresh token was revoked or expired, or the client ID and secret do "
            "not belong together: create a new refresh token with the calendar.readonly scope",
            auth_endpoint=settings.token_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
        )
        self._refresh_token = settings.refresh_token

    @property
    @override
    def oauth_request_body(self) -> dict[str, Any]:
        return {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self._refresh_token,
        }


class GoogleServiceAccountAuth(TokenPolicy, OAuthJWTAuthenticator):
    """JWT bearer grant; ``sub`` impersonates a user through domain-wide delegation."""

    def __init__(self, settings: GoogleSettings, principal: Principal) -> None:
        key = settings.service_account or {}
        super().__init__(
            provider="google",
            api_url=settings.api_url,
            principal=principal.label,
            advice="check that the service account key is current and, for impersonation, "
            "that an admin granted domain-wide delegation for the service account's client "
            f"ID with the scope {SCOPE}",
            auth_endpoint=settings.token_url,
            oauth_scopes=SCOPE,
            client_id=str(key.get("client_email")),
            private_key=str(key.get("private_key")),
        )
        self._subject = principal.subject
        self._settings = settings

    @property
    @override
    def oauth_request_body(self) -> dict[str, Any]:
        claims: dict[str, Any] = super().oauth_request_body
        if self._subject:
            claims["sub"] = self._subject
        return claims

    @property
    @override
    def oauth_request_payload(self) -> dict[str, Any]:
        # The SDK hands PyJWT the PEM text, which parses it again for every signature: 3 s
        # of CPU for 102 subjects, measured. The key parsed once serves every subject.
        assertion = jwt.encode(self.oauth_request_body, self._settings.signing_key, "RS256")
        # The signed assertion buys a token at the token endpoint until it expires: a secret.
        redaction.register(assertion)
        return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}


def authenticator(settings: GoogleSettings, principal: Principal) -> TokenPolicy:
    if settings.service_account is not None:
        return GoogleServiceAccountAuth(settings, principal)
    return GoogleRefreshTokenAuth(settings, principal)
