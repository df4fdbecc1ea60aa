"""Bounded concurrent fetching inside each provider's budget.

Work is a task per listing (a calendar list, a change listing, one series' occurrences);
each runs its pages one after the other on one of ``workers`` threads. A principal (user,
mailbox, app) never has more tasks running than its budget allows, and its requests are
paced to its rate in a sliding window. Lower priorities run first; the run holds back tasks
far ahead of what the main thread is writing, which bounds memory whatever the tenant size.
A rate-limit answer halves the principal's concurrency and pauses it for the time asked,
instead of hammering; successes win the concurrency back one step at a time.

Singer output is never written from here: tasks return values, the main thread writes.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from tap_calinstances.providers import Budget

T = TypeVar("T")
# The provider counts requests on arrival, somewhere between our sending and its answer;
# requests are counted from their sending until a window's length after their answer (see
# _Window), and a margin stays for clocks and what the provider counts that we do not.
RATE_MARGIN = 0.95
# How often a full window whose requests are all still in flight looks again.
IN_FLIGHT_POLL = 0.02
# Successful requests that win back one step of concurrency after a rate-limit answer.
RECOVERY_STEP = 20
# Priorities, lowest first. The listings the main thread waits on before it can write
# anything run before the series reads (whose priority is their calendar's index): the reads
# fill the time the workers would otherwise wait at the end of each phase.
CALENDAR_LISTS = -(2**31)
CHANGE_LISTINGS = -(2**30)  # plus the calendar's index


class Cancelled(Exception):
    """The run stopped (another task failed); this task's work is not wanted."""


@dataclass(order=True)
class _Task:
    priority: int
    seq: int
    principal: str = field(compare=False)
    work: Callable[[], None] = field(compare=False)
    future: Future[Any] = field(compare=False)


class _Window:
    """One rate limit of a principal: ``rate`` requests in any ``period`` seconds.

    A request counts from its sending until ``period`` after its answer. The provider
    counts it from its arrival, which lies in between, so this count is never below the
    provider's, whatever the delay between sending and arriving (measured: counting from
    the sending alone let 1 to 7 of 100 requests over Feishu's 50 a second in the sandbox).
    """

    def __init__(self, rate: int, period: float) -> None:
        self.rate = rate
        self.period = period
        self.in_flight = 0
        # When each answered request stops counting: answers are recorded in time order
        # and the period is fixed, so this is sorted.
        self.until = deque[float]()

    def wait(self, now: float) -> float:
        """Seconds until one more request fits (0: now)."""
        while self.until and self.until[0] <= now:
            self.until.popleft()
        if self.in_flight + len(self.until) < self.rate:
            return 0.0
        return self.until[0] - now if self.until else IN_FLIGHT_POLL


class _Principal:
    """Pacing and concurrency of one principal."""

    def __init__(self, budget: Budget) -> None:
        self.limit = budget.concurrency
        self.cap = budget.concurrency
        self.running = 0
        self.waiting: list[_Task] = []
        self.successes = 0
        self.paused_until = 0.0
        self.windows = [
            _Window(max(1, int(requests * RATE_MARGIN)), seconds)
            for requests, seconds in budget.windows
        ]
        self.lock = threading.Lock()

    def has_room(self) -> bool:
        return self.running < self.cap


