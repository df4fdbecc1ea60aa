"""Google's token endpoint: the refresh-token grant and the service-account JWT grant.

Answers and error bodies follow oauth2.googleapis.com: `{"error", "error_description"}`,
400 for a bad grant, 401 for a bad client.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.dataset import SERVICE_ACCOUNT
from tap_calinstances.sandbox.model import OAuthClient
from tap_calinstances.sandbox.provider import TokenResult
from tap_calinstances.sandbox.tokens import TokenStore

READONLY_SCOPE = "https://www.googleapis.com/auth/calendar.readonly"
CALENDAR_SCOPES = frozenset({READONLY_SCOPE, "https://www.googleapis.com/auth/calendar"})
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME_S = 3599
# Google accepts assertions that live at most an hour, with a little clock skew.
MAX_ASSERTION_LIFETIME_S = 3600
CLOCK_SKEW_S = 60
# Google's token endpoint takes its own canonical names as the assertion audience, and
# google-auth always signs with the first, whatever token_uri the key file names.
GOOGLE_AUDIENCES = (
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
)
_TIMEFRAME = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
    "reasonable timeframe. Check your iat and exp values in the JWT claim."
)


class ServiceAccount:
    """A service-account key, generated on first use (RSA generation costs ~0.1 s)."""

    def __init__(self, client_email: str = SERVICE_ACCOUNT) -> None:
        # The dataset shares calendars with this address, so it comes from there.
        self.client_email = client_email
        self.project_id = client_email.split("@")[1].split(".")[0]
        self.client_id = str(10**20 + secrets.randbelow(9 * 10**20))
        self.private_key_id = secrets.token_hex(20)
        self._lock = threading.Lock()
        self._key: rsa.RSAPrivateKey | None = None

    def _private_key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._key is None:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._key

    def public_key(self) -> rsa.RSAPublicKey:
        return self._private_key().public_key()

    def private_key_pem(self) -> str:
        return (
            self._private_key()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )

    def info(self, token_url: str) -> dict[str, str]:
        """The key file as Google's console downloads it, pointed at the sandbox."""
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.private_key_id,
            "private_key": self.private_key_pem(),
            "client_email": self.client_email,
            "client_id": self.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_url,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
            + quote(self.client_email),
            "universe_domain": "googleapis.com",
        }

    def secret_values(self) -> list[str]:
        pem = self.private_key_pem()
        # The body lines too: a leak of part of a key is still a leak. Very short lines
        # (the last one) would match by chance, so they are left out.
        lines = [line for line in pem.splitlines() if len(line) >= 16 and "-----" not in line]
        return [pem, self.private_key_id, *lines]


def _oauth_error(status: int, error: str, description: str) -> TokenResult:
    body = json.dumps({"error": error, "error_description": description}, indent=2)
    return TokenResult(
        Response(body, status=status, content_type="application/json; charset=utf-8"), None
    )


