"""Feishu's error table: HTTP status and body ``code`` -> what the tap does.

Any ``code`` other than 0 is an error, also on HTTP 200: never an empty success.
"""

from __future__ import annotations

from typing import Any

import requests

from tap_calinstances import transport
from tap_calinstances.errors import Action, Verdict
from tap_calinstances.providers.feishu.settings import API_URL, LARK_API_URL

_RATE = {190004, 190005, 190010, 99991400}  # method, app, operation, gateway
_GONE = {191000, 191002, 191003, 193001, 193003, 195100}  # calendar/event gone or forbidden
_OUR_BUG = {190002, 190009}  # invalid parameters: the tap asked wrongly
_TOKEN = {99991663, 99991671, 99991668}  # tenant/access token invalid or expired
_WRONG_TENANT = 190006  # the app's credentials belong to another tenant or platform


def code_of(response: requests.Response) -> int | None:
    try:
        body: Any = response.json()
    except ValueError:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int) else None


def _reset(response: requests.Response) -> float | None:
    """The gateway's ``x-ogw-ratelimit-reset`` (seconds), or Retry-After."""
    for header in ("x-ogw-ratelimit-reset", "Retry-After"):
        hint = transport.seconds(response.headers.get(header))
        if hint is not None:
            return hint
    return None


def classify(response: requests.Response) -> Verdict | None:
    status = response.status_code
    code = code_of(response)
    if status < 300 and code in (0, None):
        return None  # a 200 without a code is checked as a page (malformed if not one)
    reason = f"code {code}" if code is not None else (response.reason or f"HTTP {status}")
    if code in _RATE or status == 429:  # 99991400 comes on HTTP 400 too
        return Verdict(Action.RETRY, reason, wait_seconds=_reset(response), rate_limited=True)
    if code == 190003 or status >= 500:
        return Verdict(Action.RETRY, reason)
    if code in _TOKEN or status == 401:
        return Verdict(
            Action.REFRESH,
            reason,
            "Feishu refuses the app's tenant access token: check in the developer console "
            "that the app is enabled, that a version granting calendar:calendar:readonly is "
            "published in this tenant, and that feishu.api_url is the app's platform "
            "(Feishu or Lark)",
        )
    if code == 190008:  # page_token or sync_token expired: list again from the start
        return Verdict(Action.RESTART, reason)
    if code in _GONE:
        return Verdict(
            Action.SKIP,
            reason,
            "it was deleted, or the app was not added to it: share the calendar with the app",
        )
    if code in _OUR_BUG:
        return Verdict(
            Action.FAIL, reason, "Feishu refused the tap's parameters; please report this"
        )
    if code == _WRONG_TENANT:
        return Verdict(
            Action.FAIL,
            reason,
            "Feishu says 'wrong unit for app tenant': check that feishu.app_id and "
            "feishu.app_secret are those of a self-built app of this tenant, and that "
            f"feishu.api_url is its platform (Feishu {API_URL}, Lark {LARK_API_URL})",
        )
    if status == 403:
        return Verdict(
            Action.FAIL,
            reason,
            "the app lacks a permission: grant calendar:calendar:readonly and publish a "
            "version of the app",
        )
    if status == 404 and code is None:
        return Verdict(Action.FAIL, reason, "this is not a Feishu API URL: check feishu.api_url")
    return Verdict(Action.FAIL, reason, "Feishu refused the request; please report this")
