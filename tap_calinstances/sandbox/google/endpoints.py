"""The Google Calendar v3 methods the sandbox serves, one handler each (all GET)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from werkzeug.wrappers import Request

from tap_calinstances.sandbox.faults import FORBIDDEN
from tap_calinstances.sandbox.google.events import EventLister, Render
from tap_calinstances.sandbox.google.paging import Pager
from tap_calinstances.sandbox.google.params import (
    ApiError,
    EventsQuery,
    InstancesQuery,
    flag,
    integer,
    not_found,
    zone,
)
from tap_calinstances.sandbox.google.wire import (
    calendar_entry,
    calendar_resource,
    error_response,
    etag,
    json_response,
)
from tap_calinstances.sandbox.model import Calendar
from tap_calinstances.sandbox.provider import ApiResult, Call
from tap_calinstances.sandbox.world import World

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


def _removed_entry(calendar_id: str, seq: int, updated: datetime) -> dict[str, Any]:
    """A calendar taken out of the list, as calendarList reports it to change listings."""
    return {
        "kind": "calendar#calendarListEntry",
        "etag": etag(updated, seq),
        "id": calendar_id,
        "deleted": True,
    }


def _forbidden() -> ApiResult:
    return ApiResult(
        error_response(403, "forbidden", "You need to have reader access to this calendar."),
        FORBIDDEN,
    )


class Endpoints:
    def __init__(self, world: World) -> None:
        self._world = world
        self._lister = EventLister(world, HORIZON)
        self._pager = Pager(world)

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

    def calendar_list(self, request: Request, call: Call) -> ApiResult:
        args, principal = request.args, call.principal
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
        show_deleted = flag(args, "showDeleted")
        flag(args, "showHidden")
        scope = f"calendarList:{principal}"
        since = self._pager.since(sync_token, scope) if sync_token is not None else None
        floor = _ROLE_RANK[min_role] if min_role else 0

        def compute() -> list[Render]:
            entries: list[Render] = [
                partial(calendar_entry, calendar, role, principal)
                for calendar, role in self._world.calendars_of(principal)
                if _ROLE_RANK[role] >= floor and (since is None or calendar.seq > since)
            ]
            # Calendars taken out of the list: with a sync token or showDeleted only.
            if since is not None or show_deleted:
                entries += [
                    partial(_removed_entry, calendar_id, seq, updated)
                    for calendar_id, seq, updated in self._world.removed_from(principal)
                    if since is None or seq > since
                ]
            return entries

        head = {
            "kind": "calendar#calendarList",
            "etag": etag(self._world.now(), self._world.version),
        }
        return ApiResult(
            self._pager.page(
                request,
                call,
                head,
                compute,
                max_results,
                sync_scope=scope,
                empty_first=False,
            )
        )

    def calendar_list_entry(self, _request: Request, call: Call, calendar_id: str) -> ApiResult:
        calendar, role = self._readable(call.principal, calendar_id)
        if calendar.listed_role_of(call.principal) is None:  # readable, but not listed
            raise not_found()
        return ApiResult(json_response(calendar_entry(calendar, role, call.principal)))

    def calendar(self, _request: Request, call: Call, calendar_id: str) -> ApiResult:
        calendar, _ = self._readable(call.principal, calendar_id)
        return ApiResult(json_response(calendar_resource(calendar)))

    def events(self, request: Request, call: Call, calendar_id: str) -> ApiResult:
        calendar, role = self._readable(call.principal, calendar_id)
        if calendar.id in call.faults.forbidden_calendars:
            return _forbidden()
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
                call,
                self._lister.head(calendar, role),
                lambda: self._lister.events(calendar, query, since),
                query.max_results,
                sync_scope=scope,
                empty_first=True,
            )
        )

    def event(self, request: Request, call: Call, calendar_id: str, event_id: str) -> ApiResult:
        calendar, _ = self._readable(call.principal, calendar_id)
        if calendar.id in call.faults.forbidden_calendars:
            return _forbidden()
        item = self._lister.event(calendar, event_id, zone(request.args, calendar.timezone))
        if item is None:
            raise not_found()
        return ApiResult(json_response(item))

    def instances(self, request: Request, call: Call, calendar_id: str, event_id: str) -> ApiResult:
        calendar, role = self._readable(call.principal, calendar_id)
        if calendar.id in call.faults.forbidden_calendars:
            return _forbidden()
        series = self._world.series(calendar.id, event_id)
        if series is None:
            raise not_found()
        if series.deleted:
            raise ApiError(410, "deleted", "Resource has been deleted")
        query = InstancesQuery.parse(request.args, calendar.timezone)
        return ApiResult(
            self._pager.page(
                request,
                call,
                self._lister.head(calendar, role),
                lambda: self._lister.instances(calendar, series, query),
                query.max_results,
                sync_scope=None,
                empty_first=True,
            )
        )
