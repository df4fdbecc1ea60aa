"""SIGKILL the CLI at random points and resume it from the last STATE it emitted.

A chain starts with no STATE; each run of it is killed after a random number of Singer
messages (or, once enough kills happened, left to finish). What a killed run wrote before
dying is what a target would have received: its records count, and its last STATE is the
next run's. When a chain's last run finishes, every occurrence of a clean run must be
among the records the chain emitted: zero lost.

Starting the CLI costs a second of imports. Each run is therefore started while the one
before it still runs, with ``--state`` a named pipe: the process imports, then blocks
reading its STATE until the one before it was killed and that STATE is known.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.harness import TAP, TapRun

# Processes importing at once, ahead of the run that is being killed.
AHEAD = int(os.environ.get("KILL_AHEAD", "4"))


@dataclass
class Chain:
    """The runs from no STATE to a finished run, and what they emitted."""

    runs: list[TapRun] = field(default_factory=list)
    kills: int = 0

    def records(self, stream: str) -> dict[str, dict[str, Any]]:
        """The latest record per instance key, as a warehouse would keep it."""
        latest: dict[str, dict[str, Any]] = {}
        for run in self.runs:
            latest.update(run.by_key(stream))
        return latest


class _Waiting:
    """A CLI process that has imported everything and waits for its STATE."""

    def __init__(self, config: Path, fifo: Path) -> None:
        os.mkfifo(fifo)
        self.fifo = fifo
        self.process = subprocess.Popen(
            [TAP, "--config", str(config), "--state", str(fifo)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def run(self, state: dict[str, Any], kill_after: int | None) -> tuple[TapRun, bool]:
        """Hand over ``state``, read ``kill_after`` messages, SIGKILL; or read to the end."""
        with self.fifo.open("w", encoding="utf-8") as pipe:  # opens once the process reads
            pipe.write(json.dumps(state))
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        lines: list[bytes] = []
        killed = False
        while kill_after is None or len(lines) < kill_after:
            line = stdout.readline()
            if not line:
                break
            lines.append(line)
        else:
            self.process.kill()
            killed = True
        lines += stdout.read().splitlines(keepends=True)  # written before it died
        code = self.process.wait()
        self.fifo.unlink()
        return TapRun(_messages(lines), "", code), killed

    def abandon(self) -> None:
        self.process.kill()
        self.process.wait()
        self.fifo.unlink(missing_ok=True)


def _messages(lines: list[bytes]) -> list[dict[str, Any]]:
    found = []
    for line in lines:
        try:
            found.append(json.loads(line))
        except ValueError:
            break  # cut by the kill: a target would not have read it either
    return found


@contextmanager
def launcher(config: dict[str, Any], folder: Path) -> Iterator[Iterator[_Waiting]]:
    """CLI processes, each started while the one before it runs."""
    path = folder / "config.json"
    path.write_text(json.dumps(config), "utf-8")
    started: list[_Waiting] = []

    def processes() -> Iterator[_Waiting]:
        for number in itertools.count():
            while len(started) < AHEAD:
                started.append(_Waiting(path, folder / f"state-{number}-{len(started)}.fifo"))
            yield started.pop(0)

    try:
        yield processes()
    finally:
        for waiting in started:
            waiting.abandon()


def kill_and_resume(
    config: dict[str, Any], folder: Path, *, kills: int, messages: int, seed: int
) -> list[Chain]:
    """Chains of runs with at least ``kills`` SIGKILLs in all, each at a random message
    among the ``messages`` a clean run writes; the last chain runs to its end."""
    rng = random.Random(seed)
    chains = [Chain()]
    state: dict[str, Any] = {}
    with launcher(config, folder) as processes:
        for process in processes:
            done = sum(chain.kills for chain in chains)
            kill_after = rng.randint(1, messages) if done < kills else None
            run, killed = process.run(state, kill_after)
            chain = chains[-1]
            chain.runs.append(run)
            if killed:
                chain.kills += 1
                state = run.last_state if run.states else state
                continue
            if run.returncode != 0:
                raise AssertionError(f"a resumed run failed with exit code {run.returncode}")
            if done >= kills:
                return chains
            chains.append(Chain())  # finished before its kill point: start over
            state = {}
    raise AssertionError("unreachable")
