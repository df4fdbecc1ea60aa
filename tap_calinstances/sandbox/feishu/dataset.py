"""Feishu's fixed dataset: one self-built app, the calendars it sees and their events.

Feishu's principal is the app: a tenant access token acts for it, and the calendar list is
what the app may see. Tests assert exact values against this data. `principals` adds one
generated calendar per generated user (shared with the app, with generated series), so
`--principals N` grows Feishu as it grows Google.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tap_calinstances.sandbox.loadgen import principal_series, principal_zone
from tap_calinstances.sandbox.model import (
    CREATED,
    UPDATED,
    Attendee,
    Calendar,
    Dataset,
    OAuthClient,
    Override,
    Principal,
    Sequence,
    Series,
    wall,
)

SHANGHAI, LONDON, NEW_YORK, TOKYO = (
    "Asia/Shanghai",
    "Europe/London",
    "America/New_York",
    "Asia/Tokyo",
)
PRIMARY = "feishu.cn_sandboxapp0primary@group.calendar.feishu.cn"
TEAM = "feishu.cn_platformteam0001@group.calendar.feishu.cn"
LONDON_OFFICE = "feishu.cn_londonoffice001@group.calendar.feishu.cn"
ROOM = "feishu.cn_roomdawn0000001@resource.calendar.feishu.cn"
EXEC = "feishu.cn_execoffice00001@group.calendar.feishu.cn"
ARCHIVED = "feishu.cn_archived2024001@group.calendar.feishu.cn"
# Calendars deleted at Feishu: still in the app's calendar list with `is_deleted: true`.
DELETED_CALENDARS = frozenset({ARCHIVED})
PEOPLE = {
    "ou_lin": "Lin Wei",
    "ou_sam": "Sam Carter",
}


@dataclass(frozen=True)
class FeishuApp:
    """A self-built app: the credentials of the tenant access token."""

    app_id: str
    app_secret: str


def app_of(seed: int) -> FeishuApp:
    """`cli_` and 16 hex digits, as Feishu app ids look; a 32-character secret."""
    rng = random.Random(f"{seed}:feishu-app")
    app_id = "cli_a" + "".join(rng.choice("0123456789abcdef") for _ in range(15))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return FeishuApp(app_id, "".join(rng.choice(alphabet) for _ in range(32)))


def feishu_event_id(key: str) -> str:
    """`<uid>_0`: the id Feishu gives masters and single events; occurrences and
    exceptions replace the `0` with their original start in Unix seconds."""
    digest = hashlib.sha1(f"tap-calinstances-feishu:{key}".encode()).digest()  # noqa: S324
    return f"{uuid.UUID(bytes=digest[:16])}_0"


def user_calendar_id(number: int) -> str:
    return f"feishu.cn_user{number:04d}@group.calendar.feishu.cn"


def _calendars(app: str, seq: Sequence) -> list[Calendar]:
    def calendar(calendar_id: str, summary: str, zone: str, role: str, **extra: Any) -> Calendar:
        return Calendar(
            id=calendar_id,
            summary=summary,
            timezone=zone,
            owner=extra.pop("owner", app),
            members=((app, role),),
            color_id="-1",
            seq=seq(),
            updated=CREATED,
            **{"description": None, "primary_of": None, **extra},
        )

    return [
        calendar(PRIMARY, "Sandbox app", SHANGHAI, "owner", primary_of=app),
        calendar(TEAM, "Platform team", SHANGHAI, "writer", owner="ou_lin",
                 description="Team rota and check-ins"),
        calendar(LONDON_OFFICE, "London office", LONDON, "reader", owner="ou_sam"),
        calendar(ROOM, "Room Dawn (3F)", SHANGHAI, "reader", owner="ou_lin"),
        calendar(EXEC, "Exec office", SHANGHAI, "freeBusyReader", owner="ou_lin"),
        calendar(ARCHIVED, "Planning 2024", SHANGHAI, "reader", owner="ou_lin"),
    ]  # fmt: skip


def _series(app: str, seq: Sequence) -> list[Series]:
    def series(key: str, calendar_id: str, summary: str, rrule: str | None, **extra: Any) -> Series:
        return Series(
            key=key,
            id=feishu_event_id(key),
            calendar_id=calendar_id,
            summary=summary,
            organizer=extra.pop("organizer", app),
            start=extra.pop("start"),
            duration=timedelta(minutes=extra.pop("minutes")),
            timezone=extra.pop("zone", SHANGHAI),
            rrule=None if rrule is None else "RRULE:" + rrule,
            seq=seq(),
            updated=UPDATED,
            **extra,
        )

    lin, sam = (
        Attendee("ou_lin", "Lin Wei", "accepted"),
        Attendee("ou_sam", "Sam Carter", "tentative"),
    )
    weekly = series(
        "weekly-sync",
        PRIMARY,
        "Weekly sync",
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
        start=wall(2026, 1, 5, 10),
        minutes=60,
        description="Plans for the week.",
        location="Room Dawn (3F)",
        attendees=(lin, sam),
    )
    release = series(
        "release-review",
        PRIMARY,
        "Release review",
        "FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=15",
        start=wall(2026, 1, 15, 16),
        minutes=45,
        zone=NEW_YORK,
    )
    tokyo = series(
        "tokyo-sync",
        PRIMARY,
        "Tokyo sync",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;COUNT=10",
        start=wall(2026, 1, 7, 11),
        minutes=30,
        zone=TOKYO,
    )
    # Lin invites the London office's owner, who has not answered: Feishu shows the
    # occurrences on that calendar as `tentative`.
    standup = series(
        "london-standup",
        LONDON_OFFICE,
        "London standup",
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU",
        start=wall(2026, 1, 6, 9, 30),
        minutes=30,
        zone=LONDON,
        organizer="ou_lin",
        attendees=(lin, Attendee("ou_sam", "Sam Carter", "needsAction")),
    )
    rota = series(
        "duty-rota",
        TEAM,
        "Duty rota",
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
        start=wall(2026, 1, 5),
        minutes=24 * 60,
        zone=None,
        all_day=True,
        transparent=True,
        organizer="ou_lin",
    )
    offsite = series(
        "offsite",
        TEAM,
        "Offsite",
        "FREQ=MONTHLY;INTERVAL=1;COUNT=3",
        start=wall(2026, 1, 14),
        minutes=3 * 24 * 60,
        zone=None,
        all_day=True,
        organizer="ou_lin",
    )
    checkin = series(
        "daily-checkin",
        TEAM,
        "Daily check-in",
        "FREQ=DAILY;INTERVAL=1;UNTIL=20281231T235959Z",
        start=wall(2025, 1, 1, 9),
        minutes=15,
        organizer="ou_lin",
        description="Runs 2025 to 2028.",
    )
    booking = series(
        "design-review",
        ROOM,
        "Design review",
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=FR",
        start=wall(2026, 1, 9, 15),
        minutes=60,
        organizer="ou_lin",
    )
    maintenance = series(
        "room-maintenance",
        ROOM,
        "Room maintenance",
        None,
        start=wall(2026, 1, 10, 14),
        minutes=120,
        organizer="ou_lin",
    )
    exec_sync = series(
        "exec-sync",
        EXEC,
        "Exec sync",
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=TH",
        start=wall(2026, 1, 8, 9),
        minutes=60,
        organizer="ou_lin",
    )
    planning = series(
        "planning-2024",
        ARCHIVED,
        "Planning",
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=WE",
        start=wall(2024, 1, 3, 10),
        minutes=60,
        organizer="ou_lin",
    )

    # Exceptions are changed later than their series, so they carry later stamps.
    def stamp(day: int) -> datetime:
        return datetime(2026, 1, day, 9, 0, tzinfo=UTC)

    weekly = replace(
        weekly,
        overrides=(
            Override(
                wall(2026, 1, 19, 10),
                seq(),
                stamp(10),
                start=wall(2026, 1, 20, 14),
                end=wall(2026, 1, 20, 15),
            ),
            Override(wall(2026, 2, 16, 10), seq(), stamp(11), cancelled=True),
            Override(wall(2026, 3, 2, 10), seq(), stamp(12), summary="Weekly sync (planning)"),
        ),
    )
    standup = replace(
        standup, overrides=(Override(wall(2026, 3, 31, 9, 30), seq(), stamp(13), cancelled=True),)
    )
    rota = replace(rota, overrides=(Override(wall(2026, 2, 16), seq(), stamp(14), cancelled=True),))
    return [weekly, release, tokyo, standup, rota, offsite, checkin, booking, maintenance,
            exec_sync, planning]  # fmt: skip


def _generated(
    seed: int, app: str, count: int, per_calendar: int, seq: Sequence
) -> tuple[list[Calendar], list[Series]]:
    """One calendar per generated user, shared with the app, with the user's series."""
    calendars: list[Calendar] = []
    series: list[Series] = []
    for number in range(1, count + 1):
        calendar_id = user_calendar_id(number)
        calendars.append(
            Calendar(calendar_id, f"User {number:04d}", None, principal_zone(seed, number),
                     f"ou_user{number:04d}", ((app, "reader"),), None, "-1", seq(), CREATED)
        )  # fmt: skip
        series.extend(
            replace(s, calendar_id=calendar_id, id=feishu_event_id(s.key), organizer=app)
            for s in principal_series(seed, number, per_calendar, seq)
        )
    return calendars, series


def build_feishu_dataset(
    seed: int, base: Dataset, principals: int = 0, series_per_calendar: int = 5
) -> Dataset:
    """The app's calendars and events. `base` is the shared dataset: its OAuth client is
    carried along (a world needs one) and nothing of it is served by Feishu."""
    app = app_of(seed).app_id
    seq = Sequence()
    calendars, series = _calendars(app, seq), _series(app, seq)
    extra_calendars, extra_series = _generated(seed, app, principals, series_per_calendar, seq)
    people = (Principal(app, "Sandbox app", SHANGHAI),)
    client: OAuthClient = base.oauth_client
    return Dataset(
        people, client, (*calendars, *extra_calendars), (*series, *extra_series), seq.value
    )
