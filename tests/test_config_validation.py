"""Invalid configuration is caught before any request, naming the setting, never the value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tap_calinstances.tap import TapCalInstances

SECRET = "very-secret-value-123"


def config(**google: Any) -> dict[str, Any]:
    block = {"client_id": "cid-123456", "client_secret": SECRET, "refresh_token": "rt-abcdef"}
    block.update(google)
    return {
        "start_date": "2026-01-01T00:00:00Z",
        "google": {k: v for k, v in block.items() if v is not None},
    }


def test_a_good_config_has_no_problems() -> None:
    assert TapCalInstances.config_problems(config()) == []


def test_a_good_service_account_config_has_no_problems() -> None:
    key = {
        "type": "service_account",
        "client_email": "sa@p.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
    }
    cfg = config(
        client_id=None,
        client_secret=None,
        refresh_token=None,
        service_account_info=json.dumps(key),
        subjects=["a@example.com"],
    )
    assert TapCalInstances.config_problems(cfg) == []


@pytest.mark.parametrize(
    ("cfg", "names"),
    [
        ({"google": config()["google"]}, "start_date"),
        ({**config(), "start_date": "next tuesday"}, "start_date"),
        ({**config(), "end_date": "2025-12-31T00:00:00Z"}, "end_date"),
        ({**config(), "end_date": "2026-13-01"}, "end_date"),
        ({**config(), "lookahead_days": -1}, "lookahead_days"),
        ({**config(), "start_date": "2099-01-01T00:00:00Z"}, "lookahead_days"),
        ({"start_date": "2026-01-01T00:00:00Z"}, "provider"),
        (config(client_secret=None), "google.client_secret"),
        (config(refresh_token=None, client_id=None, client_secret=None), "google.refresh_token"),
        (config(service_account_info={"client_email": "x@y"}), "either refresh_token"),
        (config(subjects=["a@example.com"]), "google.subjects"),
        (config(calendar_ids=[]), "google.calendar_ids"),
        (config(calendar_ids="primary"), "google.calendar_ids"),
        (config(api_url="http://proxy.example.com/calendar/v3"), "google.api_url"),
        (config(token_url="ftp://example.com/token"), "google.token_url"),
        (config(colour="blue"), "colour"),
        (config(client_secret=12345678), "google.client_secret"),
        ({**config(), "google": None}, "google"),
    ],
    ids=[
        "missing-start",
        "unparsable-start",
        "end-before-start",
        "unparsable-end",
        "negative-lookahead",
        "start-after-lookahead",
        "no-provider",
        "missing-client-secret",
        "no-credentials",
        "two-kinds-of-credentials",
        "subjects-without-service-account",
        "empty-calendar-ids",
        "calendar-ids-not-a-list",
        "http-to-remote-host",
        "not-https",
        "unknown-key-in-block",
        "secret-of-wrong-type",
        "null-provider-block",
    ],
)
def test_each_problem_names_its_setting(cfg: dict[str, Any], names: str) -> None:
    problems = TapCalInstances.config_problems(cfg)
    assert problems, "expected a problem"
    assert any(names in p for p in problems), problems
    text = " ".join(problems)
    assert SECRET not in text and "12345678" not in text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/google/calendar/v3",
        "http://localhost:1/x",
        "http://[::1]:2/x",
        "https://proxy.example.com/calendar/v3",
    ],
    ids=["ipv4-loopback", "localhost", "ipv6-loopback", "https"],
)
def test_http_is_accepted_for_loopback_only(url: str) -> None:
    assert TapCalInstances.config_problems(config(api_url=url)) == []


def test_service_account_key_missing_fields_is_named() -> None:
    cfg = config(
        client_id=None,
        client_secret=None,
        refresh_token=None,
        service_account_info='{"type": "service_account"}',
    )
    problems = TapCalInstances.config_problems(cfg)
    assert any("google.service_account_info lacks client_email, private_key" in p for p in problems)


def test_secret_settings_are_marked_secret_in_the_schema() -> None:
    assert set(TapCalInstances.secret_settings()) == {
        "google.client_id",
        "google.client_secret",
        "google.refresh_token",
        "google.service_account_info",
        "microsoft.client_secret",
        "feishu.app_secret",
    }
