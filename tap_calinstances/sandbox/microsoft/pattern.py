"""A series' RFC 5545 rule as Graph's `patternedRecurrence` {pattern, range}.

The sandbox keeps rules as RRULE text; Graph shows them as patterns. Every rule the
sandbox's data and change API produce has a Graph equivalent: a daily rule limited to some
weekdays is Graph's weekly pattern on those days, `BYDAY=-1FR` is index `last`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tap_calinstances.sandbox.model import Series
from tap_calinstances.sandbox.recurrence import rule_of
from tap_calinstances.sandbox.world import World

DAYS = {
    "SU": "sunday",
    "MO": "monday",
    "TU": "tuesday",
    "WE": "wednesday",
    "TH": "thursday",
    "FR": "friday",
    "SA": "saturday",
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INDEX = {"1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last"}


def _parts(rrule: str) -> dict[str, str]:
    parts = {}
    for part in rrule.removeprefix("RRULE:").split(";"):
        name, _, value = part.partition("=")
        parts[name.upper()] = value.upper()
    return parts


def _days(byday: str) -> tuple[list[str], str | None]:
    """Weekday names of BYDAY and the ordinal of the first one (`2TU` -> second)."""
    names, ordinal = [], None
    for item in filter(None, byday.split(",")):
        number, code = item[:-2], item[-2:]
        names.append(DAYS[code])
        if number and ordinal is None:
            ordinal = INDEX.get(number.lstrip("+"), "first")
    return names, ordinal


def pattern(series: Series) -> dict[str, Any]:
    parts = _parts(series.rrule or "")
    freq = parts.get("FREQ", "DAILY")
    start = series.start
    days, ordinal = _days(parts.get("BYDAY", ""))
    result: dict[str, Any] = {
        "type": "daily",
        "interval": int(parts.get("INTERVAL", "1")),
        "month": 0,
        "dayOfMonth": 0,
        "daysOfWeek": [],
        "firstDayOfWeek": DAYS.get(parts.get("WKST", "SU"), "sunday"),
        "index": "first",
    }
    if freq == "DAILY" and days:
        result.update(type="weekly", daysOfWeek=days)
    elif freq == "WEEKLY":
        result.update(type="weekly", daysOfWeek=days or [_WEEKDAYS[start.weekday()]])
    elif freq in ("MONTHLY", "YEARLY"):
        relative = ordinal is not None
        prefix = "relative" if relative else "absolute"
        result["type"] = prefix + ("Monthly" if freq == "MONTHLY" else "Yearly")
        if relative:
            result.update(daysOfWeek=days, index=ordinal)
        else:
            result["dayOfMonth"] = int(parts.get("BYMONTHDAY", str(start.day)))
        if freq == "YEARLY":
            result["month"] = int(parts.get("BYMONTH", str(start.month)))
    return result


def recurrence_range(series: Series, world: World, zone_label: str) -> dict[str, Any]:
    """Graph's range; `endDate` is the local date of the last occurrence (Graph includes
    every occurrence on that date), "0001-01-01" when the range has no end date."""
    parts = _parts(series.rrule or "")
    result: dict[str, Any] = {
        "type": "noEnd",
        "startDate": series.start.date().isoformat(),
        "endDate": "0001-01-01",
        "recurrenceTimeZone": zone_label,
        "numberOfOccurrences": 0,
    }
    if "COUNT" in parts:
        result.update(type="numbered", numberOfOccurrences=int(parts["COUNT"]))
    elif "UNTIL" in parts:
        rule = rule_of(series, world.zone_of(series))
        last = rule.before(datetime.max - timedelta(days=1), inc=True)
        result.update(type="endDate", endDate=(last or series.start).date().isoformat())
    return result
