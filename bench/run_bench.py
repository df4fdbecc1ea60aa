"""`make bench`: the tap's cost against the sandbox, as ratios to a baseline in the same run.

Baseline: a bare `requests` client that fetches exactly the pages the tap needs (calendar
list, event listings, every series' instances) and parses their JSON, nothing else. The
ratio tap / baseline is the tap's own overhead (normalization, validation, Singer output);
machines here are shared and noisy, so absolute seconds are printed but not judged.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import time
from typing import Any
from urllib.parse import quote

import requests

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.tap import TapCalInstances

START, END = "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"


def baseline(config: dict[str, Any]) -> tuple[int, int]:
    """Fetch every page the tap fetches; returns (requests, occurrences)."""
    google = config["google"]
    session = requests.Session()
    token = session.post(
        google["token_url"],
        data={
            "grant_type": "refresh_token",
            "client_id": google["client_id"],
            "client_secret": google["client_secret"],
            "refresh_token": google["refresh_token"],
        },
        timeout=30,
    ).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    api = google["api_url"]
    count = {"requests": 0, "items": 0}

    def pages(url: str, params: dict[str, str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = session.get(
                url, params={**params, **({"pageToken": token} if token else {})}, timeout=30
            ).json()
            count["requests"] += 1
            items += page.get("items", [])
            token = page.get("nextPageToken")
            if not token:
                return items

    for calendar in pages(f"{api}/users/me/calendarList", {"maxResults": "250"}):
        cal = quote(calendar["id"], safe="")
        events = pages(
            f"{api}/calendars/{cal}/events",
            {"singleEvents": "false", "showDeleted": "true", "maxResults": "2500"},
        )
        for master in (e for e in events if e.get("recurrence") and e.get("status") != "cancelled"):
            count["items"] += len(
                pages(
                    f"{api}/calendars/{cal}/events/{quote(master['id'], safe='')}/instances",
                    {
                        "timeMin": START.replace("Z", "+00:00"),
                        "timeMax": END.replace("Z", "+00:00"),
                        "showDeleted": "true",
                        "maxResults": "2500",
                    },
                )
            )
    return count["requests"], count["items"]


def tap(config: dict[str, Any]) -> str:
    """Run the tap in-process; returns its Singer output (counted outside the timing)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        TapCalInstances(config=config).sync_all()
    return out.getvalue()


def occurrence_records(output: str) -> int:
    messages = (json.loads(line) for line in output.splitlines() if line.startswith("{"))
    return sum(
        1 for m in messages if m.get("type") == "RECORD" and m.get("stream") == "google_instances"
    )


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=150, help="generated series")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with Sandbox(seed=11, scale=args.scale) as sandbox:
        config = sandbox.tap_config(google_auth="refresh_token", start_date=START, end_date=END)
        base_times, tap_times = [], []
        for _ in range(args.rounds):
            # Interleave the two so that machine noise hits both alike.
            seconds, (base_requests, items) = timed(baseline, config)
            base_times.append(seconds)
            sandbox.clear_requests()
            seconds, output = timed(tap, config)
            tap_times.append(seconds)
            records = occurrence_records(output)
            tap_requests = len(sandbox.requests)
    base, mine = statistics.median(base_times), statistics.median(tap_times)
    print(f"series generated: {args.scale}, rounds: {args.rounds} (medians)")
    print(f"baseline  {base:7.2f} s  {base_requests:6d} requests  {items:7d} items fetched")
    print(f"tap       {mine:7.2f} s  {tap_requests:6d} requests  {records:7d} occurrence records")
    print(f"tap / baseline time:     {mine / base:5.2f}x")
    print(f"tap / baseline requests: {tap_requests / base_requests:5.2f}x")
    print(
        f"records per second, tap / baseline items per second: "
        f"{(records / mine) / (items / base):5.2f}x"
    )


if __name__ == "__main__":
    main()
