"""The normalized record: keys, time rules, all-day ends, cancellations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import jsonschema
import pytest

from tap_calinstances import normalize, record_schemas
from tap_calinstances.normalize import Attendee, Occurrence
from tests.builders import series_facts


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def timed(start: str, end: str, original: str | None = None, **extra: object) -> Occurrence:
    return Occurrence(
        instance_id="i1",
        original_start=utc(original or start),
        start=utc(start),
        end=utc(end),
        status="confirmed",
        is_exception=False,
        **extra,  # type: ignore[arg-type]
    )


def test_key_is_deterministic_and_depends_on_every_part() -> None:
    base = ("google", "cal", "series", utc("2026-01-05T14:00:00Z"))
    key = normalize.instance_key(*base)
    assert key == normalize.instance_key(*base)
    assert len(key) == 32
    variants = [
        ("microsoft", "cal", "series", base[3]),
        ("google", "cal2", "series", base[3]),
        ("google", "cal", "series2", base[3]),
        ("google", "cal", "series", utc("2026-01-05T14:00:01Z")),
    ]
    assert len({normalize.instance_key(*v) for v in variants} | {key}) == 5


def test_key_does_not_depend_on_the_offset_the_start_was_written_in() -> None:
    winter = datetime.fromisoformat("2026-01-05T09:00:00-05:00")
    assert normalize.instance_key("google", "c", "s", winter) == normalize.instance_key(
        "google", "c", "s", utc("2026-01-05T14:00:00Z")
    )


@pytest.mark.parametrize(
    ("start", "end", "zone", "local", "dates"),
    [
        (
            "2026-03-09T13:00:00Z",
            "2026-03-09T14:00:00Z",
            "America/New_York",
            ("2026-03-09T09:00:00", "2026-03-09T10:00:00"),
            ("2026-03-09", "2026-03-09"),
        ),
        (
            "2026-01-06T04:30:00Z",
            "2026-01-06T05:30:00Z",
            "America/New_York",
            ("2026-01-05T23:30:00", "2026-01-06T00:30:00"),
            ("2026-01-05", "2026-01-06"),
        ),
    ],
    ids=["edt-meeting", "crosses-local-midnight"],
)
def test_timed_occurrence_local_fields(
    start: str, end: str, zone: str, local: tuple[str, str], dates: tuple[str, str]
) -> None:
    record = normalize.instance_record(series_facts(timezone=zone), timed(start, end))
    assert (record["start_at"], record["end_at"]) == (start, end)
    assert (record["start_local"], record["end_local"]) == local
    assert (record["start_date"], record["end_date"]) == dates
    assert record["is_all_day"] is False


def test_all_day_occurrence_is_local_midnight_with_exclusive_end() -> None:
    occurrence = Occurrence(
        instance_id="i1",
        original_start=date(2026, 3, 5),
        start=date(2026, 3, 5),
        end=date(2026, 3, 6),
        status="confirmed",
        is_exception=False,
    )
    facts = series_facts(timezone="Europe/Berlin", is_all_day=True, duration=timedelta(days=1))
    record = normalize.instance_record(facts, occurrence)
    assert record["start_at"] == "2026-03-04T23:00:00Z"
    assert record["end_at"] == "2026-03-05T23:00:00Z"
    assert record["original_start_at"] == "2026-03-04T23:00:00Z"
    assert (record["start_date"], record["end_date"]) == ("2026-03-05", "2026-03-06")
    assert record["start_local"] == "2026-03-05T00:00:00"
    assert record["is_all_day"] is True


def test_occurrence_zone_alias_is_canonicalized() -> None:
    record = normalize.instance_record(
        series_facts(),
        timed("2026-03-05T04:30:00Z", "2026-03-05T05:30:00Z", timezone="Asia/Calcutta"),
    )
    assert record["timezone"] == "Asia/Kolkata"
    assert record["start_local"] == "2026-03-05T10:00:00"


def test_cancellation_carries_scheduled_times_and_series_summary() -> None:
    record = normalize.cancellation_record(
        series_facts(duration=timedelta(minutes=45)), utc("2026-03-09T13:00:00Z")
    )
    assert record["status"] == "cancelled"
    assert record["instance_id"] is None and record["raw"] is None
    assert record["start_at"] == record["original_start_at"] == "2026-03-09T13:00:00Z"
    assert record["end_at"] == "2026-03-09T13:45:00Z"
    assert record["summary"] == "Weekly sync"
    assert record["is_exception"] is False


def test_reported_and_synthesized_cancellations_share_the_key() -> None:
    facts = series_facts()
    original = utc("2026-03-09T13:00:00Z")
    reported = normalize.instance_record(
        facts,
        Occurrence("i9", original, original, original, "cancelled", is_exception=True),
    )
    synthesized = normalize.cancellation_record(facts, original)
    assert reported["instance_key"] == synthesized["instance_key"]
    assert reported["instance_id"] == "i9"
    assert reported["is_exception"] is False
    assert reported["end_at"] == synthesized["end_at"] == "2026-03-09T14:00:00Z"


def test_all_day_cancellation_ends_on_the_next_local_midnight() -> None:
    facts = series_facts(timezone="Europe/Berlin", is_all_day=True, duration=timedelta(days=1))
    record = normalize.cancellation_record(facts, utc("2026-03-29T22:00:00Z"))
    # 2026-03-30 in Berlin starts at 22:00Z (summer time began on the 29th).
    assert (record["start_date"], record["end_date"]) == ("2026-03-30", "2026-03-31")
    assert record["end_at"] == "2026-03-30T22:00:00Z"


def test_unknown_vocabulary_is_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        normalize.instance_record(
            series_facts(),
            Occurrence(
                "i",
                utc("2026-01-05T14:00:00Z"),
                utc("2026-01-05T14:00:00Z"),
                utc("2026-01-05T15:00:00Z"),
                "maybe",
                is_exception=False,
            ),
        )


def test_records_satisfy_the_shared_schema() -> None:
    schema = record_schemas.load("instance")
    attendee = Attendee("a@example.com", "A", "needs_action", is_optional=False, is_resource=False)
    record = normalize.instance_record(
        series_facts(),
        timed(
            "2026-03-09T13:00:00Z",
            "2026-03-09T14:00:00Z",
            attendees=(attendee,),
            show_as="busy",
            raw={"id": "i1"},
        ),
    )
    jsonschema.validate(record, schema)
    jsonschema.validate(
        normalize.cancellation_record(series_facts(), utc("2026-03-09T13:00:00Z")), schema
    )
    assert set(record) == set(schema["properties"])
