"""Which Graph calendars to read: every calendar of each configured user (or every user of
the tenant), each through its own mailbox's budget.

A calendar shared with other users shows in their calendar lists too; it is read once,
through the mailbox that owns it when that mailbox is read (whatever order /users gives),
so its record and its budget do not depend on who else is in the run. A calendar its own
mailbox lists as owner is ready as soon as the lists before that mailbox's are in: its change
listing starts while the other lists are still being read."""

from __future__ import annotations

from collections.abc import Callable

from tap_calinstances.engine.http import Http
from tap_calinstances.errors import ODD_BODY, ProviderError
from tap_calinstances.providers import CalendarTarget, Call
from tap_calinstances.providers.microsoft import records
from tap_calinstances.providers.microsoft.settings import DIRECTORY, MicrosoftSettings

USERS_PAGE = 999  # Graph's largest page of users
CALENDARS_PAGE = 250


def users(http: Http, settings: MicrosoftSettings) -> list[str]:
    if settings.user_ids is not None:
        return list(settings.user_ids)
    call = Call(
        DIRECTORY,
        "/users",
        params={"$select": "id,userPrincipalName,mail,displayName", "$top": USERS_PAGE},
        where="the tenant's user list",
        skippable=False,
        advice="grant the app the application permission User.Read.All (with admin consent), "
        "or list the mailboxes in microsoft.user_ids",
    )
    listing = http.listing(call)
    found = []
    for item in listing.items if listing else []:
        try:
            found.append(str(item.get("userPrincipalName") or item["id"]))
        except ODD_BODY as exc:
            raise http.malformed(call, f"a user: {exc!r}") from exc
    return found


def calendars(
    http: Http, settings: MicrosoftSettings, ready: Callable[[CalendarTarget], None]
) -> list[CalendarTarget]:
    calls = [
        Call(
            user,
            "/users/{user}/calendars",
            {"user": user},
            {"$top": CALENDARS_PAGE},
            where=f"the calendars of user {user}",
        )
        for user in users(http, settings)
    ]
    wanted = settings.calendar_ids
    chosen: dict[str, tuple[tuple[bool, bool], CalendarTarget]] = {}
    refused = 0
    for call, listing in zip(calls, http.gather(calls), strict=True):
        refused += listing is None
        for item in listing.items if listing else []:
            try:
                record = records.calendar_record(call.principal, item)
            except ODD_BODY as exc:
                raise http.malformed(call, f"a calendar: {exc!r}") from exc
            calendar_id = record["calendar_id"]
            if wanted is not None and calendar_id not in wanted:
                continue
            # The owner's own mailbox first, then one that may edit it (a delegate).
            rank = (
                str(record["owner_id"]).lower() == call.principal.lower(),
                record["access_role"] == "owner",
            )
            if calendar_id in chosen and rank <= chosen[calendar_id][0]:
                continue
            target = CalendarTarget(calendar_id, call.principal, "UTC", record["owner_id"], record)
            chosen[calendar_id] = (rank, target)
            if all(rank):  # the strongest claim, and the lists before this one are in
                ready(target)
    if calls and refused == len(calls):
        # One refused mailbox is a policy (skipped, warned); all of them is the app's setup.
        raise ProviderError(
            f"microsoft: no calendar list could be read ({refused} of {len(calls)} users "
            "refused or without a mailbox, see the warnings above): grant the app the "
            "application permission Calendars.Read or Calendars.ReadBasic with admin consent, "
            "and check that no application access policy leaves these users out",
            provider="microsoft",
            endpoint="GET /users/{user}/calendars",
            where="every user's calendar list",
        )
    for calendar_id in sorted(set(wanted or ()) - set(chosen)):
        http.warn(
            f"calendar {calendar_id} from microsoft.calendar_ids is in none of the calendar "
            "lists read: check the id (the tap reads immutable ids, as the "
            "microsoft_calendars stream shows them) and microsoft.user_ids"
        )
    return [target for _, target in chosen.values()]
