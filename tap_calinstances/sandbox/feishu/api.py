"""Feishu / Lark Open Platform calendar v4, as served by the sandbox under `/open-apis`.

Feishu's own root path is `/open-apis`, and the official SDK (lark-oapi) accepts only an
origin as its domain and appends `/open-apis/...` to it, so the emulation keeps that root:
point the SDK's `domain` at the sandbox's URL and the tap's `feishu.api_url` at
`<sandbox>/open-apis`. No other provider uses that path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.feishu import errors
from tap_calinstances.sandbox.feishu.auth import TenantTokens
from tap_calinstances.sandbox.feishu.dataset import FeishuApp
from tap_calinstances.sandbox.feishu.endpoints import Endpoints
from tap_calinstances.sandbox.feishu.errors import FeishuError
from tap_calinstances.sandbox.limits import BudgetSpec
from tap_calinstances.sandbox.provider import ApiResult, Call, TokenResult
from tap_calinstances.sandbox.tokens import TokenStore
from tap_calinstances.sandbox.world import World

API_ROOT = "/open-apis"
TOKEN_PATH = "/open-apis/auth/v3/tenant_access_token/internal"  # noqa: S105 (a path)
# Documented for events, instances and instance_view: 1,000 requests a minute and 50 a
# second per app. Feishu documents no concurrency limit; 50 in flight stands in for it.
BUDGET = BudgetSpec(requests=1000, window_s=60.0, concurrency=50, burst=(50, 1.0))


def _routes() -> Map:
    get = ["GET"]
    calendar = f"{API_ROOT}/calendar/v4/calendars/<calendar_id>"
    return Map(
        [
            Rule(f"{API_ROOT}/calendar/v4/calendars", endpoint="calendars", methods=get),
            Rule(calendar, endpoint="calendar", methods=get),
            Rule(f"{calendar}/events", endpoint="events", methods=get),
            Rule(f"{calendar}/events/<event_id>", endpoint="event", methods=get),
            Rule(f"{calendar}/events/<event_id>/instances", endpoint="instances", methods=get),
        ],
        merge_slashes=False,
    )


class FeishuCalendarApi:
    """The Feishu provider: tenant token endpoint, calendar v4 routes, its error signals."""

    name = "feishu"
    prefix = API_ROOT
    page_token_params: tuple[str, ...] = ("page_token",)
    budget = BUDGET

    def __init__(self, world: World, tokens: TokenStore, app: FeishuApp) -> None:
        self.world = world
        self.app = app
        self._tenant = TenantTokens(app, tokens)
        self._endpoints = Endpoints(world)
        self._routes = _routes()
        # Uses of each error_codes entry under the switches they were counted for: a new
        # set of switches is a new object, and counting starts again.
        self._coded_lock = threading.Lock()
        self._coded_for: Faults | None = None
        self._coded_uses: list[int] = []

    def is_token_path(self, path: str) -> bool:
        return path == TOKEN_PATH

    def subject(self, _request: Request, token_principal: str | None) -> str | None:
        return token_principal  # the tenant token acts for the app

    def token(self, request: Request, _base_url: str) -> TokenResult:
        return self._tenant.handle(request)

    def api(self, request: Request, call: Call) -> ApiResult:
        coded = self._coded(request.full_path, call.faults)
        if coded is not None:
            code, status = coded
            return ApiResult(errors.coded(code, status, call.faults), f"code {code}")
        adapter = self._routes.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            # The sandbox's app has read-only calendar scopes.
            return ApiResult(
                FeishuError(errors.INVALID_PARAMS, "read-only app").response(call.faults)
            )
        except HTTPException:
            return ApiResult(errors.not_served(request.path))
        handler: Callable[..., ApiResult] = getattr(self._endpoints, endpoint)
        try:
            return handler(request, call, **args)
        except FeishuError as error:
            return ApiResult(error.response(call.faults))

    def _coded(self, path: str, faults: Faults) -> tuple[int, int] | None:
        """The error code (and HTTP status, 0: documented) the error_codes switch asks
        for on this request (its decoded path and its query), if any."""
        if not faults.error_codes:
            return None
        with self._coded_lock:
            if self._coded_for is not faults:
                self._coded_for, self._coded_uses = faults, [0] * len(faults.error_codes)
            for index, (code, target, times, status) in enumerate(faults.error_codes):
                if target in path and (times == 0 or self._coded_uses[index] < times):
                    self._coded_uses[index] += 1
                    return code, status
        return None

    def unauthenticated(self, reason: str) -> Response:
        return errors.unauthenticated(reason)

    def fault(self, name: str, faults: Faults) -> Response:
        return errors.injected(name, faults)

    def over_budget(self, kind: str, retry_after_s: float) -> Response:
        return errors.over_budget(kind, retry_after_s)

    def check_faults(self, faults: Faults) -> None:
        errors.check_faults(faults)

    def endpoints(self, base_url: str) -> dict[str, str]:
        return {
            "api_url": base_url + API_ROOT,
            "token_url": base_url + TOKEN_PATH,
            "calendars": base_url + API_ROOT + "/calendar/v4/calendars",
            "events": base_url + API_ROOT + "/calendar/v4/calendars/{calendar_id}/events",
            "instances": base_url
            + API_ROOT
            + "/calendar/v4/calendars/{calendar_id}/events/{event_id}/instances",
            "sdk_domain": base_url,
        }

    def config_block(self, base_url: str, auth: str | None) -> dict[str, Any]:
        if auth not in (None, "app"):
            raise ValueError(f"feishu auth must be app, not {auth!r}")
        return {
            "app_id": self.app.app_id,
            "app_secret": self.app.app_secret,
            "api_url": base_url + API_ROOT,
        }

    def secret_values(self) -> list[str]:
        return [self.app.app_secret]
