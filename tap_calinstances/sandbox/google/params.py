"""Query parameters of the Google Calendar v3 list methods, validated as Google does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from tap_calinstances.sandbox.google.wire import error_response

# RFC 3339 with a mandatory offset; Google answers 400 to `2026-01-01T00:00:00`.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

# Parameters that change neither the listing nor its order: left out of page-token
# fingerprints so that a client may, say, change maxResults between pages.
PRESENTATION_PARAMS = frozenset(
    {
        "pageToken",
        "maxResults",
        "alt",
        "prettyPrint",
        "fields",
        "key",
        "quotaUser",
        "userIp",
        "$.xgafv",
        "access_token",
        "callback",
        "upload_protocol",
        "uploadType",
    }
)


class ApiError(Exception):
    """An error answer in Google's envelope."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        domain: str = "global",
        location: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.domain, self.location = domain, location

    def response(self) -> Response:
        return error_response(
            self.code, self.reason, self.message, domain=self.domain, location=self.location
        )


def not_found() -> ApiError:
    return ApiError(404, "notFound", "Not Found")


def bad_request(location: str | None = None) -> ApiError:
    return ApiError(400, "badRequest", "Bad Request", location=location)


def flag(args: MultiDict[str, str], name: str, default: bool = False) -> bool:
    value = args.get(name)
    if value is None:
        return default
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ApiError(400, "invalid", f"Invalid boolean value: '{value}'.", location=name)


def integer(args: MultiDict[str, str], name: str, default: int, cap: int) -> int:
    """A page size: below 1 is an error, above the cap is silently capped, as at Google."""
    value = args.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ApiError(
            400,
            "invalid",
            f"Invalid value '{value}'. Values must be within the range: [1, {cap}]",
            location=name,
        )
    return min(number, cap)


def instant(args: MultiDict[str, str], name: str) -> datetime | None:
    value = args.get(name)
    if value is None:
        return None
    if not _RFC3339.match(value):
        raise bad_request(name)
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError as exc:
        raise bad_request(name) from exc


def zone(args: MultiDict[str, str], default: str) -> ZoneInfo:
    value = args.get("timeZone") or default
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApiError(
            400,
            "invalid",
            f"Invalid time zone definition for timeZone: {value}",
            location="timeZone",
        ) from exc


@dataclass(frozen=True)
class Window:
    time_min: datetime | None
    time_max: datetime | None


def window(args: MultiDict[str, str], *, allow_equal: bool) -> Window:
    """timeMin/timeMax; events.list wants timeMin < timeMax, instances allows equality
    because there timeMin bounds the end and timeMax the start."""
    lo, hi = instant(args, "timeMin"), instant(args, "timeMax")
    if lo is not None and hi is not None and (hi < lo or (hi == lo and not allow_equal)):
        raise ApiError(
            400,
            "timeRangeEmpty",
            "The specified time range is empty.",
            domain="calendar",
            location="timeMax",
        )
    return Window(lo, hi)


@dataclass(frozen=True)
class EventsQuery:
    """events.list parameters."""

    window: Window
    single_events: bool
    show_deleted: bool
    sync_token: str | None
    updated_min: datetime | None
    order_by: str | None
    max_results: int
    render: ZoneInfo

    @classmethod
    def parse(cls, args: MultiDict[str, str], calendar_zone: str) -> EventsQuery:
        sync_token = args.get("syncToken")
        if sync_token is not None:
            clash = [
                n
                for n in (
                    "timeMin",
                    "timeMax",
                    "updatedMin",
                    "orderBy",
                    "q",
                    "iCalUID",
                    "privateExtendedProperty",
                    "sharedExtendedProperty",
                )
                if n in args
            ]
            if clash:
                raise ApiError(
                    400,
                    "invalid",
                    f"Sync token cannot be combined with {', '.join(clash)}.",
                    location=clash[0],
                )
        single_events = flag(args, "singleEvents")
        order_by = args.get("orderBy")
        if order_by not in (None, "startTime", "updated"):
            raise ApiError(
                400, "invalid", f"Invalid value for orderBy: {order_by}", location="orderBy"
            )
        if order_by == "startTime" and not single_events:
            raise ApiError(
                400,
                "badRequest",
                "The requested ordering is not available for the particular query.",
                location="orderBy",
            )
        return cls(
            window(args, allow_equal=False),
            single_events,
            flag(args, "showDeleted"),
            sync_token,
            instant(args, "updatedMin"),
            order_by,
            integer(args, "maxResults", 250, 2500),
            zone(args, calendar_zone),
        )


@dataclass(frozen=True)
class InstancesQuery:
    """events.instances parameters."""

    window: Window
    show_deleted: bool
    original_start: datetime | None
    max_results: int
    render: ZoneInfo

    @classmethod
    def parse(cls, args: MultiDict[str, str], calendar_zone: str) -> InstancesQuery:
        return cls(
            window(args, allow_equal=True),
            flag(args, "showDeleted"),
            instant(args, "originalStart"),
            integer(args, "maxResults", 250, 2500),
            zone(args, calendar_zone),
        )
