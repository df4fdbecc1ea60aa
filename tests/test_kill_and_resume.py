"""SIGKILL at random points, resume from the last STATE emitted: no occurrence is lost.

The CLI runs as a subprocess, as Meltano runs it. `make soak` runs the same test with more
kills (KILLS_PER_PROVIDER, SEED).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tap_calinstances.sandbox import Sandbox
from tests.harness import TapRun, run_tap
from tests.kills import kill_and_resume

KILLS = int(os.environ.get("KILLS_PER_PROVIDER", "20"))
SEED = int(os.environ.get("SEED", "1"))
QUARTER = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    # Pages of 10: more requests, so that kills land between pages of one listing too.
    with Sandbox(seed=7, page_size=10) as sb:
        yield sb


def config(sandbox: Sandbox, provider: str) -> dict[str, Any]:
    # A fraction, as a config file holds it (read by the SDK as a Decimal).
    return {**sandbox.tap_config(providers=[provider], **QUARTER), "read_timeout_seconds": 7.5}


@pytest.mark.parametrize("provider", ["google", "microsoft", "feishu"])
def test_no_occurrence_is_lost_whatever_the_kill_point(
    sandbox: Sandbox, tmp_path: Path, provider: str
) -> None:
    clean: TapRun = run_tap(config(sandbox, provider))
    stream = f"{provider}_instances"
    expected = clean.by_key(stream)
    assert len(expected) > 50, "too little data for kill points to mean anything"
    chains = kill_and_resume(
        config(sandbox, provider), tmp_path, kills=KILLS, messages=len(clean.messages), seed=SEED
    )
    assert sum(chain.kills for chain in chains) >= KILLS
    finished = [chain for chain in chains if chain.runs[-1].returncode == 0]
    assert finished == chains  # every chain ran to a successful end
    for chain in chains:
        # Every occurrence was emitted by some run of the chain, as the clean run has it.
        assert chain.records(stream) == expected, f"seed {SEED}"
