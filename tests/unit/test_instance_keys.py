"""instance_key values are a promise to every warehouse that merges on them: literal keys,
computed once when the format was fixed, that must never change between releases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tap_calinstances import normalize
from tap_calinstances.normalize import SeriesFacts
from tests.harness import TapRun


@pytest.mark.parametrize(
    ("provider", "calendar_id", "series_id", "original_start", "key"),
    [
        ("google", "alex@sandbox.example", "abc123", datetime(2026, 3, 2, 14, tzinfo=UTC),
         "e37c3c88cbad86f90d9b24b14624bc90"),
        ("google", "ops#oncall@group.calendar.sandbox.example",
         "md83va35qvccqgfslu22r21eq3u4j4vq", datetime(2026, 2, 10, 9, 30, tzinfo=UTC),
         "fe26dbbabccf4cf1ba22928d7f41a756"),
        ("microsoft", "AAMkAGI2", "AAMkAGI2-master", datetime(2026, 11, 2, 17, tzinfo=UTC),
         "bf34db835621195d797e387375b86f16"),
        ("feishu", "feishu.cn_abc@group.calendar.feishu.cn", "0b2e_0",
         datetime(2026, 1, 8, 23, tzinfo=UTC), "1ab12105b1643feb76fcfdd08981977c"),
    ],
    ids=["google", "google-hash-in-calendar-id", "microsoft", "feishu"],
)  # fmt: skip
def test_golden_instance_keys(
    provider: str, calendar_id: str, series_id: str, original_start: datetime, key: str
) -> None:
    assert normalize.instance_key(provider, calendar_id, series_id, original_start) == key


def test_a_synthesized_cancellation_keeps_the_golden_key() -> None:
    facts = SeriesFacts(
        "google", "alex@sandbox.example", "abc123", None, "America/New_York", None, False,
        timedelta(hours=1),
    )  # fmt: skip
    record = normalize.cancellation_record(facts, datetime(2026, 3, 2, 14, tzinfo=UTC))
    assert record["instance_key"] == "e37c3c88cbad86f90d9b24b14624bc90"


def test_the_tap_emits_the_golden_keys_for_sandbox_occurrences(user_run: TapRun) -> None:
    keys = {
        (r["series_id"], r["original_start_at"]): r["instance_key"]
        for r in user_run.records("google_instances")
    }
    assert keys[("4ceubv58pvpoccki5ul086t617628a2n", "2026-03-02T14:00:00Z")] == (
        "79267ff51b6c510299b0c2e0b51c91a4"
    )
    # The cancelled standup of 2026-02-12 keeps its key.
    assert keys[("md83va35qvccqgfslu22r21eq3u4j4vq", "2026-02-12T09:30:00Z")] == (
        "de99247b610d1d2bcc3a721faeb7f506"
    )
