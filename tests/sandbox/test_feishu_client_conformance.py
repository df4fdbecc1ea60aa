"""The official Feishu/Lark SDK (lark-oapi) works against the sandbox unchanged: it takes an
origin as its domain and appends `/open-apis/...`, fetches a tenant token, and parses the
calendar v4 answers into its own models."""

from __future__ import annotations

from typing import Any

import lark_oapi as lark
from lark_oapi.api.calendar.v4 import (
    InstancesCalendarEventRequest,
    ListCalendarEventRequest,
    ListCalendarRequest,
)
from lark_oapi.core.cache import ICache

from tap_calinstances.sandbox import Sandbox
from tests.sandbox.feishu_helpers import LONDON, PRIMARY, TEAM


class _Cache(ICache):
    """A token cache of this client alone: the SDK's default one is process-wide and keyed
    by app id, and every sandbox of a seed has the same app id."""

    def __init__(self) -> None:
        self._items: dict[str, str] = {}

    def get(self, key: str) -> str:
        return self._items.get(key, "")

    def set(self, key: str, value: str, expire: int) -> None:
        self._items[key] = value


def client(sb: Sandbox) -> Any:
    block = sb.tap_config()["feishu"]
    assert block["api_url"] == sb.url + "/open-apis"
    return (
        lark.Client.builder()
        .app_id(block["app_id"])
        .app_secret(block["app_secret"])
        .domain(sb.url)
        .cache(_Cache())
        .log_level(lark.LogLevel.ERROR)
        .build()
    )


def test_sdk_lists_calendars_with_a_tenant_token(sb: Sandbox) -> None:
    response = client(sb).calendar.v4.calendar.list(
        ListCalendarRequest.builder().page_size(50).build()
    )
    assert response.success(), response.msg
    calendars = response.data.calendar_list
    assert [(c.calendar_id, c.type, c.role) for c in calendars[:3]] == [
        (PRIMARY, "primary", "owner"),
        (TEAM, "shared", "writer"),
        (LONDON, "shared", "reader"),
    ]
    assert calendars[-1].is_deleted is True
    assert response.data.sync_token
    assert [r.path for r in sb.token_requests] == [
        "/open-apis/auth/v3/tenant_access_token/internal"
    ]


def test_sdk_pages_through_events_and_reads_masters(sb: Sandbox) -> None:
    sb.set_limits(page_size=2)
    api = client(sb).calendar.v4.calendar_event
    found, page_token = [], None
    while True:
        builder = ListCalendarEventRequest.builder().calendar_id(PRIMARY).page_size(50)
        if page_token:
            builder = builder.page_token(page_token)
        response = api.list(builder.build())
        assert response.success(), response.msg
        found += response.data.items
        if not response.data.has_more:
            break
        page_token = response.data.page_token
    assert response.data.sync_token
    master = found[0]
    assert (master.summary, master.recurrence, master.is_exception) == (
        "Weekly sync",
        "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO",
        False,
    )
    assert (master.start_time.timestamp, master.start_time.timezone) == (
        "1767578400",
        "Asia/Shanghai",
    )
    assert found[1].recurring_event_id == master.event_id
    assert len(found) == 5


def test_sdk_pages_through_instances_of_a_series(sb: Sandbox) -> None:
    api = client(sb).calendar.v4.calendar_event
    series_id = sb.series_id("London standup", provider="feishu")
    found, page_token = [], None
    while True:
        builder = (
            InstancesCalendarEventRequest.builder()
            .calendar_id(LONDON)
            .event_id(series_id)
            .start_time("1772323200")  # 2026-03-01
            .end_time("1776211200")  # 2026-04-15
            .page_size(10)
        )
        if page_token:
            builder = builder.page_token(page_token)
        response = api.instances(builder.build())
        assert response.success(), response.msg
        found += response.data.items
        if not response.data.has_more:
            break
        page_token = response.data.page_token
    assert [i.start_time.timestamp for i in found] == [
        "1772530200", "1773135000", "1773739800", "1774344600", "1775550600", "1776155400",
    ]  # fmt: skip
    assert found[0].event_id == series_id.removesuffix("_0") + "_1772530200"
    # Sam owns the London office calendar and has not answered Lin's invitation.
    assert {i.status for i in found} == {"tentative"}
    assert [(a.user_id, a.rsvp_status) for a in found[0].attendees] == [
        ("ou_lin", "accept"),
        ("ou_sam", "needs_action"),
    ]


def test_sdk_sees_feishu_errors_as_failures(sb: Sandbox) -> None:
    response = client(sb).calendar.v4.calendar_event.instances(
        InstancesCalendarEventRequest.builder()
        .calendar_id(TEAM)
        .event_id(sb.series_id("Daily check-in", provider="feishu"))
        .start_time("1735689600")
        .end_time("1861920000")
        .build()
    )
    assert not response.success()
    assert response.code == 190002
