"""Pure window arithmetic: the extraction window, overlap tests and provider span limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta


@dataclass(frozen=True)
class Window:
    """A half-open span of UTC instants ``[start, end)``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError(f"empty window: {self.start.isoformat()} .. {self.end.isoformat()}")

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """The contract's scope rule: ends after the window start and starts before its end.

        A zero-length occurrence (start == end) at the window start counts as not ending after
        it, exactly like a one-hour meeting that ends at the window start.
        """
        return end > self.start and start < self.end


def resolve_window(
    start: datetime, end: datetime | None, lookahead_days: int, now: datetime
) -> Window:
    """``end`` defaults to ``now + lookahead_days``, rounded up to the next UTC midnight
    (contract section 2): runs within one day share one window, so an hourly run reads only
    what changed, and a day later only the day the window grew by."""
    if end is not None:
        return Window(start, end)
    return Window(start, next_utc_midnight(now + timedelta(days=lookahead_days)))


def next_utc_midnight(moment: datetime) -> datetime:
    """``moment`` itself when it is a UTC midnight, else the UTC midnight after it."""
    moment = moment.astimezone(UTC)
    midnight = datetime.combine(moment.date(), time(0), tzinfo=UTC)
    return midnight if midnight == moment else midnight + timedelta(days=1)


def split(window: Window, max_span: timedelta) -> list[Window]:
    """Cut ``window`` into consecutive pieces no longer than ``max_span``.

    Pieces share their boundaries exactly (``a.end == b.start``), so with the half-open rule of
    :meth:`Window.overlaps` every instant belongs to one piece; an occurrence that spans a
    boundary is returned by both requests and must be deduplicated by its key.
    """
    if max_span <= timedelta(0):
        raise ValueError("max_span must be positive")
    pieces: list[Window] = []
    cursor = window.start
    while cursor < window.end:
        upper = min(cursor + max_span, window.end)
        pieces.append(Window(cursor, upper))
        cursor = upper
    return pieces
