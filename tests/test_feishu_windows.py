"""Feishu's two-year instance windows: random windows and series placed across the places
the tap may cut them; every occurrence in the window exactly once (`make soak` runs more)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tap_calinstances.sandbox import Sandbox
from tests.feishu_windows import check_case

SEEDS = range(1, 25)


@pytest.fixture(scope="module")
def placed() -> Iterator[Sandbox]:
    # One empty generated calendar per case, so that cases do not see each other's series.
    with Sandbox(seed=7, principals=len(SEEDS), series_per_calendar=0) as sandbox:
        yield sandbox


@pytest.mark.parametrize("seed", SEEDS)
def test_every_occurrence_in_the_window_exactly_once(placed: Sandbox, seed: int) -> None:
    assert check_case(placed, seed, seed) == []
