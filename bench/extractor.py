"""The baseline: a minimal hand-written Google Calendar extractor, one thread.

    python -m bench.extractor --config CONFIG [--record DUMP] [--summary FILE]

It makes exactly the requests the tap makes (calendar lists per subject, each calendar's
events listing once, through the subject with the strongest access, then the instances of
every live recurring master) with plain `requests` and `json`, and writes each item as a
JSON line to stdout. With --record it also writes every response body to DUMP, keyed for
bench.replay.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import jwt
import requests

from bench.dump import page_key, write_page

SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ROLE_RANK = {"freeBusyReader": 1, "reader": 2, "writer": 3, "owner": 4}


def _iso(value: str) -> str:
    """`2026-01-01T00:00:00Z` → `2026-01-01T00:00:00+00:00`, as the tap sends it."""
    return value.replace("Z", "+00:00")


class Extractor:
    def __init__(self, config: dict[str, Any], out: IO[bytes], record: IO[str] | None) -> None:
        self.google = config["google"]
        self.window = (_iso(config["start_date"]), _iso(config["end_date"]))
        self.api = self.google["api_url"].rstrip("/")
        self.session = requests.Session()
        self.out = out
        self.record = record
        self.counts = {"requests": 0, "token_requests": 0, "instances": 0, "items": 0}
        # Instance listings (pages) per series that returned at least one item.
        self.instance_pages_nonempty = 0
        self.calendar_pages = 0
        self.event_pages = 0
        self.last_pages = 0  # pages of the latest listing

    def token(self, subject: str) -> str:
        key = self.google["service_account_info"]
        if isinstance(key, str):
            key = json.loads(key)
        now = int(time.time())
        claims = {
            "iss": key["client_email"],
            "scope": SCOPE,
            "aud": self.google["token_url"],
            "iat": now,
            "exp": now + 3600,
            "sub": subject,
        }
        assertion = jwt.encode(claims, key["private_key"], algorithm="RS256")
        response = self.session.post(
            self.google["token_url"],
            data={"grant_type": JWT_GRANT, "assertion": assertion},
            timeout=60,
        )
        self.counts["token_requests"] += 1
        response.raise_for_status()
        return str(response.json()["access_token"])

    def pages(
        self, subject: str, token: str, path: str, params: dict[str, str]
    ) -> list[dict[str, Any]]:
        """Every page of a listing, following nextPageToken (empty pages carry one too)."""
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        pages = 0
        for _ in range(100_000):  # a bound: no listing here has that many pages
            query = {**params, "prettyPrint": "false"}
            if page_token:
                query["pageToken"] = page_token
            response = self.session.get(
                self.api + path,
                params=query,
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            self.counts["requests"] += 1
            pages += 1
            response.raise_for_status()
            if self.record is not None:
                key = page_key(response.request.path_url, subject)
                write_page(self.record, key, response.content)
            page = json.loads(response.content)
            items += page.get("items", [])
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        self.last_pages = pages
        return items

    def emit(self, item: dict[str, Any]) -> None:
        self.out.write(json.dumps(item).encode() + b"\n")
        self.counts["items"] += 1

    def run(self) -> None:
        tokens: dict[str, str] = {}
        chosen: dict[str, tuple[int, str, dict[str, Any]]] = {}
        for subject in self.google.get("subjects") or []:
            tokens[subject] = self.token(subject)
            listing = self.pages(
                subject,
                tokens[subject],
                "/users/me/calendarList",
                {"showHidden": "true", "maxResults": "250"},
            )
            self.calendar_pages += self.last_pages
            for item in listing:
                rank = ROLE_RANK.get(str(item.get("accessRole")), 0)
                if item["id"] not in chosen or rank > chosen[item["id"]][0]:
                    chosen[item["id"]] = (rank, subject, item)
        for _, subject, calendar in chosen.values():
            self.emit(calendar)
            cal = quote(calendar["id"], safe="")
            events = self.pages(
                subject,
                tokens[subject],
                f"/calendars/{cal}/events",
                {"singleEvents": "false", "showDeleted": "true", "maxResults": "2500"},
            )
            self.event_pages += self.last_pages
            for master in events:
                if not master.get("recurrence") or master.get("status") == "cancelled":
                    continue
                self.emit(master)
                instances = self.pages(
                    subject,
                    tokens[subject],
                    f"/calendars/{cal}/events/{quote(master['id'], safe='')}/instances",
                    {
                        "timeMin": self.window[0],
                        "timeMax": self.window[1],
                        "showDeleted": "true",
                        "maxResults": "2500",
                    },
                )
                if instances:
                    self.instance_pages_nonempty += self.last_pages
                for item in instances:
                    self.emit(item)
                self.counts["instances"] += len(instances)

    def summary(self) -> dict[str, int]:
        return {
            **self.counts,
            "calendar_pages": self.calendar_pages,
            "event_pages": self.event_pages,
            "instance_pages_nonempty": self.instance_pages_nonempty,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extractor")
    parser.add_argument("--config", required=True)
    parser.add_argument("--record", default=None, help="write every response body here")
    parser.add_argument("--summary", default=None, help="write the counts here (JSON)")
    args = parser.parse_args(argv)
    config = json.loads(Path(args.config).read_text())
    record = open(args.record, "w", encoding="utf-8") if args.record else None  # noqa: SIM115
    try:
        extractor = Extractor(config, sys.stdout.buffer, record)
        extractor.run()
    finally:
        if record is not None:
            record.close()
    sys.stdout.buffer.flush()
    if args.summary:
        Path(args.summary).write_text(json.dumps(extractor.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
