"""Google Calendar streams: calendar list -> recurring series -> their occurrences."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests
from singer_sdk.helpers.types import Context
from typing_extensions import override

from tap_calinstances import record_schemas, recurrence, timeutil
from tap_calinstances.auth import TokenPolicy
from tap_calinstances.errors import Verdict
from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers.google import errors, records
from tap_calinstances.providers.google.paginator import GooglePaginator
from tap_calinstances.providers.google.run import GoogleRun, SeriesPlan, context_value
from tap_calinstances.streams import CalendarStream, list_items

# Google's largest pages: fewer requests against a 600 requests/min/user quota.
CALENDAR_PAGE = 250
EVENT_PAGE = 2500


class GoogleStream(CalendarStream):
    """Shared by the three Google streams: the run, auth per principal, paging, errors."""

    provider: ClassVar[str] = "google"
    items_key: ClassVar[str] = "items"

    def __init__(self, *args: Any, run: _RunHolder, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holder = run

    @property
    def run(self) -> GoogleRun:
        return self._holder.get()

    @property
    @override
    def url_base(self) -> str:
        return self.run.settings.api_url

    @override
    def classify(self, response: requests.Response) -> Verdict | None:
        return errors.classify(response)

    @override
    def authenticator_for(self, context: Context | None) -> TokenPolicy:
        return self.run.authenticator(context_value(context, "principal"))

    @override
    def get_new_paginator(self) -> GooglePaginator:
        return GooglePaginator()

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        body = self.parse_json(response)
        try:
            items = list(list_items(body, self.items_key))
        except ValueError as exc:
            raise self.malformed(response, str(exc)) from exc
        self.on_page(body)
        return items

    def on_page(self, body: Mapping[str, Any]) -> None:
        """Hook for page-level fields (the sync token of the last page)."""

    def page_params(self, next_page_token: Any, size: int) -> dict[str, Any]:
        # prettyPrint=false: Google's standard parameter for compact JSON, fewer bytes to move.
        params: dict[str, Any] = {"maxResults": size, "prettyPrint": "false"}
        if next_page_token:
            params["pageToken"] = next_page_token
        return params


class GoogleCalendars(GoogleStream):
    """Calendars in each principal's calendar list, each read once across principals."""

    def __init__(self, *args: Any, lookup: GoogleCalendarById, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reader: dict[str, str] = {}  # calendar id -> principal label that reads it
        self._lookup = lookup

    name = "google_calendars"
    path = "/users/me/calendarList"
    primary_keys: ClassVar[tuple[str, ...]] = ("calendar_id",)
    skippable = False
    unskippable_advice = (
        "the calendar list cannot be read: check google.api_url, and that the credentials "
        "belong to a user (or an impersonated subject) with a calendar"
    )

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        # Hidden calendars are still the user's calendars; Google leaves them out by default.
        return {"showHidden": "true", **self.page_params(next_page_token, CALENDAR_PAGE)}

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        if "google" not in self.config:  # discovery, or a run of other providers only
            self.logger.info("google: no google block in the configuration; nothing to read")
            return
        for calendar_id, (principal, item) in self._choose_principals().items():
            self.run.calendars[calendar_id] = records.calendar_facts(item)
            self._reader[calendar_id] = principal
            yield records.calendar_record(item)
            # Back here, the calendar record and all its series and occurrences are written.
            self.run.claim(self.stream_state, calendar_id)

    def _choose_principals(self) -> dict[str, tuple[str, Mapping[str, Any]]]:
        """Every principal's calendar list, read first: a calendar shared by several subjects
        is then read once, through the subject with the strongest access to it."""
        wanted = self.run.settings.calendar_ids
        chosen: dict[str, tuple[int, str, Mapping[str, Any]]] = {}
        primary_seen = False
        for principal in self.run.settings.principals:
            for item in super().get_records({"principal": principal.label}):
                try:
                    calendar_id = records.calendar_facts(item).calendar_id
                except (KeyError, ValueError) as exc:
                    raise self.malformed(None, f"calendar list entry without {exc}") from exc
                if wanted is not None and not _is_wanted(item, calendar_id, wanted):
                    continue
                primary_seen = primary_seen or bool(item.get("primary"))
                rank = _ROLE_RANK.get(str(item.get("accessRole")), 0)
                if calendar_id not in chosen or rank > chosen[calendar_id][0]:
                    chosen[calendar_id] = (rank, principal.label, item)
        missing = set(wanted or ()) - set(chosen) - {PRIMARY}
        for calendar_id in sorted(missing):
            found = self._read_unlisted(calendar_id)
            if found is not None:
                chosen[calendar_id] = (0, *found)
        if PRIMARY in (wanted or ()) and not primary_seen:
            self.logger.warning("google: no principal has a primary calendar in its list")
        return {key: (principal, item) for key, (_, principal, item) in chosen.items()}

    def _read_unlisted(self, calendar_id: str) -> tuple[str, Mapping[str, Any]] | None:
        """A configured calendar no principal lists, read by id: calendars shared with a
        service account never appear in its own calendar list."""
        for principal in self.run.settings.principals:
            context = {"principal": principal.label, "calendar_id": calendar_id}
            for item in self._lookup.get_records(context):
                return principal.label, item
        self.logger.warning(
            "google: calendar %s from google.calendar_ids cannot be read by any principal: "
            "share it with the account (or a subject) or check the id",
            calendar_id,
        )
        return None

    @override
    def get_child_context(self, record: dict[str, Any], context: Context | None) -> dict[str, Any]:
        return {
            "principal": self._reader[record["calendar_id"]],
            "calendar_id": record["calendar_id"],
        }


class GoogleCalendarById(GoogleStream):
    """One calendar by id (calendars.get): not a catalog stream, a lookup for the calendar
    stream, with the same retries, refresh and skip rules as every request."""

    name = "google_calendar_by_id"
    path = "/calendars/{calendar_id}"

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict[str, Any]]:
        return [self.parse_json(response)]

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {"prettyPrint": "false"}


