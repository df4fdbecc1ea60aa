"""How Google answers trouble: 401, injected faults, budgets exceeded, unknown URLs."""

from __future__ import annotations

from werkzeug.wrappers import Response

from tap_calinstances.sandbox.faults import PAGE_TOKEN_EXPIRED, Faults
from tap_calinstances.sandbox.google.wire import JSON_TYPE, error_response
from tap_calinstances.sandbox.limits import BURST, CONCURRENCY, RATE

# Google signals rate limits with exactly these statuses, in the usageLimits domain; 0 / ""
# in the fault switches mean the usual 429 rateLimitExceeded. Other reasons (e.g.
# quotaExceeded, which is not a rate limit) can be injected to see how a client reacts.
RATE_LIMIT_STATUSES = (403, 429)
RATE_LIMIT_MESSAGES = {
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
}

_NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <title>Error 404 (Not Found)!!1</title>
  <p><b>404.</b> <ins>That's an error.</ins>
  <p>The requested URL <code>{path}</code> was not found on this server.
  <ins>That's all we know.</ins>
"""


def check_faults(faults: Faults) -> None:
    if faults.rate_limit_status not in (0, *RATE_LIMIT_STATUSES):
        raise ValueError("rate_limit_status must be 403 or 429 (0: Google's usual 429)")


def rate_limited(status: int, reason: str) -> Response:
    return error_response(
        status, reason, RATE_LIMIT_MESSAGES.get(reason, reason), domain="usageLimits"
    )


def unauthenticated() -> Response:
    return error_response(
        401,
        "authError",
        "Invalid Credentials",
        location="Authorization",
        location_type="header",
        summary="Request had invalid authentication credentials. Expected OAuth 2 access "
        "token, login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        headers={
            "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
        },
    )


def injected(name: str, faults: Faults) -> Response:
    if name == "rate_limit":
        return rate_limited(
            faults.rate_limit_status or 429, faults.rate_limit_reason or "rateLimitExceeded"
        )
    if name == "server_error":
        return error_response(503, "backendError", "Backend Error")
    if name == PAGE_TOKEN_EXPIRED:
        # Google's "start again" signal for listings it can no longer continue.
        return error_response(
            410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."
        )
    if name == "malformed":
        # A body cut off mid-way, as a broken proxy or a dropped stream leaves it.
        return Response(
            '{\n "kind": "calendar#events",\n "items": [\n  {\n   "kind": "cal',
            status=200,
            content_type=JSON_TYPE,
        )
    raise ValueError(f"unknown fault {name!r}")


def over_budget(kind: str) -> Response:
    """Per-user quota (600/min) exceeded: 403 userRateLimitExceeded; too many requests
    at once: 429 rateLimitExceeded. Both are Google's documented "slow down" answers."""
    if kind in (RATE, BURST):
        return rate_limited(403, "userRateLimitExceeded")
    if kind == CONCURRENCY:
        return rate_limited(429, "rateLimitExceeded")
    raise ValueError(f"unknown budget {kind!r}")


def unknown_url(path: str) -> Response:
    # Google's front end answers unknown URLs with an HTML page, not JSON.
    page = _NOT_FOUND_PAGE.format(path=path.replace("<", "&lt;"))
    return Response(page, status=404, content_type="text/html; charset=UTF-8")
