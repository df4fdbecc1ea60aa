"""Window arithmetic: scope rule, defaults and provider span limits."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from tap_calinstances.windows import Window, resolve_window, split


def at(day: int, hour: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


WINDOW = Window(at(10), at(20))


@pytest.mark.parametrize(
    ("start", "end", "in_scope"),
    [
        (at(9), at(10), False),
        (at(9, 23), at(10, 1), True),
        (at(12), at(13), True),
        (at(19, 23), at(20, 1), True),
        (at(20), at(20, 1), False),
        (at(10), at(10), False),
        (at(5), at(25), True),
    ],
    ids=[
        "ends-at-window-start",
        "straddles-start",
        "inside",
        "straddles-end",
        "starts-at-window-end",
        "zero-length-at-start",
        "covers-window",
    ],
)
def test_scope_rule(start: datetime, end: datetime, in_scope: bool) -> None:
    assert WINDOW.overlaps(start, end) is in_scope


def test_end_defaults_to_now_plus_lookahead() -> None:
    window = resolve_window(at(1), None, 30, now=at(5))
    assert window.end == at(4, month=2)


def test_explicit_end_wins_over_lookahead() -> None:
    assert resolve_window(at(1), at(3), 30, now=at(5)).end == at(3)


def test_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="empty window"):
        Window(at(3), at(3))


@pytest.mark.parametrize(
    ("days", "span_days", "pieces"),
    [(10, 3, 4), (10, 10, 1), (10, 20, 1), (731, 730, 2), (1460, 730, 2)],
    ids=["uneven", "exact", "shorter-than-span", "just-over-two-years", "four-years"],
)
def test_split_covers_the_window_without_gaps_or_overlaps(
    days: int, span_days: int, pieces: int
) -> None:
    window = Window(at(1), at(1) + timedelta(days=days))
    parts = split(window, timedelta(days=span_days))
    assert len(parts) == pieces
    assert parts[0].start == window.start
    assert parts[-1].end == window.end
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert all(p.end - p.start <= timedelta(days=span_days) for p in parts)


def test_an_instant_at_a_split_boundary_belongs_to_exactly_one_piece() -> None:
    parts = split(Window(at(1), at(11)), timedelta(days=5))
    boundary = parts[0].end
    owners = [p for p in parts if p.overlaps(boundary, boundary + timedelta(hours=1))]
    assert owners == [parts[1]]
