"""Graph's client-credentials grant: one app token for the tenant, shared by every mailbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from singer_sdk.authenticators import OAuthAuthenticator
from typing_extensions import override

from tap_calinstances.auth import TokenPolicy
from tap_calinstances.providers.microsoft.settings import MicrosoftSettings


def _aadsts(body: Any) -> int | None:
    """Azure AD's own error number (``error_codes``), which says more than ``error``."""
    codes = body.get("error_codes") if isinstance(body, Mapping) else None
    first = codes[0] if isinstance(codes, list) and codes else None
    return first if isinstance(first, int) and not isinstance(first, bool) else None


class GraphClientCredentials(TokenPolicy, OAuthAuthenticator):
    def __init__(self, settings: MicrosoftSettings) -> None:
        super().__init__(
            provider="microsoft",
            api_url=settings.api_url,
            principal=f"the app {settings.client_id} in tenant {settings.tenant_id}",
            advice="check microsoft.tenant_id, microsoft.client_id and microsoft.client_secret "
            "(an AADSTS7000215 error means a wrong or expired secret: create a new one under "
            "Certificates & secrets), and that an admin granted the application permissions "
            "Calendars.Read (or Calendars.ReadBasic) and User.Read.All",
            url_setting="microsoft.token_url",
            auth_endpoint=settings.token_url,
            client_id=settings.client_id,
            client_secret=settings.client_secret,
        )
        self._scope = settings.scope

    @override
    def reason(self, body: Any) -> str | None:
        error, number = super().reason(body), _aadsts(body)
        return f"{error or 'error'}: AADSTS{number}" if number is not None else error

    @property
    @override
    def oauth_request_body(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "grant_type": "client_credentials",
            "scope": self._scope,
        }
