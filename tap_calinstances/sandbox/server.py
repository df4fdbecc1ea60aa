"""`Sandbox`: the emulator served on a background thread, for tests, demo and benchmarks.

with Sandbox(seed=7) as sb:
    config = sb.tap_config()        # points the tap at this sandbox
    ...
    sb.requests                     # what the tap sent
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from types import TracebackType
from typing import Any

from typing_extensions import override
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from tap_calinstances.sandbox.app import SandboxApp
from tap_calinstances.sandbox.base import RequestRecord
from tap_calinstances.sandbox.dataset import build_dataset
from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.google import GoogleCalendarApi
from tap_calinstances.sandbox.tokens import TokenStore
from tap_calinstances.sandbox.world import World

log = logging.getLogger("tap_calinstances.sandbox")


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, logging through `tap_calinstances.sandbox` (silent by default)
    instead of printing every request to stderr."""

    @override
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info('%s "%s" %s', self.address_string(), self.requestline, code)

    @override
    def log(self, type: str, message: str, *args: Any) -> None:
        level = logging.ERROR if type == "error" else logging.DEBUG
        log.log(level, "%s " + message, self.address_string(), *args)


def _url_host(host: str) -> str:
    """A host to put in URLs: wildcard binds are reached via loopback."""
    if host in ("0.0.0.0", ""):  # noqa: S104 (mapping a wildcard, not binding one)
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


class Sandbox:
    """The emulated provider APIs on a real HTTP port, with a deterministic dataset."""

    def __init__(
        self,
        seed: int = 7,
        scale: int = 0,
        faults: Faults | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.seed = seed
        self.scale = scale
        self._host, self._port = host, port
        self.world = World(build_dataset(seed, scale))
        self._tokens = TokenStore()
        self._google = GoogleCalendarApi(self.world, self._tokens)
        self.app = SandboxApp(self.world, [self._google], self._tokens, faults or Faults())
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        server = make_server(
            self._host, self._port, self.app, threaded=True, request_handler=_RequestHandler
        )
        self._server = server
        self.app.base_url = self.url
        # A short poll interval keeps stop() quick; tests start many sandboxes.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{server.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; use start() or a with block")
        return f"http://{_url_host(self._host)}:{self._server.port}"

    # -- what tests and users work with ----------------------------------------------------

    def tap_config(
        self,
        google_auth: str = "refresh_token",
        start_date: str = "2026-01-01T00:00:00Z",
        end_date: str | None = None,
    ) -> dict[str, Any]:
        """A tap config pointing at this sandbox. google_auth: refresh_token or
        service_account (key + subjects instead of client id/secret/refresh token)."""
        return self.app.tap_config(
            self.url, google_auth=google_auth, start_date=start_date, end_date=end_date
        )

    @property
    def faults(self) -> Faults:
        return self.app.faults

    def set_faults(self, **fields: Any) -> Faults:
        """Change some fault switches at once; the others keep their values."""
        return self.app.update_faults(lambda current: current.replace(**fields))

    @property
    def requests(self) -> list[RequestRecord]:
        """API requests in arrival order (a copy)."""
        return self.app.requests()

    @property
    def token_requests(self) -> list[RequestRecord]:
        return self.app.token_requests()

    def clear_requests(self) -> None:
        self.app.clear_requests()

    def change(self, op: str, **kwargs: Any) -> dict[str, Any]:
        """Change the data between runs (see World.OPS); returns what changed, e.g. the
        new series id of add_series. Raises ChangeError (a ValueError) on bad input."""
        return self.world.apply(op, **kwargs)

    def series_id(self, summary: str, calendar_id: str | None = None) -> str:
        """The event id of the one series with this summary (e.g. "Weekly sync")."""
        return self.world.find_series(summary, calendar_id).id

    def secret_values(self) -> list[str]:
        """Every secret in the configs this sandbox hands out, and every access token it
        issued: none of them may ever show up in the tap's output."""
        return [*self._google.secret_values(), *self._tokens.issued()]
