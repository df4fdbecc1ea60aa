"""Access tokens handed out by the sandbox's token endpoints, shared by every provider."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class TokenState(Enum):
    VALID = "valid"
    MISSING = "missing"  # no bearer token on the request
    UNKNOWN = "unknown"  # never issued here, or issued for another provider
    EXPIRED = "expired"  # past its lifetime in seconds
    EXHAUSTED = "exhausted"  # past the token_ttl_requests fault switch


@dataclass(frozen=True)
class TokenCheck:
    state: TokenState
    principal: str | None = None


@dataclass
class _Grant:
    provider: str
    principal: str
    scope: str
    expires_at: float
    uses: int = 0
    exhausted: bool = False  # refused for token_ttl_requests at least once


class TokenStore:
    """Issues opaque bearer tokens and decides whether a request's token still works."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._grants: dict[str, _Grant] = {}

    def issue(
        self, provider: str, principal: str, scope: str, *, prefix: str, lifetime_s: int
    ) -> str:
        token = prefix + secrets.token_urlsafe(32)
        with self._lock:
            self._grants[token] = _Grant(provider, principal, scope, self._clock() + lifetime_s)
        return token

    def check(self, provider: str, token: str | None, ttl_requests: int = 0) -> TokenCheck:
        """Whether `token` authorises one more API request; counts the use if it does.

        `ttl_requests` > 0 emulates tokens that die early (revocation, clock skew): a
        token then works for that many API requests and answers 401 afterwards.
        """
        if not token:
            return TokenCheck(TokenState.MISSING)
        with self._lock:
            grant = self._grants.get(token)
            if grant is None or grant.provider != provider:
                return TokenCheck(TokenState.UNKNOWN)
            if self._clock() >= grant.expires_at:
                return TokenCheck(TokenState.EXPIRED, grant.principal)
            if ttl_requests and grant.uses >= ttl_requests:
                grant.exhausted = True
                return TokenCheck(TokenState.EXHAUSTED, grant.principal)
            grant.uses += 1
            return TokenCheck(TokenState.VALID, grant.principal)

    def alive(self, token: str) -> bool:
        """Whether a token may still work: issued, not expired, not exhausted. Token
        endpoints that hand the same token out again (Feishu) issue a new one otherwise."""
        with self._lock:
            grant = self._grants.get(token)
            return grant is not None and not grant.exhausted and self._clock() < grant.expires_at

    def principal_of(self, token: str | None) -> str | None:
        """Who a token acts for, without counting a use (for the request log)."""
        with self._lock:
            grant = self._grants.get(token or "")
            return grant.principal if grant else None

    def issued(self) -> list[str]:
        with self._lock:
            return list(self._grants)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
