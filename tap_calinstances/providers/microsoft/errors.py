"""Graph's error table: status and error code -> what the tap does, and what the user can do."""

from __future__ import annotations

from typing import Any

import requests

from tap_calinstances import transport
from tap_calinstances.errors import Action, Verdict

# Graph's 410 codes for a cursor (skip token, delta token) that expired.
_EXPIRED_CURSORS = frozenset({"SyncStateNotFound", "SyncStateInvalid", "resyncRequired"})


def code_of(response: requests.Response) -> str | None:
    """``error.code`` of Graph's envelope; None when the body is not one."""
    try:
        body: Any = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code") or "error") if isinstance(error, dict) else None


def retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds; Graph sends fractions (``2.128``)."""
    return transport.seconds(response.headers.get("Retry-After"))


def classify(response: requests.Response) -> Verdict | None:
    status = response.status_code
    if status < 300:
        return None
    envelope = code_of(response)
    code = envelope or response.reason or f"HTTP {status}"
    if status == 429 or status >= 500:
        return Verdict(
            Action.RETRY, code, wait_seconds=retry_after(response), rate_limited=status == 429
        )
    if status == 401:
        return Verdict(
            Action.REFRESH,
            code,
            "the app's token is refused: check that an admin granted the application "
            "permission Calendars.Read (or Calendars.ReadBasic) with admin consent",
        )
    if status == 404 and envelope is None:
        return Verdict(
            Action.FAIL, code, "this is not a Microsoft Graph URL: check microsoft.api_url"
        )
    if status == 410 and code in _EXPIRED_CURSORS:
        # A paging or sync cursor Graph can no longer continue: list again from the start
        # (skipping would read a series as deleted and lose its occurrences).
        return Verdict(Action.RESTART, code)
    if code == "MailboxNotEnabledForRESTAPI":
        return Verdict(Action.SKIP, code, "the user has no Exchange Online mailbox")
    if status == 403 and code in ("Authorization_RequestDenied", "ErrorAccessDenied"):
        return Verdict(
            Action.SKIP,
            code,
            "the app may not read it: grant Calendars.Read, or check the application access "
            "policy that restricts which mailboxes the app reads",
        )
    if status in (403, 404, 410):
        return Verdict(Action.SKIP, code, "it was deleted or is not readable by the app")
    return Verdict(Action.FAIL, code, "Graph rejected the request; please report this with the log")
