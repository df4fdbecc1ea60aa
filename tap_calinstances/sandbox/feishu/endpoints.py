"""The calendar v4 methods the sandbox serves, one handler each (all GET), and their paging.

Paging as Feishu does it: `page_token` + `has_more`; the page token comes back only while
`has_more` is true; listings that have a sync token return it on their last page. Bad
parameters are 190002; an expired page or sync token is 190008 (start the listing again).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.faults import FORBIDDEN
from tap_calinstances.sandbox.feishu.dataset import DELETED_CALENDARS
from tap_calinstances.sandbox.feishu.errors import (
    CALENDAR_DELETED,
    CALENDAR_NOT_FOUND,
    EVENT_DELETED,
    EVENT_NOT_FOUND,
    INVALID_PARAMS,
    NO_CALENDAR_ACCESS,
    PAGE_TOKEN_INVALID,
    FeishuError,
    ok,
)
from tap_calinstances.sandbox.feishu.events import EventLister, Render
from tap_calinstances.sandbox.feishu.wire import calendar_item, removed_calendar
from tap_calinstances.sandbox.model import Calendar
from tap_calinstances.sandbox.paging import (
    ListingCache,
    TokenError,
    decode_page,
    decode_sync,
    encode_page,
    encode_sync,
    fingerprint,
)
from tap_calinstances.sandbox.provider import ApiResult, Call
from tap_calinstances.sandbox.world import World

# /instances refuses windows longer than two years; the sandbox reads "two years" as
# 730 days, the strictest reading, so a client that splits by 730 days is safe everywhere.
MAX_INSTANCES_SPAN = timedelta(days=730)
_PRESENTATION = frozenset({"page_token", "page_size", "user_id_type"})


def number(args: MultiDict[str, str], name: str, default: int, lo: int, hi: int) -> int:
    value = args.get(name)
    if value is None:
        return default
    try:
        parsed = int(value)
    except ValueError:
        parsed = lo - 1
    if not lo <= parsed <= hi:
        raise FeishuError(INVALID_PARAMS, f"{name} must be between {lo} and {hi}")
    return parsed


def unix(args: MultiDict[str, str], name: str) -> datetime | None:
    value = args.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise FeishuError(INVALID_PARAMS, f"{name} must be a Unix timestamp in seconds")
    return datetime.fromtimestamp(int(value), UTC)


class Endpoints:
    def __init__(self, world: World) -> None:
        self._world = world
        self._lister = EventLister(world)
        self._cache = ListingCache()

    # -- access --------------------------------------------------------------------------

    def _visible(self, call: Call, calendar_id: str) -> tuple[Calendar, str]:
        calendar = self._world.calendar(calendar_id)
        role = calendar.role_of(call.principal) if calendar is not None else None
        if calendar is None or role is None:
            raise FeishuError(CALENDAR_NOT_FOUND)
        return calendar, role

    def _readable(self, call: Call, calendar_id: str) -> Calendar:
        calendar, role = self._visible(call, calendar_id)
        if calendar.id in DELETED_CALENDARS:
            raise FeishuError(CALENDAR_DELETED)
        if role == "freeBusyReader" or calendar.id in call.faults.forbidden_calendars:
            raise FeishuError(NO_CALENDAR_ACCESS)
        return calendar

    # -- paging --------------------------------------------------------------------------

    def _since(self, sync_token: str | None, scope: str) -> int | None:
        if sync_token is None:
            return None
        try:
            return decode_sync(
                sync_token, scope, version=self._world.version, epoch=self._world.sync_epoch
            )
        except TokenError as exc:
            raise FeishuError(PAGE_TOKEN_INVALID) from exc

    def _page(
        self,
        request: Request,
        call: Call,
        compute: Callable[[], list[Render]],
        size: int,
        *,
        key: str,
        sync_scope: str | None,
    ) -> Response:
        args = request.args
        query_id = fingerprint(request.path, args.items(multi=True), _PRESENTATION)
        version, epoch = self._world.version, self._world.sync_epoch
        token = args.get("page_token")
        offset, snapshot = 0, version
        if token:
            try:
                cursor = decode_page(token, query_id)
            except TokenError as exc:
                raise FeishuError(INVALID_PARAMS, "page_token is invalid") from exc
            offset, snapshot = cursor.offset, cursor.snapshot
        items = self._cache.get((call.principal, query_id, version, epoch), compute)
        chunk = [render() for render in items[offset : offset + call.page_size(size)]]
        end = offset + len(chunk)
        data: dict[str, Any] = {"has_more": end < len(items)}
        if end < len(items):
            data["page_token"] = encode_page(end, query_id, snapshot)
        elif sync_scope is not None:
            data["sync_token"] = encode_sync(sync_scope, snapshot, epoch)
        data[key] = chunk
        return ok(data)

    # -- methods -------------------------------------------------------------------------

    def calendars(self, request: Request, call: Call) -> ApiResult:
        size = number(request.args, "page_size", 500, 50, 1000)
        scope = f"feishu-calendars:{call.principal}"
        since = self._since(request.args.get("sync_token"), scope)

        def compute() -> list[Render]:
            rows: list[Render] = [
                partial(calendar_item, calendar, role)
                for calendar, role in self._world.calendars_of(call.principal)
                if since is None or calendar.seq > since
            ]
            if since is not None:
                rows += [
                    partial(removed_calendar, calendar_id)
                    for calendar_id, seq, _ in self._world.removed_from(call.principal)
                    if seq > since
                ]
            return rows

        return ApiResult(
            self._page(request, call, compute, size, key="calendar_list", sync_scope=scope)
        )

    def calendar(self, _request: Request, call: Call, calendar_id: str) -> ApiResult:
        calendar, role = self._visible(call, calendar_id)
        return ApiResult(ok(calendar_item(calendar, role)))

    def events(self, request: Request, call: Call, calendar_id: str) -> ApiResult:
        try:
            calendar = self._readable(call, calendar_id)
        except FeishuError as error:
            return self._refused(error, call)
        args = request.args
        size = number(args, "page_size", 500, 50, 1000)
        lo, hi = unix(args, "start_time"), unix(args, "end_time")
        anchor = unix(args, "anchor_time")
        sync_token = args.get("sync_token")
        if lo is not None or hi is not None:
            if lo is None or hi is None or hi <= lo:
                raise FeishuError(INVALID_PARAMS, "start_time and end_time go together")
            if sync_token or args.get("page_token") or anchor is not None:
                raise FeishuError(INVALID_PARAMS, "start_time/end_time cannot page or sync")
            # No paging in this mode: the first page_size items, has_more false, whatever
            # else the window holds. A client that lists this way loses events silently.
            items = self._lister.window(calendar, lo, hi)[: call.page_size(size)]
            return ApiResult(ok({"has_more": False, "items": [render() for render in items]}))
        if sync_token and anchor is not None:
            raise FeishuError(INVALID_PARAMS, "sync_token cannot be combined with anchor_time")
        scope = f"feishu-events:{calendar.id}"
        since = self._since(sync_token, scope)
        return ApiResult(
            self._page(
                request,
                call,
                lambda: self._lister.events(calendar, since, anchor),
                size,
                key="items",
                sync_scope=scope,
            )
        )

    def event(self, _request: Request, call: Call, calendar_id: str, event_id: str) -> ApiResult:
        try:
            calendar = self._readable(call, calendar_id)
        except FeishuError as error:
            return self._refused(error, call)
        found = self._lister.event(calendar, event_id)
        if found is None:
            raise FeishuError(EVENT_NOT_FOUND)
        if found[0].deleted:
            raise FeishuError(EVENT_DELETED)
        return ApiResult(ok({"event": found[1]}))

    def instances(self, request: Request, call: Call, calendar_id: str, event_id: str) -> ApiResult:
        try:
            calendar = self._readable(call, calendar_id)
        except FeishuError as error:
            return self._refused(error, call)
        series = self._world.series(calendar.id, event_id)
        if series is None:
            raise FeishuError(EVENT_NOT_FOUND)
        if series.deleted:
            raise FeishuError(EVENT_DELETED)
        args = request.args
        lo, hi = unix(args, "start_time"), unix(args, "end_time")
        if lo is None or hi is None:
            raise FeishuError(INVALID_PARAMS, "start_time and end_time are required")
        if hi <= lo or hi - lo > MAX_INSTANCES_SPAN:
            raise FeishuError(INVALID_PARAMS, "the time range must be positive and 2 years at most")
        size = number(args, "page_size", 50, 10, 500)
        deleted = call.faults.deleted_occurrences or "absent"
        return ApiResult(
            self._page(
                request,
                call,
                lambda: self._lister.instances(calendar, series, lo, hi, deleted),
                size,
                key="items",
                sync_scope=None,
            )
        )

    @staticmethod
    def _refused(error: FeishuError, call: Call) -> ApiResult:
        fault = FORBIDDEN if error.code == NO_CALENDAR_ACCESS else None
        return ApiResult(error.response(call.faults), fault)
