"""Builders shared by the Feishu sandbox tests: tenant tokens, requests, whole listings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from tap_calinstances.sandbox import Sandbox

PRIMARY = "feishu.cn_sandboxapp0primary@group.calendar.feishu.cn"
TEAM = "feishu.cn_platformteam0001@group.calendar.feishu.cn"
LONDON = "feishu.cn_londonoffice001@group.calendar.feishu.cn"
ROOM = "feishu.cn_roomdawn0000001@resource.calendar.feishu.cn"
EXEC = "feishu.cn_execoffice00001@group.calendar.feishu.cn"
ARCHIVED = "feishu.cn_archived2024001@group.calendar.feishu.cn"


def feishu(sb: Sandbox) -> dict[str, Any]:
    block: dict[str, Any] = sb.tap_config()["feishu"]
    return block


def token_answer(sb: Sandbox, **overrides: str) -> requests.Response:
    block = feishu(sb)
    body = {"app_id": block["app_id"], "app_secret": block["app_secret"], **overrides}
    return requests.post(
        block["api_url"] + "/auth/v3/tenant_access_token/internal", json=body, timeout=10
    )


def tenant_token(sb: Sandbox) -> str:
    answer = token_answer(sb)
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["tenant_access_token"]
    return token


def get(sb: Sandbox, path: str, token: str | None, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(feishu(sb)["api_url"] + path, headers=headers, params=params, timeout=10)


def events_path(calendar_id: str) -> str:
    return f"/calendar/v4/calendars/{quote(calendar_id, safe='')}/events"


def instances_path(sb: Sandbox, summary: str, calendar_id: str) -> str:
    return f"{events_path(calendar_id)}/{sb.series_id(summary, provider='feishu')}/instances"


def data(answer: requests.Response) -> dict[str, Any]:
    body = answer.json()
    assert (answer.status_code, body["code"], body["msg"]) == (200, 0, "success"), answer.text
    found: dict[str, Any] = body["data"]
    return found


def listing(sb: Sandbox, path: str, token: str, key: str = "items", **params: Any) -> list[Any]:
    """Every item of a listing, following page_token while has_more."""
    found: list[Any] = []
    page_token = None
    while True:
        extra: dict[str, str] = {"page_token": page_token} if page_token else {}
        page = data(get(sb, path, token, **params, **extra))
        found += page[key]
        if not page["has_more"]:
            assert "page_token" not in page
            return found
        page_token = page["page_token"]


def code(answer: requests.Response) -> tuple[int, int]:
    """(HTTP status, Feishu code) of an answer."""
    return answer.status_code, answer.json()["code"]
