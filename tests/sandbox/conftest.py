"""A fresh sandbox per test: these tests change its data, faults and limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tap_calinstances.sandbox import Sandbox


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sandbox:
        yield sandbox
