"""The control API under `/_sandbox/`: its index, config, faults, limits, the request
log, stats, changes and what can be changed (series and their occurrences)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.faults import Faults
from tap_calinstances.sandbox.world import ChangeError, World

if TYPE_CHECKING:
    from tap_calinstances.sandbox.app import SandboxApp

CONTROL_PREFIX = "/_sandbox/"


def json_answer(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, indent=2) + "\n", status=status, content_type="application/json"
    )


def _body(request: Request) -> dict[str, Any]:
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise ChangeError("the body must be a JSON object")
    return body


class Control:
    """Serves `/`, `/_sandbox` and everything under `/_sandbox/`."""

    def __init__(self, app: SandboxApp) -> None:
        self._app = app

    def index(self, request: Request) -> Response:
        """What is served where, how the sandbox is set up, and how to control it."""
        app = self._app
        base = request.host_url.rstrip("/")
        control = base + CONTROL_PREFIX
        return json_answer(
            {
                "service": "tap-calinstances sandbox",
                "providers": {p.name: p.endpoints(base) for p in app.providers},
                "settings": {
                    **app.settings,
                    **app.limits.to_json(),
                    "budgets": app.budgets(),
                    "principals_total": len(app.world.principal_emails()),
                },
                "faults": app.faults.to_json(),
                "control": {
                    "index": f"GET {control}",
                    "config": f"GET {control}config?google_auth=refresh_token"
                    "&providers=google,microsoft,feishu",
                    "faults": f"GET|PUT|PATCH {control}faults",
                    "limits": f"GET|PATCH {control}limits",
                    "requests": f"GET|DELETE {control}requests",
                    "stats": f"GET|DELETE {control}stats",
                    "changes": f"POST {control}changes",
                    "series": f"GET {control}series?provider=",
                    "occurrences": f"GET {control}occurrences?calendar_id=&series_id=&start=&end=",
                },
                "change_ops": list(World.OPS),
            }
        )

    def handle(self, request: Request, name: str) -> Response:
        method = request.method
        try:
            answer = self._route(request, name.rstrip("/"), method)
        except (ValueError, TypeError) as exc:  # ChangeError is a ValueError
            return json_answer({"error": str(exc)}, 400)
        if answer is None:
            return json_answer(
                {"error": f"no control endpoint {method} {CONTROL_PREFIX}{name}; see GET "
                 f"{CONTROL_PREFIX}"},
                404,
            )  # fmt: skip
        return answer

    def _route(self, request: Request, name: str, method: str) -> Response | None:
        app, args = self._app, request.args
        if name == "" and method == "GET":
            return self.index(request)
        if name == "config" and method == "GET":
            return json_answer(
                app.tap_config(
                    request.host_url.rstrip("/"),
                    start_date=args.get("start_date", "2026-01-01T00:00:00Z"),
                    end_date=args.get("end_date"),
                    auth={
                        "google": args.get("google_auth", "refresh_token"),
                        "microsoft": args.get("microsoft_auth"),
                    },
                    providers=args["providers"].split(",") if args.get("providers") else None,
                )
            )
        if name == "faults" and method in ("GET", "PUT", "PATCH"):
            if method != "GET":
                body = _body(request)
                base = Faults() if method == "PUT" else None
                app.update_faults(lambda f: (base or f).replace(**body))
            return json_answer(app.faults.to_json())
        if name == "limits" and method in ("GET", "PATCH"):
            if method == "PATCH":
                body = _body(request)
                app.update_limits(lambda limits: limits.replace(**body))
            return json_answer({**app.limits.to_json(), "budgets": app.budgets()})
        if name == "requests" and method in ("GET", "DELETE"):
            if method == "DELETE":
                app.clear_requests()
            return json_answer(
                {
                    "requests": [r.to_json() for r in app.requests()],
                    "token_requests": [r.to_json() for r in app.token_requests()],
                }
            )
        if name == "stats" and method in ("GET", "DELETE"):
            if method == "DELETE":
                app.clear_requests()
            return json_answer(app.stats.to_json())
        if name == "changes" and method == "POST":
            body = _body(request)
            return json_answer(app.apply(str(body.pop("op", "")), **body))
        if name == "series" and method == "GET":
            world = app.world_named(args.get("provider"))
            return json_answer({"series": world.describe_series()})
        if name == "occurrences" and method == "GET":
            return json_answer(
                {
                    "original_starts": app.world_of(args.get("calendar_id", "")).occurrences(
                        args.get("calendar_id", ""),
                        args.get("series_id", ""),
                        args.get("start", "2026-01-01T00:00:00Z"),
                        args.get("end", "2027-01-01T00:00:00Z"),
                    )
                }
            )
        return None
