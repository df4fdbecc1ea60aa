"""The contract's scope rule is the tap's own: what the provider returns at the edges of the
window is filtered, whatever the provider's own rule."""

from __future__ import annotations

from typing import Any

import requests

from tap_calinstances.sandbox import Sandbox
from tests.harness import run_tap

ALEX = "alex@sandbox.example"
# Weekly sync on Monday 2026-03-02 runs 09:00-10:00 New York, 14:00-15:00Z.
ENDS_AT_WINDOW_START = "2026-03-02T15:00:00Z"


def sandbox_instances(sandbox: Sandbox, config: dict[str, Any], **params: str) -> list[str]:
    """What the sandbox itself returns: the original starts of the Weekly sync it lists."""
    google = config["google"]
    token = requests.post(
        google["token_url"],
        data={
            "grant_type": "refresh_token",
            "client_id": google["client_id"],
            "client_secret": google["client_secret"],
            "refresh_token": google["refresh_token"],
        },
        timeout=10,
    ).json()["access_token"]
    series_id = sandbox.series_id("Weekly sync")
    items: list[str] = []
    page: str | None = ""
    while page is not None:
        body = requests.get(
            f"{google['api_url']}/calendars/{ALEX}/events/{series_id}/instances",
            params={**params, **({"pageToken": page} if page else {})},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ).json()
        items += [i["originalStartTime"]["dateTime"] for i in body.get("items", [])]
        page = body.get("nextPageToken")
    return items


def test_an_occurrence_ending_exactly_at_the_window_start_is_dropped(
    clean_sandbox: Sandbox,
) -> None:
    config = clean_sandbox.tap_config(
        providers=["google"], start_date=ENDS_AT_WINDOW_START, end_date="2026-03-17T00:00:00Z"
    )
    # Google's timeMin bounds the end inclusively: the sandbox does return it...
    returned = sandbox_instances(
        clean_sandbox, config, timeMin=ENDS_AT_WINDOW_START, timeMax="2026-03-17T00:00:00Z"
    )
    assert returned[0] == "2026-03-02T09:00:00-05:00"
    # ... and the tap, whose rule is "ends after the window start", drops it.
    run = run_tap(config)
    weekly = sorted(
        r["original_start_at"]
        for r in run.records("google_instances")
        if r["series_id"] == clean_sandbox.series_id("Weekly sync")
    )
    assert weekly == ["2026-03-09T13:00:00Z", "2026-03-16T13:00:00Z"]


def test_an_occurrence_one_second_inside_the_window_is_kept(clean_sandbox: Sandbox) -> None:
    config = clean_sandbox.tap_config(
        providers=["google"], start_date="2026-03-02T14:59:59Z", end_date="2026-03-09T13:00:00Z"
    )
    run = run_tap(config)
    weekly = [
        r["original_start_at"]
        for r in run.records("google_instances")
        if r["series_id"] == clean_sandbox.series_id("Weekly sync")
    ]
    # The window end is exclusive: the occurrence starting exactly at it is out.
    assert weekly == ["2026-03-02T14:00:00Z"]
