"""`Sandbox`: the emulator served on a background thread, for tests, demo and benchmarks.

with Sandbox(seed=7) as sb:
    config = sb.tap_config()        # points the tap at this sandbox
    ...
    sb.requests                     # what the tap sent
    sb.stats()                      # per principal: requests, peak in flight, refused
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from typing_extensions import override
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from tap_calinstances.sandbox.app import SandboxApp
from tap_calinstances.sandbox.dataset import build_dataset
from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.feishu import FeishuCalendarApi
from tap_calinstances.sandbox.feishu.dataset import app_of, build_feishu_dataset, feishu_event_id
from tap_calinstances.sandbox.google import GoogleCalendarApi
from tap_calinstances.sandbox.limits import Limits
from tap_calinstances.sandbox.microsoft import MicrosoftGraphApi, fixed_data
from tap_calinstances.sandbox.microsoft import ids as graph_ids
from tap_calinstances.sandbox.microsoft.dataset import app_registration
from tap_calinstances.sandbox.net import url_host
from tap_calinstances.sandbox.provider import RequestRecord
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


class _Server(ThreadedWSGIServer):
    """One thread per request, so latency sleeps overlap; a deep accept queue, so a
    benchmark opening hundreds of connections at once is not refused."""

    request_queue_size = 1024


class Sandbox:
    """The emulated provider APIs on a real HTTP port, with a deterministic dataset.

    principals: generated users (user0001@sandbox.example, ...), each with a primary
    calendar of `series_per_calendar` generated series. page_size caps every listing's
    pages (0: the provider's). enforce_budgets answers requests over a provider's
    per-principal budget with its own rate-limit signal; budget_rate=(requests, seconds)
    and budget_concurrency override the declared budgets. empty_first_pages: Graph's
    calendar listings answer their first page empty, with a next link.
    """

    def __init__(
        self,
        seed: int = 7,
        scale: int = 0,
        faults: Faults | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        principals: int = 0,
        series_per_calendar: int = 5,
        page_size: int = 0,
        enforce_budgets: bool = False,
        budget_rate: tuple[int, float] | None = None,
        budget_concurrency: int | None = None,
        empty_first_pages: bool = False,
    ) -> None:
        self.seed = seed
        self.scale = scale
        self._host, self._port = host, port
        dataset = build_dataset(seed, scale, principals, series_per_calendar, extras=[fixed_data])
        self.world = World(dataset)
        self._tokens = TokenStore()
        self._google = GoogleCalendarApi(self.world, self._tokens)
        self._microsoft = MicrosoftGraphApi(self.world, self._tokens, app_registration(seed))
        # Feishu's principal is an app with calendars of its own: a world of its own.
        self.feishu_world = World(
            build_feishu_dataset(seed, dataset, principals, series_per_calendar),
            event_ids=feishu_event_id,
        )
        self._feishu = FeishuCalendarApi(self.feishu_world, self._tokens, app_of(seed))
        limits = Limits(
            page_size=page_size,
            enforce_budgets=enforce_budgets,
            budget_rate=budget_rate,
            budget_concurrency=budget_concurrency,
            empty_first_pages=empty_first_pages,
        )
        settings = {
            "seed": seed,
            "scale": scale,
            "principals": principals,
            "series_per_calendar": series_per_calendar,
        }
        self.app = SandboxApp(
            self.world,
            [self._google, self._microsoft, self._feishu],
            self._tokens,
            faults or Faults(),
            limits,
            settings=settings,
        )
        self._server: ThreadedWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        server = _Server(self._host, self._port, self.app, _RequestHandler)
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
        return f"http://{url_host(self._host)}:{self._server.port}"

    # -- what tests and users work with ----------------------------------------------------

    def tap_config(
        self,
        google_auth: str = "refresh_token",
        start_date: str = "2026-01-01T00:00:00Z",
        end_date: str | None = None,
        *,
        providers: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """A tap config pointing at this sandbox, with a block per provider (`providers`:
        only these). google_auth: refresh_token or service_account (key + every Google
        principal as `subjects` instead of a refresh token). The `microsoft` block holds
        tenant_id, client_id, client_secret, api_url and token_url; the `feishu` block
        app_id, app_secret and api_url."""
        return self.app.tap_config(
            self.url,
            start_date=start_date,
            end_date=end_date,
            auth={"google": google_auth},
            providers=providers,
        )

    @property
    def faults(self) -> Faults:
        return self.app.faults

    def set_faults(self, **fields: Any) -> Faults:
        """Change some fault switches at once; the others keep their values."""
        return self.app.update_faults(lambda current: current.replace(**fields))

    @property
    def limits(self) -> Limits:
        return self.app.limits

    def set_limits(self, **fields: Any) -> Limits:
        """Change page_size, enforce_budgets, budget_rate or budget_concurrency."""
        return self.app.update_limits(lambda current: current.replace(**fields))

    @property
    def requests(self) -> list[RequestRecord]:
        """API requests in arrival order (a copy)."""
        return self.app.requests()

    @property
    def token_requests(self) -> list[RequestRecord]:
        return self.app.token_requests()

    def clear_requests(self) -> None:
        """Empty the request logs; also resets stats() and the budgets' rate windows."""
        self.app.clear_requests()

    def stats(self) -> dict[str, Any]:
        """`{"principals": {email: counts}, "totals": counts}`, counts being `requests`,
        `in_flight`, `peak_in_flight` and `refused` (by budget enforcement)."""
        return self.app.stats.to_json()

    def change(self, op: str, **kwargs: Any) -> dict[str, Any]:
        """Change the data between runs (see World.OPS and changes.py); returns what
        changed, e.g. the new series id of add_series. Raises ChangeError (a ValueError)
        on bad input."""
        return self.app.apply(op, **kwargs)

    def series_id(
        self, summary: str, calendar_id: str | None = None, provider: str | None = None
    ) -> str:
        """The event id of the one series with this summary (e.g. "Weekly sync"), in the
        shared world or in a provider's own (provider="feishu")."""
        return self.app.world_named(provider).find_series(summary, calendar_id).id

    def series(self, provider: str | None = None) -> list[dict[str, Any]]:
        """Every series (as `GET /_sandbox/series`): ids, rule, zone, start, all_day; of
        the shared world, or of a provider's own (provider="feishu")."""
        return self.app.world_named(provider).describe_series()

    def occurrences(self, calendar_id: str, series_id: str, start: str, end: str) -> list[str]:
        """Original starts the series' rule schedules in [start, end): valid arguments
        of cancel_occurrence and move_occurrence."""
        return self.app.world_of(calendar_id).occurrences(calendar_id, series_id, start, end)

    def secret_values(self) -> list[str]:
        """Every secret in the configs this sandbox hands out, and every access token it
        issued: none of them may ever show up in the tap's output."""
        return [
            *self._google.secret_values(),
            *self._microsoft.secret_values(),
            *self._feishu.secret_values(),
            *self._tokens.issued(),
        ]

    # -- Graph's ids of the data ---------------------------------------------------------

    def graph_user_id(self, email: str) -> str:
        """The GUID Graph shows as a user's `id`."""
        return graph_ids.user_id(email)

    def graph_calendar_id(self, calendar_id: str, immutable: bool = False) -> str:
        """Graph's id of a calendar given its sandbox id (as in series(), change ops)."""
        self.world.require_calendar(calendar_id)
        return graph_ids.calendar_id(calendar_id, immutable)

    def graph_event_id(
        self, summary: str, calendar_id: str | None = None, immutable: bool = False
    ) -> str:
        """Graph's id of the one series (or single event) with this summary."""
        return graph_ids.event_id(self.world.find_series(summary, calendar_id).key, immutable)

    def graph_series(self, graph_event_id: str) -> tuple[str, str]:
        """(calendar_id, series_id) of a Graph event id, for the change API."""
        found = self._microsoft.ids.event(graph_event_id)
        if found is None:
            raise KeyError(f"no series with Graph id {graph_event_id!r}")
        return found
