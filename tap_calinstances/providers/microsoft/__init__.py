"""Microsoft Graph v1.0 (Outlook / Microsoft 365): the declarations the engine runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import ParseResult

import requests
from singer_sdk.pagination import BaseHATEOASPaginator
from typing_extensions import override

from tap_calinstances import timeutil
from tap_calinstances.auth import TokenPolicy
from tap_calinstances.engine.http import Http, list_items
from tap_calinstances.engine.memory import CalendarMemory
from tap_calinstances.errors import Verdict
from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers import Budget, CalendarTarget, Call, Changes, Master
from tap_calinstances.providers.microsoft import auth, calendars, errors, records, settings
from tap_calinstances.providers.microsoft.settings import MicrosoftSettings
from tap_calinstances.windows import Window

EVENTS_PAGE = 1000
_EVENT_FIELDS = (
    "id,subject,bodyPreview,start,end,isAllDay,isCancelled,type,seriesMasterId,recurrence,"
    "originalStartTimeZone,originalEndTimeZone,lastModifiedDateTime,changeKey,iCalUId,"
    "webLink,showAs,organizer,attendees,location"
)
# originalStart is left out of real responses unless $select names it.
_INSTANCE_FIELDS = _EVENT_FIELDS + ",originalStart,occurrenceId"


class GraphPaginator(BaseHATEOASPaginator):
    """``@odata.nextLink``, followed as given, also from an empty page."""

    @override
    def get_next_url(self, response: requests.Response) -> str | None:
        link = response.json().get("@odata.nextLink")
        return str(link) if link else None

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        return bool(response.json().get("@odata.nextLink"))


class Microsoft:
    name = "microsoft"
    title = "Microsoft Graph v1.0 (Outlook / Microsoft 365)"
    schema = settings.SCHEMA.to_dict()
    # Outlook's limits per app and mailbox: 4 requests at once, 10,000 per 10 minutes.
    budget = Budget(concurrency=4, requests=10_000, per_seconds=600.0)
    cursor_name = "cursor"  # Graph has none here: the masters listing is read whole
    headers: Mapping[str, str] = {
        # Every time in UTC, and ids that survive an item moving between folders.
        "Prefer": 'outlook.timezone="UTC", IdType="ImmutableId"'
    }
    reports_deletions = False  # a deleted occurrence is simply absent from /instances
    stamps_cover_occurrences = True  # Exchange keeps exceptions and deletions on the master
    recurrence_schema: dict[str, Any] = {"type": ["object", "null"]}
    max_span: timedelta | None = None
    secret_fields: Mapping[str, tuple[str, ...]] = {}

    def check(self, block: Mapping[str, Any]) -> list[str]:
        return settings.check(block)

    def settings(self, block: Mapping[str, Any]) -> MicrosoftSettings:
        return MicrosoftSettings.parse(block)

    def api_url(self, parsed: MicrosoftSettings) -> str:
        return parsed.api_url

    def in_scope(self, parsed: MicrosoftSettings, calendar_id: str) -> bool:
        return parsed.calendar_ids is None or calendar_id in parsed.calendar_ids

    def credential(self, parsed: MicrosoftSettings, principal: str) -> str:  # noqa: ARG002
        return "app"  # one app token serves every mailbox of the tenant

    def authenticator(self, parsed: MicrosoftSettings, credential: str) -> TokenPolicy:  # noqa: ARG002
        return auth.GraphClientCredentials(parsed)

    def classify(self, response: requests.Response) -> Verdict | None:
        return errors.classify(response)

    def paginator(self) -> GraphPaginator:
        return GraphPaginator()

    def page(self, call: Call, url: str, token: ParseResult | None) -> tuple[str, dict[str, Any]]:
        # A next link already holds every parameter: it replaces the URL and ours. The
        # SDK's HATEOAS paginator holds it parsed; str() of that is its repr, not the URL.
        return (token.geturl(), {}) if token else (url, dict(call.params))

    def items(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        return list(list_items(body, "value"))

    def cursor(self, body: Mapping[str, Any]) -> str | None:  # noqa: ARG002
        return None

    def calendars(
        self, http: Http, parsed: MicrosoftSettings, ready: Callable[[CalendarTarget], None]
    ) -> list[CalendarTarget]:
        return calendars.calendars(http, parsed, ready)

    def change_listing(self, target: CalendarTarget, cursor: str | None) -> Call:  # noqa: ARG002
        # Series masters only: their changeKey moves with any change to an occurrence.
        return Call(
            target.principal,
            "/users/{user}/calendars/{calendar_id}/events",
            {"user": target.principal, "calendar_id": target.calendar_id},
            {"$filter": "type eq 'seriesMaster'", "$select": _EVENT_FIELDS, "$top": EVENTS_PAGE},
            where=f"calendar {target.calendar_id} of user {target.principal}",
        )

    def changes(
        self,
        items: Sequence[Mapping[str, Any]],
        target: CalendarTarget,
        full: bool,  # noqa: ARG002
        cursor: str | None,  # noqa: ARG002
        remembered: CalendarMemory,  # noqa: ARG002
    ) -> Changes:
        live: dict[str, Master] = {}
        for item in items:
            if item.get("type") != "seriesMaster" or item.get("isCancelled"):
                continue
            facts = records.series_facts(item, target)
            rule = records.rule_lines(item, facts)
            live[facts.series_id] = Master(
                facts=facts,
                record=records.series_record(item, facts, rule),
                stamp=str(item.get("changeKey") or item.get("lastModifiedDateTime") or ""),
                rule=rule,
                first_start=records.first_start(item, facts),
            )
        return Changes(True, live, frozenset(), frozenset(), {}, {}, None)

    def instances(self, target: CalendarTarget, series_id: str, span: Window) -> Call:
        return Call(
            target.principal,
            "/users/{user}/calendars/{calendar_id}/events/{series_id}/instances",
            {"user": target.principal, "calendar_id": target.calendar_id, "series_id": series_id},
            {
                "startDateTime": timeutil.format_instant(span.start),
                "endDateTime": timeutil.format_instant(span.end),
                "$select": _INSTANCE_FIELDS,
                "$top": EVENTS_PAGE,
            },
            where=f"series {series_id} of calendar {target.calendar_id} of user {target.principal}",
        )

    def instance_record(
        self,
        item: Mapping[str, Any],
        facts: SeriesFacts,
        exceptions: frozenset[datetime],  # noqa: ARG002
    ) -> dict[str, Any]:
        return records.instance_record(item, facts)


MICROSOFT = Microsoft()
