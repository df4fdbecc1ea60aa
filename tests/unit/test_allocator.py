"""The collector runs less during a run, and a program that runs the tap in its own process
gets its collector back as it was, whichever way the run ended."""

from __future__ import annotations

import gc

import pytest

from tap_calinstances.engine.allocator import fewer_collections


def _failing_run() -> None:
    with fewer_collections():
        assert gc.get_threshold()[0] == 20_000
        assert gc.get_freeze_count() > 0  # the modules imported so far
        raise RuntimeError("the run failed")


def test_a_failed_run_leaves_the_collector_as_it_found_it() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError, match="the run failed"):
        _failing_run()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