def token_fault(name: str) -> Response:
    """Trouble at oauth2.googleapis.com, in its `{"error", "error_description"}` shape.
    Google documents no throttling answer of its token endpoint: a 429 in that shape stands
    in for one."""
    if name == "rate_limit":
        return _oauth_error(429, "rate_limit_exceeded", "Rate Limit Exceeded").response
    if name == "server_error":
        return _oauth_error(503, "internal_failure", "Backend Error").response
    if name == "malformed":
        # An answer cut off mid-way, as a dropped stream leaves it.
        return Response(
            '{\n  "access_token": "ya29.a0sandbox-', 200, content_type="application/json"
        )
    raise ValueError(f"unknown token fault {name!r}")


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class GoogleOAuth:
    """`POST /google/token`."""

    def __init__(
        self,
        client: OAuthClient,
        service_account: ServiceAccount,
        tokens: TokenStore,
        is_user: Callable[[str], bool],
    ) -> None:
        self._client = client
        self._service_account = service_account
        self._tokens = tokens
        self._is_user = is_user

    def handle(self, request: Request, token_urls: Sequence[str]) -> TokenResult:
        if request.method != "POST":
            return _oauth_error(405, "invalid_request", "The token endpoint only takes POST.")
        form: dict[str, Any] = dict(request.form)
        if not form and request.is_json:  # Google also takes a JSON body
            form = request.get_json(silent=True) or {}
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            return self._refresh_grant(request, form)
        if grant_type == JWT_GRANT:
            return self._jwt_grant(form, token_urls)
        if not grant_type:
            return _oauth_error(400, "invalid_request", "Missing required parameter: grant_type")
        return _oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    def _issue(self, principal: str, scope: str, prefix: str, with_scope: bool) -> TokenResult:
        token = self._tokens.issue(
            "google", principal, scope, prefix=prefix, lifetime_s=TOKEN_LIFETIME_S
        )
        body: dict[str, Any] = {"access_token": token, "expires_in": TOKEN_LIFETIME_S}
        if with_scope:
            body["scope"] = scope
        body["token_type"] = "Bearer"  # noqa: S105 (the token type, not a token)
        response = Response(
            json.dumps(body, indent=2), status=200, content_type="application/json; charset=utf-8"
        )
        response.headers["Cache-Control"] = "no-cache, no-store, max-age=0, must-revalidate"
        return TokenResult(response, principal)

    def _refresh_grant(self, request: Request, form: dict[str, Any]) -> TokenResult:
        basic = request.authorization  # client_secret_basic is accepted as well
        client_id = form.get("client_id") or (basic.username if basic else None)
        client_secret = form.get("client_secret") or (basic.password if basic else None)
        if not _same(client_id, self._client.client_id):
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if not _same(client_secret, self._client.client_secret):
            return _oauth_error(401, "invalid_client", "Unauthorized")
        if not form.get("refresh_token"):
            return _oauth_error(400, "invalid_request", "Missing required parameter: refresh_token")
        if not _same(form.get("refresh_token"), self._client.refresh_token):
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        return self._issue(self._client.principal, READONLY_SCOPE, "ya29.a0sandbox-", True)

    def _jwt_grant(self, form: dict[str, Any], token_urls: Sequence[str]) -> TokenResult:
        account = self._service_account
        assertion = form.get("assertion")
        if not assertion:
            return _oauth_error(400, "invalid_request", "Missing required parameter: assertion")
        try:
            header = jwt.get_unverified_header(assertion)
            kid = header.get("kid")
            if kid is not None and kid != account.private_key_id:
                raise jwt.InvalidSignatureError("unknown key id")
            claims = jwt.decode(
                assertion,
                account.public_key(),
                algorithms=["RS256"],
                audience=[*token_urls, *GOOGLE_AUDIENCES],
                leeway=CLOCK_SKEW_S,
                options={"require": ["iss", "aud", "exp", "iat"]},
            )
        except jwt.InvalidSignatureError:
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        except jwt.InvalidAudienceError:
            return _oauth_error(
                400,
                "invalid_grant",
                f"Invalid JWT: Failed audience check. The right audience is {token_urls[0]}",
            )
        except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError, jwt.InvalidIssuedAtError):
            return _oauth_error(400, "invalid_grant", _TIMEFRAME)
        except jwt.MissingRequiredClaimError as exc:
            return _oauth_error(400, "invalid_grant", f"Invalid JWT: missing claim {exc.claim}")
        except jwt.PyJWTError:
            return _oauth_error(400, "invalid_grant", "Invalid JWT.")
        if int(claims["exp"]) - int(claims["iat"]) > MAX_ASSERTION_LIFETIME_S:
            return _oauth_error(400, "invalid_grant", _TIMEFRAME)
        if claims["iss"] != account.client_email:
            return _oauth_error(400, "invalid_grant", "Invalid grant: account not found")
        scopes = str(claims.get("scope") or "").split()
        subject = claims.get("sub")
        if not scopes:
            return _oauth_error(
                400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."
            )
        if not CALENDAR_SCOPES.intersection(scopes):
            if subject:  # domain-wide delegation is granted per scope
                return _oauth_error(
                    401,
                    "unauthorized_client",
                    "Client is unauthorized to retrieve access tokens using "
                    "this method, or client not authorized for any of the "
                    "scopes requested.",
                )
            return _oauth_error(
                400, "invalid_scope", "Invalid OAuth scope or ID token audience provided."
            )
        if subject and not self._is_user(str(subject)):
            return _oauth_error(400, "invalid_grant", "Invalid email or User ID")
        principal = str(subject) if subject else account.client_email
        return self._issue(principal, " ".join(scopes), "ya29.c.sandbox-", False)
