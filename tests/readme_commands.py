"""The README's Meltano commands, read from the README itself, so that they cannot rot.

Every ```sh block holding a `meltano` command is one block; a test runs a block as a bash
script in an isolated Meltano project (demo/project.py), with the README's `<placeholders>`
replaced by the sandbox's values.
"""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from collections.abc import Mapping
from pathlib import Path

from demo.project import MELTANO, ROOT, Project

FENCE = re.compile(r"^ *```sh\n(.*?)^ *```", re.S | re.M)
PLACEHOLDER = re.compile(r"<[a-z][a-z ()]*>")


def blocks() -> list[str]:
    """The README's ```sh blocks with a `meltano` command, in README order."""
    readme = (ROOT / "README.md").read_text("utf-8")
    return [
        textwrap.dedent(body)
        for body in FENCE.findall(readme)
        if re.search(r"^\s*meltano ", body, re.M)
    ]


def commands(block: str) -> list[str]:
    """The `meltano` commands of a block (a command's first line)."""
    return [line for line in block.splitlines() if line.startswith("meltano ")]


def block_with(text: str) -> str:
    """The one README block with a command containing ``text`` (e.g. " microsoft.")."""
    (block,) = [b for b in blocks() if any(text in c for c in commands(b))]
    return block


def run(
    project: Project,
    block: str,
    values: Mapping[str, str],
    *,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``block`` in ``project`` (cwd, environment) through bash, as a reader would paste
    it; `meltano install` is left out (the session installed the plugins once, and an
    isolated project cannot install the tap from its own folder)."""
    path = f"{Path(MELTANO).parent}{os.pathsep}{project.env.get('PATH', '')}"
    script = "\n".join(
        line for line in block.splitlines() if not line.startswith("meltano install")
    )
    for placeholder, value in values.items():
        script = script.replace(placeholder, value)
    left = PLACEHOLDER.findall(script)
    assert not left, f"no value for {left} in:\n{block}"
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=project.root,
        env={**project.env, **(env or {}), "PATH": path},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{block[:300]}\n{result.stderr[-3000:]}"
    return result
