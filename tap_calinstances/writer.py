"""How Singer messages leave the tap: msgspec, in large writes, flushed at STATE messages.

The SDK's msgspec writer flushes stdout after every message. Measured on 100,940
occurrences, that system call per record cost more than writing the record: 9 s of 19 s,
each one releasing the GIL to the threads parsing pages and waiting to win it back. Even
stdout's own 8 KiB buffer meant a write (and a wait for the GIL) every dozen records, and
the main thread spent most of a fast run waiting there. So messages gather here and leave
in writes of about a megabyte. A target needs no more than this: a STATE message leaves
with every record written before it, in order; the rest leaves at exit.

The megabyte is one buffer, allocated once. Grown message by message instead, it was
reallocated about sixty times per megabyte, each time copied to a new place (the workers'
allocations filled the space after it): 8,000 ``mremap`` calls and a tenth of the main
thread's time on the throughput replay.
"""

from __future__ import annotations

import atexit
import sys
import weakref
from datetime import datetime
from typing import Any

from singer_sdk.contrib.msgspec import MsgSpecWriter, encoder
from singer_sdk.singerlib import StateMessage
from singer_sdk.singerlib.encoding.simple import Message
from typing_extensions import override

CHUNK_BYTES = 1 << 20
_LIVE: weakref.WeakSet[SingerWriter] = weakref.WeakSet()


class SingerWriter(MsgSpecWriter):
    def __init__(self) -> None:
        super().__init__()
        self._chunk = bytearray(CHUNK_BYTES)
        self._used = 0
        self._line = bytearray(64)  # one RECORD message, encoded (see write_record)
        _LIVE.add(self)

    @override
    def write_message(self, message: Message) -> None:
        self._add(self.format_message(message))
        if isinstance(message, StateMessage):
            self.flush()

    def write_record(
        self,
        stream: str,
        record: dict[str, Any],
        version: int | None,
        time_extracted: datetime,
    ) -> None:
        """A RECORD message, byte for byte as :meth:`write_message` writes a RecordMessage
        (the same encoder, the same keys in the same order), without building that object
        and turning it back into a dict: one of each per record costs the main thread, which
        writes every record, more than encoding it."""
        message: dict[str, Any] = {"type": "RECORD", "stream": stream, "record": record}
        if version is not None:
            message["version"] = version
        message["time_extracted"] = time_extracted
        encoder.encode_into(message, self._line)
        self._line.extend(b"\n")
        self._add(self._line)

    def _add(self, data: bytes | bytearray) -> None:
        """Copy ``data`` (a buffer that its encoder reuses) into the chunk."""
        size = len(data)
        if self._used + size > CHUNK_BYTES:
            self._write()
            if size > CHUNK_BYTES:
                sys.stdout.buffer.write(data)
                return
        # Replaces as many bytes as it copies: the chunk keeps its size and its place.
        self._chunk[self._used : self._used + size] = data
        self._used += size

    def _write(self) -> None:
        if self._used:
            with memoryview(self._chunk)[: self._used] as pending:
                sys.stdout.buffer.write(pending)
            self._used = 0

    def flush(self) -> None:
        self._write()
        sys.stdout.flush()


@atexit.register
def _flush_at_exit() -> None:
    """Records after the last STATE still reach the target if the run fails."""
    for writer in list(_LIVE):
        writer.flush()
