"""What the sandbox core and the provider emulations share: records and the app protocol."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.limits import BudgetSpec, Limits
from tap_calinstances.sandbox.world import World


@dataclass(frozen=True)
class RequestRecord:
    """One request as the sandbox saw it, for tests and for `GET /_sandbox/requests`."""

    provider: str
    method: str
    raw_path: str  # as sent on the wire, still percent-encoded
    path: str  # decoded
    query: dict[str, str]
    status: int  # 0 when the sandbox dropped the connection without answering
    principal: str | None
    fault: str | None
    host: str
    authorization: bool  # whether a bearer token was sent

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Call:
    """One authenticated API request, as the core hands it to a provider."""

    principal: str
    faults: Faults  # the switches in force when the request arrived
    limits: Limits

    def page_size(self, asked: int) -> int:
        """The page size to serve: what the client asked for (already capped at the
        provider's maximum), cut to the sandbox's page_size switch when that is set."""
        return min(asked, self.limits.page_size) if self.limits.page_size else asked


@dataclass(frozen=True)
class ApiResult:
    response: Response
    fault: str | None = None  # a fault decided by the handler itself (e.g. "forbidden")


@dataclass(frozen=True)
class TokenResult:
    response: Response
    principal: str | None  # who the issued token acts for; None when refused


class ProviderApp(Protocol):
    """One emulated provider: its token endpoint, its API and how it signals trouble.

    The core owns everything common (request numbering, fault decisions, token checks,
    budgets, the request log and stats); a provider owns its paths, its wire formats and
    the facts that differ between providers, declared as attributes below.
    """

    name: str  # also the key of its block in the tap config
    prefix: str  # every path under this prefix belongs to the provider
    # The data it serves. Providers may share one world (Google's users and calendars) or
    # bring their own (Feishu's app and its calendars); changes go to the world that holds
    # the calendar they name.
    world: World
    # Query parameters that carry a page token (Google `pageToken`, Feishu `page_token`):
    # requests with one count for the expire_page_tokens_every switch.
    page_token_params: tuple[str, ...]
    # The provider's documented per-principal budget, enforced with --enforce-budgets.
    budget: BudgetSpec

    def is_token_path(self, path: str) -> bool: ...

    def subject(self, request: Request, token_principal: str | None, /) -> str | None:
        """Whom an API request counts against, for budgets, stats and the request log:
        the token's principal where a token acts for one user (Google), the mailbox the
        path names where one app token serves every user (Graph)."""
        ...

    def token(self, request: Request, base_url: str) -> TokenResult: ...

    def api(self, request: Request, call: Call) -> ApiResult: ...

    def unauthenticated(self, reason: str, /) -> Response: ...

    def fault(self, name: str, faults: Faults) -> Response:
        """The answer to an injected fault (faults.NUMBERED_FAULTS, PAGE_TOKEN_EXPIRED)."""
        ...

    def token_fault(self, name: str, faults: Faults, /) -> Response:
        """The token endpoint's answer to an injected fault: "rate_limit", "server_error"
        or "malformed" (the core renders resets, stalls and redirects)."""
        ...

    def over_budget(self, kind: str, retry_after_s: float, /) -> Response:
        """The provider's own answer when a principal exceeds its budget; `kind` is
        limits.RATE or limits.BURST (too many requests in a window) or limits.CONCURRENCY;
        `retry_after_s` is when the window has room again (0 when unknown)."""
        ...

    def check_faults(self, faults: Faults, /) -> None:
        """Raise ValueError for switch values this provider cannot render."""
        ...

    def endpoints(self, base_url: str) -> dict[str, Any]:
        """Where the provider is served: `api_url`, `token_url` and whatever else helps."""
        ...

    def config_block(self, base_url: str, auth: str | None) -> dict[str, Any]:
        """The provider's block of a tap config; `auth` picks a kind of credentials
        (None: the provider's default)."""
        ...

    def secret_values(self) -> list[str]: ...
