"""`make demo`: sandbox -> tap-calinstances -> Meltano -> DuckDB, then a short summary.

Starts the sandbox on a free loopback port, points the tap at it through Meltano's
environment variables (no file is edited), runs `meltano run`, prints what landed and stops
the sandbox whatever happens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WAREHOUSE = ROOT / "output" / "warehouse.duckdb"
SCHEMA = "calendar"


@contextmanager
def sandbox() -> Iterator[dict[str, Any]]:
    """A running sandbox and the tap config it printed."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        process = subprocess.Popen(
            [
                str(BIN / "tap-calinstances-sandbox"),
                "--port",
                "0",
                "--quiet",
                "--config-out",
                str(config_path),
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while not config_path.exists() or not config_path.read_text("utf-8").strip():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the sandbox did not start; see its messages above")
                time.sleep(0.05)
            yield json.loads(config_path.read_text("utf-8"))
        finally:
            process.terminate()
            process.wait(timeout=10)


def meltano_env(config: Mapping[str, Any]) -> dict[str, str]:
    """Meltano reads dotted settings from TAP_CALINSTANCES_<BLOCK>_<KEY> variables."""
    env = dict(os.environ, MELTANO_SEND_ANONYMOUS_USAGE_STATS="false")
    for key, value in config.items():
        if isinstance(value, Mapping):
            for sub, sub_value in value.items():
                text = sub_value if isinstance(sub_value, str) else json.dumps(sub_value)
                env[f"TAP_CALINSTANCES_{key.upper()}_{sub.upper()}"] = text
        else:
            env[f"TAP_CALINSTANCES_{key.upper()}"] = str(value)
    return env


def run_pipeline(config: Mapping[str, Any]) -> None:
    env = meltano_env(config)
    meltano = str(BIN / "meltano")
    subprocess.run([meltano, "install"], cwd=ROOT, env=env, check=True)
    WAREHOUSE.parent.mkdir(exist_ok=True)
    WAREHOUSE.unlink(missing_ok=True)
    # --full-refresh: the demo shows a whole extraction, whatever earlier runs left in state.
    subprocess.run(
        [meltano, "run", "--full-refresh", "tap-calinstances", "target-duckdb"],
        cwd=ROOT,
        env=env,
        check=True,
    )


PROVIDERS = ("google", "microsoft", "feishu")


def summary(path: Path, today: datetime) -> str:
    import duckdb  # the loader's own duckdb version, pinned in pyproject

    con = duckdb.connect(str(path), read_only=True)
    tables = {row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [SCHEMA]
    ).fetchall()}  # fmt: skip
    present = [p for p in PROVIDERS if f"{p}_instances" in tables]
    # One normalized shape: the three providers' occurrences stack into one relation.
    every = " union all ".join(
        f"select provider, calendar_id, status, is_all_day, start_at, end_at "
        f"from {SCHEMA}.{p}_instances"
        for p in present
    )
    names: dict[str, str] = {}
    for p in present:  # Graph's calendar ids are opaque: people know calendars by name
        names.update(
            con.execute(f"select calendar_id, name from {SCHEMA}.{p}_calendars").fetchall()
        )
    lines = ["", "What landed in " + str(path.relative_to(ROOT)), ""]
    lines.append("Occurrences per provider, calendar and status")
    rows = con.execute(
        f"select provider, calendar_id, status, count(*) from ({every}) group by 1, 2, 3 "
        "order by 1, 2, 3"
    ).fetchall()
    lines += [
        f"  {p:<10} {(names.get(cal) or cal)[:44]:<44} {status:<10} {n:>5}"
        for p, cal, status, n in rows
    ]
    lines += ["", "Hours of recurring meetings per week (timed, not cancelled), next 4 weeks"]
    lines.append("  " + " " * 18 + "".join(f"{p:>11}" for p in present))
    monday = (today - timedelta(days=today.weekday())).date()
    for week in range(4):
        start = monday + timedelta(weeks=week)
        hours = dict(con.execute(
            f"""select provider, sum(epoch(end_at) - epoch(start_at)) / 3600.0 from ({every})
                where not is_all_day and status <> 'cancelled'
                  and start_at >= ? and start_at < ? group by 1""",
            [start, start + timedelta(weeks=1)],
        ).fetchall())  # fmt: skip
        cells = "".join(f"{hours.get(p) or 0:9.2f} h" for p in present)
        lines.append(f"  week of {start}:{cells}")
    counts = {
        f"{p}_{kind}": con.execute(f"select count(*) from {SCHEMA}.{p}_{kind}").fetchone()
        for p in present
        for kind in ("calendars", "series", "instances")
    }
    lines += ["", "Rows: " + ", ".join(f"{t} {c[0] if c else 0}" for t, c in counts.items())]
    return "\n".join(lines)


def main() -> None:
    with sandbox() as config:
        run_pipeline(config)
    print(summary(WAREHOUSE, datetime.now(UTC)))


if __name__ == "__main__":
    main()
