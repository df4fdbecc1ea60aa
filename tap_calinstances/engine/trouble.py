"""When the request machinery stops retrying, and what a failed connection means.

A request retries until its tries or the retry budget run out, counted from its first failed
attempt: then its calendar fails and the run goes on. The run stops once no request at all
succeeded for the retry budget, counted from the attempt that started the trouble: a stalled
provider thus costs at most the budget plus one attempt's timeouts, and time spent waiting
for the provider's pace (its rate limits) before any failure never counts.
"""

from __future__ import annotations

import random
import time
from typing import Any

from tap_calinstances.errors import CalendarReadError, HostUnreachable, ProviderError, unreachable
from tap_calinstances.transport import origin

# A host that refuses connections, does not resolve or fails TLS is misconfigured far more
# often than down: a few tries (about 3 s), not minutes of back-off.
UNREACHABLE_TRIES = 3


class Trouble:
    """One provider run's trouble, shared by every worker thread of its requests."""

    def __init__(self, provider: str, api_origin: str, budget: float) -> None:
        self.provider = provider
        self.budget = budget
        self._api_origin = api_origin
        # When the attempt that started the current trouble was sent; None: the last
        # request succeeded. Written whole by any thread: no lock needed.
        self._since: float | None = None

    def over(self) -> None:
        """A request succeeded."""
        self._since = None

    def wait(
        self, what: str, wait: float, tries: tuple[int, int], sent: tuple[float, float],
        context: dict[str, Any],
    ) -> float:  # fmt: skip
        """Seconds to wait before the next try, ``wait`` and a little jitter, or the error
        that ends the retries. ``tries``: so far, and at most; ``sent``: when the request's
        first and latest failed attempts were sent."""
        (tried, most), (failing, attempt) = tries, sent
        now = time.monotonic()
        since = self._since  # read once: another thread may reset it meanwhile
        if since is None:
            since = self._since = attempt
        idle = now - since
        if idle + wait > self.budget:
            raise ProviderError(
                f"{what}; no request to {self.provider} succeeded for {idle:.0f} s, and "
                f"waiting {wait:.1f} s more would pass the retry budget of {self.budget:g} s "
                "(retry_budget_seconds): the provider is down, throttling hard or unreachable "
                "from here. STATE so far is valid: re-run the tap later",
                **context,
            )
        elapsed = now - failing
        if tried >= most or elapsed + wait > self.budget:
            raise CalendarReadError(
                f"{what}; gave up after {tried} tries in {elapsed:.0f} s. The provider is "
                "rate limiting or failing: wait and re-run the tap (STATE so far is valid), "
                "or narrow the calendars",
                **context,
            )
        return wait + random.uniform(0, wait * 0.1)  # spreads workers without ignoring a hint

    def connection(self, exc: BaseException, url: str, tries: int, context: dict[str, Any]) -> str:
        """What a failed connection was; HostUnreachable once a host that refuses, does not
        resolve or fails TLS did so ``UNREACHABLE_TRIES`` times."""
        failed = getattr(getattr(exc, "request", None), "url", None) or url
        host, why, where = origin(failed), unreachable(exc), context["where"]
        if not why:
            return (
                f"{self.provider}: connection problem ({type(exc).__name__}) with {host} on "
                f"{where} ({context['endpoint']})"
            )
        what = f"{self.provider}: cannot reach {host} ({why}) for {where}"
        if tries >= UNREACHABLE_TRIES:
            key = "api_url" if host == self._api_origin else "token_url"
            raise HostUnreachable(
                f"{what}; gave up after {tries} tries. This looks like a configuration "
                f"problem: check {self.provider}.{key}, and that the host is reachable from "
                "here",
                **context,
            ) from exc
        return what
