"""Google's error table: each status and reason gets the right action."""

from __future__ import annotations

import json

import pytest
import requests

from tap_calinstances.errors import Action
from tap_calinstances.providers.google.errors import classify


def response(
    status: int,
    reason: str | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> requests.Response:
    made = requests.Response()
    made.status_code = status
    made.headers.update(headers or {})
    if body is None and reason is not None:
        body = json.dumps(
            {
                "error": {
                    "errors": [{"domain": "global", "reason": reason, "message": reason}],
                    "code": status,
                    "message": reason,
                }
            }
        )
    made._content = (body or "").encode()
    return made


@pytest.mark.parametrize(
    ("status", "reason", "action"),
    [
        (200, None, None),
        (429, "rateLimitExceeded", Action.RETRY),
        (403, "rateLimitExceeded", Action.RETRY),
        (403, "userRateLimitExceeded", Action.RETRY),
        (500, "backendError", Action.RETRY),
        (503, "backendError", Action.RETRY),
        (401, "authError", Action.REFRESH),
        (403, "quotaExceeded", Action.FAIL),
        (403, "dailyLimitExceeded", Action.FAIL),
        (403, "forbidden", Action.SKIP),
        (404, "notFound", Action.SKIP),
        (410, "deleted", Action.SKIP),
        (410, "fullSyncRequired", Action.RESTART),
        (410, "updatedMinTooLongAgo", Action.RESTART),
        (400, "badRequest", Action.FAIL),
        (403, "insufficientPermissions", Action.FAIL),
        (403, "accessNotConfigured", Action.FAIL),
    ],
)
def test_google_error_table(status: int, reason: str | None, action: Action | None) -> None:
    verdict = classify(response(status, reason))
    assert (verdict.action if verdict else None) is action
    if verdict:
        assert verdict.reason == reason


def test_retry_after_is_read_even_when_fractional() -> None:
    verdict = classify(response(429, "rateLimitExceeded", headers={"Retry-After": "2.128"}))
    assert verdict is not None
    assert verdict.wait_seconds == pytest.approx(2.128)


def test_a_body_that_is_not_json_still_gets_a_verdict() -> None:
    verdict = classify(response(502, body="<html>Bad Gateway</html>"))
    assert verdict is not None
    assert verdict.action is Action.RETRY


def test_advice_says_what_to_do() -> None:
    verdict = classify(response(403, "quotaExceeded"))
    assert verdict is not None
    assert "quota" in verdict.advice and "Google Cloud console" in verdict.advice


def test_html_404_means_a_wrong_url_not_a_deleted_calendar() -> None:
    verdict = classify(response(404, body="<html><title>Error 404 (Not Found)</title></html>"))
    assert verdict is not None
    assert verdict.action is Action.FAIL
    assert "google.api_url" in verdict.advice


def test_missing_scope_says_which_scope() -> None:
    verdict = classify(response(403, "insufficientPermissions"))
    assert verdict is not None
    assert "calendar.readonly" in verdict.advice
