"""A rejected token is refreshed once, never more; an expired page token restarts the
listing without repeating or losing an item, even after several data pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tap_calinstances.engine.http import Http
from tap_calinstances.engine.scheduler import Scheduler
from tap_calinstances.providers import CalendarTarget
from tap_calinstances.providers.google import GOOGLE
from tap_calinstances.sandbox import Sandbox
from tap_calinstances.windows import Window
from tests.harness import run_cli, run_tap
from tests.test_google_faults import comparable

OPS = "ops#oncall@group.calendar.sandbox.example"
QUARTER = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}
QUARTER_WINDOW = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def test_a_second_401_with_a_fresh_token_stops_the_run_clearly(
    clean_sandbox: Sandbox, user_config: dict[str, Any], tmp_path: Path
) -> None:
    clean_sandbox.set_faults(reject_tokens=True)
    run = run_cli({**user_config, **QUARTER}, tmp_path, timeout=60)
    assert run.returncode != 0
    assert "even with a fresh token" in run.stderr
    assert "calendar list" in run.stderr
    # The first token, then exactly one more: never a refresh loop.
    assert len(clean_sandbox.token_requests) == 2
    assert len(clean_sandbox.requests) == 2


@pytest.fixture
def paged_sandbox() -> Iterator[Sandbox]:
    # Pages of 10 items: the standup's 64 occurrences of the quarter span several pages.
    with Sandbox(seed=7, page_size=10) as sandbox:
        yield sandbox


def http_for(sandbox: Sandbox) -> tuple[Http, CalendarTarget]:
    config = sandbox.tap_config(providers=["google"], google_auth="refresh_token", **QUARTER)
    settings = GOOGLE.settings(config["google"])
    http = Http(GOOGLE, settings, Scheduler(1, GOOGLE.budget, "test"))
    label = settings.principals[0].label
    return http, CalendarTarget(OPS, label, "Europe/London", None, {})


def test_a_listing_restarted_after_several_data_pages_repeats_and_loses_nothing(
    paged_sandbox: Sandbox,
) -> None:
    http, target = http_for(paged_sandbox)
    standup = GOOGLE.instances(target, paged_sandbox.series_id("Daily standup"), QUARTER_WINDOW)
    clean = http.listing(standup)
    assert clean is not None
    ids = [item["id"] for item in clean.items]
    # The quarter's 62 weekdays from 5 January: 7 data pages after an empty first one.
    assert len(ids) == len(set(ids)) == 62
    # Every 8th request carrying a page token finds it expired. A short listing takes the
    # first two, so the standup's listing gets 5 data pages (50 items) before its token
    # expires, and must start again.
    paged_sandbox.set_faults(expire_page_tokens_every=8)
    paged_sandbox.clear_requests()
    alex = CalendarTarget("alex@sandbox.example", target.principal, "America/New_York", None, {})
    http.listing(GOOGLE.instances(alex, paged_sandbox.series_id("Weekly sync"), QUARTER_WINDOW))
    restarted = http.listing(standup)
    assert restarted is not None
    assert [item["id"] for item in restarted.items] == ids
    on_ops = [r for r in paged_sandbox.requests if OPS in r.path]
    expired = [i for i, r in enumerate(on_ops) if r.fault == "page_token_expired"]
    assert expired == [6]  # after the empty first page and 5 data pages


def test_the_tap_survives_restarts_of_multi_page_listings_with_the_same_records(
    paged_sandbox: Sandbox,
) -> None:
    # One request at a time, so that which requests expire does not depend on timing.
    config = {
        **paged_sandbox.tap_config(providers=["google"], google_auth="refresh_token", **QUARTER)
    }
    config["max_concurrency"] = 1
    clean = run_tap(config)
    paged_sandbox.set_faults(expire_page_tokens_every=8)
    faulted = run_tap(config)
    assert [r for r in paged_sandbox.requests if r.fault == "page_token_expired"]
    assert faulted.duplicates("google_instances", ("instance_key",)) == []
    assert comparable(faulted) == comparable(clean)
