"""`make demo` shows what a reader cares about, and leaves the project's own pipeline alone."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from demo import project, run_demo

pytestmark = pytest.mark.e2e


def fingerprint(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def test_the_demo_project_drops_the_users_config_and_selects_every_stream(
    tmp_path: Path,
) -> None:
    mine = yaml.safe_load((project.ROOT / "meltano.yml").read_text("utf-8"))
    (tap,) = mine["plugins"]["extractors"]
    tap["config"] = {"google": {"refresh_token": "the user's own"}, "stream_maps": {"x": None}}
    tap["select"] = ["google_calendars.*"]
    source = tmp_path / "meltano.yml"
    source.write_text(yaml.safe_dump(mine), "utf-8")
    isolated = project.definitions(source, {"target-duckdb": {"filepath": "w.duckdb"}})
    (demo_tap,) = isolated["plugins"]["extractors"]
    assert "config" not in demo_tap
    assert len(demo_tap["select"]) == 9
    assert isolated["plugins"]["loaders"][0]["config"] == {"filepath": "w.duckdb"}


def test_make_demo_reads_every_principal_and_touches_nothing_of_the_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = [project.ROOT / "output" / "warehouse.duckdb", project.ROOT / ".meltano" / "meltano.db"]
    before = {path: fingerprint(path) for path in own}
    # A user's own settings, which would change what the demo reads if they leaked in.
    monkeypatch.setenv("TAP_CALINSTANCES_GOOGLE_CALENDAR_IDS", '["primary"]')
    monkeypatch.setenv("TAP_CALINSTANCES_STREAM_MAPS", '{"feishu_instances": "__NULL__"}')
    monkeypatch.setenv(
        "MELTANO_DATABASE_URI", f"sqlite:///{project.ROOT / '.meltano' / 'meltano.db'}"
    )
    text = run_demo.run(tmp_path / "demo", datetime(2026, 3, 2, 12, tzinfo=UTC))
    assert {path: fingerprint(path) for path in own} == before
    lines = [" ".join(line.split()) for line in text.splitlines()]
    # Robin is read through the service account: the all-day calendar is there.
    assert "google Robin Becker (robin@sandbox.example) 100 100 0" in lines
    assert "google Ops on-call (alex@sandbox.example) 499 0 1" in lines
    assert "feishu Platform team 805 102 1" in lines
    assert (
        "'Weekly sync' (google) meets at 09:00 America/New_York: 2026-03-02 14:00Z, "
        "then 2026-03-09 13:00Z a week later" in lines
    )
    assert [line.split(":")[0] for line in lines if line.startswith("week of")] == [
        "week of 2026-03-02",
        "week of 2026-03-09",
        "week of 2026-03-16",
        "week of 2026-03-23",
    ]
    assert any(line.startswith("microsoft 5 1 12 ") for line in lines)  # the tap's summary
    png = tmp_path / "demo" / "weekly-hours.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
