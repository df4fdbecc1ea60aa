"""`make demo`: sandbox -> tap-calinstances -> Meltano -> DuckDB, a summary and a chart.

The demo is isolated from the project's own pipeline (see demo/project.py): its Meltano
project, STATE and warehouse live under `output/demo/`, and neither meltano.yml's `config`
nor `.env` nor the user's `TAP_CALINSTANCES_*` variables reach it. It starts the sandbox on a
free loopback port with a service-account key, so that every sandbox principal is read
(the all-day calendars included), and stops it whatever happens.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from demo import project, report

ROOT = project.ROOT
BIN = Path(sys.executable).parent
WORK = ROOT / "output" / "demo"


@contextmanager
def sandbox() -> Iterator[dict[str, Any]]:
    """A running sandbox and the tap config it printed."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "config.json"
        # Its banner would interleave with the demo's output: kept for a failure to start.
        messages = (Path(tmp) / "sandbox.log").open("w+", encoding="utf-8")
        process = subprocess.Popen(
            [
                str(BIN / "tap-calinstances-sandbox"),
                "--port",
                "0",
                "--quiet",
                "--google-auth",
                "service_account",
                "--config-out",
                str(config_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=messages,
        )
        try:
            deadline = time.monotonic() + 30
            while not config_path.exists() or not config_path.read_text("utf-8").strip():
                if process.poll() is not None or time.monotonic() > deadline:
                    messages.seek(0)
                    raise SystemExit(f"the sandbox did not start:\n{messages.read()}")
                time.sleep(0.05)
            yield json.loads(config_path.read_text("utf-8"))
        finally:
            process.terminate()
            process.wait(timeout=10)
            messages.close()


def meltano_env(config: Mapping[str, Any]) -> dict[str, str]:
    """Meltano reads dotted settings from TAP_CALINSTANCES_<BLOCK>_<KEY> variables."""
    env: dict[str, str] = {}
    for key, value in config.items():
        if isinstance(value, Mapping):
            for sub, sub_value in value.items():
                text = sub_value if isinstance(sub_value, str) else json.dumps(sub_value)
                env[f"TAP_CALINSTANCES_{key.upper()}_{sub.upper()}"] = text
        else:
            env[f"TAP_CALINSTANCES_{key.upper()}"] = str(value)
    return env


def run(work: Path, today: datetime) -> str:
    """The whole demo in ``work``; returns the summary."""
    warehouse = work / "warehouse.duckdb"
    project.install(["tap-calinstances", "target-duckdb"], work)
    demo = project.isolated(
        work,
        {
            "target-duckdb": {
                "filepath": str(warehouse),
                "default_target_schema": report.SCHEMA,
                "add_metadata_columns": False,
            }
        },
    )
    warehouse.unlink(missing_ok=True)
    with sandbox() as config:
        # --full-refresh: the demo shows a whole extraction, whatever an earlier demo left.
        done = demo.meltano(
            "run",
            "--full-refresh",
            "tap-calinstances",
            "target-duckdb",
            env=meltano_env(config),
            check=False,
        )
    if done.returncode != 0:
        raise SystemExit(f"meltano run failed:\n{done.stderr[-4000:]}")
    png = report.chart(warehouse, work / "weekly-hours.png", today)
    summary = [report.text(warehouse, today), *tap_summary(done.stderr)]
    return "\n".join([*summary, "", f"Chart: {png}"])


def tap_summary(log: str) -> list[str]:
    """The tap's summary table, as `meltano run` relays it at the end of its log."""
    lines = [line.split("tap-calinstances ", 1)[-1] for line in log.splitlines()]
    if "Summary of the run:" not in lines:
        return []
    start = lines.index("Summary of the run:")
    table = [line for line in lines[start + 1 : start + 5] if line.split()[0] != "target-duckdb"]
    return ["", "What the tap did (its summary)", *(f"  {line}" for line in table)]


def main() -> None:
    print(run(WORK, datetime.now(UTC)))


if __name__ == "__main__":
    main()
