"""Fault switches of the sandbox and the decision "does API request number k get a fault".

Faults are counted over API requests only (token requests and control requests do not
count), numbered from 1 in arrival order since the switches were last set. A switch set
to N faults request k when k % N == 0, so a run is reproducible and a retry, being the
next number, passes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# Faults decided by the request number alone, in priority order: when one number is a
# multiple of several switches, the first one in this tuple wins.
NUMBERED_FAULTS = ("drop", "server_error", "rate_limit", "malformed")

# Names recorded in RequestRecord.fault for faults decided elsewhere.
TOKEN_EXPIRED = "token_expired"  # noqa: S105 (a fault name, not a secret)
FORBIDDEN = "forbidden"
PAGE_TOKEN_EXPIRED = "page_token_expired"  # noqa: S105 (a fault name, not a secret)
# A request refused by budget enforcement (see limits.py): "budget_rate" and so on.
BUDGET_PREFIX = "budget_"
VANISHED = "vanished"
PERMISSION = "permission"
# Switches holding lists of names (calendar ids, permissions).
_LISTS = ("forbidden_calendars", "vanished_calendars", "missing_permissions")

_EVERY_FIELD = {
    "drop": "drop_every",
    "server_error": "server_error_every",
    "rate_limit": "rate_limit_every",
    "malformed": "malformed_every",
}


@dataclass(frozen=True)
class Faults:
    """What the sandbox breaks on purpose. Immutable: swap it whole to change it."""

    latency_ms: int = 0
    rate_limit_every: int = 0
    # Variants of the rate-limit answer, for providers that have several (Google: 403 or
    # 429, reason rateLimitExceeded or userRateLimitExceeded). 0 and "" mean the
    # provider's usual answer; each provider checks the values it can render.
    rate_limit_status: int = 0
    rate_limit_reason: str = ""
    server_error_every: int = 0
    drop_every: int = 0
    token_ttl_requests: int = 0
    # Every access token is refused by the API, freshly issued ones too (a token minted for
    # another audience, a clock far off): a client must stop, not refresh forever.
    reject_tokens: bool = False
    malformed_every: int = 0
    # Every Nth request that carries a page token finds it expired: the listing must restart.
    expire_page_tokens_every: int = 0
    forbidden_calendars: tuple[str, ...] = field(default=())
    # What an instances listing does with a deleted occurrence where the provider's
    # material does not settle it (Feishu): "absent" (the default, "") or "cancelled".
    deleted_occurrences: str = ""
    # Business errors on HTTP 200 with the error in the body, as Feishu's gateway answers
    # many of them; providers that never do this ignore it.
    errors_on_http_200: bool = False
    # Calendars still shown in calendar lists whose contents answer "not found", as one
    # deleted between the listing and the reading (Graph: 404 ErrorItemNotFound).
    vanished_calendars: tuple[str, ...] = field(default=())
    # Application permissions the app registration lacks (admin consent never given), for
    # providers that grant them per app: Graph's "User.Read.All" guards the user directory.
    missing_permissions: tuple[str, ...] = field(default=())
    # Paging links built on this origin (scheme://host:port) instead of the request's own,
    # as behind a proxy that does not rewrite them (Graph's @odata.nextLink); "" for none.
    next_link_origin: str = ""
    # Provider error codes answered on purpose, as (code, target, times[, status]): API
    # requests whose decoded path and query (`path?query`) contain `target` (a calendar or
    # event id, "/instances", "page_token=", or "" for every request) get the provider's
    # error `code`, on the first `times` matching requests (0: on all of them), with the
    # HTTP status its reference documents or `status` (Feishu's gateway sends 99991400 on
    # 400 too). Counting starts again whenever the switches are set. Only Feishu renders
    # codes (its numbers).
    error_codes: tuple[tuple[int, str, int, int], ...] = field(default=())

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.type == "int" and (not isinstance(value, int) or value < 0):
                raise ValueError(f"fault setting {item.name} must be an integer >= 0")
        for name in _LISTS:
            value = getattr(self, name)
            if isinstance(value, str):
                raise ValueError(f"{name} must be a list")
            object.__setattr__(self, name, tuple(value or ()))
        object.__setattr__(self, "error_codes", _error_codes(self.error_codes))

    def decide(self, number: int) -> str | None:
        """The fault that API request `number` (counted from 1) gets, or None."""
        for name in NUMBERED_FAULTS:
            every = getattr(self, _EVERY_FIELD[name])
            if every and number % every == 0:
                return name
        return None

    def expires_page_token(self, paged_number: int) -> bool:
        """Whether paged request `paged_number` (counted from 1 over requests carrying a
        page token) finds its token expired."""
        every = self.expire_page_tokens_every
        return bool(every) and paged_number % every == 0

    def replace(self, **fields: Any) -> Faults:
        """A copy with `fields` changed; unknown names are an error, not ignored."""
        known = {item.name for item in dataclasses.fields(self)}
        unknown = sorted(set(fields) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        for name in _LISTS:
            if name in fields and not isinstance(fields[name], str):
                fields[name] = tuple(fields[name] or ())
        return dataclasses.replace(self, **fields)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for name in _LISTS:
            data[name] = list(getattr(self, name))
        data["error_codes"] = [list(entry) for entry in self.error_codes]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Faults:
        return cls().replace(**data)


def _error_codes(value: Any) -> tuple[tuple[int, str, int, int], ...]:
    """`error_codes` as (code, target, times, status) tuples, from tuples or JSON lists;
    status 0 is the code's documented one."""
    if isinstance(value, str):
        raise ValueError("error_codes must be a list of [code, target, times(, status)]")
    entries = []
    for entry in value or ():
        if isinstance(entry, str) or len(entry) not in (3, 4):
            raise ValueError("each error_codes entry is [code, target, times(, status)]")
        code, target, times, status = (*entry, 0)[:4]
        numbers = all(isinstance(n, int) and n >= 0 for n in (code, times, status))
        if not numbers or not isinstance(target, str):
            raise ValueError(
                "error_codes entries are [code, target string, times >= 0(, HTTP status)]"
            )
        entries.append((code, target, times, status))
    return tuple(entries)
