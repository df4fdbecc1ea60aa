"""Which Graph calendars to read: every calendar of each configured user (or every user of
the tenant), each through its own mailbox's budget."""

from __future__ import annotations

from tap_calinstances.engine.http import Http
from tap_calinstances.errors import ODD_BODY
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


def calendars(http: Http, settings: MicrosoftSettings) -> list[CalendarTarget]:
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
    targets: list[CalendarTarget] = []
    seen: set[str] = set()
    for call, listing in zip(calls, http.gather(calls), strict=True):
        for item in listing.items if listing else []:
            try:
                record = records.calendar_record(call.principal, item)
            except ODD_BODY as exc:
                raise http.malformed(call, f"a calendar: {exc!r}") from exc
            wanted = settings.calendar_ids
            if wanted is not None and record["calendar_id"] not in wanted:
                continue
            if record["calendar_id"] in seen:  # one calendar shown in two mailboxes
                continue
            seen.add(record["calendar_id"])
            targets.append(
                CalendarTarget(
                    record["calendar_id"], call.principal, "UTC", record["owner_id"], record
                )
            )
    return targets
