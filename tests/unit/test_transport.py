"""What comes off the network is read into values or refused: back-off hints, token
lifetimes, URLs the tap may call."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tap_calinstances import transport
from tap_calinstances.auth import lifetime_seconds


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("2.128", 2.128),
        ("0", 0.0),
        ("120", 120.0),
        ("99999", 3600.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("NaN", None),
        ("inf", None),
        ("-1", None),
        ("soon", None),
        ("", None),
        (None, None),
    ],
    ids=["fractional", "zero", "whole", "capped-at-an-hour", "http-date-past", "nan", "inf",
         "negative", "word", "empty", "absent"],
)  # fmt: skip
def test_back_off_hints(header: str | None, seconds: float | None) -> None:
    assert transport.seconds(header) == seconds


@pytest.mark.parametrize(
    ("value", "lifetime"),
    [(3599, 3599), ("3599", 3599), (2.5, 2), (None, None)],
    ids=["number", "digits-azure-v1", "fraction", "absent"],
)
def test_token_lifetimes(value: Any, lifetime: int | None) -> None:
    assert lifetime_seconds(value) == lifetime


@pytest.mark.parametrize(
    "value",
    [True, "soon", "", 0, -5, float("nan"), float("inf"), 1e30, [3600], {"s": 1}],
    ids=["bool", "word", "empty", "zero", "negative", "nan", "inf", "huge", "list", "object"],
)
def test_token_lifetimes_that_are_refused(value: Any) -> None:
    with pytest.raises(ValueError, match=r"a boolean|not a number|out of range"):
        lifetime_seconds(value)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://graph.microsoft.com/v1.0", True),
        ("http://127.0.0.1:8765/google/token", True),
        ("http://localhost/open-apis", True),
        ("http://[::1]:9/x", True),
        ("http://graph.microsoft.com/v1.0", False),
        ("https:///no-host", False),
        ("ftp://127.0.0.1/x", False),
        ("//example.com/x", False),
    ],
)
def test_only_https_or_loopback_http_is_called(url: str, allowed: bool) -> None:
    assert transport.allowed(url) is allowed


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (requests.exceptions.SSLError("bad certificate"), None),
        (requests.exceptions.InvalidURL("no host"), "check google.api_url"),
        (requests.exceptions.InvalidHeader("bad header"), "check google.api_url"),
        (requests.exceptions.ConnectionError("refused"), None),
        (requests.exceptions.ReadTimeout("stalled"), None),
        (requests.exceptions.ChunkedEncodingError("cut"), None),
        (ConnectionResetError("reset"), None),
    ],
    ids=["tls", "invalid-url", "invalid-header", "refused", "stalled", "cut-body", "reset"],
)
def test_which_sending_failures_no_retry_can_fix(error: BaseException, said: str | None) -> None:
    problem = transport.for_good(error, "google.api_url")
    assert problem is None if said is None else said in (problem or "")
