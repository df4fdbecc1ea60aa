"""The Graph emulation's own fixed data: a tenant, its users, calendars and series.

The items are the sandbox's neutral ones (so the change API, faults and budgets work on
them as on everything else); what only Graph shows (zone labels, showAs, importance, an
occurrence cancelled but not deleted) is declared per series key in `QUIRKS`. Tests assert
exact values against this data.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from tap_calinstances.sandbox.model import (
    CREATED,
    UPDATED,
    Attendee,
    Calendar,
    DataPart,
    Override,
    Principal,
    Sequence,
    Series,
    event_id,
    wall,
)

PROVIDER = "microsoft"
DOMAIN = "contoso.sandbox.example"
MEGAN = f"megan.bowen@{DOMAIN}"
ADELE = f"adele.vance@{DOMAIN}"
# A user without an Exchange mailbox: every calendar path answers MailboxNotEnabledForRESTAPI.
NO_MAILBOX = f"svc-reports@{DOMAIN}"
ROOM = f"rainier@{DOMAIN}"
MEGAN_CALENDAR = "graph:megan/calendar"
MEGAN_TEAM = "graph:megan/team-planning"
MEGAN_BIRTHDAYS = "graph:megan/birthdays"
ADELE_CALENDAR = "graph:adele/calendar"
ADELE_ASIA = "graph:adele/asia-projects"

_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-."  # noqa: S105


@dataclass(frozen=True)
class AppRegistration:
    """The app registration of the client-credentials flow."""

    tenant_id: str
    client_id: str
    client_secret: str


def app_registration(seed: int) -> AppRegistration:
    rng = random.Random(f"{seed}:graph-app")
    secret = "".join(rng.choice(_SECRET_ALPHABET) for _ in range(40))
    return AppRegistration(
        tenant_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        client_secret=secret[:3] + "8Q~" + secret[6:],  # AAD secrets carry "8Q~"
    )


@dataclass(frozen=True)
class Quirk:
    """What Graph shows of a series beyond the neutral model. Zone labels: None means the
    Windows name of the series' zone; "" is sent as an empty string; NULL as null."""

    start_zone: str | None = None
    end_zone: str | None = None
    recurrence_zone: str | None = None
    show_as: str | None = None
    importance: str = "normal"
    sensitivity: str = "normal"
    # Original starts (wall clock) cancelled by the organizer but still on the calendar:
    # present in /instances with isCancelled true (deleted occurrences are absent).
    kept_cancelled: frozenset[datetime] = field(default_factory=frozenset)


NULL = "\0null"  # a Quirk zone label sent as JSON null
KEPT_CANCELLED = wall(2026, 4, 7, 9)
QUIRKS: dict[str, Quirk] = {
    "graph-weekly-planning": Quirk(kept_cancelled=frozenset({KEPT_CANCELLED})),
    "graph-founders-day": Quirk(show_as="oof"),
    "graph-board-offsite": Quirk(show_as="tentative", importance="high", sensitivity="private"),
    "graph-remote-friday": Quirk(show_as="workingElsewhere"),
    "graph-partner-sync": Quirk(
        start_zone="tzone://Microsoft/Custom",
        end_zone="Eastern Standard Time",
        recurrence_zone="tzone://Microsoft/Custom",
    ),
    "graph-vendor-call": Quirk(start_zone=NULL, end_zone=NULL),
    "graph-lab-booking": Quirk(recurrence_zone=""),
    "graph-tokyo-sync": Quirk(
        start_zone="Asia/Tokyo", end_zone="Asia/Tokyo", recurrence_zone="Asia/Tokyo"
    ),
}


def _calendars(seq: Sequence) -> list[Calendar]:
    def calendar(calendar_id: str, name: str, zone: str, owner: str, **extra: Any) -> Calendar:
        extra.setdefault("members", ((owner, "owner"),))
        extra.setdefault("primary_of", None)
        return Calendar(
            calendar_id, name, None, zone, owner, color_id="auto", seq=seq(), updated=CREATED,
            **extra,
        )  # fmt: skip

    return [
        calendar(MEGAN_CALENDAR, "Calendar", "America/Los_Angeles", MEGAN, primary_of=MEGAN),
        calendar(MEGAN_TEAM, "Team planning", "America/New_York", MEGAN,
                 members=((MEGAN, "owner"), (ADELE, "reader"))),
        calendar(MEGAN_BIRTHDAYS, "Birthdays", "America/Los_Angeles", MEGAN),
        calendar(ADELE_CALENDAR, "Calendar", "Europe/Berlin", ADELE, primary_of=ADELE),
        calendar(ADELE_ASIA, "Asia projects", "Asia/Shanghai", ADELE),
    ]  # fmt: skip


