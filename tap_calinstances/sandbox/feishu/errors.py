"""How Feishu answers: the `{code, msg, data}` envelope, its error codes, faults, budgets.

Feishu reports every error in the body's `code` (0 is success). The HTTP status is the one
the calendar v4 reference lists for the code; with the `errors_on_http_200` fault switch
every business error comes on HTTP 200 instead, as Feishu's gateway answers many of them,
so a client that looks only at the status takes an error for an empty success.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

from tap_calinstances.sandbox.faults import PAGE_TOKEN_EXPIRED, Faults
from tap_calinstances.sandbox.limits import BURST, CONCURRENCY, RATE

JSON_TYPE = "application/json; charset=utf-8"

INVALID_PARAMS = 190002
INTERNAL = 190003
METHOD_RATE_LIMITED = 190004
APP_RATE_LIMITED = 190005
WRONG_UNIT = 190006
PAGE_TOKEN_INVALID = 190008
SYNC_TOKEN_CONFLICT = 190009
OPERATION_RATE_LIMITED = 190010
CALENDAR_NOT_FOUND = 191000
NO_CALENDAR_ACCESS = 191002
CALENDAR_DELETED = 191003
EVENT_NOT_FOUND = 193001
EVENT_DELETED = 193003
USER_GONE = 195100
GATEWAY_RATE_LIMITED = 99991400
TOKEN_MISSING = 99991661
TENANT_TOKEN_INVALID = 99991663
TOKEN_FORMAT_INVALID = 99991671
APP_SECRET_INVALID = 10014
APP_ID_INVALID = 10003

# code -> (documented HTTP status, message)
CODES: dict[int, tuple[int, str]] = {
    INVALID_PARAMS: (400, "invalid parameters in request"),
    INTERNAL: (500, "internal service error"),
    METHOD_RATE_LIMITED: (429, "method rate limited"),
    APP_RATE_LIMITED: (429, "app rate limited"),
    WRONG_UNIT: (403, "wrong unit for app tenant"),
    PAGE_TOKEN_INVALID: (400, "page_token or sync_token expired"),
    SYNC_TOKEN_CONFLICT: (400, "sync token cannot be used with other request restrictions"),
    OPERATION_RATE_LIMITED: (429, "operation rate limited"),
    CALENDAR_NOT_FOUND: (404, "calendar not found"),
    NO_CALENDAR_ACCESS: (403, "no calendar access_role"),
    CALENDAR_DELETED: (403, "calendar is deleted"),
    EVENT_NOT_FOUND: (404, "event not found"),
    EVENT_DELETED: (403, "event is deleted"),
    # Not in the stored copies of the calendar reference; status and wording as recalled.
    USER_GONE: (400, "user is dismissed or not in the tenant"),
    GATEWAY_RATE_LIMITED: (429, "request trigger frequency limit"),
    TOKEN_MISSING: (
        400,
        "Missing access token for authorization. Please make a request with token attached.",
    ),
    TENANT_TOKEN_INVALID: (
        400,
        "Invalid access token for authorization. Please make a request with token attached.",
    ),
    TOKEN_FORMAT_INVALID: (400, "Invalid access token for authorization, token format error."),
}
# rate_limit_reason values the Feishu emulation renders; any other is the gateway's 99991400.
RATE_LIMIT_REASONS = {
    "": GATEWAY_RATE_LIMITED,
    "99991400": GATEWAY_RATE_LIMITED,
    "190004": METHOD_RATE_LIMITED,
    "190005": APP_RATE_LIMITED,
    "190010": OPERATION_RATE_LIMITED,
}


class FeishuError(Exception):
    """An error answer: raise it anywhere in a handler."""

    def __init__(self, code: int, detail: str | None = None, *, status: int | None = None):
        documented, message = CODES[code]
        super().__init__(detail or message)
        self.code, self.status = code, status or documented
        self.msg = message if detail is None else f"{message}: {detail}"
        self.headers: dict[str, str] = {}

    def response(self, faults: Faults | None = None) -> Response:
        status = self.status
        if faults is not None and faults.errors_on_http_200 and status not in (429, 500):
            status = 200
        return error_response(self.code, self.msg, status, headers=self.headers)


def log_id() -> str:
    return "2026" + secrets.token_hex(14).upper()


def json_response(
    body: Mapping[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False), status=status, content_type=JSON_TYPE)
    response.headers["X-Tt-Logid"] = log_id()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def ok(data: Mapping[str, Any]) -> Response:
    return json_response({"code": 0, "msg": "success", "data": dict(data)})


def error_response(
    code: int, msg: str, status: int, headers: Mapping[str, str] | None = None
) -> Response:
    body = {
        "code": code,
        "msg": msg,
        "error": {
            "log_id": log_id(),
            "troubleshooter": "排查建议查看(Troubleshooting suggestions): "
            f"https://open.feishu.cn/search?from=openapi&log_id=&code={code}",
        },
    }
    return json_response(body, status, headers)


def check_faults(faults: Faults) -> None:
    # The rate-limit variants are shared with other providers: values that name another
    # provider's signal (Google's 403, userRateLimitExceeded) get Feishu's usual answer.
    if faults.deleted_occurrences not in ("", "absent", "cancelled"):
        raise ValueError("deleted_occurrences must be absent or cancelled")
    unknown = sorted({entry[0] for entry in faults.error_codes} - set(CODES))
    if unknown:
        raise ValueError(f"error_codes: Feishu has no code {unknown[0]}; known: {sorted(CODES)}")


def coded(code: int, status: int, faults: Faults) -> Response:
    """An answer with `code` asked for by the error_codes switch (status 0: documented)."""
    if code == GATEWAY_RATE_LIMITED:
        return rate_limited(code, status or 429)
    return FeishuError(code, status=status or None).response(faults)


def rate_limited(code: int, status: int = 429, reset_s: float = 1.0) -> Response:
    error = FeishuError(code, status=status)
    if code == GATEWAY_RATE_LIMITED:
        # The gateway says when its window frees up, in whole seconds.
        error.headers = {
            "x-ogw-ratelimit-limit": "50",
            "x-ogw-ratelimit-reset": str(max(1, math.ceil(reset_s))),
        }
    return error.response()


def unauthenticated(reason: str) -> Response:
    """No token: 99991661. A token that is unknown, expired or refused: 99991663, the
    code after which a client fetches a new tenant token (once) and retries."""
    if reason == "missing":
        return FeishuError(TOKEN_MISSING).response()
    return FeishuError(TENANT_TOKEN_INVALID).response()


def injected(name: str, faults: Faults) -> Response:
    if name == "rate_limit":
        code = RATE_LIMIT_REASONS.get(faults.rate_limit_reason, GATEWAY_RATE_LIMITED)
        # The gateway's 99991400 sometimes comes on 400; everything else on 429.
        status = 400 if code == GATEWAY_RATE_LIMITED and faults.rate_limit_status == 400 else 429
        return rate_limited(code, status)
    if name == "server_error":
        return FeishuError(INTERNAL).response()
    if name == PAGE_TOKEN_EXPIRED:
        return FeishuError(PAGE_TOKEN_INVALID).response(faults)
    if name == "malformed":
        # A body cut off mid-way, on HTTP 200, as a dropped stream leaves it.
        return Response(
            '{"code":0,"msg":"success","data":{"has_more":true,"items":[{"event_id":"',
            status=200,
            content_type=JSON_TYPE,
        )
    raise ValueError(f"unknown fault {name!r}")


def over_budget(kind: str, retry_after_s: float) -> Response:
    """The app went over 1,000 a minute or 50 a second: the gateway's 99991400 with the
    seconds until its window frees up. Too many at once has no Feishu signal of its own;
    the calendar's 190005 (app rate limited) stands in."""
    if kind in (RATE, BURST):
        return rate_limited(GATEWAY_RATE_LIMITED, 429, retry_after_s)
    if kind == CONCURRENCY:
        return rate_limited(APP_RATE_LIMITED)
    raise ValueError(f"unknown budget {kind!r}")


def not_served(path: str) -> Response:
    return json_response({"code": 404, "msg": f"404 page not found: {path}"}, 404)
