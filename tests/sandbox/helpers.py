"""Builders shared by the sandbox tests: tokens, requests, listings followed to the end."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import jwt
import requests

from tap_calinstances.sandbox import Sandbox

ALEX, ROBIN = "alex@sandbox.example", "robin@sandbox.example"
OPS = "ops#oncall@group.calendar.sandbox.example"
READONLY = "https://www.googleapis.com/auth/calendar.readonly"


def google(sb: Sandbox, auth: str = "refresh_token") -> dict[str, Any]:
    block: dict[str, Any] = sb.tap_config(google_auth=auth)["google"]
    return block


def user_token(sb: Sandbox) -> str:
    g = google(sb)
    answer = requests.post(
        g["token_url"],
        data={
            "grant_type": "refresh_token",
            "client_id": g["client_id"],
            "client_secret": g["client_secret"],
            "refresh_token": g["refresh_token"],
        },
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def assertion(sb: Sandbox, *, sub: str | None = None, key: str | None = None, **claims: Any) -> str:
    info = google(sb, "service_account")["service_account_info"]
    now = int(time.time())
    payload = {
        "iss": info["client_email"],
        "scope": READONLY,
        "aud": info["token_uri"],
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    if sub is not None:
        payload["sub"] = sub
    return jwt.encode(payload, key or info["private_key"], algorithm="RS256")


def jwt_grant(sb: Sandbox, signed: str) -> requests.Response:
    return requests.post(
        google(sb)["token_url"],
        timeout=10,
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": signed},
    )


def get(sb: Sandbox, path: str, token: str | None, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(google(sb)["api_url"] + path, headers=headers, params=params, timeout=10)


def items(sb: Sandbox, path: str, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a listing, following nextPageToken to the end."""
    found: list[dict[str, Any]] = []
    page_token = None
    while True:
        answer = get(sb, path, token, **params, **({"pageToken": page_token} if page_token else {}))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found += body["items"]
        page_token = body.get("nextPageToken")
        if not page_token:
            return found


def events_path(calendar_id: str) -> str:
    return f"/calendars/{quote(calendar_id, safe='')}/events"


def instances_path(sb: Sandbox, summary: str, calendar_id: str = ALEX) -> str:
    return f"{events_path(calendar_id)}/{sb.series_id(summary)}/instances"


def reason(answer: requests.Response) -> str:
    detail: str = answer.json()["error"]["errors"][0]["reason"]
    return detail


def sync_token_of(sb: Sandbox, token: str, calendar_id: str = ALEX) -> str:
    page = get(sb, events_path(calendar_id), token).json()
    while "nextPageToken" in page:
        page = get(sb, events_path(calendar_id), token, pageToken=page["nextPageToken"]).json()
    sync: str = page["nextSyncToken"]
    return sync


def subject_token(sb: Sandbox, subject: str) -> str:
    """An access token of the service account impersonating `subject`."""
    answer = jwt_grant(sb, assertion(sb, sub=subject))
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token
