"""Which Google calendars to read, and through which principal.

Every principal's calendar list is read at once: a calendar shared by several subjects is
read once, through the subject with the strongest access to it. A calendar a subject owns is
ready as soon as the lists before that subject's are in (a later owner never replaces an
earlier one), so its change listing starts while the other lists are still being read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tap_calinstances.engine.http import Http
from tap_calinstances.errors import ODD_BODY
from tap_calinstances.providers import CalendarTarget, Call
from tap_calinstances.providers.google import records
from tap_calinstances.providers.google.settings import GoogleSettings

PRIMARY = "primary"  # Google's alias for a user's own calendar, also in google.calendar_ids
# Google's access roles, weakest first: freeBusyReader sees only busy blocks.
_ROLE_RANK = {"freeBusyReader": 1, "reader": 2, "writer": 3, "owner": 4}
_OWNER = _ROLE_RANK["owner"]
CALENDAR_PAGE = 250  # Google's largest calendar-list page
_LIST_ADVICE = (
    "the calendar list cannot be read: check google.api_url, and that the credentials "
    "belong to a user (or an impersonated subject) with a calendar"
)


def calendars(
    http: Http, settings: GoogleSettings, ready: Callable[[CalendarTarget], None]
) -> list[CalendarTarget]:
    wanted = settings.calendar_ids
    # Hidden calendars are still the user's calendars; Google leaves them out by default.
    calls = [
        Call(
            principal.label,
            "/users/me/calendarList",
            params={"showHidden": "true", "maxResults": CALENDAR_PAGE},
            skippable=False,
            advice=_LIST_ADVICE,
        )
        for principal in settings.principals
    ]
    chosen: dict[str, tuple[int, str, Mapping[str, Any]]] = {}
    primary_seen = False
    for call, listing in zip(calls, http.gather(calls), strict=True):
        for item in listing.items if listing else []:
            try:
                calendar_id = records.calendar_facts(item).calendar_id
            except ODD_BODY as exc:
                raise http.malformed(call, f"a calendar list entry: {exc!r}") from exc
            if wanted is not None and not _is_wanted(item, calendar_id, wanted):
                continue
            primary_seen = primary_seen or bool(item.get("primary"))
            rank = _ROLE_RANK.get(str(item.get("accessRole")), 0)
            if calendar_id not in chosen or rank > chosen[calendar_id][0]:
                chosen[calendar_id] = (rank, call.principal, item)
                if rank == _OWNER:  # the lists before this one are in: nobody takes it now
                    ready(_target(call.principal, item))
    for calendar_id in sorted(set(wanted or ()) - set(chosen) - {PRIMARY}):
        found = _read_unlisted(http, settings, calendar_id)
        if found is not None:
            chosen[calendar_id] = (0, *found)
    if PRIMARY in (wanted or ()) and not primary_seen:
        http.warn("no principal has a primary calendar in its list")
    return [_target(principal, item) for _, principal, item in chosen.values()]


def _target(principal: str, item: Mapping[str, Any]) -> CalendarTarget:
    facts = records.calendar_facts(item)
    return CalendarTarget(
        facts.calendar_id, principal, facts.timezone, facts.owner_id, records.calendar_record(item)
    )


def _read_unlisted(
    http: Http, settings: GoogleSettings, calendar_id: str
) -> tuple[str, Mapping[str, Any]] | None:
    """A configured calendar no principal lists, read by id (calendars.get): calendars
    shared with a service account never appear in its own calendar list."""
    for principal in settings.principals:
        call = Call(
            principal.label,
            "/calendars/{calendar_id}",
            {"calendar_id": calendar_id},
            where=f"calendar {calendar_id}",
        )
        item = http.fetch(call)
        if item is not None:
            return principal.label, item
    http.warn(
        f"calendar {calendar_id} from google.calendar_ids cannot be read by any principal: "
        "share it with the account (or a subject) or check the id"
    )
    return None


def _is_wanted(item: Mapping[str, Any], calendar_id: str, wanted: tuple[str, ...]) -> bool:
    return calendar_id in wanted or (PRIMARY in wanted and bool(item.get("primary")))
