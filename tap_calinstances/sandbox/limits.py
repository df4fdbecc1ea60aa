"""Server-wide limits: page sizes and the per-principal budgets providers document.

Budgets are enforced per (provider, principal) when `enforce_budgets` is on:
- rate: at most `requests` admitted API requests in any sliding window of `window_s`
  seconds (refused requests do not count, so a client that backs off gets through);
- concurrency: at most `concurrency` admitted requests in flight at once. A request is in
  flight from its arrival to its answer, latency included, as a client sees it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

RATE = "rate"
BURST = "burst"  # the short second window some providers add (Feishu: 50 per second)
CONCURRENCY = "concurrency"


@dataclass(frozen=True)
class BudgetSpec:
    """A provider's per-principal budget."""

    requests: int  # admitted requests per window
    window_s: float
    concurrency: int  # admitted requests in flight at once
    # A second, shorter window on top (requests, seconds), e.g. Feishu's 50 per second
    # beside 1,000 per minute; budget_rate overrides only the main window.
    burst: tuple[int, float] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.burst is None:
            del data["burst"]
        else:
            data["burst"] = list(self.burst)
        return data


@dataclass(frozen=True)
class Limits:
    """Switches that shape every listing and budget. Immutable: swap it whole."""

    # Caps every listing's page size, whatever maxResults says (0: the provider's own).
    page_size: int = 0
    enforce_budgets: bool = False
    # Overrides of every provider's declared budget, mostly so tests can use small ones:
    # (requests, seconds) and requests in flight.
    budget_rate: tuple[int, float] | None = None
    budget_concurrency: int | None = None
    # Listings that a provider may answer with an empty page that still has a next link
    # (Graph) start with such a page. Google's emulation always does it; Graph's only with
    # this switch, because msgraph-sdk's own PageIterator stops at an empty page.
    empty_first_pages: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.page_size, int) or self.page_size < 0:
            raise ValueError("page_size must be an integer >= 0")
        if self.budget_rate is not None:
            requests, seconds = self.budget_rate
            if int(requests) < 1 or float(seconds) <= 0:
                raise ValueError("budget_rate must be (requests >= 1, seconds > 0)")
            object.__setattr__(self, "budget_rate", (int(requests), float(seconds)))
        if self.budget_concurrency is not None and self.budget_concurrency < 1:
            raise ValueError("budget_concurrency must be >= 1")

    def budget(self, declared: BudgetSpec) -> BudgetSpec:
        """A provider's budget with this sandbox's overrides applied."""
        spec = declared
        if self.budget_rate is not None:
            spec = replace(spec, requests=self.budget_rate[0], window_s=self.budget_rate[1])
        if self.budget_concurrency is not None:
            spec = replace(spec, concurrency=self.budget_concurrency)
        return spec

    def replace(self, **fields: Any) -> Limits:
        known = set(self.__dataclass_fields__)
        unknown = sorted(set(fields) - known)
        if unknown:
            raise ValueError(f"unknown limit settings: {', '.join(unknown)}")
        if fields.get("budget_rate") is not None:
            fields["budget_rate"] = tuple(fields["budget_rate"])
        return replace(self, **fields)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["budget_rate"] = list(self.budget_rate) if self.budget_rate else None
        return data


@dataclass
class _Window:
    admitted: deque[float] = field(default_factory=deque)
    burst: deque[float] = field(default_factory=deque)
    in_flight: int = 0


def _expire(admitted: deque[float], now: float, window_s: float) -> None:
    while admitted and admitted[0] <= now - window_s:
        admitted.popleft()


class BudgetKeeper:
    """Admits or refuses API requests against per-principal budgets; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window] = {}

    def admit(self, provider: str, principal: str, spec: BudgetSpec) -> str | None:
        """None when admitted (call release() when answered), else RATE, BURST or
        CONCURRENCY."""
        now = self._clock()
        with self._lock:
            window = self._windows.setdefault((provider, principal), _Window())
            if window.in_flight >= spec.concurrency:
                return CONCURRENCY
            _expire(window.admitted, now, spec.window_s)
            if len(window.admitted) >= spec.requests:
                return RATE
            if spec.burst is not None:
                _expire(window.burst, now, spec.burst[1])
                if len(window.burst) >= spec.burst[0]:
                    return BURST
                window.burst.append(now)
            window.admitted.append(now)
            window.in_flight += 1
            return None

    def retry_after(self, provider: str, principal: str, spec: BudgetSpec, kind: str) -> float:
        """Seconds until a request refused with `kind` would find room in its window."""
        now = self._clock()
        with self._lock:
            window = self._windows.get((provider, principal))
            if window is None or kind == CONCURRENCY:
                return 0.0
            admitted, span = window.admitted, spec.window_s
            if kind == BURST and spec.burst is not None:
                admitted, span = window.burst, spec.burst[1]
            return max(0.0, admitted[0] + span - now) if admitted else 0.0

    def release(self, provider: str, principal: str) -> None:
        with self._lock:
            self._windows[(provider, principal)].in_flight -= 1

    def reset(self) -> None:
        """Forget the rate windows (requests in flight stay counted)."""
        with self._lock:
            for window in self._windows.values():
                window.admitted.clear()
                window.burst.clear()
