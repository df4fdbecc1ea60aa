"""The Graph v1.0 methods the sandbox serves, one handler each (all GET)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from werkzeug.wrappers import Request

from tap_calinstances.sandbox.faults import FORBIDDEN, VANISHED
from tap_calinstances.sandbox.microsoft import errors, ids
from tap_calinstances.sandbox.microsoft.errors import GraphError, json_response
from tap_calinstances.sandbox.microsoft.paging import Pager, Render, top
from tap_calinstances.sandbox.microsoft.view import view_of
from tap_calinstances.sandbox.microsoft.wire import (
    View,
    calendar_item,
    event_item,
    user_item,
)
from tap_calinstances.sandbox.microsoft.zones import parse_window_bound, windows_name
from tap_calinstances.sandbox.model import Calendar, Principal, Series
from tap_calinstances.sandbox.provider import ApiResult, Call
from tap_calinstances.sandbox.recurrence import expansion_zone, iter_occurrences, occurrence_at
from tap_calinstances.sandbox.world import World

EVENTS_PAGE, EVENTS_MAX = 10, 1000
USERS_PAGE, USERS_MAX = 100, 999
_WINDOW_REQUIRED = (
    "This request requires a time window specified by the query string parameters "
    "StartDateTime and EndDateTime."
)
_FILTERS = {"seriesMaster", "singleInstance", "occurrence", "exception"}


def _type_filter(request: Request) -> str | None:
    text = request.args.get("$filter")
    if text is None:
        return None
    name, _, value = text.strip().partition(" eq ")
    value = value.strip().strip("'")
    if name.strip() != "type" or value not in _FILTERS:
        raise GraphError(
            400,
            "ErrorInvalidUrlQueryFilter",
            "The query filter contains one or more invalid nodes.",
        )
    return value


class Endpoints:
    def __init__(self, world: World, index: ids.IdIndex, provider: str) -> None:
        self._world = world
        self._ids = index
        self._provider = provider
        self._pager = Pager(lambda: world.version)

    # -- resolving path segments ---------------------------------------------------------

    def _principal(self, user: str) -> Principal:
        email = self._ids.user(user)
        principal = self._world.principal(email) if email else None
        if principal is None:
            raise GraphError(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        return principal

    def _calendar_access(self, call: Call) -> None:
        """An app without any Calendars permission: Exchange refuses every mailbox."""
        if "Calendars.Read" in call.faults.missing_permissions:
            raise errors.access_denied()

    def _mailbox(self, user: str) -> tuple[Principal, list[tuple[Calendar, str]]]:
        principal = self._principal(user)
        calendars = self._world.calendars_of(principal.email)
        if not calendars:  # an account without calendars has no Exchange mailbox
            raise errors.no_mailbox()
        return principal, calendars

    def _calendar(
        self, user: str, calendar: str | None, call: Call
    ) -> tuple[Principal, Calendar, str]:
        self._calendar_access(call)
        principal, calendars = self._mailbox(user)
        for item, role in calendars:
            if (calendar is None and item.primary_of == principal.email) or (
                calendar is not None and self._ids.calendar(calendar) == item.id
            ):
                if item.id in call.faults.vanished_calendars:
                    raise errors.item_not_found(VANISHED)
                return principal, item, role
        raise errors.item_not_found()

    def _series(self, calendar: Calendar, call: Call, event: str) -> Series:
        if calendar.id in call.faults.forbidden_calendars:
            raise errors.access_denied()
        found = self._ids.event(event)
        series = self._world.series(*found) if found else None
        if series is None or series.deleted or series.calendar_id != calendar.id:
            raise errors.item_not_found()
        return series

    def _names(self) -> dict[str, str]:
        names = {}
        for email in self._world.principal_emails():
            principal = self._world.principal(email)
            if principal is not None:
                names[email] = principal.name
        return names

    def _root(self, request: Request) -> str:
        return request.host_url.rstrip("/") + "/microsoft/v1.0"

    def _answer(self, body: Any, headers: dict[str, str] | None = None) -> ApiResult:
        return ApiResult(json_response(body, headers=headers))

    # -- users -----------------------------------------------------------------------------

    def _directory(self, call: Call) -> None:
        if "User.Read.All" in call.faults.missing_permissions:
            raise errors.insufficient_privileges()

    def users(self, request: Request, call: Call) -> ApiResult:
        self._directory(call)
        select = request.args.get("$select")
        fields = {s.strip() for s in select.split(",")} if select else None

        def render(email: str) -> dict[str, Any]:
            principal = self._world.principal(email)
            assert principal is not None
            item = user_item(principal, bool(self._world.calendars_of(email)))
            return {k: v for k, v in item.items() if fields is None or k in fields}

        emails = self._world.principal_emails(self._provider)
        context = self._root(request) + "/$metadata#users"
        size = top(request, USERS_PAGE, USERS_MAX, strict=True)
        body = self._pager.page(
            request,
            call,
            context,
            lambda: [partial(render, e) for e in emails],
            size,
            token=True,
            empty_first=False,
        )
        return self._answer(body)

    def user(self, request: Request, call: Call, user: str) -> ApiResult:
        self._directory(call)
        email = self._ids.user(user)
        principal = self._world.principal(email) if email else None
        if principal is None:
            raise GraphError(
                404,
                "Request_ResourceNotFound",
                f"Resource '{user}' does not exist "
                "or one of its queried reference-property objects are not present.",
            )
        item = user_item(principal, bool(self._world.calendars_of(principal.email)))
        return self._answer(
            {"@odata.context": self._root(request) + "/$metadata#users/$entity", **item}
        )

    def mailbox_settings(self, request: Request, _call: Call, user: str) -> ApiResult:
        principal, _ = self._mailbox(user)
        return self._answer(
            {
                "@odata.context": self._root(request)
                + f"/$metadata#users('{ids.user_id(principal.email)}')/mailboxSettings",
                "timeZone": windows_name(principal.timezone),
                "dateFormat": "M/d/yyyy",
                "timeFormat": "h:mm tt",
                "userPurpose": "user",
            }
        )

    # -- calendars ---------------------------------------------------------------------------

    def calendars(self, request: Request, call: Call, user: str) -> ApiResult:
        self._calendar_access(call)
        _, calendars = self._mailbox(user)
        view, headers = view_of(request)
        renders: list[Render] = [
            partial(calendar_item, c, role, self._world.principal(c.owner), view.immutable)
            for c, role in calendars
        ]
        context = self._root(request) + f"/$metadata#users('{user}')/calendars"
        size = top(request, EVENTS_PAGE, EVENTS_MAX, strict=False)
        body = self._pager.page(
            request, call, context, lambda: renders, size, token=False, empty_first=False
        )
        return self._answer(body, headers)

    def calendar(
        self, request: Request, call: Call, user: str, calendar: str | None = None
    ) -> ApiResult:
        _, item, role = self._calendar(user, calendar, call)
        view, headers = view_of(request)
        body = calendar_item(item, role, self._world.principal(item.owner), view.immutable)
        context = self._root(request) + f"/$metadata#users('{user}')/calendars/$entity"
        return self._answer({"@odata.context": context, **body}, headers)

    # -- events ------------------------------------------------------------------------------

    def _render(
        self,
        calendar: Calendar,
        series: Series,
        view: View,
        names: dict[str, str],
        occurrence: Any = None,
    ) -> dict[str, Any]:
        zone = expansion_zone(series, calendar.timezone)
        if occurrence is None:
            first = occurrence_at(series, series.start, zone)
            return event_item(self._world, calendar, series, first, names, view, as_master=True)
        return event_item(self._world, calendar, series, occurrence, names, view, as_master=False)

    def events(
        self, request: Request, call: Call, user: str, calendar: str | None = None
    ) -> ApiResult:
        _, item, _ = self._calendar(user, calendar, call)
        if item.id in call.faults.forbidden_calendars:
            return ApiResult(errors.access_denied().response(), FORBIDDEN)
        view, headers = view_of(request)
        wanted = _type_filter(request)
        names = self._names()

        def compute() -> list[Render]:
            found: list[Render] = []
            for series in self._world.series_in(item.id):
                kind = "seriesMaster" if series.recurring else "singleInstance"
                if series.deleted or wanted not in (None, kind):
                    continue
                found.append(partial(self._render, item, series, view, names))
            return found

        context = (
            self._root(request) + f"/$metadata#users('{user}')/calendars('{calendar or ''}')/events"
        )
        size = top(request, EVENTS_PAGE, EVENTS_MAX, strict=False)
        body = self._pager.page(
            request, call, context, compute, size, token=False, empty_first=True
        )
        return self._answer(body, headers)

    def event(
        self, request: Request, call: Call, user: str, event: str, calendar: str | None = None
    ) -> ApiResult:
        _, item, _ = self._calendar(user, calendar, call)
        series = self._series(item, call, event)
        view, headers = view_of(request)
        body = self._render(item, series, view, self._names())
        context = self._root(request) + f"/$metadata#users('{user}')/events/$entity"
        return self._answer({"@odata.context": context, **body}, headers)

    def instances(
        self, request: Request, call: Call, user: str, event: str, calendar: str | None = None
    ) -> ApiResult:
        _, item, _ = self._calendar(user, calendar, call)
        raw_lo, raw_hi = request.args.get("startDateTime"), request.args.get("endDateTime")
        if not raw_lo or not raw_hi:
            raise errors.bad_parameter(_WINDOW_REQUIRED)
        lo, hi = parse_window_bound(raw_lo), parse_window_bound(raw_hi)
        if lo is None or hi is None:
            raise GraphError(
                400,
                "ErrorInvalidParameter",
                "The value of the parameter 'StartDateTime' or 'EndDateTime' is invalid.",
            )
        series = self._series(item, call, event)
        view, headers = view_of(request)
        names = self._names()

        def compute() -> list[Render]:
            if not series.recurring:
                return []
            # Occurrences touching either edge of the window are in it; deleted ones are
            # simply absent.
            found = iter_occurrences(
                series, lo, hi + timedelta(microseconds=1), item.timezone, end_inclusive=True
            )
            return [
                partial(self._render, item, series, view, names, o)
                for o in found
                if not o.cancelled
            ]

        context = self._root(request) + f"/$metadata#users('{user}')/events('{event}')/instances"
        size = top(request, EVENTS_PAGE, EVENTS_MAX, strict=False)
        body = self._pager.page(
            request, call, context, compute, size, token=False, empty_first=True
        )
        return self._answer(body, headers)
