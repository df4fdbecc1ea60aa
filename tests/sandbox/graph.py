"""Builders shared by the Graph sandbox tests: app tokens, requests, listings followed to
the end through `@odata.nextLink`."""

from __future__ import annotations

from typing import Any

import requests

from tap_calinstances.sandbox import Sandbox

MEGAN = "megan.bowen@contoso.sandbox.example"
ADELE = "adele.vance@contoso.sandbox.example"
NO_MAILBOX = "svc-reports@contoso.sandbox.example"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def graph(sb: Sandbox) -> dict[str, Any]:
    block: dict[str, Any] = sb.tap_config(providers=["microsoft"])["microsoft"]
    return block


def token_answer(sb: Sandbox, **form: str) -> requests.Response:
    m = graph(sb)
    data = {
        "client_id": m["client_id"],
        "client_secret": m["client_secret"],
        "grant_type": "client_credentials",
        "scope": GRAPH_SCOPE,
        **form,
    }
    return requests.post(m["token_url"], data=data, timeout=10)


def app_token(sb: Sandbox) -> str:
    answer = token_answer(sb)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def get(
    sb: Sandbox, path: str, token: str | None, *, prefer: Any = None, **params: Any
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if prefer:
        headers["Prefer"] = prefer
    url = path if path.startswith("http") else graph(sb)["api_url"] + path
    return requests.get(url, headers=headers, params=params or None, timeout=10)


def values(
    sb: Sandbox, path: str, token: str, *, prefer: Any = None, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a listing, following @odata.nextLink (as given) to the end."""
    found: list[dict[str, Any]] = []
    answer = get(sb, path, token, prefer=prefer, **params)
    while True:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found += body["value"]
        link = body.get("@odata.nextLink")
        if not link:
            return found
        answer = get(sb, link, token, prefer=prefer)


def code(answer: requests.Response) -> str:
    found: str = answer.json()["error"]["code"]
    return found


def calendar_path(sb: Sandbox, user: str, calendar_id: str) -> str:
    return f"/users/{user}/calendars/{sb.graph_calendar_id(calendar_id)}"


def instances_path(sb: Sandbox, user: str, calendar_id: str, summary: str) -> str:
    event = sb.graph_event_id(summary, calendar_id)
    return f"{calendar_path(sb, user, calendar_id)}/events/{event}/instances"
