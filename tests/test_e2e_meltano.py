"""Meltano runs the tap for real into the embedded DuckDB warehouse: the rows must land.

target-duckdb 0.8.0 loads nothing (and says nothing) with duckdb >= 1.3, so the counts are
compared with what the tap emitted, not just checked for success.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from demo.run_demo import meltano_env
from tap_calinstances.sandbox import Sandbox
from tests.harness import run_tap

ROOT = Path(__file__).resolve().parent.parent
MELTANO = str(Path(sys.executable).parent / "meltano")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("e2e")
    with Sandbox(seed=7) as sandbox:
        config = sandbox.tap_config(
            google_auth="refresh_token",
            start_date="2026-01-01T00:00:00Z",
            end_date="2026-07-01T00:00:00Z",
        )
        env = meltano_env(config)
        # Isolate the warehouse and Meltano's state store from the demo's.
        env["TARGET_DUCKDB_FILEPATH"] = str(work / "warehouse.duckdb")
        env["MELTANO_DATABASE_URI"] = f"sqlite:///{work / 'meltano.db'}"
        subprocess.run([MELTANO, "install"], cwd=ROOT, env=env, check=True, capture_output=True)
        yield {"config": config, "env": env, "work": work, "sandbox": sandbox}


def meltano_run(pipeline: dict[str, Any], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MELTANO, "run", "--state-id-suffix", "e2e", *extra, "tap-calinstances", "target-duckdb"],
        cwd=ROOT,
        env=pipeline["env"],
        capture_output=True,
        text=True,
        check=False,
    )


def test_rows_land_in_duckdb_as_the_tap_emitted_them(pipeline: dict[str, Any]) -> None:
    done = meltano_run(pipeline, "--full-refresh")
    assert done.returncode == 0, done.stderr[-3000:]
    expected = run_tap(pipeline["config"])
    con = duckdb.connect(str(pipeline["work"] / "warehouse.duckdb"), read_only=True)
    for stream in ("google_calendars", "google_series", "google_instances"):
        (count,) = con.execute(f"select count(*) from calendar.{stream}").fetchone() or (0,)
        assert count == len(expected.records(stream)) > 0, stream
    (cancelled,) = con.execute(
        "select count(*) from calendar.google_instances where status = 'cancelled'"
    ).fetchone() or (0,)
    assert cancelled == 1
    (keys,) = con.execute(
        "select count(distinct instance_key) = count(*) from calendar.google_instances"
    ).fetchone() or (False,)
    assert keys


def test_meltano_keeps_the_tap_state_between_runs(pipeline: dict[str, Any]) -> None:
    done = meltano_run(pipeline)
    assert done.returncode == 0, done.stderr[-3000:]
    state = subprocess.run(
        [MELTANO, "state", "get", "dev:tap-calinstances-to-target-duckdb:e2e"],
        cwd=ROOT,
        env=pipeline["env"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    calendars = json.loads(state)["singer_state"]["bookmarks"]["google_calendars"]["calendars"]
    assert set(calendars) == {"alex@sandbox.example", "ops#oncall@group.calendar.sandbox.example"}
