"""Builders for provider items, so tests state only what matters to them."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers.google.records import CalendarFacts


def google_calendar(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": "calendar#calendarListEntry",
        "id": "team@group.calendar.example",
        "summary": "Team",
        "timeZone": "America/New_York",
        "accessRole": "owner",
    }
    item.update(overrides)
    return item


def google_master(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "abc123",
        "status": "confirmed",
        "summary": "Weekly sync",
        "updated": "2026-01-02T10:00:00.000Z",
        "start": {"dateTime": "2026-01-05T09:00:00-05:00", "timeZone": "America/New_York"},
        "end": {"dateTime": "2026-01-05T10:00:00-05:00", "timeZone": "America/New_York"},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO"],
    }
    item.update(overrides)
    return item


def google_instance(original: str, **overrides: Any) -> dict[str, Any]:
    """An occurrence scheduled at ``original`` (RFC 3339 with offset) and not moved."""
    item: dict[str, Any] = {
        "id": "abc123_20260105T140000Z",
        "status": "confirmed",
        "recurringEventId": "abc123",
        "originalStartTime": {"dateTime": original, "timeZone": "America/New_York"},
        "start": {"dateTime": original, "timeZone": "America/New_York"},
        "end": {"dateTime": original.replace("T09:", "T10:"), "timeZone": "America/New_York"},
        "summary": "Weekly sync",
        "iCalUID": "abc123@google.com",
        "etag": '"3412"',
        "updated": "2026-01-02T10:00:00.000Z",
        "htmlLink": "https://www.google.com/calendar/event?eid=x",
    }
    item.update(overrides)
    return item


def calendar_facts(zone: str = "America/New_York") -> CalendarFacts:
    return CalendarFacts("team@group.calendar.example", zone, "owner@example.com")


def series_facts(**overrides: Any) -> SeriesFacts:
    values: dict[str, Any] = {
        "provider": "google",
        "calendar_id": "team@group.calendar.example",
        "series_id": "abc123",
        "owner_id": "owner@example.com",
        "timezone": "America/New_York",
        "summary": "Weekly sync",
        "is_all_day": False,
        "duration": timedelta(hours=1),
    }
    values.update(overrides)
    return SeriesFacts(**values)


# -- configurations, each URL at a base of the test's choosing ---------------------------------

GOOGLE_CLIENT_ID = "1234567890-abcdef.apps.googleusercontent.com"
# '/', '+' and '=' make each secret's URL-encoded and JSON-escaped forms differ from it.
GOOGLE_SECRET = "GOCSPX-go/secret+value="
REFRESH_TOKEN = "1//0gRefresh+Token/xyz"
GRAPH_SECRET = "graph~Secret/Value+42="
FEISHU_SECRET = "feishu/app+secret=99"
SECRETS = (GOOGLE_CLIENT_ID, GOOGLE_SECRET, REFRESH_TOKEN, GRAPH_SECRET, FEISHU_SECRET)
SUBJECT = "alex@sandbox.example"
PRIVATE_KEY_ID = "0123456789abcdef0123456789abcdef01234567"


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


@functools.cache
def rsa_pem() -> str:
    """A service account's private key (made once per test process: it takes ~100 ms)."""
    return _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@functools.cache
def ec_pem() -> str:
    """A private key Google's RS256 cannot sign with."""
    return _pem(ec.generate_private_key(ec.SECP256R1()))


def service_account_key(**overrides: Any) -> dict[str, Any]:
    """The fields of a key downloaded from Google Cloud's console."""
    key: dict[str, Any] = {
        "type": "service_account",
        "project_id": "sandbox",
        "private_key_id": PRIVATE_KEY_ID,
        "private_key": rsa_pem(),
        "client_email": "tap@sandbox.iam.gserviceaccount.com",
        "client_id": "109876543210987654321",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "universe_domain": "googleapis.com",
    }
    key.update(overrides)
    return key


def provider_blocks(base: str) -> dict[str, dict[str, Any]]:
    """A valid block per provider (two for Google: its two grants), every URL at ``base``."""
    return {
        "google": {
            "client_id": GOOGLE_CLIENT_ID,
            "client_secret": GOOGLE_SECRET,
            "refresh_token": REFRESH_TOKEN,
            "api_url": f"{base}/calendar/v3",
            "token_url": f"{base}/token",
        },
        "google_sa": {
            "service_account_info": service_account_key(),
            "subjects": [SUBJECT],
            "api_url": f"{base}/calendar/v3",
            "token_url": f"{base}/token",
        },
        "microsoft": {
            "tenant_id": "contoso-tenant",
            "client_id": "11111111-2222-3333-4444-555555555555",
            "client_secret": GRAPH_SECRET,
            "api_url": f"{base}/v1.0",
            "token_url": f"{base}/oauth2/v2.0/token",
        },
        "feishu": {
            "app_id": "cli_a1b2c3d4e5",
            "app_secret": FEISHU_SECRET,
            "api_url": f"{base}/open-apis",
        },
    }


def good_config(block: str, base: str) -> dict[str, Any]:
    """2026 as the window and one block of :func:`provider_blocks` (``google_sa`` is the
    ``google`` block with a service account)."""
    return {
        "start_date": "2026-01-01T00:00:00Z",
        "end_date": "2027-01-01T00:00:00Z",
        block.removesuffix("_sa"): provider_blocks(base)[block],
    }
