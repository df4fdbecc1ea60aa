"""Randomized differential check of incremental runs against full runs.

Each round applies random changes at the sandbox (cancel, move in and out of the window,
edit a summary or a rule, shorten a rule, delete or add a series, expire sync tokens, make
a calendar unreadable or readable again, grow the window), then runs the tap incrementally
from the last STATE and a fresh full run over the same window. After every round, the
latest record per instance_key across all incremental runs, among those not cancelled,
must equal the full run's records that are not cancelled, field for field.

`make test` runs a few dozen rounds; `make soak` runs hundreds (python -m tests.differential).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tap_calinstances.sandbox import ChangeError, Sandbox
from tests.harness import TapRun, run_tap

START = datetime(2026, 1, 1, tzinfo=UTC)
FIRST_END = datetime(2026, 4, 1, tzinfo=UTC)
RULES = (
    "RRULE:FREQ=WEEKLY;BYDAY=TU",
    "RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "RRULE:FREQ=DAILY;INTERVAL=3",
    "RRULE:FREQ=MONTHLY;BYMONTHDAY=15",
    "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;COUNT=6",
)
ZONES = ("America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Sydney", "UTC")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Scenario:
    sandbox: Sandbox
    rng: random.Random
    provider: str = "google"
    end: datetime = FIRST_END
    state: dict[str, Any] = field(default_factory=dict)
    latest: dict[str, dict[str, Any]] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)
    log: list[str] = field(default_factory=list)

    def config(self) -> dict[str, Any]:
        return self.sandbox.tap_config(
            providers=[self.provider],
            google_auth="service_account",
            start_date=iso(START),
            end_date=iso(self.end),
        )

    def all_series(self) -> list[dict[str, Any]]:
        """The sandbox's series this provider shows (Feishu has a world of its own)."""
        if self.provider == "feishu":
            return self.sandbox.series(provider="feishu")
        found = self.sandbox.series()
        if self.provider == "microsoft":  # Graph's mailboxes and the generated users'
            found = [s for s in found if s["calendar_id"].startswith(("graph:", "user"))]
        return found

    def live_series(self, *, recurring: bool = True) -> list[dict[str, Any]]:
        return [
            s for s in self.all_series()
            if not s["deleted"] and s["recurring"] == recurring
        ]  # fmt: skip

    def pick_occurrence(self, start: datetime, end: datetime) -> tuple[dict[str, Any], str] | None:
        for _ in range(10):
            series = self.rng.choice(self.live_series())
            found = self.sandbox.occurrences(
                series["calendar_id"], series["series_id"], iso(start), iso(end)
            )
            if found:
                return series, self.rng.choice(found)
        return None

    def change(self, op: str, **kwargs: Any) -> None:
        self.sandbox.change(op, **kwargs)
        self.log.append(f"{op} {kwargs}")

    def cancel(self) -> None:
        picked = self.pick_occurrence(START, self.end)
        if picked:
            series, original = picked
            self.change("cancel_occurrence", calendar_id=series["calendar_id"],
                        series_id=series["series_id"], original_start=original)  # fmt: skip

    def move(self) -> None:
        # Inside the window, out of it, or into it from beyond its end.
        into = self.rng.random() < 0.3
        span = (self.end, self.end + timedelta(days=60)) if into else (START, self.end)
        picked = self.pick_occurrence(*span)
        if not picked:
            return
        series, original = picked
        if series["all_day"]:
            day = datetime.fromisoformat(original).date()
            days = -self.rng.randint(30, 80) if into else self.rng.choice((1, 2, -1, 200))
            start = (day + timedelta(days=days)).isoformat()
            end = (day + timedelta(days=days + 1)).isoformat()
        else:
            at = datetime.fromisoformat(original)
            hours = -24 * self.rng.randint(30, 80) if into else self.rng.choice((2, 24, 7200))
            start = iso(at + timedelta(hours=hours))
            end = iso(at + timedelta(hours=hours, seconds=series["duration_s"]))
        self.change("move_occurrence", calendar_id=series["calendar_id"],
                    series_id=series["series_id"], original_start=original,
                    start=start, end=end)  # fmt: skip

    def rename(self) -> None:
        series = self.rng.choice(self.live_series())
        self.change("edit_series", calendar_id=series["calendar_id"],
                    series_id=series["series_id"],
                    summary=f"Renamed {self.rng.randint(0, 999)}")  # fmt: skip

    def new_rule(self) -> None:
        series = self.rng.choice([s for s in self.live_series() if not s["all_day"]])
        self.change("edit_series", calendar_id=series["calendar_id"],
                    series_id=series["series_id"], rrule=self.rng.choice(RULES))  # fmt: skip

    def shorten(self) -> None:
        series = self.rng.choice(self.live_series())
        until = START + timedelta(days=self.rng.randint(10, (self.end - START).days))
        self.change("shorten_series", calendar_id=series["calendar_id"],
                    series_id=series["series_id"], until=iso(until))  # fmt: skip

    def delete(self) -> None:
        series = self.rng.choice(self.live_series())
        self.change("delete_series", calendar_id=series["calendar_id"],
                    series_id=series["series_id"])  # fmt: skip

    def add(self) -> None:
        calendar = self.rng.choice(sorted({s["calendar_id"] for s in self.all_series()}))
        zone = self.rng.choice(ZONES)
        day = START + timedelta(days=self.rng.randint(-30, (self.end - START).days))
        rule = self.rng.choice(("RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY", "RRULE:FREQ=MONTHLY"))
        start = day.replace(hour=self.rng.randint(6, 18))
        self.change("add_series", calendar_id=calendar, summary=f"Added {len(self.log)}",
                    rrule=rule, start=iso(start), end=iso(start + timedelta(minutes=45)),
                    timezone=zone)  # fmt: skip

    def expire(self) -> None:
        self.change("expire_sync_tokens")

    def toggle_readable(self) -> None:
        calendars = sorted({s["calendar_id"] for s in self.all_series()})
        calendar = self.rng.choice(calendars)
        self.forbidden ^= {calendar}
        self.sandbox.set_faults(forbidden_calendars=tuple(sorted(self.forbidden)))
        self.log.append(f"forbidden calendars {sorted(self.forbidden)}")

    def grow(self) -> None:
        self.end += timedelta(days=self.rng.choice((1, 7, 30)))
        self.log.append(f"window end {iso(self.end)}")

    def random_changes(self) -> None:
        ops: list[tuple[Callable[[], None], int]] = [
            (self.cancel, 4), (self.move, 4), (self.rename, 2), (self.new_rule, 2),
            (self.shorten, 2), (self.delete, 1), (self.add, 2), (self.expire, 1),
            (self.toggle_readable, 1), (self.grow, 1),
        ]  # fmt: skip
        for _ in range(self.rng.randint(1, 3)):
            op = self.rng.choices([o for o, _ in ops], [w for _, w in ops])[0]
            try:
                op()
            except ChangeError as exc:  # a random pick the data does not allow
                self.log.append(f"refused: {exc}")

    # -- runs --------------------------------------------------------------------------

    def incremental(self) -> TapRun:
        run = run_tap(self.config(), state=self.state)
        for record in run.records(f"{self.provider}_instances"):
            self.latest[record["instance_key"]] = record
        self.state = run.last_state
        return run

    def differences(self) -> list[str]:
        full = run_tap(self.config())
        expected = {
            k: r for k, r in full.by_key(f"{self.provider}_instances").items()
            if r["status"] != "cancelled"
        }  # fmt: skip
        found = {k: r for k, r in self.latest.items() if r["status"] != "cancelled"}
        problems = []
        for key in sorted(set(expected) | set(found)):
            if key not in found:
                problems.append(f"missing {key}: {_brief(expected[key])}")
            elif key not in expected:
                problems.append(f"not cancelled {key}: {_brief(found[key])}")
            elif found[key] != expected[key]:
                fields = sorted(f for f in expected[key] if expected[key][f] != found[key].get(f))
                problems.append(f"differs {key} in {fields}: {_brief(found[key])}")
        return problems


def _brief(record: dict[str, Any]) -> str:
    return f"{record['calendar_id']} {record['series_id']} {record['original_start_at']}"


def differential(rounds: int, seed: int, provider: str = "google") -> tuple[int, list[str]]:
    """Rounds run and the first differences found (empty: converged every round)."""
    rng = random.Random(seed)
    with Sandbox(seed=7, principals=2, series_per_calendar=3) as sandbox:
        scenario = Scenario(sandbox, rng, provider)
        scenario.incremental()
        for number in range(1, rounds + 1):
            scenario.random_changes()
            scenario.incremental()
            problems = scenario.differences()
            if problems:
                return number, [f"seed {seed}, round {number}", *scenario.log[-6:], *problems[:10]]
    return rounds, []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--provider", default="google", choices=("google", "microsoft", "feishu"))
    args = parser.parse_args()
    done, problems = differential(args.rounds, args.seed, args.provider)
    print(
        "\n".join(problems) or f"{args.provider}: {done} rounds, 0 differences (seed {args.seed})"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
