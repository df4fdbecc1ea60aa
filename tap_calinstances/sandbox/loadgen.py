"""Generated data for benchmarks, deterministic for a seed: `scale` series on one extra
load-test calendar, and generated principals, each with a primary calendar of series.
Series mix daily/weekly/monthly rules, zones, all-day series and a few exceptions."""

from __future__ import annotations

import random
from datetime import timedelta

from dateutil.rrule import rrulestr

from tap_calinstances.sandbox.model import (
    UPDATED,
    Attendee,
    Override,
    Sequence,
    Series,
    event_id,
    wall,
)

LOAD_ZONES = (
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
    "UTC",
)


def load_calendar_id(seed: int) -> str:
    return f"load-{seed}@group.calendar.sandbox.example"


def _load_rule(rng: random.Random) -> str:
    kind = rng.choice(("daily", "weekly", "monthly"))
    if kind == "daily":
        rule = rng.choice(
            ("FREQ=DAILY", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "FREQ=DAILY;INTERVAL=2")
        )
    elif kind == "weekly":
        days = sorted(rng.sample(("MO", "TU", "WE", "TH", "FR"), rng.choice((1, 1, 2))))
        rule = f"FREQ=WEEKLY;BYDAY={','.join(days)}"
        if rng.random() < 0.3:
            rule += ";INTERVAL=2"
    else:
        rule = rng.choice(
            (
                f"FREQ=MONTHLY;BYMONTHDAY={rng.randint(1, 28)}",
                f"FREQ=MONTHLY;BYDAY={rng.choice(('1', '2', '3', '-1'))}"
                f"{rng.choice(('MO', 'TU', 'WE', 'TH', 'FR'))}",
            )
        )
    if rng.random() < 0.15:
        rule += f";COUNT={rng.randint(5, 60)}"
    return "RRULE:" + rule


def load_series(seed: int, scale: int, seq: Sequence, *, organizer: str) -> list[Series]:
    """`scale` generated series for benchmarks; the same (seed, scale) gives the same data."""
    rng = random.Random(seed)
    calendar_id = load_calendar_id(seed)
    return [
        _generated(
            rng,
            seq,
            key=f"load-{seed}-{index}",
            calendar_id=calendar_id,
            organizer=organizer,
            summary=f"Load series {index:05d}",
            description=f"Generated series {index} of {scale}.",
        )
        for index in range(scale)
    ]


def principal_email(number: int) -> str:
    """The generated principals: user0001@sandbox.example, user0002@..."""
    return f"user{number:04d}@sandbox.example"


def principal_zone(seed: int, number: int) -> str:
    return random.Random(f"{seed}:principal:{number}:zone").choice(LOAD_ZONES)


def principal_series(seed: int, number: int, count: int, seq: Sequence) -> list[Series]:
    """`count` series on generated principal `number`'s primary calendar. Each principal
    has its own random stream, so its data does not depend on how many others there are."""
    rng = random.Random(f"{seed}:principal:{number}")
    email = principal_email(number)
    return [
        _generated(
            rng,
            seq,
            key=f"user-{seed}-{number}-{index}",
            calendar_id=email,
            organizer=email,
            summary=f"User {number:04d} series {index:03d}",
            description=f"Generated series {index} of user {number:04d}.",
        )
        for index in range(count)
    ]


def _generated(
    rng: random.Random,
    seq: Sequence,
    *,
    key: str,
    calendar_id: str,
    organizer: str,
    summary: str,
    description: str,
) -> Series:
    """One series mixing daily/weekly/monthly rules, zones, all-day and a few exceptions."""
    rule = _load_rule(rng)
    all_day = rng.random() < 0.05
    zone = None if all_day else rng.choice(LOAD_ZONES)
    day = wall(2025, 10, 1) + timedelta(days=rng.randrange(150))
    if not all_day:
        day = day.replace(hour=rng.randrange(7, 19), minute=rng.choice((0, 15, 30, 45)))
    # Start on the rule's first occurrence: a DTSTART off the rule is read differently
    # by different implementations, and this dataset should be unambiguous.
    starts = iter(rrulestr(rule.removeprefix("RRULE:"), dtstart=day))
    start = next(starts)
    duration = timedelta(days=1) if all_day else timedelta(minutes=rng.choice((15, 30, 45, 60, 90)))
    overrides: list[Override] = []
    changed = UPDATED + timedelta(days=1)
    if rng.random() < 0.2:
        picks = [next(starts, None) for _ in range(rng.randint(2, 12))]
        taken = [p for p in picks if p is not None]
        if taken:
            overrides.append(
                Override(taken[-1], seq(), UPDATED + timedelta(days=1), cancelled=True)
            )
        if len(taken) > 1 and not all_day:
            moved = taken[0] + timedelta(hours=rng.choice((-2, 1, 3)))
            overrides.insert(
                0,
                Override(taken[0], seq(), changed, start=moved, end=moved + duration),
            )
    return Series(
        key,
        event_id(key),
        calendar_id,
        summary,
        organizer,
        start,
        duration,
        zone,
        rule,
        seq(),
        UPDATED,
        description=description,
        attendees=(Attendee(organizer, None, "accepted"),),
        all_day=all_day,
        transparent=all_day,
        overrides=tuple(sorted(overrides, key=lambda o: o.original_start)),
    )
