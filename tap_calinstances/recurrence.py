"""Pure recurrence arithmetic over RFC 5545 rules, with python-dateutil. No I/O.

Used to avoid asking a provider for the occurrences of a series that cannot have any in the
window (an old weekly meeting that ended years ago): each such request costs quota and time.
Every answer errs on the side of asking: only a rule that provably produces nothing in the
window says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrulestr

from tap_calinstances.windows import Window

_BOUNDS = ("UNTIL=", "COUNT=")


def may_occur_in(
    lines: Sequence[str], first_start: datetime, duration: timedelta, window: Window
) -> bool:
    """Whether the series ``lines`` (RRULE/EXRULE/RDATE/EXDATE properties) starting at
    ``first_start`` (aware, in the series' zone) can have an occurrence overlapping ``window``.

    False only when that is certain; True whenever in doubt (unreadable rules, added dates).
    """
    rules = [line for line in lines if line.upper().startswith("RRULE")]
    if not rules or any(line.upper().startswith("RDATE") for line in lines):
        return True  # no rule to reason about, or dates added by hand
    if first_start >= window.end:
        return False  # occurrences never start before the first one
    if not all(any(bound in rule.upper() for bound in _BOUNDS) for rule in rules):
        return True  # an unbounded rule goes on through any window after its start
    try:
        ruleset = rrulestr("\n".join(lines), dtstart=first_start, forceset=True)
        # The first occurrence that could still overlap the window, bounded rules only.
        candidate = ruleset.after(window.start - duration, inc=False)
    except (ValueError, TypeError, OverflowError):
        return True  # dateutil could not read the rule as the provider wrote it
    return candidate is not None and candidate < window.end


def ends_before(lines: Sequence[str], first_start: datetime) -> datetime | None:
    """A time at or after which the series ``lines`` starts no occurrence, when its rules
    are all bounded (UNTIL or COUNT) and no date was added by hand; else None.

    Lets a later run skip asking for a series that ended, when the window grows.
    """
    rules = [line for line in lines if line.upper().startswith("RRULE")]
    if not rules or any(line.upper().startswith("RDATE") for line in lines):
        return None
    if not all(any(bound in rule.upper() for bound in _BOUNDS) for rule in rules):
        return None
    try:
        ruleset = rrulestr("\n".join(lines), dtstart=first_start, forceset=True)
        last = None
        for last in ruleset:  # noqa: B007 (bounded: every rule has UNTIL or COUNT)
            pass
    except (ValueError, TypeError, OverflowError):
        return None
    return first_start if last is None else last + timedelta(seconds=1)


def scheduled_starts(
    lines: Sequence[str], first_start: datetime, duration: timedelta, window: Window
) -> list[datetime] | None:
    """Original starts the rule schedules for occurrences overlapping ``window``, as UTC
    instants; None when dateutil cannot read the rule (then nothing may be synthesized).

    The rule expands in the wall clock of ``first_start``'s zone, so a weekly 09:00 New York
    meeting stays at 09:00 across DST changes (14:00Z in winter, 13:00Z in summer).
    """
    try:
        ruleset = rrulestr("\n".join(lines), dtstart=first_start, forceset=True)
        starts = ruleset.between(window.start - duration, window.end, inc=True)
    except (ValueError, TypeError, OverflowError):
        return None
    return [start.astimezone(UTC) for start in starts if window.overlaps(start, start + duration)]
