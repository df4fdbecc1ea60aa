"""Processes the bench starts: the sandbox, the replay server, and measured children.

Every server runs in its own process (the tap and the server must not share a GIL), on
loopback only, and is stopped by its own pid.
"""

from __future__ import annotations

import json
import os
import select
import shlex
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable
STARTUP_TIMEOUT_S = 300.0  # the largest dataset takes a while to generate


def shell(command: list[str]) -> str:
    """A command as a person would type it from the repository root."""
    shown = [os.path.relpath(c, ROOT) if c.startswith(str(ROOT)) else c for c in command]
    return shlex.join(shown)


def _read_until(stream: IO[str], done: Any, process: subprocess.Popen[str], what: str) -> str:
    """What `stream` says until done(text) is true; bounded by STARTUP_TIMEOUT_S.

    Reads the raw descriptor (select() knows nothing of a file object's own buffer)."""
    data = b""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not done(data.decode("utf-8", "replace")):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start within {STARTUP_TIMEOUT_S:.0f} s")
        ready, _, _ = select.select([stream], [], [], 0.5)
        chunk = os.read(stream.fileno(), 65536) if ready else b""
        if not chunk and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before starting")
        data += chunk
    return data.decode()


class Server:
    """A server child process; subclasses say how to read its address."""

    name = "server"

    def __init__(self, command: list[str], log: Path) -> None:
        self.command = command
        self.log = log
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as errors:
            self.process = subprocess.Popen(
                self.command, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=ROOT
            )
        assert self.process.stdout is not None
        try:
            self.ready(self.process.stdout, self.process)
        except BaseException:
            self.stop()
            raise

    def ready(self, stdout: IO[str], process: subprocess.Popen[str]) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.stop()


class SandboxProcess(Server):
    """`tap-calinstances-sandbox ... --config-out FILE`: reads the tap config it prints."""

    name = "sandbox"

    def __init__(self, args: list[str], config_out: Path, log: Path) -> None:
        self.config_out = config_out
        self.args = args
        super().__init__(
            [
                str(BIN / "tap-calinstances-sandbox"),
                *("--port", "0", *args, "--quiet", "--config-out", str(config_out)),
            ],
            log,
        )
        self.config: dict[str, Any] = {}
        self.base = ""

    def ready(self, stdout: IO[str], process: subprocess.Popen[str]) -> None:
        def complete(text: str) -> bool:
            try:
                json.loads(text)
            except ValueError:
                return False
            return True

        config = json.loads(_read_until(stdout, complete, process, "the sandbox"))
        # The benchmarks measure the engine on Google's emulation: only Google's block.
        self.config = {k: v for k, v in config.items() if k not in ("microsoft", "feishu")}
        api = self.config["google"]["api_url"]
        self.base = api[: api.index("/", len("http://"))]

    def control(self, method: str, name: str) -> Any:
        response = requests.request(method, f"{self.base}/_sandbox/{name}", timeout=60)
        response.raise_for_status()
        return response.json()

    def reset_counts(self) -> None:
        self.control("DELETE", "stats")

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.control("GET", "stats")
        return stats

    def request_log(self) -> dict[str, Any]:
        log: dict[str, Any] = self.control("GET", "requests")
        return log


class ReplayProcess(Server):
    """`python -m bench.replay DUMP 0`: serves the recorded pages."""

    name = "replay"

    def __init__(self, dump: Path, log: Path) -> None:
        super().__init__([PYTHON, "-m", "bench.replay", str(dump), "0"], log)
        self.base = ""

    def ready(self, stdout: IO[str], process: subprocess.Popen[str]) -> None:
        line = _read_until(stdout, lambda text: text.endswith("\n"), process, "the replay server")
        self.base = line.split()[0]

    def misses(self) -> list[str]:
        response = requests.get(f"{self.base}/_replay/misses", timeout=60)
        response.raise_for_status()
        misses: list[str] = response.json()
        return misses


def measured(
    command: list[str], work: Path, label: str, state_out: Path | None = None
) -> dict[str, Any]:
    """Run `command` under bench.child; returns its summary (and the command to repeat it)."""
    wrapper = [PYTHON, "-m", "bench.child", "--stderr", str(work / f"{label}.stderr")]
    if state_out is not None:
        wrapper += ["--state-out", str(state_out)]
    full = [*wrapper, "--", *command]
    done = subprocess.run(full, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{shell(full)} failed:\n{done.stderr[-2000:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    if summary["returncode"] != 0:
        tail = (work / f"{label}.stderr").read_text()[-3000:]
        raise RuntimeError(f"{shell(command)} exited with {summary['returncode']}:\n{tail}")
    summary["repeat"] = shell(full)
    return summary


def tap_command(config: Path, state: Path | None = None) -> list[str]:
    command = [str(BIN / "tap-calinstances"), "--config", str(config)]
    if state is not None:
        command += ["--state", str(state)]
    return command


def write_config(path: Path, config: dict[str, Any], **overrides: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**config, **overrides}, indent=2))
    path.chmod(0o600)  # it holds the sandbox's (throwaway) credentials
    return path
