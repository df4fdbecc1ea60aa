"""What the sandbox server and the provider emulations share: records and the app protocol."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Protocol

from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.faults import Faults


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
class ApiResult:
    response: Response
    fault: str | None = None  # a fault decided by the handler itself (e.g. "forbidden")


@dataclass(frozen=True)
class TokenResult:
    response: Response
    principal: str | None  # who the issued token acts for; None when refused


class ProviderApp(Protocol):
    """One emulated provider: its token endpoint, its API and how it signals faults.

    The server owns everything common (request numbering, fault decisions, token
    checking, the request log); a provider owns its paths and its wire formats.
    """

    name: str
    prefix: str  # every path under this prefix belongs to the provider

    def is_token_path(self, path: str) -> bool: ...

    def token(self, request: Request, base_url: str) -> TokenResult: ...

    def api(self, request: Request, principal: str, faults: Faults) -> ApiResult: ...

    def unauthenticated(self, reason: str, /) -> Response: ...

    def fault(self, name: str, faults: Faults) -> Response: ...

    def endpoints(self, base_url: str) -> dict[str, str]: ...

    def config_block(self, base_url: str, auth: str) -> dict[str, Any]: ...

    def secret_values(self) -> list[str]: ...
