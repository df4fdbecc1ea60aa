"""Reading the times that change requests carry; the sandbox's own, not the tap's."""

from __future__ import annotations

from datetime import UTC, date, datetime


class TimeError(ValueError):
    """A time that a change request cannot use."""


def parse_instant(value: str) -> datetime:
    """An RFC 3339 instant with an offset ("Z" or "+01:00"), as an aware UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise TimeError(f"not an ISO 8601 date-time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise TimeError(f"date-time without an offset: {value!r}")
    return parsed.astimezone(UTC)


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except (TypeError, ValueError) as exc:
        raise TimeError(f"not an ISO 8601 date: {value!r}") from exc


def utc_rfc3339(moment: datetime) -> str:
    """`2026-01-05T14:00:00Z`: how the control API reports instants."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
