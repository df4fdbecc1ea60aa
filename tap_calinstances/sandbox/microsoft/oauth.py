"""The Microsoft identity platform's token endpoint, client-credentials flow only:
`POST /microsoft/{tenant}/oauth2/v2.0/token`. Errors in AAD's shape, with AADSTS codes."""

from __future__ import annotations

import base64
import hmac
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.microsoft.dataset import DOMAIN, AppRegistration
from tap_calinstances.sandbox.provider import TokenResult
from tap_calinstances.sandbox.tokens import TokenStore

TOKEN_LIFETIME_S = 3599
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


def _aad_error(status: int, error: str, number: int, description: str) -> TokenResult:
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC)
    body = {
        "error": error,
        "error_description": f"AADSTS{number}: {description} Trace ID: {trace} "
        f"Correlation ID: {correlation} Timestamp: {now.strftime('%Y-%m-%d %H:%M:%SZ')}",
        "error_codes": [number],
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"https://login.microsoftonline.com/error?code={number}",
    }
    response = Response(json.dumps(body), status=status, content_type="application/json")
    return TokenResult(response, None)


def token_fault(name: str) -> Response:
    """Trouble at login.microsoftonline.com: AAD's error shape, with Retry-After where it
    asks clients to slow down (whole seconds, as the identity platform sends them)."""
    if name == "rate_limit":
        response = _aad_error(
            429,
            "temporarily_unavailable",
            90055,
            "TenantThrottlingError: There are too many incoming requests.",
        ).response
        response.headers["Retry-After"] = "1"
        return response
    if name == "server_error":
        return _aad_error(
            503,
            "temporarily_unavailable",
            90033,
            "A transient error has occurred. Please try again.",
        ).response
    if name == "malformed":
        return Response('{"token_type":"Bearer","expires_in":3599,"ac', 200,
                        content_type="application/json")  # fmt: skip
    raise ValueError(f"unknown token fault {name!r}")


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _jwt_looking(app: AppRegistration) -> str:
    """A prefix shaped like an AAD token's JWT header and claims (not a real JWT)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    header = part({"typ": "JWT", "alg": "RS256", "kid": "sandbox"})
    claims = part(
        {"aud": "https://graph.microsoft.com", "tid": app.tenant_id, "appid": app.client_id}
    )
    return f"{header}.{claims}."


class GraphOAuth:
    def __init__(self, app: AppRegistration, tokens: TokenStore, provider: str) -> None:
        self._app = app
        self._tokens = tokens
        self._provider = provider

    def handle(self, request: Request, tenant: str, api_origins: list[str]) -> TokenResult:
        app = self._app
        if request.method != "POST":
            return _aad_error(
                405, "invalid_request", 900561, "The endpoint only accepts POST requests."
            )
        if tenant.lower() not in (app.tenant_id, DOMAIN, "organizations"):
            return _aad_error(
                400,
                "invalid_request",
                90002,
                f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant "
                "ID and are signing into the correct cloud.",
            )
        form = request.form
        grant = form.get("grant_type")
        if grant != "client_credentials":
            return _aad_error(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant or ''}'.",
            )
        basic = request.authorization
        client_id = form.get("client_id") or (basic.username if basic else None)
        secret = form.get("client_secret") or (basic.password if basic else None)
        if not _same(client_id, app.client_id):
            return _aad_error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{DOMAIN}'.",
            )
        if not _same(secret, app.client_secret):
            return _aad_error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request "
                f"is the client secret value, not the client secret ID, for a secret added to "
                f"app '{app.client_id}'.",
            )
        scope = form.get("scope", "")
        allowed = {GRAPH_SCOPE, *(origin + "/.default" for origin in api_origins)}
        if scope not in allowed:
            return _aad_error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows "
                "must have a scope value with /.default suffixed to the resource identifier "
                "(application ID URI).",
            )
        token = self._tokens.issue(
            self._provider,
            app.client_id,
            scope,
            prefix=_jwt_looking(app),
            lifetime_s=TOKEN_LIFETIME_S,
        )
        body = {
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_S,
            "ext_expires_in": TOKEN_LIFETIME_S,
            "access_token": token,
        }
        response = Response(json.dumps(body), status=200, content_type="application/json")
        response.headers["Cache-Control"] = "no-store, no-cache"
        return TokenResult(response, app.client_id)
