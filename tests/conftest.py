"""Shared fixtures: a sandbox per test module, and configs pointing the tap at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tap_calinstances.sandbox import Faults, Sandbox
from tests.harness import TapRun, run_tap

START, END = "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=7) as sb:
        yield sb


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Sandbox:
    """The module's sandbox with no faults and an empty request log."""
    sandbox.set_faults(**Faults().to_json())
    sandbox.clear_requests()
    return sandbox


@pytest.fixture
def user_config(clean_sandbox: Sandbox) -> dict[str, Any]:
    """Refresh-token user alex@sandbox.example, 2026 as the window."""
    return clean_sandbox.tap_config(
        providers=["google"], google_auth="refresh_token", start_date=START, end_date=END
    )


@pytest.fixture
def service_config(clean_sandbox: Sandbox) -> dict[str, Any]:
    """Service account impersonating alex@ and robin@, 2026 as the window."""
    return clean_sandbox.tap_config(
        providers=["google"], google_auth="service_account", start_date=START, end_date=END
    )


@pytest.fixture(scope="module")
def user_run(sandbox: Sandbox) -> TapRun:
    """A full run of the refresh-token user over 2026."""
    sandbox.clear_requests()
    return run_tap(
        sandbox.tap_config(
            providers=["google"], google_auth="refresh_token", start_date=START, end_date=END
        )
    )
