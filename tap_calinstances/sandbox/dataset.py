"""The sandbox's fixed dataset: who, which calendars, which series and exceptions.

Tests assert exact values against it, so changing it changes the contract of the tests.
`scale` adds a generated load-test calendar and `principals` generated users with their own
calendars (see loadgen.py); neither changes the fixed part.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from collections.abc import Sequence as Seq
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tap_calinstances.sandbox.loadgen import (
    load_calendar_id,
    load_series,
    principal_email,
    principal_series,
    principal_zone,
)
from tap_calinstances.sandbox.model import (
    CREATED,
    UPDATED,
    Attendee,
    Calendar,
    DataPart,
    Dataset,
    OAuthClient,
    Override,
    Principal,
    Sequence,
    Series,
    event_id,
    wall,
)

ALEX = "alex@sandbox.example"
ROBIN = "robin@sandbox.example"
ROOM_HUDSON = "room-hudson@resource.sandbox.example"
ALEX_CALENDAR = ALEX
ROBIN_CALENDAR = ROBIN
OPS_CALENDAR = "ops#oncall@group.calendar.sandbox.example"
# The sandbox's service account. Calendars shared with a service account do not appear in its
# own calendar list; it reads them by id (calendars.get), as at Google.
SERVICE_ACCOUNT = "tap-calinstances@calinstances-sandbox.iam.gserviceaccount.com"


def _derived(seed: int, label: str, alphabet: str, length: int) -> str:
    """A deterministic, random-looking string, so a seed always yields the same config."""
    rng = random.Random(f"{seed}:{label}")
    return "".join(rng.choice(alphabet) for _ in range(length))


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _oauth_client(seed: int) -> OAuthClient:
    number = _derived(seed, "client-number", "0123456789", 12)
    slug = _derived(seed, "client-slug", "0123456789abcdefghijklmnopqrstuv", 32)
    return OAuthClient(
        client_id=f"{number}-{slug}.apps.googleusercontent.com",
        client_secret="GOCSPX-" + _derived(seed, "client-secret", _B64, 28),
        refresh_token="1//0" + _derived(seed, "refresh-token", _B64, 99),
        principal=ALEX,
    )


def _fixed_calendars(seq: Sequence) -> list[Calendar]:
    def calendar(calendar_id: str, summary: str, timezone: str, **extra: Any) -> Calendar:
        return Calendar(
            id=calendar_id, summary=summary, timezone=timezone, seq=seq(), updated=CREATED, **extra
        )

    return [
        calendar(ALEX_CALENDAR, "Alex Rivera", "America/New_York", description=None,
                 owner=ALEX, members=((ALEX, "owner"),), primary_of=ALEX, color_id="14"),
        calendar(OPS_CALENDAR, "Ops on-call", "Europe/London",
                 description="Who holds the pager", owner=ALEX,
                 members=((ALEX, "owner"), (ROBIN, "reader")), primary_of=None, color_id="7",
                 unlisted=((SERVICE_ACCOUNT, "reader"),)),
        calendar(ROBIN_CALENDAR, "Robin Becker", "Europe/Berlin", description=None,
                 owner=ROBIN, members=((ROBIN, "owner"),), primary_of=ROBIN, color_id="14"),
    ]  # fmt: skip


def _fixed_series(seq: Sequence) -> list[Series]:
    def series(
        key: str,
        calendar_id: str,
        summary: str,
        rrule: str | None,
        *,
        start: datetime,
        minutes: int,
        zone: str | None,
        organizer: str = ALEX,
        **extra: Any,
    ) -> Series:
        return Series(
            key=key,
            id=event_id(key),
            calendar_id=calendar_id,
            summary=summary,
            organizer=organizer,
            start=start,
            duration=timedelta(minutes=minutes),
            timezone=zone,
            rrule=rrule,
            seq=seq(),
            updated=UPDATED,
            **extra,
        )

    alex = Attendee(ALEX, "Alex Rivera", "accepted")
    robin = Attendee(ROBIN, "Robin Becker", "accepted")
    ny, london = "America/New_York", "Europe/London"
    weekly = series(
        "weekly-sync",
        ALEX_CALENDAR,
        "Weekly sync",
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        start=wall(2026, 1, 5, 9),
        minutes=60,
        zone=ny,
        description="What we are shipping this week.",
        location="Hudson room",
        attendees=(
            alex,
            replace(robin, response="needsAction"),
            Attendee(ROOM_HUDSON, "Hudson room", "accepted", resource=True),
        ),
    )
    monthly = series(
        "monthly-review",
        ALEX_CALENDAR,
        "Monthly review",
        "RRULE:FREQ=MONTHLY;BYDAY=2TU",
        start=wall(2026, 1, 13, 15),
        minutes=90,
        zone=ny,
        description="The month's numbers, one slide each.",
        attendees=(alex, replace(robin, response="tentative", optional=True)),
    )
    standup = series(
        "daily-standup",
        OPS_CALENDAR,
        "Daily standup",
        "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        start=wall(2026, 1, 5, 9, 30),
        minutes=15,
        zone=london,
        description="Yesterday, today, blockers.",
        attendees=(alex, robin),
    )
    focus = series(
        "focus-day",
        ROBIN_CALENDAR,
        "Focus day",
        "RRULE:FREQ=WEEKLY;BYDAY=FR",
        start=wall(2026, 1, 9),
        minutes=24 * 60,
        zone=None,
        organizer=ROBIN,
        description="No meetings.",
        all_day=True,
        transparent=True,
    )
    legacy = series(
        "legacy-sync",
        ALEX_CALENDAR,
        "Legacy sync",
        "RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL=20251218T000000Z",
        start=wall(2025, 6, 5, 11),
        minutes=30,
        zone=ny,
        description="Replaced by Weekly sync.",
        attendees=(alex, robin),
    )
    dentist = series(
        "dentist", ALEX_CALENDAR, "Dentist", None, start=wall(2026, 2, 3, 8), minutes=60, zone=ny
    )
    # Exceptions are changed later than their series, so they carry later stamps.
    moved = Override(
        wall(2026, 2, 10, 9, 30),
        seq(),
        datetime(2026, 1, 20, 9, 0, tzinfo=UTC),
        start=wall(2026, 2, 10, 11),
        end=wall(2026, 2, 10, 11, 15),
    )
    cancelled = Override(
        wall(2026, 2, 12, 9, 30), seq(), datetime(2026, 1, 21, 9, 0, tzinfo=UTC), cancelled=True
    )
    edited = Override(
        wall(2026, 2, 17, 9, 30),
        seq(),
        datetime(2026, 1, 22, 9, 0, tzinfo=UTC),
        summary="Daily standup (demo day)",
    )
    standup = replace(standup, overrides=(moved, cancelled, edited))
    return [weekly, monthly, standup, focus, legacy, dentist]  # fmt: skip


def _generated_principals(
    seed: int, count: int, series_per_calendar: int, seq: Sequence
) -> tuple[list[Principal], list[Calendar], list[Series]]:
    """`count` generated users, each owning a primary calendar of generated series."""
    principals, calendars, series = [], [], []
    for number in range(1, count + 1):
        email, zone = principal_email(number), principal_zone(seed, number)
        name = f"User {number:04d}"
        principals.append(Principal(email, name, zone))
        calendars.append(
            Calendar(
                email, name, None, zone, email, ((email, "owner"),), email, "14", seq(), CREATED
            )
        )
        series.extend(principal_series(seed, number, series_per_calendar, seq))
    return principals, calendars, series


# An emulation's own fixed data, built from the seed with the dataset's sequence numbers.
Extra = Callable[[int, Sequence], DataPart]


def build_dataset(
    seed: int = 7,
    scale: int = 0,
    principals: int = 0,
    series_per_calendar: int = 5,
    extras: Seq[Extra] = (),
) -> Dataset:
    """The fixed dataset, plus a load-test calendar of `scale` series when scale > 0, plus
    `principals` generated users with `series_per_calendar` series each (they exist at
    every provider), plus each emulation's own fixed data (`extras`).

    Extras come right after the fixed part (so generated items stay last) but take their
    sequence numbers after everything else, so they change nothing of the rest."""
    if scale < 0 or principals < 0 or series_per_calendar < 0:
        raise ValueError("scale, principals and series_per_calendar must be >= 0")
    if principals > 9999:
        raise ValueError("principals must be at most 9999")
    seq = Sequence()
    calendars = _fixed_calendars(seq)
    series = _fixed_series(seq)
    fixed_calendars, fixed_series = len(calendars), len(series)
    if scale:
        calendars.append(
            Calendar(
                load_calendar_id(seed),
                "Load test",
                f"{scale} generated series",
                "America/Chicago",
                ALEX,
                ((ALEX, "owner"),),
                None,
                "2",
                seq(),
                CREATED,
            )
        )
        series.extend(load_series(seed, scale, seq, organizer=ALEX))
    people = [
        # The Google accounts of the fixed data; other emulations add their own (extras).
        Principal(ALEX, "Alex Rivera", "America/New_York", ("google",)),
        Principal(ROBIN, "Robin Becker", "Europe/Berlin", ("google",)),
    ]
    if principals:
        extra_people, extra_calendars, extra_series = _generated_principals(
            seed, principals, series_per_calendar, seq
        )
        people += extra_people
        calendars += extra_calendars
        series += extra_series
    fixed_people = 2
    for extra in extras:
        part = extra(seed, seq)
        people[fixed_people:fixed_people] = part.principals
        calendars[fixed_calendars:fixed_calendars] = part.calendars
        series[fixed_series:fixed_series] = part.series
        fixed_people += len(part.principals)
        fixed_calendars += len(part.calendars)
        fixed_series += len(part.series)
    return Dataset(tuple(people), _oauth_client(seed), tuple(calendars), tuple(series), seq.value)
