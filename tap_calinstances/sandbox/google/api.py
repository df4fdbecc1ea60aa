"""Google Calendar API v3, as served by the sandbox under `/google/calendar/v3`.

The root keeps Google's `calendar/v3` path under a provider prefix. google-api-python-client
takes `client_options={"api_endpoint": ...}` as its whole base URL (rootUrl + servicePath),
so point it at the API root with a trailing slash: `<sandbox>/google/calendar/v3/`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.google import errors
from tap_calinstances.sandbox.google.endpoints import Endpoints
from tap_calinstances.sandbox.google.oauth import GoogleOAuth, ServiceAccount, token_fault
from tap_calinstances.sandbox.google.params import ApiError
from tap_calinstances.sandbox.google.wire import error_response
from tap_calinstances.sandbox.limits import BudgetSpec
from tap_calinstances.sandbox.provider import ApiResult, Call, TokenResult
from tap_calinstances.sandbox.tokens import TokenStore
from tap_calinstances.sandbox.world import World

API_ROOT = "/google/calendar/v3"
TOKEN_PATH = "/google/token"  # noqa: S105 (a path, not a secret)
# Google's documented per-user quota: 600 requests per minute. Google documents no
# concurrency limit; 10 in flight per user is the sandbox's stand-in for the
# "too many concurrent requests" 429s seen at real tenants.
BUDGET = BudgetSpec(requests=600, window_s=60.0, concurrency=10)


def _routes() -> Map:
    get = ["GET"]
    calendar = f"{API_ROOT}/calendars/<calendar_id>"
    return Map(
        [
            Rule(f"{API_ROOT}/users/me/calendarList", endpoint="calendar_list", methods=get),
            Rule(
                f"{API_ROOT}/users/me/calendarList/<calendar_id>",
                endpoint="calendar_list_entry",
                methods=get,
            ),
            Rule(calendar, endpoint="calendar", methods=get),
            Rule(f"{calendar}/events", endpoint="events", methods=get),
            Rule(f"{calendar}/events/<event_id>", endpoint="event", methods=get),
            Rule(f"{calendar}/events/<event_id>/instances", endpoint="instances", methods=get),
        ],
        merge_slashes=False,
    )


class GoogleCalendarApi:
    """The Google provider: token endpoint, API routes, fault signals and config block."""

    name = "google"
    prefix = "/google"
    page_token_params: tuple[str, ...] = ("pageToken",)
    budget = BUDGET

    def __init__(
        self, world: World, tokens: TokenStore, service_account: ServiceAccount | None = None
    ) -> None:
        self._world = self.world = world
        self.service_account = service_account or ServiceAccount()
        self._oauth = GoogleOAuth(
            world.oauth_client,
            self.service_account,
            tokens,
            lambda email: (p := world.principal(email)) is not None and p.exists_at("google"),
        )
        self._endpoints = Endpoints(world)
        self._routes = _routes()

    def is_token_path(self, path: str) -> bool:
        return path == TOKEN_PATH

    def subject(self, _request: Request, token_principal: str | None) -> str | None:
        return token_principal  # a Google token acts for one user

    def token(self, request: Request, base_url: str) -> TokenResult:
        # The assertion's audience must name this endpoint: as configured, under the name
        # the client reached it by, or as one of Google's own token URLs.
        urls = dict.fromkeys([base_url + TOKEN_PATH, request.host_url.rstrip("/") + TOKEN_PATH])
        return self._oauth.handle(request, list(urls))

    def api(self, request: Request, call: Call) -> ApiResult:
        adapter = self._routes.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            # The sandbox only hands out read-only tokens.
            return ApiResult(
                error_response(
                    403,
                    "insufficientPermissions",
                    "Insufficient Permission: Request had insufficient authentication scopes.",
                )
            )
        except HTTPException:
            return ApiResult(errors.unknown_url(request.path))
        handler: Callable[..., ApiResult] = getattr(self._endpoints, endpoint)
        try:
            return handler(request, call, **args)
        except ApiError as error:
            return ApiResult(error.response())

    def unauthenticated(self, _reason: str) -> Response:
        return errors.unauthenticated()

    def fault(self, name: str, faults: Faults) -> Response:
        return errors.injected(name, faults)

    def token_fault(self, name: str, _faults: Faults) -> Response:
        return token_fault(name)

    def over_budget(self, kind: str, _retry_after_s: float) -> Response:
        return errors.over_budget(kind)

    def check_faults(self, faults: Faults) -> None:
        errors.check_faults(faults)

    def endpoints(self, base_url: str) -> dict[str, str]:
        return {"api_url": base_url + API_ROOT, "token_url": base_url + TOKEN_PATH}

    def config_block(self, base_url: str, auth: str | None) -> dict[str, Any]:
        urls = self.endpoints(base_url)
        auth = auth or "refresh_token"
        if auth == "refresh_token":
            client = self._world.oauth_client
            return {
                "client_id": client.client_id,
                "client_secret": client.client_secret,
                "refresh_token": client.refresh_token,
                **urls,
            }
        if auth == "service_account":
            return {
                "service_account_info": self.service_account.info(urls["token_url"]),
                # Every principal, fixed and generated, is a subject to impersonate.
                "subjects": self._world.principal_emails("google"),
                **urls,
            }
        raise ValueError(f"google_auth must be refresh_token or service_account, not {auth!r}")

    def secret_values(self) -> list[str]:
        client = self._world.oauth_client
        return [
            client.client_id,
            client.client_secret,
            client.refresh_token,
            *self.service_account.secret_values(),
        ]
