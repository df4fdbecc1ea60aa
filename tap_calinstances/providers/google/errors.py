"""Google's error table: status and reason -> what the tap does, and what the user can do."""

from __future__ import annotations

from typing import Any

import requests

from tap_calinstances import transport
from tap_calinstances.errors import Action, Verdict

_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
# 403s about the credentials or the project, not about one calendar: skipping would hide them.
_SETUP = {
    "insufficientPermissions": "the token lacks the calendar.readonly scope: create a new "
    "refresh token with it, or add it to the service account's domain-wide delegation",
    "accessNotConfigured": "the Google Calendar API is not enabled in the Google Cloud "
    "project of these credentials: enable it in the console",
    "SERVICE_DISABLED": "the Google Calendar API is not enabled in the Google Cloud project "
    "of these credentials: enable it in the console",
}


def reason_of(response: requests.Response) -> str | None:
    """The first ``errors[].reason`` of Google's envelope; None when the body is not one."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        for item in error.get("errors") or []:
            if isinstance(item, dict) and item.get("reason"):
                return str(item["reason"])
        if error.get("status"):
            return str(error["status"])
        return "error"
    return None


def classify(response: requests.Response) -> Verdict | None:
    status = response.status_code
    if status < 300:
        return None
    envelope = reason_of(response)
    reason = envelope or response.reason or f"HTTP {status}"
    if status == 429 or (status == 403 and reason in _RATE_REASONS):
        return Verdict(Action.RETRY, reason, wait_seconds=_retry_after(response), rate_limited=True)
    if status >= 500:
        return Verdict(Action.RETRY, reason, wait_seconds=_retry_after(response))
    if status == 401:
        return Verdict(
            Action.REFRESH,
            reason,
            "the grant no longer works: create new credentials with the calendar.readonly scope",
        )
    if status == 404 and envelope is None:
        # Google's API answers 404 with its JSON envelope; an HTML page means a wrong URL.
        return Verdict(
            Action.FAIL, reason, "this is not a Google Calendar API URL: check google.api_url"
        )
    if status == 403 and reason in _SETUP:
        return Verdict(Action.FAIL, reason, _SETUP[reason])
    if status == 403 and reason in _QUOTA_REASONS:
        return Verdict(
            Action.FAIL,
            reason,
            "the project's daily Calendar API quota is used up: raise it in the "
            "Google Cloud console or run later",
        )
    if status == 403:
        return Verdict(
            Action.SKIP,
            reason,
            "the account cannot read it: share the calendar with the account, or "
            "leave it out of google.calendar_ids",
        )
    if status == 404 or (status == 410 and reason == "deleted"):
        # 410 "deleted" is how Google answers for a series deleted after it was listed.
        return Verdict(Action.SKIP, reason, "it was deleted or unshared since it was listed")
    if status == 410:
        # fullSyncRequired / updatedMinTooLongAgo: the sync token or updatedMin is too old.
        return Verdict(Action.RESTART, reason)
    return Verdict(
        Action.FAIL, reason, "Google rejected the request; please report this with the log"
    )


def _retry_after(response: requests.Response) -> float | None:
    return transport.seconds(response.headers.get("Retry-After"))
