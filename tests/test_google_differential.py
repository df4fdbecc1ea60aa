"""Incremental runs converge: 50 rounds of random changes, each followed by a run from the
last STATE, compared with a full run (`make soak` runs 500)."""

from __future__ import annotations

from tests.differential import differential


def test_incremental_runs_converge_to_a_full_run_over_50_random_rounds() -> None:
    rounds, problems = differential(rounds=50, seed=1)
    assert problems == []
    assert rounds == 50
