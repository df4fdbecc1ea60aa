"""Feishu / Lark Open Platform, calendar v4: the declarations the engine runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import requests
from singer_sdk.pagination import JSONPathPaginator
from typing_extensions import override

from tap_calinstances.auth import TokenPolicy
from tap_calinstances.engine.http import Http, list_items
from tap_calinstances.engine.memory import CalendarMemory
from tap_calinstances.errors import Verdict
from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers import Budget, CalendarTarget, Call, Changes, Master
from tap_calinstances.providers.feishu import auth, calendars, errors, records, settings
from tap_calinstances.providers.feishu.settings import APP, FeishuSettings
from tap_calinstances.windows import Window

EVENTS_PAGE = 1000
INSTANCES_PAGE = 500
# /instances spans at most two years (730 days), an open interval: each request reaches one
# second past both ends of its piece, so the pieces stay 2 s under the limit.
EDGE = timedelta(seconds=1)
_LISTS = ("items", "calendar_list")  # where a page's list sits under "data"


def _data(body: Mapping[str, Any]) -> Mapping[str, Any]:
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise ValueError("the body has no 'data' object")
    return data


class FeishuPaginator(JSONPathPaginator):
    """``page_token`` under ``data``, only while ``has_more`` (also after an empty page)."""

    def __init__(self) -> None:
        super().__init__("$.data.page_token")

    @override
    def has_more(self, response: requests.Response) -> bool:
        return bool((response.json().get("data") or {}).get("has_more"))

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        return self.has_more(response)


class Feishu:
    name = "feishu"
    title = "Feishu / Lark Open Platform, calendar v4"
    schema = settings.SCHEMA.to_dict()
    # 1,000 requests a minute and 50 a second per app on the calendar endpoints.
    budget = Budget(concurrency=10, requests=1000, per_seconds=60.0, burst=(50, 1.0))
    cursor_name = "sync_token"
    headers: Mapping[str, str] = {}
    # Whether /instances lists deleted occurrences is not settled by public material: the
    # engine cancels whatever the rule schedules and the listing no longer shows.
    reports_deletions = False
    stamps_cover_occurrences = False  # events carry no change stamp; the sync token tells
    recurrence_schema: dict[str, Any] = {"type": ["string", "null"]}
    max_span: timedelta | None = timedelta(days=730) - 2 * EDGE
    secret_fields: Mapping[str, tuple[str, ...]] = {}

    def check(self, block: Mapping[str, Any]) -> list[str]:
        return settings.check(block)

    def settings(self, block: Mapping[str, Any]) -> FeishuSettings:
        return FeishuSettings.parse(block)

    def api_url(self, parsed: FeishuSettings) -> str:
        return parsed.api_url

    def in_scope(self, parsed: FeishuSettings, calendar_id: str) -> bool:
        return parsed.calendar_ids is None or calendar_id in parsed.calendar_ids

    def credential(self, parsed: FeishuSettings, principal: str) -> str:  # noqa: ARG002
        return APP

    def authenticator(self, parsed: FeishuSettings, credential: str) -> TokenPolicy:  # noqa: ARG002
        return auth.TenantAccessToken(parsed)

    def classify(self, response: requests.Response) -> Verdict | None:
        return errors.classify(response)

    def paginator(self) -> FeishuPaginator:
        return FeishuPaginator()

    def page(self, call: Call, url: str, token: Any) -> tuple[str, dict[str, Any]]:
        params = dict(call.params)
        if token:
            params["page_token"] = token
        return url, params

    def items(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        data = _data(body)
        key = next((k for k in _LISTS if k in data), "items")
        return list(list_items(data, key))

    def cursor(self, body: Mapping[str, Any]) -> str | None:
        token = _data(body).get("sync_token")  # on the last page
        return str(token) if token else None

    def calendars(
        self,
        http: Http,
        parsed: FeishuSettings,
        ready: Callable[[CalendarTarget], None],  # noqa: ARG002
    ) -> list[CalendarTarget]:
        return calendars.calendars(http, parsed)  # one listing: all are ready at once

    def change_listing(self, target: CalendarTarget, cursor: str | None) -> Call:
        # Never the start_time/end_time mode: it does not page and silently truncates.
        params: dict[str, Any] = {"page_size": EVENTS_PAGE}
        if cursor:
            params["sync_token"] = cursor
        return Call(
            APP,
            "/calendar/v4/calendars/{calendar_id}/events",
            {"calendar_id": target.calendar_id},
            params,
            where=f"calendar {target.calendar_id}",
        )

    def changes(
        self,
        items: Sequence[Mapping[str, Any]],
        target: CalendarTarget,
        full: bool,
        cursor: str | None,
        remembered: CalendarMemory,  # noqa: ARG002
    ) -> Changes:
        live: dict[str, Master] = {}
        for item in items:
            if records.is_master(item):
                facts = records.series_facts(item, target)
                live[facts.series_id] = Master(
                    facts=facts,
                    record=records.series_record(item, facts),
                    stamp="",  # no stamp on Feishu events: changes come from the sync token
                    rule=records.rule_lines(item),
                    first_start=records.first_start(item, facts),
                )
        deleted: set[str] = set()
        touched: set[str] = set()
        exceptions: dict[str, set[datetime]] = {}
        unexceptions: dict[str, set[datetime]] = {}
        edited_at: dict[str, dict[datetime, tuple[datetime, datetime]]] = {}
        for item in items:
            series_id = item.get("recurring_event_id")
            if series_id:
                series_id = str(series_id)
                touched.add(series_id)
                original = records.original_instant(item)
                if item.get("status") == "cancelled":
                    unexceptions.setdefault(series_id, set()).add(original)
                    continue
                exceptions.setdefault(series_id, set()).add(original)
                where = records.span(item)
                if where is not None:
                    edited_at.setdefault(series_id, {})[original] = where
            elif not records.is_master(item):
                deleted.add(str(item["event_id"]))  # a deleted series, or a single event
        return Changes(
            full=full,
            live=live,
            deleted=frozenset(deleted),
            touched=frozenset(touched),
            exceptions={k: frozenset(v) for k, v in exceptions.items()},
            unexceptions={k: frozenset(v) for k, v in unexceptions.items()},
            cursor=cursor,
            edited_at=edited_at,
        )

    def instances(self, target: CalendarTarget, series_id: str, span: Window) -> Call:
        return Call(
            APP,
            "/calendar/v4/calendars/{calendar_id}/events/{series_id}/instances",
            {"calendar_id": target.calendar_id, "series_id": series_id},
            {
                "start_time": str(int((span.start - EDGE).timestamp())),
                "end_time": str(int((span.end + EDGE).timestamp())),
                "page_size": INSTANCES_PAGE,
            },
            # A skipped series (193001, 193003, 195100) is named in the warning, not just
            # its calendar.
            where=f"series {series_id} of calendar {target.calendar_id}",
        )

    def instance_record(
        self,
        item: Mapping[str, Any],
        facts: SeriesFacts,
        exceptions: frozenset[datetime],  # noqa: ARG002
    ) -> dict[str, Any]:
        return records.instance_record(item, facts)


FEISHU = Feishu()
