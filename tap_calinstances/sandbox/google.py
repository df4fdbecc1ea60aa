"""Google Calendar API v3, as served by the sandbox under `/google/calendar/v3`.

The root keeps Google's `calendar/v3` path under a provider prefix. google-api-python-client
takes `client_options={"api_endpoint": ...}` as its whole base URL (rootUrl + servicePath),
so point it at the API root with a trailing slash: `<sandbox>/google/calendar/v3/`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.base import ApiResult, TokenResult
from tap_calinstances.sandbox.faults import FORBIDDEN, Faults
from tap_calinstances.sandbox.google_events import EventLister, Render
from tap_calinstances.sandbox.google_oauth import GoogleOAuth, ServiceAccount
from tap_calinstances.sandbox.google_paging import Pager
from tap_calinstances.sandbox.google_params import (
    ApiError,
    EventsQuery,
    InstancesQuery,
    flag,
    integer,
    not_found,
    zone,
)
from tap_calinstances.sandbox.google_wire import (
    JSON_TYPE,
    calendar_entry,
    calendar_resource,
    error_response,
    etag,
    json_response,
)
from tap_calinstances.sandbox.model import Calendar
from tap_calinstances.sandbox.tokens import TokenStore
from tap_calinstances.sandbox.world import World

API_ROOT = "/google/calendar/v3"
TOKEN_PATH = "/google/token"  # noqa: S105 (a path, not a secret)
# Without timeMax an unbounded rule is expanded this far past now.
HORIZON = timedelta(days=730)
# Google refuses updatedMin "too far in the past" with 410; about four weeks is reported.
UPDATED_MIN_LIMIT = timedelta(days=29)
_ROLE_RANK = {
    "freeBusyReader": 0,
    "reader": 1,
    "writerWithoutPrivateAccess": 2,
    "writer": 2,
    "owner": 3,
}

_NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <title>Error 404 (Not Found)!!1</title>
  <p><b>404.</b> <ins>That's an error.</ins>
  <p>The requested URL <code>{path}</code> was not found on this server.
  <ins>That's all we know.</ins>
"""


