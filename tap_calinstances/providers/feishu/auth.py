"""Feishu's tenant access token: JSON in, the token at the top level of the answer."""

from __future__ import annotations

import datetime
from typing import Any

from singer_sdk.authenticators import OAuthAuthenticator
from typing_extensions import override

from tap_calinstances.auth import TokenPolicy
from tap_calinstances.errors import AuthError
from tap_calinstances.providers.feishu.settings import FeishuSettings

ADVICE = (
    "check feishu.app_id and feishu.app_secret (the app's credentials page), that the app "
    "is a self-built app of this tenant, and that the calendar scopes "
    "(calendar:calendar:readonly) are granted and published"
)


class TenantAccessToken(TokenPolicy, OAuthAuthenticator):
    # Feishu hands back the same token until under 30 minutes remain: renew well before.
    expiry_margin = datetime.timedelta(minutes=5)

    def __init__(self, settings: FeishuSettings) -> None:
        super().__init__(
            provider="feishu",
            api_url=settings.api_url,
            principal=f"the app {settings.app_id}",
            advice=ADVICE,
            auth_endpoint=settings.token_url,
            client_id=settings.app_id,
            client_secret=settings.app_secret,
        )

    @property
    @override
    def oauth_request_body(self) -> dict[str, Any]:
        return {"app_id": self.client_id, "app_secret": self.client_secret}

    @override
    def update_access_token(self) -> None:
        requested = datetime.datetime.now(datetime.UTC)
        response = self._session.post(self.auth_endpoint, json=self.oauth_request_body, timeout=60)
        try:
            body = response.json()
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or body.get("code") != 0
            or not body.get("tenant_access_token")
        ):
            code = body.get("code") if isinstance(body, dict) else None
            message = body.get("msg") if isinstance(body, dict) else None
            raise AuthError(
                f"feishu: the token endpoint refused {self.principal} (HTTP "
                f"{response.status_code}, code {code}: {message or 'no message'}): {ADVICE}"
            )
        self.access_token = str(body["tenant_access_token"])
        self.expires_in = int(body.get("expire") or 7200)
        self.last_refreshed = requested
