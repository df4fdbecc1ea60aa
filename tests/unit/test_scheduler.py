"""The scheduler: never more than a principal's budget at once, lower priorities first,
paced to a rate, slower after a rate-limit answer."""

from __future__ import annotations

import threading
import time
from collections import Counter
from functools import partial

from tap_calinstances.engine.scheduler import Scheduler
from tap_calinstances.providers import Budget


def test_a_principal_never_has_more_tasks_running_than_its_budget() -> None:
    scheduler = Scheduler(workers=8, budget=Budget(2, 10_000, 60.0), name="t")
    running: Counter[str] = Counter()
    peak: Counter[str] = Counter()
    lock = threading.Lock()

    def task(principal: str) -> None:
        with lock:
            running[principal] += 1
            peak[principal] = max(peak[principal], running[principal])
        time.sleep(0.01)
        with lock:
            running[principal] -= 1

    futures = [scheduler.submit(p, 0, partial(task, p)) for p in ["a", "b", "c"] * 10]
    for future in futures:
        future.result()
    scheduler.close()
    assert peak == {"a": 2, "b": 2, "c": 2}


def test_lower_priorities_start_first() -> None:
    scheduler = Scheduler(workers=1, budget=Budget(1, 10_000, 60.0), name="t")
    order: list[int] = []
    gate = threading.Event()
    first = scheduler.submit("a", 0, gate.wait)  # occupies the only worker
    futures = [scheduler.submit("a", p, partial(order.append, p)) for p in (5, 1, 3)]
    gate.set()
    first.result()
    for future in futures:
        future.result()
    scheduler.close()
    assert order == [1, 3, 5]


def test_held_back_priorities_wait_until_released() -> None:
    scheduler = Scheduler(workers=2, budget=Budget(4, 10_000, 60.0), name="t")
    release = threading.Event()
    scheduler.hold_back = lambda priority, _running: priority > 0 and not release.is_set()
    later = scheduler.submit("a", 1, lambda: "later")
    now = scheduler.submit("a", 0, lambda: "now")
    assert now.result(timeout=2) == "now"
    time.sleep(0.1)
    assert not later.done()
    release.set()
    scheduler.wake()
    assert later.result(timeout=2) == "later"
    scheduler.close()


def test_requests_are_paced_to_the_rate_in_a_sliding_window() -> None:
    # 10 per 0.5 s, less the 5 % margin: 9 go at once, the 10th waits for the window.
    scheduler = Scheduler(workers=1, budget=Budget(1, 10, 0.5), name="t")
    started = time.monotonic()
    for _ in range(9):
        scheduler.pace("a")()  # sent and answered at once
    assert time.monotonic() - started < 0.2
    scheduler.pace("a")
    assert time.monotonic() - started >= 0.45
    scheduler.close()


def test_a_rate_limit_answer_pauses_the_principal_and_halves_its_concurrency() -> None:
    scheduler = Scheduler(workers=4, budget=Budget(4, 10_000, 60.0), name="t")
    scheduler.slow_down("a", 0.3)
    started = time.monotonic()
    scheduler.pace("a")
    assert time.monotonic() - started >= 0.25
    scheduler.pace("b")  # other principals are not slowed
    assert scheduler._principal("a").cap == 2
    scheduler.close()


def test_closing_cancels_what_has_not_started() -> None:
    scheduler = Scheduler(workers=1, budget=Budget(1, 10_000, 60.0), name="t")
    gate = threading.Event()
    running = scheduler.submit("a", 0, gate.wait)
    waiting = scheduler.submit("a", 1, lambda: "never")
    time.sleep(0.05)
    scheduler.close()
    gate.set()
    assert running.result(timeout=2) is True
    assert waiting.cancelled()


def test_a_second_shorter_window_paces_bursts() -> None:
    # 1,000 a minute but 10 a second (less the margin: 9): the 10th waits for the second.
    scheduler = Scheduler(workers=1, budget=Budget(1, 1000, 60.0, burst=(10, 0.5)), name="t")
    started = time.monotonic()
    for _ in range(9):
        scheduler.pace("a")()  # sent and answered at once
    assert time.monotonic() - started < 0.2
    scheduler.pace("a")
    assert time.monotonic() - started >= 0.45
    scheduler.close()


def test_a_request_counts_until_a_window_after_its_answer() -> None:
    # The provider counts a request when it arrives, anywhere between its sending and its
    # answer: 19 (20 less the margin) sent and unanswered fill the window; the 20th goes a
    # window's length (0.3 s) after the first answer (0.2 s), not after the first sending.
    scheduler = Scheduler(workers=1, budget=Budget(1, 20, 0.3), name="t")
    started = time.monotonic()
    answers = [scheduler.pace("a") for _ in range(19)]
    threading.Timer(0.2, answers[0]).start()
    scheduler.pace("a")
    assert time.monotonic() - started >= 0.48
    scheduler.close()
