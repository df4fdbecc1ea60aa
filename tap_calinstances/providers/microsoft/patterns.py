"""Graph's ``patternedRecurrence`` as RFC 5545 RRULE text. Pure.

Graph drops deleted occurrences from ``/instances`` without a trace; the engine expands the
rule written here to know what is missing. A pattern this module cannot express exactly
yields None: then nothing is synthesized for the series (never a wrong cancellation).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from tap_calinstances import timeutil

_DAYS = {
    "sunday": "SU",
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
}
_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


class UnsupportedPattern(ValueError):
    """The pattern has no exact RRULE equivalent here."""


def rrule(recurrence: Mapping[str, Any], first_start: datetime, zone: str) -> str:
    """``RRULE:...`` for ``recurrence`` ({pattern, range}) of a series whose first occurrence
    starts at ``first_start`` (aware) and whose rule runs in ``zone``."""
    pattern = recurrence.get("pattern") or {}
    kind = str(pattern.get("type") or "")
    interval = int(pattern.get("interval") or 1)
    if interval < 1:
        raise UnsupportedPattern(f"interval {interval}")
    parts = [f"FREQ={_freq(kind)}"]
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    days = [_day(d) for d in pattern.get("daysOfWeek") or []]
    if kind == "weekly":
        if not days:
            raise UnsupportedPattern("a weekly pattern without daysOfWeek")
        parts.append("BYDAY=" + ",".join(days))
        if pattern.get("firstDayOfWeek"):
            parts.append("WKST=" + _day(pattern["firstDayOfWeek"]))
    elif kind in ("absoluteMonthly", "absoluteYearly"):
        if kind == "absoluteYearly":
            parts.append(f"BYMONTH={_month(pattern)}")
        parts.append(f"BYMONTHDAY={_day_of_month(pattern)}")
    elif kind in ("relativeMonthly", "relativeYearly"):
        if kind == "relativeYearly":
            parts.append(f"BYMONTH={_month(pattern)}")
        if not days:
            raise UnsupportedPattern(f"a {kind} pattern without daysOfWeek")
        index = _INDEX.get(str(pattern.get("index") or "first").lower())
        if index is None:
            raise UnsupportedPattern(f"index {pattern.get('index')!r}")
        parts.append("BYDAY=" + ",".join(days))
        # "the last weekday of the month": several days and one position among them.
        parts.append(f"BYSETPOS={index}")
    parts += _range(recurrence.get("range") or {}, first_start, zone)
    return "RRULE:" + ";".join(parts)


def _freq(kind: str) -> str:
    freq = {
        "daily": "DAILY",
        "weekly": "WEEKLY",
        "absoluteMonthly": "MONTHLY",
        "relativeMonthly": "MONTHLY",
        "absoluteYearly": "YEARLY",
        "relativeYearly": "YEARLY",
    }.get(kind)
    if freq is None:
        raise UnsupportedPattern(f"pattern type {kind!r}")
    return freq


def _day(name: Any) -> str:
    day = _DAYS.get(str(name).lower())
    if day is None:
        raise UnsupportedPattern(f"day {name!r}")
    return day


def _month(pattern: Mapping[str, Any]) -> int:
    month = int(pattern.get("month") or 0)
    if not 1 <= month <= 12:
        raise UnsupportedPattern(f"month {month}")
    return month


def _day_of_month(pattern: Mapping[str, Any]) -> int:
    day = int(pattern.get("dayOfMonth") or 0)
    if not 1 <= day <= 31:
        raise UnsupportedPattern(f"dayOfMonth {day}")
    return day


def _range(span: Mapping[str, Any], first_start: datetime, zone: str) -> list[str]:
    kind = str(span.get("type") or "noEnd")
    if kind == "noEnd":
        return []
    if kind == "numbered":
        count = int(span.get("numberOfOccurrences") or 0)
        if count < 1:
            raise UnsupportedPattern(f"numberOfOccurrences {count}")
        return [f"COUNT={count}"]
    if kind == "endDate":
        try:
            last_day = date.fromisoformat(str(span.get("endDate")))
        except ValueError as exc:
            raise UnsupportedPattern(f"endDate {span.get('endDate')!r}") from exc
        # An occurrence on the end date is included: the rule ends at that day's start time.
        local = first_start.astimezone(timeutil.zone(zone))
        until = datetime.combine(last_day, local.time(), tzinfo=local.tzinfo).astimezone(UTC)
        return [f"UNTIL={until.strftime('%Y%m%dT%H%M%SZ')}"]
    raise UnsupportedPattern(f"range type {kind!r}")
