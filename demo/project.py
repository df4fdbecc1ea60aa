"""A Meltano project of its own, for the demo and the tests, that shares only plugin venvs.

The project's own pipeline keeps its configuration (meltano.yml, `.env`), its STATE (the
system database under `.meltano/`) and its warehouse. A run here must touch none of them,
so it gets a project folder of its own: the plugin definitions of meltano.yml without their
`config`, its own system database, its own environment and warehouse, and an environment
without the user's `TAP_CALINSTANCES_*` variables. Only the installed plugin venvs are
shared: they are what takes minutes to build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
MELTANO = str(Path(sys.executable).parent / "meltano")
TAP = "tap-calinstances"
STREAMS = [
    f"{provider}_{kind}.*"
    for provider in ("google", "microsoft", "feishu")
    for kind in ("calendars", "series", "instances")
]
# Variables through which a user's own configuration would reach Meltano or the plugins.
FOREIGN = ("TAP_CALINSTANCES_", "TARGET_", "MELTANO_")


@dataclass(frozen=True)
class Project:
    root: Path
    env: Mapping[str, str]

    def meltano(
        self, *args: str, env: Mapping[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [MELTANO, *args],
            cwd=self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"meltano {' '.join(args)} failed:\n{done.stderr[-4000:]}")
        return done


def clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}


def definitions(source: Path, loaders: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """meltano.yml for an isolated project: the tap's definition without its config and
    selecting every stream, and ``loaders`` (name: config) from the source's definitions."""
    project = yaml.safe_load(source.read_text("utf-8"))
    plugins = project["plugins"]
    (tap,) = [dict(e) for e in plugins["extractors"] if e["name"] == TAP]
    tap.pop("config", None)
    tap["select"] = STREAMS
    chosen = []
    for name, config in loaders.items():
        (loader,) = [dict(e) for e in plugins["loaders"] if e["name"] == name]
        loader["config"] = dict(config)
        chosen.append(loader)
    return {
        "project_id": f"{TAP}-isolated",
        "send_anonymous_usage_stats": False,
        "default_environment": "isolated",
        "environments": [{"name": "isolated"}],
        "plugins": {"extractors": [tap], "loaders": chosen},
    }


def installed(name: str, root: Path = ROOT) -> bool:
    """Whether Meltano finished installing the plugin (it writes the fingerprint last)."""
    found = root.glob(f".meltano/*/{name}/venv/.meltano_plugin_fingerprint")
    return any(True for _ in found)


def install(plugins: Sequence[str], work: Path, root: Path = ROOT) -> None:
    """Install the plugins missing from the project's `.meltano/`, recording nothing in its
    system database. Installed ones are left alone: the tap is an editable install, and a
    loader whose pip_url changed is reinstalled by `meltano run` itself."""
    missing = [name for name in plugins if not installed(name, root)]
    if not missing:
        return
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **clean_environ(),
        "MELTANO_DATABASE_URI": f"sqlite:///{work / 'install.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = subprocess.run(
        [MELTANO, "install", *missing],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"meltano install failed:\n{done.stderr[-4000:]}")


def isolated(work: Path, loaders: Mapping[str, Mapping[str, Any]], root: Path = ROOT) -> Project:
    """A project in ``work`` (created) using ``root``'s installed plugins."""
    work.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(definitions(root / "meltano.yml", loaders), sort_keys=False)
    (work / "meltano.yml").write_text(text, "utf-8")
    env = {
        **clean_environ(),
        "MELTANO_SYS_DIR_ROOT": str(root / ".meltano"),
        "MELTANO_DATABASE_URI": f"sqlite:///{work / 'meltano.db'}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return Project(work, env)
