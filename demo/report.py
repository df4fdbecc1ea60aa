"""What `make demo` shows of its warehouse: a few questions a reader of calendars asks, and
a chart of the weekly hours of recurring meetings.

The loader writes UTC instants as naive TIMESTAMP columns (see the README's warehouse
guide): every comparison here is in UTC, and the local wall clock is read from
`start_local`, which the tap writes next to the instant.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

PROVIDERS = ("google", "microsoft", "feishu")
SCHEMA = "calendar"
WEEKS_AHEAD = 12


def _every(con: duckdb.DuckDBPyConnection) -> str:
    """The three providers' occurrences as one relation: one normalized shape."""
    tables = {row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [SCHEMA]
    ).fetchall()}  # fmt: skip
    present = [p for p in PROVIDERS if f"{p}_instances" in tables]
    return " union all ".join(
        "select provider, calendar_id, series_id, status, is_all_day, is_exception, start_at, "
        f"end_at, start_local, timezone, summary from {SCHEMA}.{p}_instances"
        for p in present
    )


def calendar_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Graph's calendar ids are opaque: people know calendars by name (and owner)."""
    names: dict[str, str] = {}
    for provider in PROVIDERS:
        try:
            rows = con.execute(
                f"select calendar_id, name, owner_id from {SCHEMA}.{provider}_calendars"
            ).fetchall()
        except duckdb.CatalogException:
            continue
        for calendar_id, name, owner in rows:
            label = name or calendar_id
            names[calendar_id] = f"{label} ({owner})" if owner and owner not in label else label
    return names


def occurrences_per_calendar(
    con: duckdb.DuckDBPyConnection,
) -> list[tuple[str, str, int, int, int]]:
    """(provider, calendar, taking place, of which all-day, cancelled), in provider and
    calendar order."""
    names = calendar_names(con)
    rows = con.execute(
        f"""select provider, calendar_id,
                   count(*) filter (where status <> 'cancelled'),
                   count(*) filter (where status <> 'cancelled' and is_all_day),
                   count(*) filter (where status = 'cancelled')
            from ({_every(con)}) group by 1, 2"""
    ).fetchall()
    named = [(p, names.get(c, c), n, a, x) for p, c, n, a, x in rows]
    return sorted(named, key=lambda row: (PROVIDERS.index(row[0]), row[1]))


def dst_shift(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The first weekly series whose UTC time moves while its wall clock does not: two
    consecutive occurrences on either side of a daylight-saving change."""
    rows = con.execute(
        f"""select provider, summary, timezone, start_local, start_at, series_id
            from ({_every(con)})
            where not is_all_day and status <> 'cancelled' and not is_exception
            order by case provider when 'google' then 0 when 'microsoft' then 1 else 2 end,
                     summary, series_id, start_at"""
    ).fetchall()
    previous: tuple[Any, ...] | None = None
    for row in rows:
        provider, summary, zone, local, start, series = row
        if previous is not None and previous[5] == series:
            week_apart = date.fromisoformat(local[:10]) - date.fromisoformat(previous[3][:10])
            same_wall_clock = previous[3][11:16] == local[11:16]
            moved_in_utc = previous[4].time() != start.time()
            if week_apart == timedelta(days=7) and same_wall_clock and moved_in_utc:
                return {
                    "provider": provider,
                    "summary": summary,
                    "timezone": zone,
                    "local": local[11:16],
                    "before": previous[4],
                    "after": start,
                }
        previous = row
    return None


def weekly_hours(
    con: duckdb.DuckDBPyConnection, first_monday: date, weeks: int = WEEKS_AHEAD
) -> dict[str, list[float]]:
    """Hours of timed recurring meetings that take place, per provider and week."""
    hours: dict[str, list[float]] = defaultdict(lambda: [0.0] * weeks)
    end = first_monday + timedelta(weeks=weeks)
    rows = con.execute(
        f"""select provider, date_diff('day', ?::timestamp, start_at) // 7 as week,
                   sum(epoch(end_at) - epoch(start_at)) / 3600.0
            from ({_every(con)})
            where not is_all_day and status <> 'cancelled'
              and start_at >= ?::timestamp and start_at < ?::timestamp
            group by 1, 2""",
        [first_monday, first_monday, end],
    ).fetchall()
    for provider, week, total in rows:
        hours[provider][int(week)] = float(total)
    return {p: hours[p] for p in PROVIDERS if p in hours}


def monday_of(today: datetime) -> date:
    return (today - timedelta(days=today.weekday())).date()


def text(path: Path, today: datetime) -> str:
    con = duckdb.connect(str(path), read_only=True)
    lines = ["", f"What landed in {path}", "", "Occurrences per calendar"]
    lines.append(
        f"  {'provider':<10} {'calendar':<54} {'taking place':>12} {'all-day':>7} {'cancelled':>9}"
    )
    for provider, calendar, taking_place, all_day, cancelled in occurrences_per_calendar(con):
        lines.append(
            f"  {provider:<10} {calendar[:54]:<54} {taking_place:>12} {all_day:>7} {cancelled:>9}"
        )
    shift = dst_shift(con)
    if shift:
        lines += [
            "",
            "Daylight saving, handled",
            f"  '{shift['summary']}' ({shift['provider']}) meets at {shift['local']} "
            f"{shift['timezone']}: {shift['before']:%Y-%m-%d %H:%M}Z, "
            f"then {shift['after']:%Y-%m-%d %H:%M}Z a week later",
        ]
    monday = monday_of(today)
    hours = weekly_hours(con, monday, 4)
    lines += ["", "Hours of recurring meetings per week (timed, taking place)"]
    lines.append("  " + " " * 19 + "".join(f"{p:>11}" for p in hours))
    for week in range(4):
        start = monday + timedelta(weeks=week)
        cells = "".join(f"{hours[p][week]:9.1f} h" for p in hours)
        lines.append(f"  week of {start}:{cells}")
    return "\n".join(lines)


def chart(path: Path, out: Path, today: datetime) -> Path:
    """A PNG of the weekly hours ahead, stacked by provider (headless: Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    con = duckdb.connect(str(path), read_only=True)
    monday = monday_of(today)
    hours = weekly_hours(con, monday)
    labels = [f"{monday + timedelta(weeks=w):%d %b}" for w in range(WEEKS_AHEAD)]
    figure, axes = plt.subplots(figsize=(9, 4.5), dpi=100)
    bottom = [0.0] * WEEKS_AHEAD
    for provider, values in hours.items():
        axes.bar(labels, values, bottom=bottom, label=provider)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_title("Hours of recurring meetings per week (sandbox)")
    axes.set_ylabel("hours")
    axes.set_xlabel("week starting")
    axes.legend()
    axes.tick_params(axis="x", labelrotation=45)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out)
    plt.close(figure)
    return out
