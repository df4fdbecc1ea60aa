"""Checking the configuration before any request (contract section 2).

Every message names the setting (``google.refresh_token``) and never echoes a value, because
values may be secrets and the SDK prints these messages as they are.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError

from tap_calinstances import timeutil
from tap_calinstances.windows import Window, resolve_window

DEFAULT_LOOKAHEAD_DAYS = 365
# Requests in flight at once: enough to hide 50 ms of latency behind a few hundred requests
# per second, few enough for a 2-core machine to parse what comes back.
DEFAULT_MAX_CONCURRENCY = 16
MAX_MAX_CONCURRENCY = 256
# Ten years past now: further than any calendar plans, and far enough from datetime's year
# 9999 that window arithmetic (2-year pieces, rule expansion) cannot overflow.
MAX_LOOKAHEAD_DAYS = 3660
# Dates outside these years are typos or placeholders (0026-01-01, 9999-12-31) that would
# overflow window arithmetic or ask the providers for millennia.
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def _strict_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema calls 2.0 an integer; the SDK and the tap would then get a float where
    # they count (range(), timedelta), so a decimal point is refused wherever a count is.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    Draft7Validator,
    type_checker=Draft7Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


def schema_problems(schema: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """JSON-schema violations, phrased without the offending values."""
    validator = _Validator(schema)
    return sorted({p for error in validator.iter_errors(plain(config)) for p in _phrase(error)})


def plain(value: Any) -> Any:
    """``value`` as jsonschema wants it: plain dicts and lists, and floats where the SDK's
    JSON reader gave ``Decimal`` (``1e400`` becomes infinity, which fails any maximum)."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, Decimal):
        return float(value)
    return value


def _phrase(error: ValidationError) -> list[str]:
    path = ".".join(str(part) for part in error.absolute_path)
    name, kind, expected = path or "config", error.validator, error.validator_value
    if kind == "required":  # the message names the missing key, never a value
        missing = error.message.split("'")[1]
        return [f"{path + '.' if path else ''}{missing} is required"]
    if kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        return [_unknown(path, key, known) for key in error.instance if key not in known]
    if kind == "type":
        return [_type_problem(name, expected, error.instance)]
    if kind in {"minimum", "maximum"}:
        return [_bounds_problem(name, error.schema, error.instance)]
    if kind in {"minItems", "minLength"}:
        return [f"{name} must not be empty"]
    if kind in {"enum", "const"}:
        allowed = expected if isinstance(expected, list) else [expected]
        return [f"{name} must be one of {', '.join(map(str, allowed))}"]
    return [f"{name} is not one of the forms the setting accepts ({kind})"]


def _unknown(path: str, key: str, known: list[str]) -> str:
    setting = f"{path}.{key}" if path else key
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"{setting} is not a setting of the tap: {hint}check the spelling against the README"


def _type_problem(name: str, expected: Any, value: Any) -> str:
    wanted = expected if isinstance(expected, list) else [expected]
    if "integer" in wanted and isinstance(value, float):
        return f"{name} must be a whole number (an integer), not a decimal"
    if "object" in wanted and isinstance(value, str):
        # `meltano config set` stores a setting it has no kind for as text.
        return (
            f"{name} must be an object, not a string: write it as a mapping in meltano.yml "
            "(or declare the setting with kind: object so that Meltano parses it)"
        )
    article = "an" if wanted[0][0] in "aeiou" else "a"
    return f"{name} must be {article} {' or '.join(wanted)}"


def _bounds_problem(name: str, schema: Mapping[str, Any], value: Any) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(value, float) and not math.isfinite(value):
        return f"{name} must be a finite number"
    if low is not None and high is not None:
        return f"{name} must be between {low} and {high}"
    return f"{name} must be at least {low}" if low is not None else f"{name} must be at most {high}"


def env_problems(schema: Mapping[str, Any], prefix: str, environ: Mapping[str, str]) -> list[str]:
    """Environment variables (``--config ENV``) the SDK cannot convert to their setting's
    type: it would stop with a bare ValueError quoting the value."""
    problems: list[str] = []
    for key, prop in schema.get("properties", {}).items():
        name = prefix + key.upper().replace("-", "_")
        if name not in environ:
            continue
        kinds = prop.get("type", [])
        kinds = kinds if isinstance(kinds, list) else [kinds]
        value = environ[name]
        if "integer" in kinds and not value.strip().lstrip("+-").isdigit():
            problems.append(f"{name} (the setting {key}) must be a whole number")
        elif "object" in kinds and not isinstance(_json_or_none(value), dict):
            problems.append(f"{name} (the setting {key}) must be a JSON object")
    return problems


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


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
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timeutil.zone("UTC"))
    if not EARLIEST <= parsed < LATEST:
        problems.append(
            f"{setting} must be between the years {EARLIEST.year} and {LATEST.year - 1}"
        )
        return None
    return parsed


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


def check_credential(setting: str, value: Any, why: str) -> list[str]:
    """A credential must be a string with something in it: a blank one would only fail at
    the token endpoint, after a request."""
    if not isinstance(value, str) or not value.strip():
        return [f"{setting} is required and must not be blank: {why}"]
    return []


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
