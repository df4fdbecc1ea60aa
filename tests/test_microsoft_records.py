"""Graph items -> records, without any server: Graph's time shapes, zones and vocabulary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers.microsoft import records


def facts(**changes: Any) -> SeriesFacts:
    values: dict[str, Any] = {
        "provider": "microsoft",
        "calendar_id": "AAMkCal",
        "series_id": "AAMkMaster",
        "owner_id": "alex@contoso.example",
        "timezone": "America/Los_Angeles",
        "summary": "Sync",
        "is_all_day": False,
        "duration": timedelta(hours=1),
    }
    values.update(changes)
    return SeriesFacts(**values)


def occurrence(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@odata.etag": 'W/"DwAAABYAAAB"',
        "id": "AAMkOcc1",
        "type": "occurrence",
        "seriesMasterId": "AAMkMaster",
        "subject": "Sync",
        "bodyPreview": "",
        "originalStart": "2026-03-09T16:00:00Z",
        "originalStartTimeZone": "Pacific Standard Time",
        "occurrenceId": "OID.AAMkMaster.2026-03-09",
        "start": {"dateTime": "2026-03-09T16:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-09T17:00:00.0000000", "timeZone": "UTC"},
        "isAllDay": False,
        "isCancelled": False,
        "showAs": "workingElsewhere",
        "lastModifiedDateTime": "2026-01-02T10:00:00.1234567Z",
        "iCalUId": "040000008200E00074C5B7101A82E00807EA0309",
        "webLink": "https://outlook.office365.com/owa/?itemid=AAMkOcc1",
        "location": {"displayName": ""},
        "organizer": {"emailAddress": {"name": "Alex", "address": "alex@contoso.example"}},
        "attendees": [
            {"type": "required", "status": {"response": "tentativelyAccepted"},
             "emailAddress": {"name": "Robin", "address": "robin@contoso.example"}},
            {"type": "optional", "status": {"response": "none"},
             "emailAddress": {"name": "Sam", "address": "sam@contoso.example"}},
            {"type": "resource", "status": {"response": "accepted"},
             "emailAddress": {"name": "Room", "address": "room@contoso.example"}},
        ],
    }  # fmt: skip
    item.update(changes)
    return item


def test_an_occurrence_after_the_us_dst_change() -> None:
    record = records.instance_record(occurrence(), facts())
    assert (record["start_at"], record["end_at"]) == (
        "2026-03-09T16:00:00Z",
        "2026-03-09T17:00:00Z",
    )
    assert (record["start_local"], record["timezone"]) == (
        "2026-03-09T09:00:00",
        "America/Los_Angeles",
    )
    assert record["original_start_at"] == "2026-03-09T16:00:00Z"
    assert record["updated_at"] == "2026-01-02T10:00:00Z"
    assert (record["status"], record["is_exception"], record["show_as"]) == (
        "confirmed", False, "working_elsewhere",
    )  # fmt: skip
    assert record["location"] is None and record["description"] is None
    assert [(a["email"], a["response_status"], a["is_optional"], a["is_resource"])
            for a in record["attendees"]] == [
        ("robin@contoso.example", "tentative", False, False),
        ("sam@contoso.example", "needs_action", True, False),
        ("room@contoso.example", "accepted", False, True),
    ]  # fmt: skip
    assert record["etag"] == 'W/"DwAAABYAAAB"'


def test_a_moved_exception_keeps_its_original_start_and_key() -> None:
    moved = occurrence(
        type="exception",
        start={"dateTime": "2026-03-10T18:00:00.0000000", "timeZone": "UTC"},
        end={"dateTime": "2026-03-10T19:00:00.0000000", "timeZone": "UTC"},
    )
    plain = records.instance_record(occurrence(), facts())
    record = records.instance_record(moved, facts())
    assert record["is_exception"] is True
    assert record["instance_key"] == plain["instance_key"]
    assert record["start_at"] == "2026-03-10T18:00:00Z"


def test_without_original_start_the_occurrence_id_gives_the_date() -> None:
    item = occurrence()
    del item["originalStart"]
    assert records.instance_record(item, facts())["original_start_at"] == "2026-03-09T16:00:00Z"


def test_a_cancelled_occurrence_carries_the_scheduled_times() -> None:
    record = records.instance_record(occurrence(isCancelled=True), facts())
    assert (record["status"], record["start_at"], record["end_at"]) == (
        "cancelled", "2026-03-09T16:00:00Z", "2026-03-09T17:00:00Z",
    )  # fmt: skip


def test_an_all_day_occurrence_has_local_dates_and_an_exclusive_end() -> None:
    item = occurrence(
        isAllDay=True,
        originalStart="2026-07-03T07:00:00Z",
        start={"dateTime": "2026-07-03T00:00:00.0000000", "timeZone": "UTC"},
        end={"dateTime": "2026-07-04T00:00:00.0000000", "timeZone": "UTC"},
    )
    record = records.instance_record(item, facts(is_all_day=True, duration=timedelta(days=1)))
    assert (record["start_date"], record["end_date"]) == ("2026-07-03", "2026-07-04")
    assert (record["start_at"], record["original_start_at"]) == (
        "2026-07-03T07:00:00Z", "2026-07-03T07:00:00Z",
    )  # fmt: skip
    assert record["is_all_day"] is True
