"""What a target reads from the tap's stdout: each message whole, on its own line, in the
order written, and everything written before a STATE message no later than that STATE."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest
from singer_sdk.singerlib import SchemaMessage, StateMessage

from tap_calinstances.writer import CHUNK_BYTES, SingerWriter

EXTRACTED = datetime(2026, 3, 5, 14, 0, 0, 1, tzinfo=UTC)


def test_a_record_line_is_what_the_sdk_writes(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    writer = SingerWriter()
    record = {"summary": "Café", "raw": msgspec.Raw(b'{"id":"e1"}'), "is_all_day": False}
    writer.write_record("google_instances", record, None, EXTRACTED)
    writer.write_record("google_instances", {"summary": None}, 7, EXTRACTED)
    writer.flush()
    assert capsysbinary.readouterr().out == (
        b'{"type":"RECORD","stream":"google_instances","record":{"summary":"Caf\xc3\xa9",'
        b'"raw":{"id":"e1"},"is_all_day":false},"time_extracted":"2026-03-05T14:00:00.000001Z"}\n'
        b'{"type":"RECORD","stream":"google_instances","record":{"summary":null},"version":7,'
        b'"time_extracted":"2026-03-05T14:00:00.000001Z"}\n'
    )


def test_records_leave_with_the_state_after_them(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    writer = SingerWriter()
    writer.write_message(SchemaMessage("s", {"type": "object"}, []))
    writer.write_record("s", {"n": 1}, None, EXTRACTED)
    assert capsysbinary.readouterr().out == b""  # gathered for one large write
    writer.write_message(StateMessage({"bookmarks": {}}))
    lines = capsysbinary.readouterr().out.splitlines()
    assert [msgspec.json.decode(line)["type"] for line in lines] == ["SCHEMA", "RECORD", "STATE"]


def test_messages_past_a_chunk_and_larger_than_one_stay_whole_and_in_order(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    writer = SingerWriter()
    sizes = [CHUNK_BYTES // 3] * 4 + [CHUNK_BYTES * 2, 10, CHUNK_BYTES - 60, 5]
    for number, size in enumerate(sizes):
        writer.write_record("s", {"n": number, "pad": "x" * size}, None, EXTRACTED)
    writer.flush()
    lines = capsysbinary.readouterr().out.split(b"\n")
    assert lines.pop() == b""
    records = [msgspec.json.decode(line)["record"] for line in lines]
    assert [(r["n"], len(r["pad"])) for r in records] == list(enumerate(sizes))
