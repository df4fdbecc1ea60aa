"""Progress lines and exit codes: what a long run says while it goes, how a failure ends."""

from __future__ import annotations

import logging

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_calinstances.engine.progress import Summary, Tally
from tap_calinstances.errors import (
    AuthError,
    HostUnreachable,
    MalformedResponseError,
    ProviderError,
    exit_code,
)
from tap_calinstances.providers import CalendarTarget


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def calendar(calendar_id: str) -> CalendarTarget:
    return CalendarTarget(calendar_id, "principal", "UTC", None, {"name": calendar_id})


def occurrences(n: int, cancelled: int = 0) -> list[dict[str, str]]:
    return [{"status": "confirmed"}] * n + [{"status": "cancelled"}] * cancelled


def test_a_long_run_says_how_far_it_is_every_30_seconds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    tally = Tally("google", clock=clock)
    tally.start()
    tally.calendars_total = 3
    for _ in range(7):
        tally.request()
    tally.retry()
    caplog.set_level(logging.INFO, "tap-calinstances")
    list(tally.counted("a@x", occurrences(600)))
    tally.calendar_done(calendar("a@x"), 2, False)
    assert [r.getMessage() for r in caplog.records if "calendars done" in r.getMessage()] == []
    clock.now += 31
    list(tally.counted("b@x", occurrences(400, 100)))  # the 1,000th record looks at the clock
    periodic = [r.getMessage() for r in caplog.records if "calendars done" in r.getMessage()]
    assert periodic == [
        "google: 1 of 3 calendars done, 1000 occurrences written, 7 requests (1 retried) in 31 s"
    ]


def test_the_summary_has_a_row_per_provider_with_its_counts() -> None:
    clock = Clock()
    summary = Summary(clock=clock)
    tally = summary.tally("microsoft")
    tally.start()
    tally.calendars_total = 2
    tally.request()
    tally.skipped()  # outside any calendar's task: a user without a mailbox
    list(tally.counted("c1", occurrences(5, 2)))
    tally.calendar_done(calendar("c1"), 3, False)
    tally.calendar_done(calendar("c2"), 0, True)
    clock.now += 12.5
    tally.stop()
    row = summary.table()[2].split()
    assert row == ["microsoft", "1", "2", "3", "5", "2", "1", "0", "12.5", "s"]


def test_requests_count_for_the_calendar_whose_task_made_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    tally = Tally("feishu", clock=clock)
    tally.start()
    tally.calendars_total = 1

    def task() -> None:
        tally.request()
        tally.request()
        clock.now += 0.5

    tally.attributed("cal-1", task)()
    tally.request()  # the calendar list: no calendar's
    caplog.set_level(logging.INFO, "tap-calinstances")
    tally.calendar_done(calendar("cal-1"), 1, False)
    assert caplog.records[-1].getMessage() == (
        "feishu: calendar cal-1 done (1 of 1): 1 series, 0 occurrences, 0 cancelled, "
        "2 requests, 0.5 s"
    )
    assert tally.requests == 3


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ConfigValidationError("x", errors=["start_date: required"]), 2),
        (ProviderError("google: HTTP 403 insufficientPermissions"), 3),
        (AuthError("google: the token endpoint refused the credentials"), 3),
        (MalformedResponseError("google: malformed response"), 3),
        (HostUnreachable("google: cannot reach https://proxy.example"), 3),
        (KeyError("start"), 1),
    ],
    ids=["config", "provider", "auth", "malformed", "unreachable", "bug"],
)
def test_exit_codes(exc: BaseException, code: int) -> None:
    assert exit_code(exc) == code
