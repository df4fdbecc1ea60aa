"""Google's error table: status and reason -> what the tap does, and what the user can do."""

from __future__ import annotations

from typing import Any

import requests

from tap_calinstances.errors import Action, Verdict

_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})


def reason_of(response: requests.Response) -> str:
    """The first ``errors[].reason`` of Google's envelope (or the status text)."""
    try:
        body: Any = response.json()
    except ValueError:
        return response.reason or "error"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        for item in error.get("errors") or []:
            if isinstance(item, dict) and item.get("reason"):
                return str(item["reason"])
        if error.get("status"):
            return str(error["status"])
    return response.reason or "error"


def classify(response: requests.Response) -> Verdict | None:
    status = response.status_code
    if status < 300:
        return None
    reason = reason_of(response)
    if status == 429 or (status == 403 and reason in _RATE_REASONS):
        return Verdict(Action.RETRY, reason, wait_seconds=_retry_after(response))
    if status >= 500:
        return Verdict(Action.RETRY, reason, wait_seconds=_retry_after(response))
    if status == 401:
        return Verdict(
            Action.REFRESH,
            reason,
            "the grant no longer works: create new credentials with the calendar.readonly scope",
        )
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
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
