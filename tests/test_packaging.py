"""The built wheel installs on its own and ships the schemas: --about and --discover work."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with only the wheel (and its dependencies) installed."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(work), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = work.glob("tap_calinstances-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    subprocess.run(
        [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    return env_dir / "bin"


def run(installed: Path, *command: str) -> str:
    """Run from a neutral directory, so that the source tree cannot shadow the wheel."""
    return subprocess.run(
        [str(installed / command[0]), *command[1:]],
        check=True,
        capture_output=True,
        text=True,
        cwd=installed.parent,
    ).stdout


def test_wheel_contains_the_schemas(installed: Path) -> None:
    names = run(
        installed,
        "python",
        "-c",
        "import importlib.resources as r; print(sorted(p.name for p in "
        "r.files('tap_calinstances').joinpath('schemas').iterdir()))",
    )
    assert names.strip() == "['calendar.json', 'instance.json', 'series.json']"


def test_installed_about_marks_credentials_secret(installed: Path) -> None:
    about = json.loads(run(installed, "tap-calinstances", "--about", "--format", "json"))
    google = about["settings"]["properties"]["google"]["properties"]
    for name in ("client_id", "client_secret", "refresh_token", "service_account_info"):
        assert google[name].get("secret") is True, name


def test_installed_discover_lists_the_streams_with_schemas(installed: Path) -> None:
    catalog = json.loads(run(installed, "tap-calinstances", "--discover"))
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(streams) == {
        f"{provider}_{kind}"
        for provider in ("google", "microsoft", "feishu")
        for kind in ("calendars", "series", "instances")
    }
    assert streams["google_instances"]["key_properties"] == ["instance_key"]
    assert "original_start_at" in streams["google_instances"]["schema"]["properties"]


def test_installed_sandbox_console_script_runs(installed: Path) -> None:
    assert "--config-out" in run(installed, "tap-calinstances-sandbox", "--help")
