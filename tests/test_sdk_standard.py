"""The Singer SDK's standard tap tests, run against the sandbox.

The SDK builds the test class at import time and syncs lazily in a class-scoped fixture, so
the class gets a placeholder config that a module fixture fills in (same dict) once the
sandbox is listening.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from singer_sdk.testing import get_tap_test_class

from tap_calinstances.sandbox import Sandbox
from tap_calinstances.tap import TapCalInstances

CONFIG: dict[str, Any] = {
    "start_date": "2026-01-01T00:00:00Z",
    "end_date": "2026-03-01T00:00:00Z",
    "google": {
        "client_id": "placeholder-id",
        "client_secret": "placeholder-secret",
        "refresh_token": "placeholder-token",
        "api_url": "http://127.0.0.1:9/google/calendar/v3",
        "token_url": "http://127.0.0.1:9/google/token",
    },
    "microsoft": {
        "tenant_id": "placeholder-tenant",
        "client_id": "placeholder-id",
        "client_secret": "placeholder-secret",
        "api_url": "http://127.0.0.1:9/microsoft/v1.0",
        "token_url": "http://127.0.0.1:9/token",
    },
    "feishu": {
        "app_id": "placeholder-id",
        "app_secret": "placeholder-secret",
        "api_url": "http://127.0.0.1:9/open-apis",
    },
}


@pytest.fixture(scope="module", autouse=True)
def _point_at_sandbox() -> Iterator[None]:
    with Sandbox(seed=7) as sandbox:
        live = sandbox.tap_config(
            google_auth="refresh_token",
            start_date=CONFIG["start_date"],
            end_date=CONFIG["end_date"],
        )
        for provider in ("google", "microsoft", "feishu"):
            CONFIG[provider].clear()
            CONFIG[provider].update(live[provider])
        yield


TestTapCalInstances = get_tap_test_class(TapCalInstances, config=CONFIG)
