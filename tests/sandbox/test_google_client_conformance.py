"""Google's own client library against the sandbox: if it cannot read the sandbox, the
sandbox does not speak Google's wire format or auth, and the tap's tests prove nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import google.oauth2.credentials
import google.oauth2.service_account
import pytest
from googleapiclient.discovery import build

from tap_calinstances.sandbox import Sandbox

ALEX, ROBIN = "alex@sandbox.example", "robin@sandbox.example"
OPS = "ops#oncall@group.calendar.sandbox.example"
WINDOW = {"timeMin": "2026-01-01T00:00:00Z", "timeMax": "2026-04-01T00:00:00Z"}


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sandbox:
        yield sandbox


def calendar_service(sb: Sandbox, credentials: Any) -> Any:
    # The library takes api_endpoint as the whole base URL (rootUrl + servicePath), so it
    # is the API root with a trailing slash.
    api_root = sb.tap_config()["google"]["api_url"]
    return build(
        "calendar",
        "v3",
        credentials=credentials,
        static_discovery=True,
        client_options={"api_endpoint": api_root + "/"},
        cache_discovery=False,
    )


def user_service(sb: Sandbox) -> Any:
    g = sb.tap_config()["google"]
    credentials = google.oauth2.credentials.Credentials(
        None,
        refresh_token=g["refresh_token"],
        token_uri=g["token_url"],
        client_id=g["client_id"],
        client_secret=g["client_secret"],
    )
    return calendar_service(sb, credentials)


def all_pages(resource: Any, method: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every item, paging with the library's own `<method>_next`; also the page count."""
    request = getattr(resource, method)(**params)
    found: list[dict[str, Any]] = []
    pages = 0
    while request is not None:
        response = request.execute()
        pages += 1
        found += response.get("items", [])
        request = getattr(resource, f"{method}_next")(request, response)
    return found, pages


def series_instances(service: Any, calendar_id: str) -> dict[str, list[dict[str, Any]]]:
    events = service.events()
    listed, _ = all_pages(events, "list", calendarId=calendar_id)
    masters = [e for e in listed if "recurrence" in e and e.get("status") != "cancelled"]
    result = {}
    for master in masters:
        result[master["summary"]], _ = all_pages(
            events,
            "instances",
            calendarId=calendar_id,
            eventId=master["id"],
            showDeleted=True,
            maxResults=20,
            **WINDOW,
        )
    return result


def test_client_lists_alexs_calendars(sb: Sandbox) -> None:
    calendars, _ = all_pages(user_service(sb).calendarList(), "list")
    assert [(c["id"], c["accessRole"]) for c in calendars] == [(ALEX, "owner"), (OPS, "owner")]


def test_client_pages_through_every_series_and_sees_the_exceptions(sb: Sandbox) -> None:
    service = user_service(sb)
    alex = series_instances(service, ALEX)
    ops = series_instances(service, OPS)
    assert sorted(alex) == ["Legacy sync", "Monthly review", "Weekly sync"]
    assert len(alex["Weekly sync"]) == 13  # Mondays of Jan-Mar 2026
    assert alex["Legacy sync"] == []
    standup = {i["originalStartTime"]["dateTime"]: i for i in ops["Daily standup"]}
    assert len(standup) == 62  # weekdays from 5 Jan to 31 Mar, the cancelled one included
    assert standup["2026-02-12T09:30:00Z"]["status"] == "cancelled"
    assert standup["2026-02-10T09:30:00Z"]["start"]["dateTime"] == "2026-02-10T11:00:00Z"
    # The request went through the library's own URL building, percent-encoding and all.
    assert any("ops%23oncall%40group.calendar.sandbox.example" in r.raw_path for r in sb.requests)


def test_empty_first_page_does_not_stop_the_client(sb: Sandbox) -> None:
    events = user_service(sb).events()
    found, pages = all_pages(
        events,
        "instances",
        calendarId=ALEX,
        eventId=sb.series_id("Weekly sync"),
        maxResults=5,
        **WINDOW,
    )
    assert len(found) == 13
    assert pages == 1 + 3


def test_service_account_impersonates_robin(sb: Sandbox) -> None:
    g = sb.tap_config(google_auth="service_account")["google"]
    credentials = google.oauth2.service_account.Credentials.from_service_account_info(
        g["service_account_info"],
        scopes=["https://www.googleapis.com/auth/calendar.readonly"],
        subject=ROBIN,
    )
    service = calendar_service(sb, credentials)
    calendars, _ = all_pages(service.calendarList(), "list")
    assert [(c["id"], c["accessRole"]) for c in calendars] == [(OPS, "reader"), (ROBIN, "owner")]
    focus = series_instances(service, ROBIN)["Focus day"]
    assert [i["start"]["date"] for i in focus][:3] == ["2026-01-09", "2026-01-16", "2026-01-23"]
    assert sb.token_requests[-1].principal == ROBIN
