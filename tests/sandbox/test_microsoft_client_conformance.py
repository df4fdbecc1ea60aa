# The SDK's models make every field optional; a missing one fails these tests anyway.
# mypy: disable-error-code="union-attr"
"""Microsoft's own Graph SDK (msgraph-sdk, on Kiota) against the sandbox: if it cannot read
the sandbox into its models, the sandbox does not speak Graph's wire format."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken, TokenCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.event import Event
from msgraph.generated.users.item.calendars.item.events.item.instances.instances_request_builder import (  # noqa: E501
    InstancesRequestBuilder,
)
from msgraph_core.tasks.page_iterator import PageIterator

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.sandbox.microsoft.dataset import MEGAN_CALENDAR
from tests.sandbox.graph import GRAPH_SCOPE, MEGAN, app_token, graph

SELECT = ["subject", "start", "end", "type", "originalStart", "occurrenceId", "isCancelled",
          "seriesMasterId"]  # fmt: skip


class StaticToken(TokenCredential):
    """The sandbox's app token, handed to the SDK as Azure credentials."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, int(time.time()) + 3600)


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=7, page_size=4) as sandbox:
        yield sandbox


def client_for(sb: Sandbox) -> GraphServiceClient:
    client = GraphServiceClient(credentials=StaticToken(app_token(sb)), scopes=[GRAPH_SCOPE])
    client.request_adapter.base_url = graph(sb)["api_url"]
    return client


async def every(client: GraphServiceClient, first: Any, prefer: str | None = None) -> list[Any]:
    """Every item, paging with the SDK's own PageIterator. Next links carry the query but
    not the headers: Prefer must be sent again with every page."""
    found: list[Any] = []
    iterator = PageIterator(first, client.request_adapter)
    if prefer:
        iterator.headers.add("Prefer", prefer)  # set_headers() breaks on any header

    def keep(item: Any) -> bool:
        found.append(item)
        return True

    await iterator.iterate(keep)
    return found


async def read_everything(sb: Sandbox) -> dict[str, Any]:
    client = client_for(sb)
    users = await every(client, await client.users.get())
    megan = client.users.by_user_id(MEGAN)
    calendars = await every(client, await megan.calendars.get())
    calendar = megan.calendars.by_calendar_id(sb.graph_calendar_id(MEGAN_CALENDAR))
    events = await every(client, await calendar.events.get())
    master = next(e for e in events if e.subject == "Weekly planning")
    query = InstancesRequestBuilder.InstancesRequestBuilderGetQueryParameters(
        start_date_time="2026-03-01T00:00:00", end_date_time="2026-04-15T00:00:00", select=SELECT
    )
    config = RequestConfiguration(query_parameters=query)
    prefer = 'outlook.timezone="Pacific Standard Time"'
    config.headers.add("Prefer", prefer)
    first = await calendar.events.by_event_id(master.id).instances.get(request_configuration=config)
    instances = await every(client, first, prefer)
    return {"users": users, "calendars": calendars, "events": events, "instances": instances}


def test_the_sdk_lists_users_calendars_events_and_instances(sb: Sandbox) -> None:
    read = asyncio.run(read_everything(sb))
    assert [u.user_principal_name for u in read["users"]] == [
        "adele.vance@contoso.sandbox.example",
        "megan.bowen@contoso.sandbox.example",
        "svc-reports@contoso.sandbox.example",
    ]
    assert [(c.name, c.is_default_calendar) for c in read["calendars"]] == [
        ("Calendar", True), ("Team planning", False), ("Birthdays", False),
    ]  # fmt: skip
    assert [(e.subject, e.type.value) for e in read["events"]] == [
        ("Weekly planning", "seriesMaster"),
        ("Founders day", "seriesMaster"),
        ("Lunch with Adele", "singleInstance"),
    ]