def _series(seq: Sequence) -> list[Series]:
    def series(
        key: str, calendar_id: str, summary: str, rrule: str | None, start: datetime,
        minutes: int, zone: str | None, organizer: str = MEGAN, **extra: Any,
    ) -> Series:  # fmt: skip
        return Series(
            key, event_id(key), calendar_id, summary, organizer, start,
            timedelta(minutes=minutes), zone, rrule, seq(), UPDATED, **extra,
        )  # fmt: skip

    megan = Attendee(MEGAN, "Megan Bowen", "accepted")
    adele = Attendee(ADELE, "Adele Vance", "accepted")
    room = Attendee(ROOM, "Conf Room Rainier", "needsAction", resource=True)
    la, ny, berlin = "America/Los_Angeles", "America/New_York", "Europe/Berlin"
    shanghai, kolkata = "Asia/Shanghai", "Asia/Kolkata"
    items = [
        series("graph-weekly-planning", MEGAN_CALENDAR, "Weekly planning",
               "RRULE:FREQ=WEEKLY;BYDAY=TU", wall(2026, 1, 6, 9), 60, la,
               description="Plans for the week ahead.", location="Conf Room Rainier",
               attendees=(megan, adele, room)),
        series("graph-design-review", MEGAN_TEAM, "Design review",
               "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=MO;UNTIL=20260701T035959Z",
               wall(2026, 1, 5, 14), 45, ny,
               attendees=(megan, Attendee(ADELE, "Adele Vance", "tentative", optional=True))),
        series("graph-daily-checkin", ADELE_ASIA, "Daily check-in", "RRULE:FREQ=DAILY;COUNT=30",
               wall(2026, 1, 5, 9), 15, shanghai, organizer=ADELE, attendees=(adele,)),
        series("graph-payroll", ADELE_CALENDAR, "Payroll cutoff",
               "RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12", wall(2026, 1, 15, 11), 30, kolkata,
               organizer=ADELE),
        series("graph-month-end", ADELE_CALENDAR, "Month-end close",
               "RRULE:FREQ=MONTHLY;BYDAY=-1FR", wall(2026, 1, 30, 16), 60, berlin, organizer=ADELE,
               attendees=(adele, Attendee(MEGAN, "Megan Bowen", "declined"))),
        series("graph-founders-day", MEGAN_CALENDAR, "Founders day",
               "RRULE:FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=4", wall(2026, 5, 4), 24 * 60, None,
               all_day=True, transparent=True),
        series("graph-board-offsite", MEGAN_TEAM, "Board offsite",
               "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=2WE;COUNT=5", wall(2026, 10, 14, 9), 180, la),
        series("graph-remote-friday", ADELE_CALENDAR, "Remote Friday", "RRULE:FREQ=WEEKLY;BYDAY=FR",
               wall(2026, 1, 9), 24 * 60, None, organizer=ADELE, all_day=True, transparent=True),
        series("graph-partner-sync", MEGAN_TEAM, "Partner sync", "RRULE:FREQ=WEEKLY;BYDAY=WE",
               wall(2026, 1, 7, 8, 30), 30, ny),
        series("graph-vendor-call", ADELE_CALENDAR, "Vendor call", "RRULE:FREQ=WEEKLY;BYDAY=TH",
               wall(2026, 1, 8, 10), 30, berlin, organizer=ADELE),
        series("graph-lab-booking", ADELE_ASIA, "Lab booking",
               "RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20260131T235959Z", wall(2026, 1, 6, 10), 120,
               kolkata, organizer=ADELE),
        series("graph-tokyo-sync", MEGAN_TEAM, "Tokyo sync", "RRULE:FREQ=MONTHLY;BYDAY=1MO",
               wall(2026, 1, 5, 9), 60, "Asia/Tokyo"),
        series("graph-lunch", MEGAN_CALENDAR, "Lunch with Adele", None, wall(2026, 2, 3, 12), 60,
               la, attendees=(megan, adele)),
    ]  # fmt: skip
    by_key = {s.key: s for s in items}

    def exceptions(key: str, *overrides: Override) -> None:
        by_key[key] = replace(by_key[key], overrides=overrides)

    changed = datetime.fromisoformat("2026-01-20T09:00:00+00:00")
    exceptions(
        "graph-weekly-planning",
        Override(wall(2026, 3, 10, 9), seq(), changed,
                 start=wall(2026, 3, 10, 13), end=wall(2026, 3, 10, 14)),
        Override(wall(2026, 3, 17, 9), seq(), changed + timedelta(hours=1), cancelled=True),
        Override(KEPT_CANCELLED, seq(), changed + timedelta(hours=2),
                 summary="Canceled: Weekly planning"),
    )  # fmt: skip
    exceptions(
        "graph-daily-checkin",
        Override(wall(2026, 1, 7, 9), seq(), changed, cancelled=True),
        Override(wall(2026, 1, 9, 9), seq(), changed, summary="Daily check-in (demo)"),
    )
    exceptions(
        "graph-month-end",
        Override(wall(2026, 1, 30, 16), seq(), changed,
                 start=wall(2026, 1, 29, 16), end=wall(2026, 1, 29, 17)),
        Override(wall(2026, 2, 27, 16), seq(), changed, cancelled=True),
    )  # fmt: skip
    exceptions("graph-remote-friday", Override(wall(2026, 2, 13), seq(), changed, cancelled=True))
    return list(by_key.values())


def fixed_data(_seed: int, seq: Sequence) -> DataPart:
    """Graph's users (one without a mailbox), calendars and series."""
    people = (
        Principal(MEGAN, "Megan Bowen", "America/Los_Angeles", (PROVIDER,)),
        Principal(ADELE, "Adele Vance", "Europe/Berlin", (PROVIDER,)),
        Principal(NO_MAILBOX, "Reports service", "UTC", (PROVIDER,)),
    )
    return DataPart(people, tuple(_calendars(seq)), tuple(_series(seq)))
