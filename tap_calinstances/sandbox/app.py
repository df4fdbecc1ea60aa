"""The sandbox's WSGI application: provider routing and the API request pipeline.

Everything that is the same for every provider lives here: numbering API requests,
deciding faults, budgets, checking bearer tokens, recording requests and counting them.
Providers only render. The control API under `/_sandbox/` is in control.py.
"""

from __future__ import annotations

import bisect
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.control import CONTROL_PREFIX, Control, json_answer
from tap_calinstances.sandbox.faults import (
    BUDGET_PREFIX,
    PAGE_TOKEN_EXPIRED,
    REDIRECT_HOST,
    TOKEN_EXPIRED,
    Faults,
)
from tap_calinstances.sandbox.limits import BudgetKeeper, Limits
from tap_calinstances.sandbox.net import reset_connection
from tap_calinstances.sandbox.provider import Call, ProviderApp, RequestRecord
from tap_calinstances.sandbox.stats import Stats
from tap_calinstances.sandbox.tokens import TokenCheck, TokenState, TokenStore, bearer_token
from tap_calinstances.sandbox.world import World


class SandboxApp:
    """WSGI callable serving every provider under its prefix, plus `/_sandbox/` and `/`."""

    def __init__(
        self,
        world: World,
        providers: Sequence[ProviderApp],
        tokens: TokenStore,
        faults: Faults,
        limits: Limits | None = None,
        *,
        settings: Mapping[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.world = world
        self.providers = tuple(providers)
        self.tokens = tokens
        self.base_url = ""  # set by the server once the port is known
        self.settings = dict(settings or {})  # how the dataset was built, for the index
        self.stats = Stats()
        self._budgets = BudgetKeeper(clock)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._check(faults)
        self._faults = faults
        self._limits = limits or Limits()
        self._number = 0
        self._paged_number = 0  # requests carrying a page token, for page-token expiry
        self._token_number = 0  # token requests, for the token_fault switches
        # (arrival number, record): kept in arrival order although concurrent requests
        # finish, and get recorded, in any order.
        self._arrivals = itertools.count()
        self._requests: list[tuple[int, RequestRecord]] = []
        self._token_requests: list[tuple[int, RequestRecord]] = []
        self._control = Control(self)

    # -- state shared with the Sandbox object --------------------------------------------

    @property
    def faults(self) -> Faults:
        return self._faults

    @property
    def limits(self) -> Limits:
        return self._limits

    def _check(self, faults: Faults) -> None:
        for provider in self.providers:
            provider.check_faults(faults)

    def update_faults(self, change: Callable[[Faults], Faults]) -> Faults:
        """Swap the fault switches. Request numbers start again from 1, so the requests a
        test's faults hit do not depend on what ran against the sandbox before it."""
        with self._lock:
            faults = change(self._faults)
            self._check(faults)
            self._faults = faults
            self._number = 0
            self._paged_number = 0
            self._token_number = 0
            return self._faults

    def update_limits(self, change: Callable[[Limits], Limits]) -> Limits:
        with self._lock:
            self._limits = change(self._limits)
            return self._limits

    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return [record for _, record in self._requests]

    def token_requests(self) -> list[RequestRecord]:
        with self._lock:
            return [record for _, record in self._token_requests]

    def clear_requests(self) -> None:
        """Empty the request logs, reset the stats and the budgets' rate windows."""
        with self._lock:
            self._requests.clear()
            self._token_requests.clear()
        self.stats.reset()
        self._budgets.reset()

    def tap_config(
        self,
        base_url: str,
        *,
        start_date: str = "2026-01-01T00:00:00Z",
        end_date: str | None = None,
        auth: Mapping[str, str | None] | None = None,
        providers: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """A tap config with a block per provider (or per provider named in `providers`);
        `auth` maps a provider name to the kind of credentials to hand out."""
        known = [p.name for p in self.providers]
        unknown = sorted(set(providers or ()) - set(known))
        if unknown:
            raise ValueError(f"unknown providers {unknown}; known: {known}")
        config: dict[str, Any] = {"start_date": start_date}
        if end_date is not None:
            config["end_date"] = end_date
        for provider in self.providers:
            if providers is not None and provider.name not in providers:
                continue
            config[provider.name] = provider.config_block(base_url, (auth or {}).get(provider.name))
        return config

    # -- the worlds the providers serve ----------------------------------------------------

    def worlds(self) -> list[World]:
        """Every world a provider serves, the shared one first, each once."""
        found = [self.world]
        for provider in self.providers:
            if all(provider.world is not world for world in found):
                found.append(provider.world)
        return found

    def world_of(self, calendar_id: str) -> World:
        """The world that holds a calendar; the shared one when none does (its change
        handlers then say the calendar is unknown)."""
        return next((w for w in self.worlds() if w.calendar(calendar_id)), self.world)

    def world_named(self, provider: str | None) -> World:
        """A provider's world by the provider's name; None: the shared world."""
        if provider is None:
            return self.world
        for item in self.providers:
            if item.name == provider:
                return item.world
        raise ValueError(f"unknown provider {provider!r}")

    def apply(self, op: str, **kwargs: Any) -> dict[str, Any]:
        """A change goes to the world of the calendar it names; one without a calendar
        (expire_sync_tokens) to every world."""
        calendar_id = kwargs.get("calendar_id")
        if isinstance(calendar_id, str):
            return self.world_of(calendar_id).apply(op, **kwargs)
        results = [world.apply(op, **kwargs) for world in self.worlds()]
        return results[0]

    def budgets(self) -> dict[str, dict[str, Any]]:
        """Each provider's budget as enforced (its declaration with the overrides)."""
        return {p.name: self._limits.budget(p.budget).to_json() for p in self.providers}

    # -- WSGI ----------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        environ["sandbox.arrival"] = next(self._arrivals)
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if path == "/" or path == CONTROL_PREFIX.rstrip("/"):
            return self._control.index(request)
        if path.startswith(CONTROL_PREFIX):
            return self._control.handle(request, path[len(CONTROL_PREFIX) :])
        for provider in self.providers:
            if path.startswith(provider.prefix + "/"):
                if provider.is_token_path(path):
                    return self._token(provider, request)
                return self._api(provider, request)
        return json_answer({"error": f"nothing is served at {path}; see /_sandbox/"}, 404)

    def _record(
        self,
        log: list[tuple[int, RequestRecord]],
        provider: ProviderApp,
        request: Request,
        status: int,
        principal: str | None,
        fault: str | None,
    ) -> None:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
        if "://" in raw.split("?", 1)[0]:  # absolute-form request target
            raw = urlsplit(raw).path
        record = RequestRecord(
            provider=provider.name,
            method=request.method,
            raw_path=raw.split("?", 1)[0] or request.path,
            path=request.path,
            query=request.args.to_dict(),
            status=status,
            principal=principal,
            fault=fault,
            host=request.headers.get("Host", ""),
            authorization=bearer_token(request.headers.get("Authorization")) is not None,
        )
        with self._lock:
            bisect.insort(log, (request.environ["sandbox.arrival"], record), key=lambda e: e[0])

    def _delay(self, faults: Faults, arrived: float) -> None:
        """Latency is the time from a request's arrival to its answer, the sandbox's own
        work included: a real API works on its own machines, while the sandbox's
        milliseconds per request compete with the client for this machine's cores (they
        were a tenth of the time the latency benchmark blamed on the tap). A sleep on the
        request's own thread: other requests are served meanwhile."""
        if faults.latency_ms:
            self._sleep(max(0.0, faults.latency_ms / 1000 - (time.monotonic() - arrived)))

    def _token(self, provider: ProviderApp, request: Request) -> Response:
        arrived = time.monotonic()
        with self._lock:
            faults = self._faults
            self._token_number += 1
            fault = faults.decide_token(self._token_number)
        if fault is not None:
            # Before the credentials are looked at, as a gateway in front would answer.
            self._delay(faults, arrived)
            response = self._interrupt(provider, request, fault, faults, self._token_requests)
            if response is None:
                response = provider.token_fault(fault, faults)
            self._record(self._token_requests, provider, request, response.status_code, None, fault)
            return response
        result = provider.token(request, self.base_url or request.host_url.rstrip("/"))
        self._record(
            self._token_requests,
            provider,
            request,
            result.response.status_code,
            result.principal,
            None,
        )
        self._delay(faults, arrived)
        return result.response

    def _interrupt(
        self,
        provider: ProviderApp,
        request: Request,
        fault: str,
        faults: Faults,
        log: list[tuple[int, RequestRecord]],
        principal: str | None = None,
    ) -> Response | None:
        """The faults that are the same whatever the provider: a reset, a stall, a redirect.
        None for the others, which each provider renders in its own wire shape."""
        if fault in ("drop", "stall"):
            self._record(log, provider, request, 0, principal, fault)
            if fault == "stall":
                self._sleep(faults.stall_ms / 1000)  # no byte of answer meanwhile
            reset_connection(request.environ)
            # werkzeug treats ConnectionError as "client went away" and stays quiet.
            raise ConnectionResetError(f"sandbox {fault} on purpose")
        if fault == "redirect":
            location = REDIRECT_HOST + (request.environ.get("RAW_URI") or request.full_path)
            return Response(
                f'<a href="{location}">Temporary Redirect</a>',
                status=307,
                headers={"Location": location},
                content_type="text/html; charset=utf-8",
            )
        return None

    def _api(self, provider: ProviderApp, request: Request) -> Response:
        arrived = time.monotonic()
        with self._lock:
            faults, limits = self._faults, self._limits  # one consistent set of switches
            self._number += 1
            number = self._number
            paged = any(request.args.get(name) for name in provider.page_token_params)
            self._paged_number += paged
            paged_number = self._paged_number
        token = bearer_token(request.headers.get("Authorization"))
        # Who the request is for, as far as its token says (expired ones included): the
        # stats and budgets count it from its arrival, latency included.
        claimed = provider.subject(request, self.tokens.principal_of(token))
        with self.stats.track(claimed):
            refusal = None
            if limits.enforce_budgets and claimed is not None:
                refusal = self._budgets.admit(
                    provider.name, claimed, limits.budget(provider.budget)
                )
                if refusal is not None:
                    self.stats.refused(claimed)
            try:
                if refusal is not None:
                    wait = self._budgets.retry_after(
                        provider.name, claimed or "", limits.budget(provider.budget), refusal
                    )
                    response = provider.over_budget(refusal, wait)
                    self._record(
                        self._requests,
                        provider,
                        request,
                        response.status_code,
                        claimed,
                        BUDGET_PREFIX + refusal,
                    )
                    self._delay(faults, arrived)
                    return response
                fault = faults.decide(number)
                if fault is None and paged and faults.expires_page_token(paged_number):
                    fault = PAGE_TOKEN_EXPIRED
                call = Call("", faults, limits)
                if fault in ("drop", "stall"):  # no answer: the latency comes first
                    self._delay(faults, arrived)
                response = self._serve(provider, request, token, claimed, fault, call)
                self._delay(faults, arrived)
                return response
            finally:
                if claimed is not None and limits.enforce_budgets and refusal is None:
                    self._budgets.release(provider.name, claimed)

    def _serve(
        self,
        provider: ProviderApp,
        request: Request,
        token: str | None,
        claimed: str | None,
        fault: str | None,
        call: Call,
    ) -> Response:
        # Injected faults happen in front of authentication, as a gateway's 429 or 503
        # would; the log still says whose request it was.
        if fault is not None:
            response = self._interrupt(
                provider, request, fault, call.faults, self._requests, claimed
            ) or provider.fault(fault, call.faults)
            self._record(self._requests, provider, request, response.status_code, claimed, fault)
            return response
        check = self.tokens.check(provider.name, token, call.faults.token_ttl_requests)
        if call.faults.reject_tokens and check.state is TokenState.VALID:
            check = TokenCheck(TokenState.UNKNOWN, check.principal)
        if check.state is not TokenState.VALID:
            response = provider.unauthenticated(check.state.value)
            self._record(
                self._requests,
                provider,
                request,
                response.status_code,
                provider.subject(request, check.principal),
                TOKEN_EXPIRED if check.state is TokenState.EXHAUSTED else None,
            )
            return response
        assert check.principal is not None
        result = provider.api(request, Call(check.principal, call.faults, call.limits))
        self._record(
            self._requests,
            provider,
            request,
            result.response.status_code,
            provider.subject(request, check.principal),
            result.fault,
        )
        return result.response
