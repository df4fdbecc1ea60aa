"""The sandbox's WSGI application: provider routing, faults, the request log, control API.

Everything that is the same for every provider lives here: numbering API requests,
deciding faults, checking bearer tokens, recording requests. Providers only render.
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.base import ProviderApp, RequestRecord
from tap_calinstances.sandbox.faults import PAGE_TOKEN_EXPIRED, TOKEN_EXPIRED, Faults
from tap_calinstances.sandbox.tokens import TokenState, TokenStore, bearer_token
from tap_calinstances.sandbox.world import ChangeError, World

CONTROL_PREFIX = "/_sandbox/"


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, indent=2) + "\n", status=status, content_type="application/json"
    )


def reset_connection(environ: dict[str, Any]) -> None:
    """Abort the client's connection with a TCP reset and no answer at all."""
    sock = environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        return
    try:
        # Linger 0 makes the close abortive: the peer gets RST, not FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Close the connection now by pointing its descriptor at a dead socketpair: the
        # server's later reads on it see EOF (not EBADF), and the descriptor number is
        # never freed while werkzeug still holds it.
        spare, peer = socket.socketpair()
        peer.close()
        os.dup2(spare.fileno(), sock.fileno())
        spare.close()
    except OSError:
        sock.shutdown(socket.SHUT_RDWR)


