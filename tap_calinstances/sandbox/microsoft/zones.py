"""Graph's time-zone names and times on the wire.

Graph names zones the Windows way (`Pacific Standard Time`); the sandbox keeps IANA names
in its data and maps them with CLDR's windowsZones table as shipped in `tzlocal` (the
sandbox's own use of it, not the tap's code).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzlocal.windows_tz import tz_win, win_tz

UTC_NAMES = frozenset({"UTC", "Etc/UTC", "tzone://Microsoft/Utc", "GMT", "Z"})


def windows_name(iana: str) -> str:
    """`America/Los_Angeles` -> `Pacific Standard Time`; unmapped names stay as they are."""
    return tz_win.get(iana, iana)


def zone_named(name: str) -> ZoneInfo | None:
    """A zone from a Windows or IANA name, as `Prefer: outlook.timezone` takes either."""
    if name in UTC_NAMES:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(win_tz.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def graph_time(moment: datetime, zone: ZoneInfo) -> str:
    """`2026-01-05T14:00:00.0000000`: wall clock in `zone`, seven fractional digits."""
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond * 10:07d}"


def floating_time(wall: datetime) -> str:
    """An all-day time: local midnight whatever zone is asked for."""
    return wall.strftime("%Y-%m-%dT%H:%M:%S.0000000")


def stamp(moment: datetime) -> str:
    """`createdDateTime` style: UTC with seven fractional digits and `Z`."""
    return graph_time(moment, ZoneInfo("UTC")) + "Z"


def utc_z(moment: datetime) -> str:
    """`originalStart` style: `2026-01-05T14:00:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_window_bound(value: str) -> datetime | None:
    """A startDateTime/endDateTime value; without an offset Graph reads it as UTC."""
    text = value.strip().replace(" ", "+")  # an unencoded "+" in a query arrives as a space
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
