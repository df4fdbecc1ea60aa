"""Per-principal counts of API requests: how many, how many at once, how many refused.

A request is in flight from its arrival to its answer (latency included), so the peak
says how many requests a client really had open against one principal at the same time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass
class _Counts:
    requests: int = 0
    in_flight: int = 0
    peak_in_flight: int = 0
    refused: int = 0

    def enter(self) -> None:
        self.requests += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def to_json(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "refused": self.refused,
        }


class Stats:
    """Thread-safe counters, per principal and in total."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total = _Counts()
        self._principals: dict[str, _Counts] = {}

    @contextmanager
    def track(self, principal: str | None) -> Iterator[None]:
        """Count one API request for `principal` (None: unknown) while it is served."""
        with self._lock:
            counts = [self._total]
            if principal is not None:
                counts.append(self._principals.setdefault(principal, _Counts()))
            for item in counts:
                item.enter()
        try:
            yield
        finally:
            with self._lock:
                for item in counts:
                    item.in_flight -= 1

    def refused(self, principal: str) -> None:
        with self._lock:
            self._total.refused += 1
            self._principals.setdefault(principal, _Counts()).refused += 1

    def reset(self) -> None:
        """Start counting again; requests still in flight stay counted as in flight."""
        with self._lock:
            for item in (self._total, *self._principals.values()):
                item.requests = item.refused = 0
                item.peak_in_flight = item.in_flight
            self._principals = {p: c for p, c in self._principals.items() if c.in_flight}

    def to_json(self) -> dict[str, Any]:
        """`{"principals": {email: counts}, "totals": counts}`; counts are `requests`,
        `in_flight`, `peak_in_flight` and `refused`."""
        with self._lock:
            return {
                "principals": {p: c.to_json() for p, c in sorted(self._principals.items())},
                "totals": self._total.to_json(),
            }