def test_the_sdk_parses_masters_without_loss(sb: Sandbox) -> None:
    master: Event = asyncio.run(read_everything(sb))["events"][0]
    assert master.recurrence is not None and master.recurrence.pattern is not None
    assert [d.value for d in master.recurrence.pattern.days_of_week or []] == ["tuesday"]
    assert master.recurrence.pattern.type.value == "weekly"
    assert master.recurrence.range.type.value == "noEnd"
    assert master.recurrence.range.recurrence_time_zone == "Pacific Standard Time"
    assert master.original_start_time_zone == "Pacific Standard Time"
    assert master.start.date_time == "2026-01-06T17:00:00.0000000"
    assert [a.status.response.value for a in master.attendees] == ["organizer", "accepted", "none"]
    # v1.0's models have no occurrenceId or uid (beta has): the SDK keeps them, with the
    # etag, in additional_data rather than dropping them.
    assert master.additional_data == {
        "@odata.etag": master.additional_data["@odata.etag"],
        "occurrenceId": None,
        "uid": "040000008200E00074C5B7101A82E008000000004BD6F6668B7E26DBD5AF017A3F93265D36E3742D"
        "78069469",
    }
    assert master.additional_data["@odata.etag"].startswith('W/"')


def test_the_sdk_pages_instances_with_prefer_and_select(sb: Sandbox) -> None:
    instances: list[Event] = asyncio.run(read_everything(sb))["instances"]
    seen = [
        (i.start.date_time, i.start.time_zone, i.type.value, i.is_cancelled,
         i.original_start.isoformat(), i.additional_data["occurrenceId"].rsplit(".", 1)[-1])
        for i in instances
    ]  # fmt: skip
    assert seen == [
        ("2026-03-03T09:00:00.0000000", "Pacific Standard Time", "occurrence", False,
         "2026-03-03T17:00:00+00:00", "2026-03-03"),
        ("2026-03-10T13:00:00.0000000", "Pacific Standard Time", "exception", False,
         "2026-03-10T16:00:00+00:00", "2026-03-10"),
        ("2026-03-24T09:00:00.0000000", "Pacific Standard Time", "occurrence", False,
         "2026-03-24T16:00:00+00:00", "2026-03-24"),
        ("2026-03-31T09:00:00.0000000", "Pacific Standard Time", "occurrence", False,
         "2026-03-31T16:00:00+00:00", "2026-03-31"),
        ("2026-04-07T09:00:00.0000000", "Pacific Standard Time", "exception", True,
         "2026-04-07T16:00:00+00:00", "2026-04-07"),
        ("2026-04-14T09:00:00.0000000", "Pacific Standard Time", "occurrence", False,
         "2026-04-14T16:00:00+00:00", "2026-04-14"),
    ]  # fmt: skip
    assert {i.series_master_id for i in instances} == {sb.graph_event_id("Weekly planning")}
    assert {key for i in instances for key in i.additional_data} == {"@odata.etag", "occurrenceId"}


def test_the_sdks_page_iterator_stops_at_an_empty_page() -> None:
    """What the empty_first_pages switch is for: PageIterator gives up on an empty page
    that still has a next link, so a client built on it must follow links itself."""

    async def run(sb: Sandbox) -> tuple[int, int]:
        client = client_for(sb)
        calendar = client.users.by_user_id(MEGAN).calendars.by_calendar_id(
            sb.graph_calendar_id(MEGAN_CALENDAR)
        )
        first = await calendar.events.get()
        assert first is not None and first.value == [] and first.odata_next_link
        by_iterator = len(await every(client, first))
        by_links = 0
        page_or_none: Any = first
        while page_or_none is not None and page_or_none.odata_next_link:
            page_or_none = await calendar.events.with_url(page_or_none.odata_next_link).get()
            by_links += len(page_or_none.value or []) if page_or_none else 0
        return by_iterator, by_links

    with Sandbox(seed=7, empty_first_pages=True) as sandbox:
        assert asyncio.run(run(sandbox)) == (0, 3)