PRIMARY = "primary"  # Google's alias for a user's own calendar, also in google.calendar_ids
# Google's access roles, weakest first: freeBusyReader sees only busy blocks.
_ROLE_RANK = {"freeBusyReader": 1, "reader": 2, "writer": 3, "owner": 4}


def _is_wanted(item: Mapping[str, Any], calendar_id: str, wanted: tuple[str, ...]) -> bool:
    return calendar_id in wanted or (PRIMARY in wanted and bool(item.get("primary")))


class GoogleSeries(GoogleStream):
    """Recurring series (masters). The listing also names modified occurrences."""

    name = "google_series"
    path = "/calendars/{calendar_id}/events"
    primary_keys: ClassVar[tuple[str, ...]] = ("calendar_id", "series_id")
    parent_stream_type = GoogleCalendars

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_token: str | None = None

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        # No time bounds: the listing then ends with a sync token for later incremental runs.
        # singleEvents=false keeps masters and lists modified/cancelled occurrences apart.
        return {
            "singleEvents": "false",
            "showDeleted": "true",
            **self.page_params(next_page_token, EVENT_PAGE),
        }

    @override
    def on_page(self, body: Mapping[str, Any]) -> None:
        if body.get("nextSyncToken"):
            self._sync_token = str(body["nextSyncToken"])

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        calendar_id = context_value(context, "calendar_id")
        calendar = self.run.calendars[calendar_id]
        self._sync_token = None
        masters: list[dict[str, Any]] = []
        modified: dict[str, set[str]] = {}
        # Read the whole listing first: a modified occurrence may come before its master.
        for item in super().get_records(context):
            if records.is_master(item):
                masters.append(item)
            elif records.is_modified_occurrence(item):
                modified.setdefault(str(item["recurringEventId"]), set()).add(str(item["id"]))
        for master in masters:
            try:
                facts = records.series_facts(master, calendar)
                record = records.series_record(master, facts)
            except (KeyError, ValueError) as exc:
                raise self.malformed(None, f"series {master.get('id')}: {exc}") from exc
            moved = frozenset(modified.get(facts.series_id, ()))
            self.run.series[(calendar_id, facts.series_id)] = SeriesPlan(
                facts, moved, read_instances=bool(moved) or self._may_occur(master, facts)
            )
            yield record
        if not self.listing_skipped:
            self.run.calendar_read(calendar_id, self._sync_token)

    def _may_occur(self, master: Mapping[str, Any], facts: SeriesFacts) -> bool:
        """Whether the rule can still produce occurrences in the window: a series that ended
        before it costs no instances request (one per series adds up on old calendars)."""
        return recurrence.may_occur_in(
            records.recurrence_lines(master),
            records.rule_start(master, facts),
            facts.duration,
            self.run.window,
        )

    @override
    def get_child_context(self, record: dict[str, Any], context: Context | None) -> dict[str, Any]:
        return {
            "principal": context_value(context, "principal"),
            "calendar_id": record["calendar_id"],
            "series_id": record["series_id"],
        }


class GoogleInstances(GoogleStream):
    """Occurrences of each recurring series, one page of up to 2,500 at a time."""

    name = "google_instances"
    path = "/calendars/{calendar_id}/events/{series_id}/instances"
    primary_keys: ClassVar[tuple[str, ...]] = ("instance_key",)
    parent_stream_type = GoogleSeries

    @override
    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        window = self.run.window
        # timeMin bounds the end (inclusive here), timeMax the start (exclusive); the exact
        # scope rule is applied to each record below.
        return {
            "timeMin": timeutil.format_rfc3339(window.start),
            "timeMax": timeutil.format_rfc3339(window.end),
            "showDeleted": "true",
            **self.page_params(next_page_token, EVENT_PAGE),
        }

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        key = (context_value(context, "calendar_id"), context_value(context, "series_id"))
        plan = self.run.series[key]
        if not plan.read_instances:
            return
        seen: set[str] = set()
        for item in super().get_records(context):
            try:
                record = records.instance_record(item, plan.facts, plan.modified_ids)
            except (KeyError, ValueError) as exc:
                raise self.malformed(None, f"occurrence {item.get('id')}: {exc}") from exc
            if record["instance_key"] in seen or not self._in_window(record):
                continue
            seen.add(record["instance_key"])
            yield record

    def _in_window(self, record: Mapping[str, Any]) -> bool:
        return self.run.window.overlaps(
            timeutil.parse_instant(record["start_at"]), timeutil.parse_instant(record["end_at"])
        )


class _RunHolder:
    """Builds the run on first use: discovery needs no configuration, syncing does."""

    def __init__(self, tap: Any) -> None:
        self._tap = tap
        self._run: GoogleRun | None = None

    def get(self) -> GoogleRun:
        if self._run is None:
            self._run = GoogleRun.start(self._tap, datetime.now(UTC))
        return self._run


def google_streams(tap: Any) -> list[GoogleStream]:
    holder = _RunHolder(tap)
    lookup = GoogleCalendarById(tap, schema=record_schemas.load("calendar"), run=holder)
    return [
        GoogleCalendars(tap, schema=record_schemas.load("calendar"), run=holder, lookup=lookup),
        GoogleSeries(tap, schema=record_schemas.load("series"), run=holder),
        GoogleInstances(tap, schema=record_schemas.load("instance"), run=holder),
    ]
