"""Checking the configuration before any request (contract section 2).

Every message names the setting (``google.refresh_token``) and never echoes a value, because
values may be secrets and the SDK prints these messages as they are.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from tap_calinstances import timeutil
from tap_calinstances.windows import Window, resolve_window

DEFAULT_LOOKAHEAD_DAYS = 365
# Requests in flight at once: enough to hide 50 ms of latency behind a few hundred requests
# per second, few enough for a 2-core machine to parse what comes back.
DEFAULT_MAX_CONCURRENCY = 16
MAX_MAX_CONCURRENCY = 256
# Deadlines of every request, token requests included. A read timeout bounds the silence
# between two bytes, not the whole download: the providers start answering a page in well
# under 10 s, so 30 s is room enough, and a stalled attempt costs 30 s before its retry.
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_READ_TIMEOUT_SECONDS = 30.0
# How long the run keeps retrying while no request succeeds (one request gives up after
# as long): a provider down for longer ends the run instead of stalling it for hours.
DEFAULT_RETRY_BUDGET_SECONDS = 300.0
MAX_DEADLINE_SECONDS = 3600


def schema_problems(schema: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """JSON-schema violations, phrased without the offending values."""
    validator = Draft7Validator(schema)
    # The SDK hands the config over as a read-only mapping; jsonschema wants plain dicts.
    plain = json.loads(json.dumps(config, default=_plain))
    return sorted(_phrase(error) for error in validator.iter_errors(plain))


def _plain(value: Any) -> Any:
    # A config file read by the SDK holds its fractions as decimal.Decimal (10.0, 0.5).
    return float(value) if isinstance(value, Decimal) else dict(value)


def _phrase(error: ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path) or "config"
    kind = error.validator
    if kind == "required":  # the message names the missing key, never a value
        return f"{path}: {error.message}"
    if kind == "additionalProperties":
        extra = error.message.split("(")[-1].rstrip(")")
        return f"{path}: unknown setting {extra}; check the spelling against the README"
    if kind == "type":
        return f"{path} must be of type {error.validator_value}"
    if kind in {"minimum", "maximum", "minItems", "minLength"}:
        return f"{path} must satisfy {kind} {error.validator_value}"
    return f"{path} is invalid ({kind})"


def parse_datetime(setting: str, value: Any, problems: list[str]) -> datetime | None:
    """An ISO 8601 date-time; a bare date or a missing offset is read as UTC, as Meltano users
    commonly write ``2026-01-01``."""
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{setting} must be an ISO 8601 date-time string")
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append(f"{setting} is not an ISO 8601 date-time (example: 2026-01-01T00:00:00Z)")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timeutil.zone("UTC"))


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(setting: str, value: Any) -> list[str]:
    """``https://`` everywhere; ``http://`` only for loopback hosts (the sandbox, tests)."""
    if value is None:
        return []
    if not isinstance(value, str):
        return [f"{setting} must be a URL string"]
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return []
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return []
    if parts.scheme == "http":
        return [f"{setting} must use https:// (http:// is accepted only for loopback hosts)"]
    return [f"{setting} must be an https:// URL"]


def check_id_list(setting: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return [f"{setting} must be a list of non-empty strings"]
    if not value:
        return [f"{setting} is empty; leave it out to read every calendar"]
    return []


def check_common(config: Mapping[str, Any], now: datetime) -> list[str]:
    problems: list[str] = []
    start = parse_datetime("start_date", config.get("start_date"), problems)
    end = parse_datetime("end_date", config.get("end_date"), problems)
    if start and end and end <= start:
        problems.append("end_date must be after start_date")
    lookahead = config.get("lookahead_days", DEFAULT_LOOKAHEAD_DAYS)
    if (
        start
        and end is None
        and isinstance(lookahead, int)
        and start >= now + timedelta(days=lookahead)
    ):
        problems.append(
            "start_date is later than now + lookahead_days: set end_date or raise lookahead_days"
        )
    return problems


def window(config: Mapping[str, Any], now: datetime) -> Window:
    """The extraction window of an already validated configuration."""
    problems: list[str] = []
    start = parse_datetime("start_date", config["start_date"], problems)
    end = parse_datetime("end_date", config.get("end_date"), problems)
    if start is None or problems:
        raise ValueError(f"configuration was not validated: {problems}")
    lookahead = int(config.get("lookahead_days", DEFAULT_LOOKAHEAD_DAYS))
    return resolve_window(start.astimezone(now.tzinfo), end, lookahead, now)


def max_concurrency(config: Mapping[str, Any]) -> int:
    return int(config.get("max_concurrency", DEFAULT_MAX_CONCURRENCY))


@dataclass(frozen=True)
class Deadlines:
    """How long any request may take, and how long the run retries without progress."""

    connect: float = DEFAULT_CONNECT_TIMEOUT_SECONDS
    read: float = DEFAULT_READ_TIMEOUT_SECONDS
    retry_budget: float = DEFAULT_RETRY_BUDGET_SECONDS

    @property
    def timeout(self) -> tuple[float, float]:
        """As requests takes it: (connect, read)."""
        return (self.connect, self.read)


def deadlines(config: Mapping[str, Any]) -> Deadlines:
    def seconds(name: str, default: float) -> float:
        value = config.get(name)
        # float(): a config file read by the SDK holds decimal.Decimal numbers.
        return default if value is None else float(value)

    return Deadlines(
        seconds("connect_timeout_seconds", DEFAULT_CONNECT_TIMEOUT_SECONDS),
        seconds("read_timeout_seconds", DEFAULT_READ_TIMEOUT_SECONDS),
        seconds("retry_budget_seconds", DEFAULT_RETRY_BUDGET_SECONDS),
    )
