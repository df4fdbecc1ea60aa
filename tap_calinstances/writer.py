"""How Singer messages leave the tap: msgspec, flushed at STATE messages, not per record.

The SDK's msgspec writer flushes stdout after every message. Measured on 100,940
occurrences, that system call per record cost more than writing the record: 9 s of 19 s,
each one releasing the GIL to the threads parsing pages and waiting to win it back. A
target needs no more than this: a STATE message leaves with every record written before
it, in order, and the rest is flushed when the buffer fills and when the tap exits.
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import StateMessage
from singer_sdk.singerlib.encoding.simple import Message
from typing_extensions import override


class SingerWriter(MsgSpecWriter):
    @override
    def write_message(self, message: Message) -> None:
        sys.stdout.buffer.write(self.format_message(message))
        if isinstance(message, StateMessage):
            sys.stdout.flush()
