"""The ``google`` block of the configuration: its schema, its checks and its parsed form."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from singer_sdk import typing as th

from tap_calinstances import settings as common

API_URL = "https://www.googleapis.com/calendar/v3"
TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
SCOPE = "https://www.googleapis.com/auth/calendar.readonly"

# No `default` inside the block: the SDK would write defaults into the user's block (and
# crash on "google": null); GoogleSettings.parse applies them instead.
SCHEMA = th.ObjectType(
    th.Property(
        "client_id",
        th.StringType,
        secret=True,
        description="OAuth client ID (installed-app or web client). Secret.",
    ),
    th.Property(
        "client_secret", th.StringType, secret=True, description="OAuth client secret. Secret."
    ),
    th.Property(
        "refresh_token",
        th.StringType,
        secret=True,
        description="OAuth refresh token with the calendar.readonly scope. Secret.",
    ),
    th.Property(
        "service_account_info",
        th.CustomType({"type": ["object", "string"]}),
        secret=True,
        description="Service-account key (the downloaded JSON, as an object or a JSON string); "
        "alternative to the refresh token. Secret.",
    ),
    th.Property(
        "subjects",
        th.ArrayType(th.StringType),
        description="Users to impersonate with domain-wide delegation (service account "
        "only); each subject is read separately.",
    ),
    th.Property(
        "calendar_ids",
        th.ArrayType(th.StringType),
        description="Read only these calendars (default: every calendar in the calendar list).",
    ),
    th.Property(
        "api_url",
        th.StringType,
        description=f"API root (default {API_URL}); override for proxies and the sandbox.",
    ),
    th.Property(
        "token_url",
        th.StringType,
        description=f"OAuth token endpoint (default {TOKEN_URL}).",
    ),
    additional_properties=False,
)

# Of the key's fields only these are secret: the others (client_email, token_uri, the
# certificate URLs) are public and appear in messages.
SECRET_KEY_FIELDS = ("private_key", "private_key_id")
REFRESH_GRANT = "the refresh-token grant needs client_id, client_secret and refresh_token"
NEW_KEY = "create a new JSON key for the service account (IAM > Service accounts > Keys)"


@dataclass(frozen=True)
class Principal:
    """Whose token reads: ``label`` for messages, ``subject`` to impersonate (or None)."""

    label: str
    subject: str | None


@dataclass(frozen=True)
class GoogleSettings:
    api_url: str
    token_url: str
    calendar_ids: tuple[str, ...] | None
    client_id: str | None = None
    client_secret: str | None = None
    refresh_token: str | None = None
    service_account: Mapping[str, Any] | None = None
    subjects: tuple[str, ...] = ()

    @classmethod
    def parse(cls, block: Mapping[str, Any]) -> GoogleSettings:
        """The block of an already validated configuration."""
        ids = block.get("calendar_ids")
        return cls(
            api_url=str(block.get("api_url") or API_URL).rstrip("/"),
            token_url=str(block.get("token_url") or TOKEN_URL),
            calendar_ids=tuple(ids) if ids else None,
            client_id=block.get("client_id"),
            client_secret=block.get("client_secret"),
            refresh_token=block.get("refresh_token"),
            service_account=_key(block.get("service_account_info")),
            subjects=tuple(block.get("subjects") or ()),
        )

    @property
    def signing_key(self) -> rsa.RSAPrivateKey:
        """The service account's private key (parsed once: see load_private_key); every
        impersonated subject needs a signed assertion."""
        return load_private_key(str((self.service_account or {}).get("private_key", "")))

    @property
    def principals(self) -> tuple[Principal, ...]:
        if self.service_account is None:
            return (Principal("the refresh-token user", None),)
        if self.subjects:
            return tuple(Principal(subject, subject) for subject in self.subjects)
        return (Principal(str(self.service_account["client_email"]), None),)


@functools.lru_cache(maxsize=2)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA key that signs assertions (RS256); ValueError when ``pem`` is not one.
    Parsed once whoever asks (the config check, then the signer): ~30 ms each time."""
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except TypeError as exc:  # a passphrase-protected key
        raise ValueError("is encrypted; Google's JSON keys never are") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError("is not a PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("is not an RSA key (Google signs assertions with RS256)")
    return key


def _key(value: Any) -> Mapping[str, Any] | None:
    if value is None:
        return None
    parsed = json.loads(value) if isinstance(value, str) else value
    return parsed if isinstance(parsed, Mapping) else None


def check(block: Any) -> list[str]:
    """Problems of the ``google`` block, each naming its setting and never its value."""
    if not isinstance(block, Mapping):
        return ["google must be an object of settings"]
    problems: list[str] = []
    grant = ("client_id", "client_secret", "refresh_token")
    refresh = [k for k in grant if block.get(k) is not None]
    has_key = block.get("service_account_info") is not None
    if refresh and has_key:
        problems.append(
            "google: set either refresh_token (with client_id and client_secret) "
            "or service_account_info, not both"
        )
    elif not refresh and not has_key:
        problems.append(
            "google: credentials missing: set google.refresh_token, "
            "google.client_id and google.client_secret, or "
            "google.service_account_info"
        )
    elif refresh:
        for k in grant:
            problems += common.check_credential(f"google.{k}", block.get(k), REFRESH_GRANT)
    if has_key:
        problems += _check_key(block.get("service_account_info"))
    subjects = block.get("subjects")
    if subjects is not None:
        if not has_key:
            problems.append(
                "google.subjects needs google.service_account_info "
                "(impersonation is a service-account feature)"
            )
        problems += common.check_id_list("google.subjects", subjects)
        if isinstance(subjects, list) and not all("@" in str(s) for s in subjects):
            problems.append("google.subjects must be email addresses")
    problems += common.check_id_list("google.calendar_ids", block.get("calendar_ids"))
    problems += common.check_url("google.api_url", block.get("api_url"))
    problems += common.check_url("google.token_url", block.get("token_url"))
    return problems


def _check_key(value: Any) -> list[str]:
    """The key is parsed here, private key included, so that a damaged one is refused
    before any request rather than at the first token."""
    setting = "google.service_account_info"
    try:
        key = _key(value)
    except ValueError:
        return [f"{setting} is not valid JSON: {NEW_KEY}"]
    if key is None:
        return [f"{setting} must be a JSON object: {NEW_KEY}"]
    missing = [
        name
        for name in ("client_email", "private_key")
        if not (isinstance(key.get(name), str) and key[name].strip())
    ]
    if missing:
        return [f"{setting} lacks {', '.join(missing)}: {NEW_KEY}"]
    if "@" not in key["client_email"]:
        return [f"{setting}.client_email is not an email address: {NEW_KEY}"]
    try:
        load_private_key(key["private_key"])
    except ValueError as exc:
        return [f"{setting}.private_key {exc}: {NEW_KEY}"]
    return []