class Scheduler:
    def __init__(self, workers: int, budget: Budget, name: str) -> None:
        self._workers = workers
        self._budget = budget
        self._name = name
        self._cond = threading.Condition()
        self._principals: dict[str, _Principal] = {}
        self._ready: list[tuple[int, int, str]] = []  # (priority, seq, principal), may be stale
        self._seq = itertools.count()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self.cancelled = threading.Event()
        # Installed by the run: whether a task of this priority must wait, given how many
        # tasks of each priority are running (the memory bound).
        self.hold_back: Callable[[int, Counter[int]], bool] = lambda _priority, _running: False
        self._running = Counter[int]()
        self._held = False  # a worker waits because of hold_back

    # -- submitting ------------------------------------------------------------------------

    def submit(self, principal: str, priority: int, fn: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()

        def work() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                if self.cancelled.is_set():
                    raise Cancelled(self._name)
                future.set_result(fn())
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)

        with self._cond:
            if self._closed:  # the run stopped: a plan that finished late asks for reads
                future.cancel()
                return future
            state = self._principal(principal)
            task = _Task(priority, next(self._seq), principal, work, future)
            heapq.heappush(state.waiting, task)
            if state.has_room() and state.waiting[0] is task:
                heapq.heappush(self._ready, (task.priority, task.seq, principal))
            self._start_threads()
            self._cond.notify()
        return future

    def wake(self) -> None:
        """Something ``hold_back`` depends on changed."""
        with self._cond:
            # One worker, which wakes the next if there is more to do (see _work): waking
            # all of them for each batch of records written cost a tenth of a fast run in
            # GIL hand-overs, most of them to find the work held back again.
            if self._held:
                self._held = False
                self._cond.notify()

    def close(self) -> None:
        """Stop the workers; tasks not started are cancelled, running ones are told to stop."""
        with self._cond:
            self._closed = True
            self.cancelled.set()
            for state in self._principals.values():
                for task in state.waiting:
                    task.future.cancel()
                state.waiting.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=0.1)

    # -- pacing, called by requests on worker threads ---------------------------------------

    def pace(self, principal: str) -> Callable[[], None]:
        """Wait until ``principal`` may send one more request, and count it. Call what it
        returns when the answer (or the failure) is back."""
        state = self._principal(principal)
        while True:
            with state.lock:
                now = time.monotonic()
                wait = max(state.paused_until - now, *(w.wait(now) for w in state.windows))
                if wait <= 0:
                    for window in state.windows:
                        window.in_flight += 1
                    return partial(self._answered, state)
            if self.cancelled.wait(min(wait, 1.0)):
                raise Cancelled(self._name)

    @staticmethod
    def _answered(state: _Principal) -> None:
        with state.lock:
            now = time.monotonic()
            for window in state.windows:
                window.in_flight -= 1
                window.until.append(now + window.period)

    def slow_down(self, principal: str, seconds: float) -> None:
        """The provider said "too many": fewer at once, and none for ``seconds``."""
        state = self._principal(principal)
        with self._cond:
            state.cap = max(1, state.cap // 2)
            state.successes = 0
        with state.lock:
            state.paused_until = max(state.paused_until, time.monotonic() + seconds)

    def succeeded(self, principal: str) -> None:
        state = self._principal(principal)
        if state.cap >= state.limit:
            return
        with self._cond:
            state.successes += 1
            if state.successes >= RECOVERY_STEP:
                state.cap, state.successes = min(state.limit, state.cap + 1), 0
                self._offer(principal, state)
                self._cond.notify()

    # -- workers ---------------------------------------------------------------------------

    def _principal(self, principal: str) -> _Principal:
        state = self._principals.get(principal)
        if state is None:
            state = self._principals.setdefault(principal, _Principal(self._budget))
        return state

    def _start_threads(self) -> None:
        if len(self._threads) >= self._workers:
            return
        thread = threading.Thread(
            target=self._work, name=f"{self._name}-{len(self._threads) + 1}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def _offer(self, principal: str, state: _Principal) -> None:
        if state.waiting and state.has_room():
            top = state.waiting[0]
            heapq.heappush(self._ready, (top.priority, top.seq, principal))

    def _pick(self) -> _Task | None:
        while self._ready:
            priority, seq, principal = self._ready[0]
            state = self._principals[principal]
            if not (state.waiting and state.waiting[0].seq == seq and state.has_room()):
                heapq.heappop(self._ready)  # stale: consumed, or the principal is full
                continue
            if self.hold_back(priority, self._running):
                self._held = True
                return None  # the best task waits, so every other one does too
            heapq.heappop(self._ready)
            task = heapq.heappop(state.waiting)
            state.running += 1
            self._running[task.priority] += 1
            self._offer(principal, state)
            return task
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                task = self._pick()
                while task is None:
                    if self._closed:
                        return
                    self._cond.wait(timeout=0.5)
                    task = self._pick()
                if self._ready:
                    self._cond.notify()  # more may be runnable: pass the turn on
            try:
                task.work()
            finally:
                with self._cond:
                    state = self._principals[task.principal]
                    state.running -= 1
                    self._running[task.priority] -= 1
                    # The one task this frees room for is picked by this thread next.
                    self._offer(task.principal, state)
