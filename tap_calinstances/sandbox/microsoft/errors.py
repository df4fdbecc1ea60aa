"""How Graph answers trouble: its error envelope, throttling, injected faults.

`{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`;
429 and 503/504 carry `Retry-After` in seconds, possibly fractional.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from tap_calinstances.sandbox.faults import PAGE_TOKEN_EXPIRED, PERMISSION, Faults
from tap_calinstances.sandbox.limits import CONCURRENCY, RATE

JSON_TYPE = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;"
    "charset=utf-8"
)
# Variants of the injected rate limit, picked with the rate_limit_reason switch: Graph's
# two throttling codes (429) and its overloaded answers (503/504), all with Retry-After.
# The rate_limit_status switch belongs to Google (403 or 429): Graph always derives the
# status from the code, and answers codes it does not know (Google's reasons) with its usual
# 429 ApplicationThrottled, so that one set of switches serves both emulations.
RATE_LIMIT_CODES = {
    "ApplicationThrottled": 429,
    "TooManyRequests": 429,
    "ServiceUnavailable": 503,
    "GatewayTimeout": 504,
}
# Fractional on purpose, as Graph sends them; short, so that clients honouring them stay fast.
RETRY_AFTER = {"rate_limit": "0.128", "server_error": "0.25", CONCURRENCY: "0.128", RATE: "1.5"}


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    response = Response(json.dumps(body), status=status, content_type=JSON_TYPE)
    request_id = str(uuid.uuid4())
    response.headers["request-id"] = request_id
    response.headers["client-request-id"] = request_id
    response.headers["x-ms-ags-diagnostic"] = json.dumps(
        {"ServerInfo": {"DataCenter": "Sandbox", "Slice": "E", "Ring": "5"}}
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def graph_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    request_id = str(uuid.uuid4())
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "request-id": request_id,
                "client-request-id": request_id,
            },
        }
    }
    return json_response(body, status, headers)


class GraphError(Exception):
    """Raised by handlers; rendered in Graph's envelope. `fault` names the fault switch
    that caused it, for the request log."""

    def __init__(self, status: int, code: str, message: str, fault: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fault = status, code, message, fault

    def response(self) -> Response:
        return graph_error(self.status, self.code, self.message)


def item_not_found(fault: str | None = None) -> GraphError:
    return GraphError(
        404, "ErrorItemNotFound", "The specified object was not found in the store.", fault
    )


def no_mailbox() -> GraphError:
    return GraphError(
        404,
        "MailboxNotEnabledForRESTAPI",
        "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
    )


def access_denied() -> GraphError:
    return GraphError(
        403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
    )


def insufficient_privileges() -> GraphError:
    """The directory's answer to an app without User.Read.All (a directory code, not
    Exchange's ErrorAccessDenied)."""
    return GraphError(
        403,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
        PERMISSION,
    )


def bad_parameter(message: str) -> GraphError:
    return GraphError(400, "ErrorInvalidParameter", message)


def unauthenticated(reason: str) -> Response:
    messages = {
        "missing": "Access token is empty.",
        "expired": "Lifetime validation failed, the token is expired.",
        "exhausted": "Lifetime validation failed, the token is expired.",
    }
    return graph_error(
        401,
        "InvalidAuthenticationToken",
        messages.get(reason, "IDX14100: JWT is not well formed, there are no dots (.)."),
        {
            "WWW-Authenticate": 'Bearer realm="", authorization_uri='
            '"https://login.microsoftonline.com/common/oauth2/authorize", '
            'client_id="00000003-0000-0000-c000-000000000000"'
        },
    )


# The application permissions the missing_permissions switch can withhold.
PERMISSIONS = ("User.Read.All", "Calendars.Read")


def check_faults(faults: Faults) -> None:
    """Every switch value has a Graph rendering (see RATE_LIMIT_CODES)."""
    unknown = sorted(set(faults.missing_permissions) - set(PERMISSIONS))
    if unknown:
        raise ValueError(f"missing_permissions: Graph can withhold {PERMISSIONS}, not {unknown}")
    if faults.next_link_origin and not faults.next_link_origin.startswith(("http://", "https://")):
        raise ValueError("next_link_origin must be an origin such as https://graph.example")


def throttled(status: int, code: str, retry_after: str, message: str | None = None) -> Response:
    messages = {
        "ApplicationThrottled": "Application is over its MailboxConcurrency limit.",
        "TooManyRequests": "Too many requests.",
        "ServiceUnavailable": "Service Unavailable",
        "GatewayTimeout": "Gateway Timeout",
    }
    return graph_error(status, code, message or messages[code], {"Retry-After": retry_after})


def injected(name: str, faults: Faults) -> Response:
    if name == "rate_limit":
        code = faults.rate_limit_reason
        if code not in RATE_LIMIT_CODES:
            code = "ApplicationThrottled"
        return throttled(RATE_LIMIT_CODES[code], code, RETRY_AFTER["rate_limit"])
    if name == "server_error":
        return throttled(503, "ServiceUnavailable", RETRY_AFTER["server_error"])
    if name == PAGE_TOKEN_EXPIRED:
        # Graph's "start over" for a paging cursor it cannot continue: 410 Gone, as for
        # an expired delta or skip token (resyncRequired).
        return graph_error(
            410,
            "SyncStateNotFound",
            "The sync state or skip token is no longer valid; start the listing again.",
        )
    if name == "malformed":
        return Response(
            '{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{"id',
            status=200,
            content_type=JSON_TYPE,
        )
    raise ValueError(f"unknown fault {name!r}")


def over_budget(kind: str) -> Response:
    """Outlook's per-mailbox limits: 4 requests in flight, 10,000 per 10 minutes."""
    if kind == CONCURRENCY:
        return throttled(429, "ApplicationThrottled", RETRY_AFTER[CONCURRENCY])
    if kind == RATE:
        return throttled(
            429,
            "ApplicationThrottled",
            RETRY_AFTER[RATE],
            "Application is over its MailboxRequestRate limit.",
        )
    raise ValueError(f"unknown budget {kind!r}")


def unknown_segment(segment: str) -> Response:
    return graph_error(400, "BadRequest", f"Resource not found for the segment '{segment}'.")