class SandboxApp:
    """WSGI callable serving every provider under its prefix, plus `/_sandbox/` and `/`."""

    def __init__(
        self,
        world: World,
        providers: Sequence[ProviderApp],
        tokens: TokenStore,
        faults: Faults,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.world = world
        self.providers = tuple(providers)
        self.tokens = tokens
        self.base_url = ""  # set by the server once the port is known
        self._sleep = sleep
        self._lock = threading.Lock()
        self._faults = faults
        self._number = 0
        self._paged_number = 0  # requests carrying a page token, for page-token expiry
        # (arrival number, record): kept in arrival order although concurrent requests
        # finish, and get recorded, in any order.
        self._arrivals = itertools.count()
        self._requests: list[tuple[int, RequestRecord]] = []
        self._token_requests: list[tuple[int, RequestRecord]] = []

    # -- state shared with the Sandbox object --------------------------------------------

    @property
    def faults(self) -> Faults:
        return self._faults

    def update_faults(self, change: Callable[[Faults], Faults]) -> Faults:
        """Swap the fault switches. Request numbers start again from 1, so the requests a
        test's faults hit do not depend on what ran against the sandbox before it."""
        with self._lock:
            self._faults = change(self._faults)
            self._number = 0
            self._paged_number = 0
            return self._faults

    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return [record for _, record in self._requests]

    def token_requests(self) -> list[RequestRecord]:
        with self._lock:
            return [record for _, record in self._token_requests]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()
            self._token_requests.clear()

    def tap_config(
        self,
        base_url: str,
        *,
        google_auth: str = "refresh_token",
        start_date: str = "2026-01-01T00:00:00Z",
        end_date: str | None = None,
    ) -> dict[str, Any]:
        config: dict[str, Any] = {"start_date": start_date}
        if end_date is not None:
            config["end_date"] = end_date
        auth = {"google": google_auth}
        for provider in self.providers:
            config[provider.name] = provider.config_block(base_url, auth[provider.name])
        return config

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
        if path == "/":
            return self._health(request)
        if path.startswith(CONTROL_PREFIX):
            return self._control(request, path[len(CONTROL_PREFIX) :])
        for provider in self.providers:
            if path.startswith(provider.prefix + "/"):
                if provider.is_token_path(path):
                    return self._token(provider, request)
                return self._api(provider, request)
        return _json({"error": f"nothing is served at {path}; see /"}, 404)

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

    def _delay(self, faults: Faults) -> None:
        if faults.latency_ms:
            self._sleep(faults.latency_ms / 1000)

    def _token(self, provider: ProviderApp, request: Request) -> Response:
        self._delay(self._faults)
        result = provider.token(request, self.base_url or request.host_url.rstrip("/"))
        self._record(
            self._token_requests,
            provider,
            request,
            result.response.status_code,
            result.principal,
            None,
        )
        return result.response

    def _api(self, provider: ProviderApp, request: Request) -> Response:
        with self._lock:
            faults = self._faults  # one consistent set of switches for this request
            self._number += 1
            number = self._number
            paged = bool(request.args.get("pageToken") or request.args.get("page_token"))
            self._paged_number += paged
            paged_number = self._paged_number
        fault = faults.decide(number)
        if fault is None and paged and faults.expires_page_token(paged_number):
            fault = PAGE_TOKEN_EXPIRED
        self._delay(faults)
        # Injected faults happen in front of authentication, as a gateway's 429 or 503
        # would; the log still says whose request it was.
        token = bearer_token(request.headers.get("Authorization"))
        if fault == "drop":
            self._record(
                self._requests, provider, request, 0, self.tokens.principal_of(token), fault
            )
            reset_connection(request.environ)
            # werkzeug treats ConnectionError as "client went away" and stays quiet.
            raise ConnectionResetError("sandbox dropped the connection on purpose")
        if fault is not None:
            response = provider.fault(fault, faults)
            self._record(
                self._requests,
                provider,
                request,
                response.status_code,
                self.tokens.principal_of(token),
                fault,
            )
            return response
        check = self.tokens.check(provider.name, token, faults.token_ttl_requests)
        if check.state is not TokenState.VALID:
            response = provider.unauthenticated(check.state.value)
            self._record(
                self._requests,
                provider,
                request,
                response.status_code,
                check.principal,
                TOKEN_EXPIRED if check.state is TokenState.EXHAUSTED else None,
            )
            return response
        assert check.principal is not None
        result = provider.api(request, check.principal, faults)
        self._record(
            self._requests,
            provider,
            request,
            result.response.status_code,
            check.principal,
            result.fault,
        )
        return result.response

    # -- control API and health page -------------------------------------------------------

    def _health(self, request: Request) -> Response:
        base = request.host_url.rstrip("/")
        return _json(
            {
                "service": "tap-calinstances sandbox",
                "providers": {p.name: p.endpoints(base) for p in self.providers},
                "control": {
                    "config": f"GET {base}{CONTROL_PREFIX}config?google_auth=refresh_token",
                    "faults": f"GET|PUT|PATCH {base}{CONTROL_PREFIX}faults",
                    "requests": f"GET|DELETE {base}{CONTROL_PREFIX}requests",
                    "changes": f"POST {base}{CONTROL_PREFIX}changes",
                    "series": f"GET {base}{CONTROL_PREFIX}series",
                },
                "change_ops": list(World.OPS),
            }
        )

    def _control(self, request: Request, name: str) -> Response:
        method = request.method
        try:
            if name == "config" and method == "GET":
                args = request.args
                return _json(
                    self.tap_config(
                        request.host_url.rstrip("/"),
                        google_auth=args.get("google_auth", "refresh_token"),
                        start_date=args.get("start_date", "2026-01-01T00:00:00Z"),
                        end_date=args.get("end_date"),
                    )
                )
            if name == "faults" and method in ("GET", "PUT", "PATCH"):
                if method != "GET":
                    body = self._body(request)
                    base = Faults() if method == "PUT" else None
                    self.update_faults(lambda f: (base or f).replace(**body))
                return _json(self.faults.to_json())
            if name == "requests" and method in ("GET", "DELETE"):
                if method == "DELETE":
                    self.clear_requests()
                return _json(
                    {
                        "requests": [r.to_json() for r in self.requests()],
                        "token_requests": [r.to_json() for r in self.token_requests()],
                    }
                )
            if name == "changes" and method == "POST":
                body = self._body(request)
                return _json(self.world.apply(str(body.pop("op", "")), **body))
            if name == "series" and method == "GET":
                return _json({"series": self._series()})
        except (ValueError, TypeError) as exc:  # ChangeError is a ValueError
            return _json({"error": str(exc)}, 400)
        return _json({"error": f"no control endpoint {method} {CONTROL_PREFIX}{name}"}, 404)

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict):
            raise ChangeError("the body must be a JSON object")
        return body

    def _series(self) -> list[dict[str, Any]]:
        result = []
        for provider_calendar in self.world.all_calendars():
            for series in self.world.series_in(provider_calendar.id):
                result.append(
                    {
                        "calendar_id": series.calendar_id,
                        "series_id": series.id,
                        "key": series.key,
                        "summary": series.summary,
                        "recurring": series.recurring,
                        "deleted": series.deleted,
                    }
                )
        return result
