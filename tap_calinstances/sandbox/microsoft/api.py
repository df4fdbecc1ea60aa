"""Microsoft Graph v1.0 (calendar and users) and the Microsoft identity platform's token
endpoint, as served by the sandbox under `/microsoft`.

- API root: `/microsoft/v1.0` (as `https://graph.microsoft.com/v1.0`);
- token endpoint: `/microsoft/{tenant}/oauth2/v2.0/token` (as login.microsoftonline.com).

One app token serves every user; budgets and stats count per mailbox, the user the path
names, as Outlook's limits do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.limits import BudgetSpec
from tap_calinstances.sandbox.microsoft import errors
from tap_calinstances.sandbox.microsoft.dataset import AppRegistration
from tap_calinstances.sandbox.microsoft.endpoints import Endpoints
from tap_calinstances.sandbox.microsoft.ids import IdIndex
from tap_calinstances.sandbox.microsoft.oauth import GraphOAuth
from tap_calinstances.sandbox.provider import ApiResult, Call, TokenResult
from tap_calinstances.sandbox.tokens import TokenStore
from tap_calinstances.sandbox.world import World

PREFIX = "/microsoft"
API_ROOT = f"{PREFIX}/v1.0"
TOKEN_SUFFIX = "/oauth2/v2.0/token"  # noqa: S105 (a path, not a secret)
# Outlook's documented limits per app and mailbox: 10,000 requests per 10 minutes and
# 4 concurrent requests.
BUDGET = BudgetSpec(requests=10_000, window_s=600.0, concurrency=4)
# What the banner and the index list: method paths under the API root.
PATHS = (
    "/users",
    "/users/{id|upn}",
    "/users/{id|upn}/mailboxSettings",
    "/users/{id|upn}/calendars",
    "/users/{id|upn}/calendars/{calendar}",
    "/users/{id|upn}/calendar",
    "/users/{id|upn}/calendars/{calendar}/events",
    "/users/{id|upn}/calendars/{calendar}/events/{event}",
    "/users/{id|upn}/calendars/{calendar}/events/{event}/instances?startDateTime&endDateTime",
    "/users/{id|upn}/calendar/events[/{event}[/instances]]",
    "/users/{id|upn}/events[/{event}[/instances]]",
)


def _routes() -> Map:
    user = f"{API_ROOT}/users/<user>"
    rules = [
        Rule(f"{API_ROOT}/users", endpoint="users"),
        Rule(user, endpoint="user"),
        Rule(f"{user}/mailboxSettings", endpoint="mailbox_settings"),
        Rule(f"{user}/calendars", endpoint="calendars"),
        Rule(f"{user}/calendar", endpoint="calendar"),
        Rule(f"{user}/calendars/<calendar>", endpoint="calendar"),
    ]
    for base in (f"{user}/calendars/<calendar>", f"{user}/calendar", user):
        rules += [
            Rule(f"{base}/events", endpoint="events"),
            Rule(f"{base}/events/<event>", endpoint="event"),
            Rule(f"{base}/events/<event>/instances", endpoint="instances"),
        ]
    return Map([Rule(r.rule, endpoint=r.endpoint, methods=["GET"]) for r in rules],
               merge_slashes=False, strict_slashes=False)  # fmt: skip


class MicrosoftGraphApi:
    """The Graph provider: token endpoint, API routes, fault signals and config block."""

    name = "microsoft"
    prefix = PREFIX
    # Requests continuing a listing: `$skiptoken` (directory) and `$skip` (calendar).
    page_token_params: tuple[str, ...] = ("$skiptoken", "$skip")
    budget = BUDGET

    def __init__(self, world: World, tokens: TokenStore, app: AppRegistration) -> None:
        self._world = world
        self.world = world  # Graph's data lives in the shared world
        self.app = app
        self.ids = IdIndex(world, self.name)
        self._oauth = GraphOAuth(app, tokens, self.name)
        self._endpoints = Endpoints(world, self.ids, self.name)
        self._routes = _routes()

    def is_token_path(self, path: str) -> bool:
        return path.endswith(TOKEN_SUFFIX) and not path.startswith(API_ROOT + "/")

    def subject(self, request: Request, token_principal: str | None) -> str | None:
        """The mailbox the path names (`/users/{id|upn}/...`), else the app itself."""
        rest = request.path.removeprefix(API_ROOT + "/users/")
        if rest == request.path or not rest:
            return token_principal
        user = rest.split("/", 1)[0]
        return self.ids.user(user) or user.lower()

    def token(self, request: Request, base_url: str) -> TokenResult:
        tenant = request.path[len(PREFIX) + 1 : -len(TOKEN_SUFFIX)]
        origins = list(dict.fromkeys([base_url, request.host_url.rstrip("/")]))
        return self._oauth.handle(request, tenant, origins)

    def api(self, request: Request, call: Call) -> ApiResult:
        adapter = self._routes.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            return ApiResult(errors.access_denied().response())  # the app may only read
        except HTTPException:
            segment = request.path.rstrip("/").rsplit("/", 1)[-1]
            return ApiResult(errors.unknown_segment(segment))
        handler: Callable[..., ApiResult] = getattr(self._endpoints, endpoint)
        try:
            return handler(request, call, **args)
        except errors.GraphError as error:
            return ApiResult(error.response(), error.fault)

    def unauthenticated(self, reason: str) -> Response:
        return errors.unauthenticated(reason)

    def fault(self, name: str, faults: Faults) -> Response:
        return errors.injected(name, faults)

    def over_budget(self, kind: str, _retry_after_s: float) -> Response:
        return errors.over_budget(kind)

    def check_faults(self, faults: Faults) -> None:
        errors.check_faults(faults)

    def endpoints(self, base_url: str) -> dict[str, Any]:
        return {
            "api_url": base_url + API_ROOT,
            "token_url": f"{base_url}{PREFIX}/{self.app.tenant_id}{TOKEN_SUFFIX}",
            "paths": list(PATHS),
        }

    def config_block(self, base_url: str, auth: str | None) -> dict[str, Any]:
        if auth not in (None, "client_credentials"):
            raise ValueError(f"microsoft_auth must be client_credentials, not {auth!r}")
        urls = self.endpoints(base_url)
        return {
            "tenant_id": self.app.tenant_id,
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "api_url": urls["api_url"],
            "token_url": urls["token_url"],
        }

    def secret_values(self) -> list[str]:
        return [self.app.client_secret]
