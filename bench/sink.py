"""Counting sink for a child's stdout: lines, Singer messages per type and stream, STATE bytes.

Only the head of each line is looked at (the type and stream come first in the tap's
messages), so that counting costs little next to what is being measured.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

_TYPE = re.compile(rb'"type"\s*:\s*"(\w+)"')
_STREAM = re.compile(rb'"stream"\s*:\s*"(\w+)"')
HEAD = 120  # bytes of a line that hold "type" and "stream"


@dataclass
class Counts:
    lines: int = 0
    size: int = 0  # bytes
    messages: Counter[str] = field(default_factory=Counter)  # "RECORD:google_instances", ...
    state_messages: int = 0
    state_bytes_total: int = 0
    last_state: bytes | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "bytes": self.size,
            "messages": dict(self.messages),
            "state_messages": self.state_messages,
            "state_bytes_total": self.state_bytes_total,
        }


def consume(stream: IO[bytes]) -> Counts:
    """Read `stream` to its end (bounded by the child's output) and count it."""
    counts = Counts()
    for line in stream:
        counts.lines += 1
        counts.size += len(line)
        head = line[:HEAD]
        kind = _TYPE.search(head)
        if kind is None:
            continue
        name = kind.group(1).decode()
        if name == "STATE":
            counts.state_messages += 1
            counts.state_bytes_total += len(line.rstrip(b"\n"))
            counts.last_state = line
            counts.messages[name] += 1
            continue
        stream_name = _STREAM.search(head)
        counts.messages[f"{name}:{stream_name.group(1).decode() if stream_name else ''}"] += 1
    return counts