class GoogleCalendarApi:
    """The Google provider: token endpoint, API routes, fault signals and config block."""

    name = "google"
    prefix = "/google"

    def __init__(
        self, world: World, tokens: TokenStore, service_account: ServiceAccount | None = None
    ) -> None:
        self._world = world
        self.service_account = service_account or ServiceAccount()
        self._oauth = GoogleOAuth(
            world.oauth_client,
            self.service_account,
            tokens,
            lambda email: world.principal(email) is not None,
        )
        self._lister = EventLister(world, HORIZON)
        self._pager = Pager(world)
        get = ["GET"]
        self._routes = Map(
            [
                Rule(f"{API_ROOT}/users/me/calendarList", endpoint="calendar_list", methods=get),
                Rule(
                    f"{API_ROOT}/users/me/calendarList/<calendar_id>",
                    endpoint="calendar_list_entry",
                    methods=get,
                ),
                Rule(f"{API_ROOT}/calendars/<calendar_id>", endpoint="calendar", methods=get),
                Rule(f"{API_ROOT}/calendars/<calendar_id>/events", endpoint="events", methods=get),
                Rule(
                    f"{API_ROOT}/calendars/<calendar_id>/events/<event_id>",
                    endpoint="event",
                    methods=get,
                ),
                Rule(
                    f"{API_ROOT}/calendars/<calendar_id>/events/<event_id>/instances",
                    endpoint="instances",
                    methods=get,
                ),
            ],
            merge_slashes=False,
        )

    # -- provider protocol -------------------------------------------------------------

    def is_token_path(self, path: str) -> bool:
        return path == TOKEN_PATH

    def token(self, request: Request, base_url: str) -> TokenResult:
        # The assertion's audience must name this endpoint: as configured, under the name
        # the client reached it by, or as one of Google's own token URLs.
        urls = dict.fromkeys([base_url + TOKEN_PATH, request.host_url.rstrip("/") + TOKEN_PATH])
        return self._oauth.handle(request, list(urls))

    def api(self, request: Request, principal: str, faults: Faults) -> ApiResult:
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
            # Google's front end answers unknown URLs with an HTML page, not JSON.
            page = _NOT_FOUND_PAGE.format(path=request.path.replace("<", "&lt;"))
            return ApiResult(Response(page, status=404, content_type="text/html; charset=UTF-8"))
        handler: Callable[..., ApiResult] = getattr(self, f"_{endpoint}")
        try:
            return handler(request, principal, faults, **args)
        except ApiError as error:
            return ApiResult(error.response())

    def unauthenticated(self, _reason: str) -> Response:
        return error_response(
            401,
            "authError",
            "Invalid Credentials",
            location="Authorization",
            location_type="header",
            summary="Request had invalid authentication credentials. Expected OAuth 2 access "
            "token, login cookie or other valid authentication credential. See "
            "https://developers.google.com/identity/sign-in/web/devconsole-project.",
            headers={
                "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                'error="invalid_token"'
            },
        )

    def fault(self, name: str, faults: Faults) -> Response:
        if name == "rate_limit":
            message = {
                "rateLimitExceeded": "Rate Limit Exceeded",
                "userRateLimitExceeded": "User Rate Limit Exceeded",
            }.get(faults.rate_limit_reason, faults.rate_limit_reason)
            return error_response(
                faults.rate_limit_status, faults.rate_limit_reason, message, domain="usageLimits"
            )
        if name == "server_error":
            return error_response(503, "backendError", "Backend Error")
        if name == "page_token_expired":
            # Google's "start again" signal for listings it can no longer continue.
            return error_response(
                410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."
            )
        if name == "malformed":
            # A body cut off mid-way, as a broken proxy or a dropped stream leaves it.
            return Response(
                '{\n "kind": "calendar#events",\n "items": [\n  {\n   "kind": "cal',
                status=200,
                content_type=JSON_TYPE,
            )
        raise ValueError(f"unknown fault {name!r}")

    def endpoints(self, base_url: str) -> dict[str, str]:
        return {"api_url": base_url + API_ROOT, "token_url": base_url + TOKEN_PATH}

    def config_block(self, base_url: str, auth: str) -> dict[str, Any]:
        urls = self.endpoints(base_url)
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
                "subjects": self._world.principal_emails(),
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

    # -- helpers -----------------------------------------------------------------------

    def _readable(self, principal: str, calendar_id: str) -> tuple[Calendar, str]:
        """The calendar and the principal's role on it; 404 when the principal cannot see
        it, exactly as for a calendar that does not exist (Google does not tell them apart)."""
        if calendar_id == "primary":
            calendar = next(
                (c for c, _ in self._world.calendars_of(principal) if c.primary_of == principal),
                None,
            )
        else:
            calendar = self._world.calendar(calendar_id)
        role = calendar.role_of(principal) if calendar is not None else None
        if calendar is None or role is None:
            raise not_found()
        return calendar, role

    @staticmethod
    def _forbidden() -> ApiResult:
        return ApiResult(
            error_response(403, "forbidden", "You need to have reader access to this calendar."),
            FORBIDDEN,
        )

    # -- endpoints ---------------------------------------------------------------------

    def _calendar_list(self, request: Request, principal: str, _faults: Faults) -> ApiResult:
        args = request.args
        min_role = args.get("minAccessRole")
        sync_token = args.get("syncToken")
        if sync_token is not None and (min_role or "showOwnOrganizationOnly" in args):
            raise ApiError(
                400,
                "invalid",
                "Sync token cannot be combined with minAccessRole or showOwnOrganizationOnly.",
                location="syncToken",
            )
        if min_role is not None and min_role not in _ROLE_RANK:
            raise ApiError(
                400,
                "invalid",
                f"Invalid value for minAccessRole: {min_role}",
                location="minAccessRole",
            )
        max_results = integer(args, "maxResults", 100, 250)
        flag(args, "showDeleted")
        flag(args, "showHidden")
        scope = f"calendarList:{principal}"
        since = self._pager.since(sync_token, scope) if sync_token is not None else None
        floor = _ROLE_RANK[min_role] if min_role else 0

        def compute() -> list[Render]:
            return [
                partial(calendar_entry, calendar, role, principal)
                for calendar, role in self._world.calendars_of(principal)
                if _ROLE_RANK[role] >= floor and (since is None or calendar.seq > since)
            ]

        head = {
            "kind": "calendar#calendarList",
            "etag": etag(self._world.now(), self._world.version),
        }
        return ApiResult(
            self._pager.page(
                request, principal, head, compute, max_results, sync_scope=scope, empty_first=False
            )
        )

    def _calendar_list_entry(
        self, _request: Request, principal: str, _faults: Faults, calendar_id: str
    ) -> ApiResult:
        calendar, role = self._readable(principal, calendar_id)
        if calendar.listed_role_of(principal) is None:  # readable, but not in this list
            raise not_found()
        return ApiResult(json_response(calendar_entry(calendar, role, principal)))

    def _calendar(
        self, _request: Request, principal: str, _faults: Faults, calendar_id: str
    ) -> ApiResult:
        calendar, _ = self._readable(principal, calendar_id)
        return ApiResult(json_response(calendar_resource(calendar)))

    def _events(
        self, request: Request, principal: str, faults: Faults, calendar_id: str
    ) -> ApiResult:
        calendar, role = self._readable(principal, calendar_id)
        if calendar.id in faults.forbidden_calendars:
            return self._forbidden()
        query = EventsQuery.parse(request.args, calendar.timezone)
        scope = f"events:{calendar.id}"
        since = self._pager.since(query.sync_token, scope) if query.sync_token is not None else None
        if (
            query.updated_min is not None
            and query.updated_min < self._world.now() - UPDATED_MIN_LIMIT
        ):
            raise ApiError(
                410,
                "updatedMinTooLongAgo",
                "The requested minimum modification time lies too far in the past.",
            )
        return ApiResult(
            self._pager.page(
                request,
                principal,
                self._lister.head(calendar, role),
                lambda: self._lister.events(calendar, query, since),
                query.max_results,
                sync_scope=scope,
                empty_first=True,
            )
        )

    def _event(
        self, request: Request, principal: str, faults: Faults, calendar_id: str, event_id: str
    ) -> ApiResult:
        calendar, _ = self._readable(principal, calendar_id)
        if calendar.id in faults.forbidden_calendars:
            return self._forbidden()
        item = self._lister.event(calendar, event_id, zone(request.args, calendar.timezone))
        if item is None:
            raise not_found()
        return ApiResult(json_response(item))

    def _instances(
        self, request: Request, principal: str, faults: Faults, calendar_id: str, event_id: str
    ) -> ApiResult:
        calendar, role = self._readable(principal, calendar_id)
        if calendar.id in faults.forbidden_calendars:
            return self._forbidden()
        series = self._world.series(calendar.id, event_id)
        if series is None:
            raise not_found()
        if series.deleted:
            raise ApiError(410, "deleted", "Resource has been deleted")
        query = InstancesQuery.parse(request.args, calendar.timezone)
        return ApiResult(
            self._pager.page(
                request,
                principal,
                self._lister.head(calendar, role),
                lambda: self._lister.instances(calendar, series, query),
                query.max_results,
                sync_scope=None,
                empty_first=True,
            )
        )
