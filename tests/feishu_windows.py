"""Feishu window splitting, checked at random: every occurrence in the window exactly once.

Feishu's /instances answers open intervals of at most two years, so the tap cuts longer
windows into pieces. Each case here picks a window (longer than two years, a few days, or a
few seconds) and adds a few series to a calendar of its own, each placed so that one of its
occurrences starts exactly on, just before or just after a place where the window may be
cut (the window's ends, every multiple of the tap's piece length and of 730 days from its
start), or straddles it. The tap runs over the window; its occurrences must be exactly
those computed here by plain arithmetic (first start + k x period, in Asia/Shanghai, which
has no DST), each once.

`make test` runs a fixed set of seeds (tests/test_feishu_windows.py); `make soak` runs
many more: `python -m tests.feishu_windows --cases 500 --seed 1`.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tap_calinstances.providers.feishu import FEISHU
from tap_calinstances.sandbox import Sandbox
from tests.harness import run_tap

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
FEISHU_LIMIT = timedelta(days=730)  # the sandbox's reading of "two years"
EARLIEST = datetime(2025, 1, 1, tzinfo=UTC)


def calendar_of(case: int) -> str:
    """The sandbox's generated calendar number ``case`` (one per generated principal)."""
    return f"feishu.cn_user{case:04d}@group.calendar.feishu.cn"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PlacedSeries:
    summary: str
    first: datetime
    days: int  # the rule's period: DAILY;INTERVAL=days, or WEEKLY when a multiple of 7
    duration: timedelta
    count: int | None

    @property
    def rrule(self) -> str:
        weeks, rest = divmod(self.days, 7)
        rule = f"FREQ=WEEKLY;INTERVAL={weeks}" if not rest else f"FREQ=DAILY;INTERVAL={self.days}"
        return rule if self.count is None else f"{rule};COUNT={self.count}"

    def starts_in(self, start: datetime, end: datetime) -> list[str]:
        """Original starts of the occurrences that end after ``start`` and start before
        ``end``: the contract's window rule, by arithmetic."""
        found = []
        k, at = 0, self.first
        while at < end and (self.count is None or k < self.count):
            if at + self.duration > start:
                found.append(iso(at))
            k += 1
            at = self.first + k * self.days * DAY
        return found


@dataclass(frozen=True)
class Case:
    start: datetime
    end: datetime
    series: tuple[PlacedSeries, ...]


def cut_points(start: datetime, end: datetime) -> list[datetime]:
    """Where a splitter may cut the window: its ends, and multiples from its start of the
    tap's own piece length (twice, for weight) and of 730 days one second either side."""
    spans = [FEISHU_LIMIT - SECOND, FEISHU_LIMIT, FEISHU_LIMIT + SECOND]
    if FEISHU.max_span is not None:
        spans += [FEISHU.max_span, FEISHU.max_span]
    points = [start, end]
    for span in spans:
        at = start + span
        while at < end:
            points.append(at)
            at += span
    return points


def random_case(rng: random.Random) -> Case:
    start = EARLIEST + timedelta(seconds=rng.randrange(0, 900 * 86400))
    kind = rng.choice(("long", "long", "days", "seconds"))
    if kind == "long":
        length = timedelta(seconds=rng.randrange(731 * 86400, 1500 * 86400))
    elif kind == "days":
        length = timedelta(seconds=rng.randrange(86400, 40 * 86400))
    else:
        length = timedelta(seconds=rng.randrange(1, 120))
    end = start + length
    points = cut_points(start, end)
    series = []
    for index in range(rng.randint(3, 5)):
        days = rng.choice((1, 2, 3, 7, 14))
        period = days * DAY
        # Short ones most often: a one-second meeting falls through the smallest gap.
        duration = timedelta(seconds=rng.choice((1, 1, 2, 60, 900, 3600, 5400)))
        # Start on the cut, a second or two either side, straddling it, or ending on it.
        offset = rng.choice((0, 0, -1, 1, 2, -2, "straddle", "end"))
        if offset == "straddle":
            shift = -duration / 2
        elif offset == "end":
            shift = -duration
        else:
            shift = int(offset) * SECOND
        anchor = rng.choice(points) + timedelta(seconds=int(shift.total_seconds()))
        # The first occurrence anywhere from a few periods after the anchor to long before.
        first = anchor - rng.randint(-2, int(length / period) + 3) * period
        count = rng.choice((None, None, rng.randint(1, 30)))
        series.append(PlacedSeries(f"Placed {index}", first, days, duration, count))
    return Case(start, end, tuple(series))


def check_case(sandbox: Sandbox, case_number: int, seed: int) -> list[str]:
    """Place a random case in calendar ``case_number``, run the tap; the differences."""
    rng = random.Random(f"feishu-windows:{seed}")
    case = random_case(rng)
    calendar_id = calendar_of(case_number)
    ids = {}
    for placed in case.series:
        added = sandbox.change(
            "add_series",
            calendar_id=calendar_id,
            summary=placed.summary,
            rrule=placed.rrule,
            start=iso(placed.first),
            end=iso(placed.first + placed.duration),
            timezone="Asia/Shanghai",
        )
        ids[added["series_id"]] = placed
    config = sandbox.tap_config(
        providers=["feishu"], start_date=iso(case.start), end_date=iso(case.end)
    )
    config["feishu"]["calendar_ids"] = [calendar_id]
    run = run_tap(config)
    context = f"seed {seed}: window {iso(case.start)} .. {iso(case.end)}"
    problems = []
    for series_id, placed in ids.items():
        records = [r for r in run.records("feishu_instances") if r["series_id"] == series_id]
        found = Counter(r["original_start_at"] for r in records)
        expected = Counter(placed.starts_in(case.start, case.end))
        what = f"{context}, {placed.rrule} from {iso(placed.first)} for {placed.duration}"
        if twice := sorted(s for s, n in found.items() if n > 1):
            problems.append(f"{what}: written more than once: {twice[:5]}")
        if missing := sorted(expected - found):
            problems.append(f"{what}: missing {missing[:5]}")
        if extra := sorted(found - expected):
            problems.append(f"{what}: not in the window {extra[:5]}")
        odd = [
            r["original_start_at"]
            for r in records
            if r["start_at"] != r["original_start_at"] or r["status"] != "confirmed"
        ]
        if odd:
            problems.append(f"{what}: moved or not confirmed {odd[:5]}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    failures = 0
    with Sandbox(seed=7, principals=args.cases, series_per_calendar=0) as sandbox:
        for number in range(1, args.cases + 1):
            problems = check_case(sandbox, number, args.seed * 100_000 + number)
            if problems:
                failures += 1
                print("\n".join(problems), flush=True)
    print(f"feishu windows: {args.cases} cases, {failures} with differences (seed {args.seed})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
