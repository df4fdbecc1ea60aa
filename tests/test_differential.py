"""Incremental runs converge, for every provider: rounds of random changes, each followed
by a run from the last STATE, compared with a full run (`make soak` runs 500 each)."""

from __future__ import annotations

import pytest

from tests.differential import differential


@pytest.mark.parametrize(
    ("provider", "rounds"), [("google", 50), ("microsoft", 30), ("feishu", 30)]
)
def test_incremental_runs_converge_to_a_full_run(provider: str, rounds: int) -> None:
    done, problems = differential(rounds=rounds, seed=1, provider=provider)
    assert problems == []
    assert done == rounds
