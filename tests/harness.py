"""Running the tap for tests: in-process for speed, or as the real CLI for exit codes/output."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tap_calinstances.tap import TapCalInstances
from tap_calinstances.writer import SingerWriter

TAP = str(Path(sys.executable).parent / "tap-calinstances")


@dataclass
class TapRun:
    messages: list[dict[str, Any]]
    stderr: str = ""
    returncode: int = 0
    stdout: str = field(default="", repr=False)
    # The tap's own log lines (notes, warnings) of an in-process run, level and message.
    logs: list[str] = field(default_factory=list, repr=False)

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream
        ]

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def last_state(self) -> dict[str, Any]:
        return self.states[-1]

    def by_key(self, stream: str = "google_instances") -> dict[str, dict[str, Any]]:
        return {r["instance_key"]: r for r in self.records(stream)}

    def occurrences(self, provider: str, summary: str) -> dict[str, dict[str, Any]]:
        """Occurrences of the one series called ``summary``, by original start (UTC)."""
        (series_id,) = {
            s["series_id"] for s in self.records(f"{provider}_series") if s["summary"] == summary
        }
        return {
            r["original_start_at"]: r
            for r in self.records(f"{provider}_instances")
            if r["series_id"] == series_id
        }

    def duplicates(self, stream: str, keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
        counts = Counter(tuple(r[k] for k in keys) for r in self.records(stream))
        return [key for key, n in counts.items() if n > 1]


def _parse(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


def run_tap(
    config: dict[str, Any],
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
) -> TapRun:
    """Sync every stream in this process and collect the Singer messages and log lines."""
    # The tap writes Singer messages as bytes to stdout's buffer, as on a real pipe.
    raw, err = io.BytesIO(), io.StringIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    # The log lands in `stderr` whatever handlers earlier tests left on the root logger
    # (a CLI run in this process binds one to the stderr of its day; pytest adds its own).
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s | %(message)s"))
    root = logging.getLogger()
    logger, collect = logging.getLogger("tap-calinstances"), _Collect()
    level = logger.level
    root.addHandler(handler)
    logger.addHandler(collect)
    logger.setLevel(min(level or logging.INFO, logging.INFO))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            tap = TapCalInstances(config=config, state=state or {}, catalog=catalog)
            try:
                tap.sync_all()
            finally:  # as a process does at exit: records after the last STATE still leave
                if isinstance(tap.message_writer, SingerWriter):
                    tap.message_writer.flush()
    finally:
        root.removeHandler(handler)
        logger.removeHandler(collect)
        logger.setLevel(level)
    text = raw.getvalue().decode("utf-8")
    return TapRun(_parse(text), err.getvalue(), 0, text, collect.lines)


def run_cli(
    config: dict[str, Any],
    tmp: Path,
    *args: str,
    state: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> TapRun:
    """The installed console script, as Meltano runs it."""
    config_path = tmp / "config.json"
    config_path.write_text(json.dumps(config), "utf-8")
    command = [TAP, "--config", str(config_path), *args]
    if state is not None:
        state_path = tmp / "state.json"
        state_path.write_text(json.dumps(state), "utf-8")
        command += ["--state", str(state_path)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )
    return TapRun(_parse(done.stdout), done.stderr, done.returncode, done.stdout)
