"""Google Calendar API v3: the declarations the engine runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import requests

from tap_calinstances import timeutil
from tap_calinstances.auth import TokenPolicy
from tap_calinstances.engine.http import Http, list_items
from tap_calinstances.engine.memory import CalendarMemory
from tap_calinstances.errors import Verdict
from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers import Budget, CalendarTarget, Call, Changes
from tap_calinstances.providers.google import auth, calendars, changes, errors, records, settings
from tap_calinstances.providers.google.paginator import GooglePaginator
from tap_calinstances.providers.google.settings import GoogleSettings
from tap_calinstances.windows import Window

# Google's largest events page: fewer requests against a 600 requests/min/user quota.
EVENT_PAGE = 2500


class Google:
    name = "google"
    title = "Google Calendar API v3"
    schema = settings.SCHEMA.to_dict()
    # 600 requests per minute per user (Google's documented quota); Google publishes no
    # concurrency limit per user, 10 in flight keeps one user from taking every worker.
    budget = Budget(concurrency=10, requests=600, per_seconds=60.0)
    cursor_name = "sync_token"
    headers: Mapping[str, str] = {}
    reports_deletions = True  # showDeleted=true lists cancelled occurrences
    # An edited occurrence does not change its master's etag: after an expired sync token
    # every series is read again.
    stamps_cover_occurrences = False
    recurrence_schema: dict[str, Any] = {"type": ["array", "null"], "items": {"type": "string"}}
    max_span: timedelta | None = None
    secret_fields: Mapping[str, tuple[str, ...]] = {
        "service_account_info": settings.SECRET_KEY_FIELDS
    }

    def check(self, block: Mapping[str, Any]) -> list[str]:
        return settings.check(block)

    def settings(self, block: Mapping[str, Any]) -> GoogleSettings:
        return GoogleSettings.parse(block)

    def api_url(self, parsed: GoogleSettings) -> str:
        return parsed.api_url

    def in_scope(self, parsed: GoogleSettings, calendar_id: str) -> bool:
        return parsed.calendar_ids is None or calendar_id in parsed.calendar_ids

    def credential(self, parsed: GoogleSettings, principal: str) -> str:  # noqa: ARG002
        return principal  # one token per user or impersonated subject

    def authenticator(self, parsed: GoogleSettings, credential: str) -> TokenPolicy:
        principal = next(p for p in parsed.principals if p.label == credential)
        return auth.authenticator(parsed, principal)

    def classify(self, response: requests.Response) -> Verdict | None:
        return errors.classify(response)

    def paginator(self) -> GooglePaginator:
        return GooglePaginator()

    def page(self, call: Call, url: str, token: Any) -> tuple[str, dict[str, Any]]:
        # prettyPrint=false: Google's standard parameter for compact JSON, fewer bytes.
        params = {**call.params, "prettyPrint": "false"}
        if token:
            params["pageToken"] = token
        return url, params

    def items(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        return list(list_items(body, "items"))

    def cursor(self, body: Mapping[str, Any]) -> str | None:
        token = body.get("nextSyncToken")  # only on the last page
        return str(token) if token else None

    def calendars(
        self, http: Http, parsed: GoogleSettings, ready: Callable[[CalendarTarget], None]
    ) -> list[CalendarTarget]:
        return calendars.calendars(http, parsed, ready)

    def change_listing(self, target: CalendarTarget, cursor: str | None) -> Call:
        # No time bounds: the listing ends with a sync token for the next run. singleEvents
        # =false keeps masters and lists edited or cancelled occurrences apart.
        params: dict[str, Any] = {
            "singleEvents": "false",
            "showDeleted": "true",
            "maxResults": EVENT_PAGE,
        }
        if cursor:
            params["syncToken"] = cursor
        return Call(
            target.principal,
            "/calendars/{calendar_id}/events",
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
        remembered: CalendarMemory,
    ) -> Changes:
        return changes.changes(items, target, full, cursor, remembered)

    def instances(self, target: CalendarTarget, series_id: str, span: Window) -> Call:
        # timeMin bounds the end (inclusive here), timeMax the start (exclusive); the engine
        # applies the contract's exact rule to every record.
        return Call(
            target.principal,
            "/calendars/{calendar_id}/events/{series_id}/instances",
            {"calendar_id": target.calendar_id, "series_id": series_id},
            {
                "timeMin": timeutil.format_rfc3339(span.start),
                "timeMax": timeutil.format_rfc3339(span.end),
                "showDeleted": "true",
                "maxResults": EVENT_PAGE,
            },
            where=f"series {series_id} of calendar {target.calendar_id}",
        )

    def instance_record(
        self, item: Mapping[str, Any], facts: SeriesFacts, exceptions: frozenset[datetime]
    ) -> dict[str, Any]:
        return records.instance_record(item, facts, exceptions)


GOOGLE = Google()
