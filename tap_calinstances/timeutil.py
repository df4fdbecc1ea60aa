"""Pure time conversions: provider time shapes in, UTC instants and IANA names out.

No I/O beyond reading the IANA link table that ships in the ``tzdata`` package.
"""

from __future__ import annotations

import functools
import importlib.resources
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from tzlocal.windows_tz import win_tz

# Spelled "UTC" in records (the contract's fallback zone), not "Etc/UTC".
UTC_NAME = "UTC"
_UTC_ALIASES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "Z"}
)


# RFC 3339 text of an aware datetime ("2026-03-05T14:00:00Z" in UTC, the offset otherwise),
# written in C: a tenth of what ``isoformat`` costs, and every record needs five of them.
_rfc3339 = msgspec.to_builtins


class TimeValueError(ValueError):
    """A provider sent a time value that cannot be read."""


def parse_instant(value: str) -> datetime:
    """Read an RFC 3339 / ISO 8601 instant that carries an offset ("Z" or "+01:00").

    Python 3.11's ``fromisoformat`` reads any fraction length, including Graph's seven digits.
    """
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise TimeValueError(f"not an ISO 8601 date-time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise TimeValueError(f"date-time without an offset: {value!r}")
    return parsed.astimezone(UTC)


def parse_naive_in_zone(value: str, zone_name: str) -> datetime:
    """Read a wall-clock date-time without offset (Graph's ``dateTime``) in ``zone_name``."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise TimeValueError(f"not an ISO 8601 date-time: {value!r}") from exc
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return parsed.replace(tzinfo=zone(zone_name)).astimezone(UTC)


def parse_unix_seconds(value: str | int) -> datetime:
    """Read Unix seconds, which Feishu sends as strings."""
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TimeValueError(f"not Unix seconds: {value!r}") from exc


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise TimeValueError(f"not an ISO 8601 date: {value!r}") from exc


def format_instant(value: datetime) -> str:
    """UTC with a ``Z`` suffix, to the second: ``2026-03-05T14:00:00Z``."""
    if value.tzinfo is None:
        raise TimeValueError("refusing to format a naive date-time as UTC")
    utc = value.astimezone(UTC)
    if utc.microsecond:  # cut, never rounded: the second the instant falls in
        utc = utc.replace(microsecond=0)
    return _rfc3339(utc)


def format_rfc3339(value: datetime) -> str:
    """RFC 3339 with an explicit offset, as Google's timeMin/timeMax demand."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


def local_fields(value: datetime, zone_name: str) -> tuple[str, str]:
    """Wall-clock time and date in ``zone_name``: ``("2026-03-05T09:00:00", "2026-03-05")``,
    converted once (this runs twice for every record)."""
    # The first 19 characters are the wall clock whatever the fraction and the offset.
    text = _rfc3339(value.astimezone(zone(zone_name)))
    return text[:19], text[:10]


def local_date(value: datetime, zone_name: str) -> date:
    return value.astimezone(zone(zone_name)).date()


def local_midnight(day: date, zone_name: str) -> datetime:
    """The UTC instant of local midnight starting ``day`` in ``zone_name``.

    ``datetime.combine`` + ``replace(tzinfo=ZoneInfo)`` follows PEP 495 (fold=0), which is
    what calendars mean by "the day starts" even in zones whose DST jump is at midnight.
    """
    return datetime.combine(day, time(0), tzinfo=zone(zone_name)).astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    """The IANA zone named ``name``; raises :class:`TimeValueError` for unknown names."""
    if name in _UTC_ALIASES:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeValueError(f"unknown IANA time zone: {name!r}") from exc


# Zone names repeat on every item of a listing: remember the answers (pure functions).
@functools.lru_cache(maxsize=4096)
def is_known_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        zone(name)
    except TimeValueError:
        return False
    return True


@functools.cache
def _iana_links() -> dict[str, str]:
    """alias -> canonical name, from the ``L`` lines of IANA's ``tzdata.zi``.

    The table ships in the maintained ``tzdata`` package, so old names like
    ``Asia/Calcutta`` resolve to today's ``Asia/Kolkata`` without a hand-written list.
    """
    text = importlib.resources.files("tzdata").joinpath("zoneinfo/tzdata.zi").read_text("utf-8")
    links: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
    return links


@functools.lru_cache(maxsize=4096)
def canonical_zone(name: str) -> str:
    """One spelling per zone across providers: aliases become their canonical IANA name."""
    if name in _UTC_ALIASES:
        return UTC_NAME
    links = _iana_links()
    seen = {name}
    while name in links:  # links are one hop in tzdata.zi; the loop guards odd builds
        name = links[name]
        if name in seen:
            break
        seen.add(name)
    return UTC_NAME if name in _UTC_ALIASES else name


def windows_to_iana(name: str) -> str | None:
    """Map a Windows zone name (Graph) to a canonical IANA name via CLDR's table."""
    if name.startswith("tzone://Microsoft/Utc"):
        return UTC_NAME
    mapped = win_tz.get(name)
    return canonical_zone(mapped) if mapped else None
