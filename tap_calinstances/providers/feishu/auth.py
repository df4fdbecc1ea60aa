"""Feishu's tenant access token: JSON in, the token at the top level of the answer.

`{"code": 0, "msg": "ok", "tenant_access_token": "t-...", "expire": 7200}`; any other
``code`` is an error, also on HTTP 200.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

import requests
from singer_sdk.authenticators import OAuthAuthenticator
from typing_extensions import override

from tap_calinstances import transport
from tap_calinstances.auth import TokenPolicy
from tap_calinstances.errors import Action, Verdict
from tap_calinstances.providers.feishu.settings import FeishuSettings

ADVICE = (
    "check feishu.app_id and feishu.app_secret (the app's credentials page), that the app "
    "is a self-built app of this tenant, and that the calendar scopes "
    "(calendar:calendar:readonly) are granted and published"
)
# The gateway's frequency limit (99991400) and Feishu's generic internal errors: retried.
_TRANSIENT_CODES = frozenset({99991400, 1500, 1503})


class TenantAccessToken(TokenPolicy, OAuthAuthenticator):
    # Feishu hands back the same token until under 30 minutes remain: renew well before.
    expiry_margin = datetime.timedelta(minutes=5)
    token_field = "tenant_access_token"  # noqa: S105 (a field name)
    expiry_field = "expire"

    def __init__(self, settings: FeishuSettings) -> None:
        super().__init__(
            provider="feishu",
            api_url=settings.api_url,
            principal=f"the app {settings.app_id}",
            advice=ADVICE,
            url_setting="feishu.api_url",
            auth_endpoint=settings.token_url,
            client_id=settings.app_id,
            client_secret=settings.app_secret,
        )

    @property
    @override
    def oauth_request_body(self) -> dict[str, Any]:
        return {"app_id": self.client_id, "app_secret": self.client_secret}

    @override
    def token_request(self) -> dict[str, Any]:
        return {"json": self.oauth_request_body}

    @override
    def reason(self, body: Any) -> str | None:
        code = body.get("code") if isinstance(body, Mapping) else None
        return f"code {code}" if isinstance(code, int) and not isinstance(code, bool) else None

    @override
    def refusal(self, status: int, body: Any, response: requests.Response) -> Verdict | None:
        code = body.get("code") if isinstance(body, Mapping) else None
        if status < 300 and code in (0, None):
            return None  # the answer is read for its token (and refused if it has none)
        reason = self.reason(body) or f"HTTP {status}"
        if status == 429 or status >= 500 or code in _TRANSIENT_CODES:
            hint = transport.seconds(
                response.headers.get("x-ogw-ratelimit-reset") or response.headers.get("Retry-After")
            )
            return Verdict(Action.RETRY, reason, wait_seconds=hint)
        return Verdict(Action.FAIL, reason, ADVICE)
