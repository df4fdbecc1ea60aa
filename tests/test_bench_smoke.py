"""The bench's replay server answers recorded pages by key and names what it never saw."""

from __future__ import annotations

import json

import jwt
import pytest
import requests

from bench.dump import page_key, write_page
from bench.procs import ReplayProcess


def test_page_key_ignores_query_order_and_percent_encoding():
    assert page_key("/calendars/a%40b/events?b=2&a=1", "x@y") == "/calendars/a@b/events?a=1&b=2"


def test_page_key_of_users_me_names_the_principal():
    assert page_key("/users/me/calendarList?x=1", "x@y") == "x@y /users/me/calendarList?x=1"


@pytest.fixture
def replay(tmp_path):
    dump = tmp_path / "dump.jsonl"
    with dump.open("w") as handle:
        write_page(handle, page_key("/api/users/me/calendarList?a=1", "u@x"), b'{"items": []}')
        write_page(handle, page_key("/api/calendars/c%23d/events?b=2&a=1", None), b'{"n": 1}')
    with ReplayProcess(dump, tmp_path / "replay.log") as server:
        yield server


def test_replay_serves_recorded_pages_to_the_principal_of_the_token(replay):
    assertion = jwt.encode({"sub": "u@x"}, "k" * 32, algorithm="HS256")
    answer = requests.post(f"{replay.base}/token", data={"assertion": assertion}, timeout=10)
    token = answer.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    mine = requests.get(f"{replay.base}/api/users/me/calendarList?a=1", headers=headers, timeout=10)
    shared = requests.get(f"{replay.base}/api/calendars/c%23d/events?a=1&b=2", timeout=10)
    assert (mine.json(), shared.json(), replay.misses()) == ({"items": []}, {"n": 1}, [])


def test_replay_names_every_url_it_never_recorded(replay):
    missing = requests.get(f"{replay.base}/api/calendars/other/events", timeout=10)
    assert (missing.status_code, replay.misses()) == (404, ["/api/calendars/other/events"])
    assert json.loads(missing.text)["error"].endswith("/api/calendars/other/events")
