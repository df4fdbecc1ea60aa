"""Feishu's self-built app token: `POST /open-apis/auth/v3/tenant_access_token/internal`.

The answer sits at the top level, not under `data`: `{"code": 0, "msg": "ok",
"tenant_access_token": "t-...", "expire": 7200}`. Asking again returns the same token, with
its remaining lifetime in `expire`, until less than 30 minutes remain; then a new one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from werkzeug.wrappers import Request

from tap_calinstances.sandbox.feishu.dataset import FeishuApp
from tap_calinstances.sandbox.feishu.errors import (
    APP_ID_INVALID,
    APP_SECRET_INVALID,
    json_response,
)
from tap_calinstances.sandbox.provider import TokenResult
from tap_calinstances.sandbox.tokens import TokenStore

TOKEN_LIFETIME_S = 7200
RENEW_BELOW_S = 1800


class TenantTokens:
    def __init__(
        self, app: FeishuApp, tokens: TokenStore, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._app = app
        self._tokens = tokens
        self._clock = clock
        self._lock = threading.Lock()
        self._current: tuple[str, float] | None = None  # token, expires at

    def handle(self, request: Request) -> TokenResult:
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict) or not isinstance(body.get("app_id"), str):
            return self._refuse(APP_ID_INVALID, "invalid param", 400)
        if body["app_id"] != self._app.app_id:
            return self._refuse(APP_ID_INVALID, "app_id is invalid", 400)
        if body.get("app_secret") != self._app.app_secret:
            return self._refuse(APP_SECRET_INVALID, "app secret invalid", 400)
        now = self._clock()
        with self._lock:
            current = self._current
            if (
                current is None
                or current[1] - now < RENEW_BELOW_S
                or not self._tokens.alive(current[0])
            ):
                token = self._tokens.issue(
                    "feishu",
                    self._app.app_id,
                    "tenant",
                    prefix="t-g1044",
                    lifetime_s=TOKEN_LIFETIME_S,
                )
                current = (token, now + TOKEN_LIFETIME_S)
                self._current = current
            token, expires_at = current
        answer = {
            "code": 0,
            "msg": "ok",
            "tenant_access_token": token,
            "expire": int(expires_at - now),
        }
        return TokenResult(json_response(answer), self._app.app_id)

    @staticmethod
    def _refuse(code: int, msg: str, status: int) -> TokenResult:
        return TokenResult(json_response({"code": code, "msg": msg}, status), None)
