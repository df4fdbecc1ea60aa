"""The ``microsoft`` block of the configuration: its schema, its checks and its parsed form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from singer_sdk import typing as th

from tap_calinstances import settings as common

API_URL = "https://graph.microsoft.com/v1.0"
TOKEN_URL = "https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token"  # noqa: S105
# Listing users is directory-wide, not a mailbox's: its own budget bucket.
DIRECTORY = "the directory"

# No `default` inside the block (see the google block): parse() applies them.
SCHEMA = th.ObjectType(
    th.Property(
        "tenant_id",
        th.StringType,
        description="Directory (tenant) ID of the app registration.",
    ),
    th.Property(
        "client_id",
        th.StringType,
        description="Application (client) ID of the app registration.",
    ),
    th.Property(
        "client_secret",
        th.StringType,
        secret=True,
        description="Client secret of the app registration (client-credentials flow). Secret.",
    ),
    th.Property(
        "user_ids",
        th.ArrayType(th.StringType),
        description="Whose calendars to read: user ids or UPNs (default: every user of the "
        "tenant, from GET /users, which needs User.Read.All).",
    ),
    th.Property(
        "calendar_ids",
        th.ArrayType(th.StringType),
        description="Read only these calendars (default: every calendar of each user).",
    ),
    th.Property(
        "api_url",
        th.StringType,
        description=f"Graph root (default {API_URL}); national clouds: "
        "https://graph.microsoft.us/v1.0, https://dod-graph.microsoft.us/v1.0, "
        "https://microsoftgraph.chinacloudapi.cn/v1.0.",
    ),
    th.Property(
        "token_url",
        th.StringType,
        description=f"Token endpoint (default {TOKEN_URL}); national clouds have their own "
        "(login.microsoftonline.us, login.chinacloudapi.cn).",
    ),
    additional_properties=False,
)

GRANT = "the client-credentials grant needs tenant_id, client_id and client_secret"


@dataclass(frozen=True)
class MicrosoftSettings:
    tenant_id: str
    client_id: str
    client_secret: str
    api_url: str
    token_url: str
    user_ids: tuple[str, ...] | None
    calendar_ids: tuple[str, ...] | None

    @classmethod
    def parse(cls, block: Mapping[str, Any]) -> MicrosoftSettings:
        """The block of an already validated configuration."""
        tenant = str(block["tenant_id"])
        users, calendars = block.get("user_ids"), block.get("calendar_ids")
        return cls(
            tenant_id=tenant,
            client_id=str(block["client_id"]),
            client_secret=str(block["client_secret"]),
            api_url=str(block.get("api_url") or API_URL).rstrip("/"),
            token_url=str(block.get("token_url") or TOKEN_URL.format(tenant_id=tenant)),
            user_ids=tuple(users) if users else None,
            calendar_ids=tuple(calendars) if calendars else None,
        )

    @property
    def scope(self) -> str:
        """The token's scope follows the API root: https://graph.microsoft.us/.default for
        US Gov, and so on."""
        parts = urlsplit(self.api_url)
        return f"{parts.scheme}://{parts.netloc}/.default"


def check(block: Any) -> list[str]:
    """Problems of the ``microsoft`` block, each naming its setting and never its value."""
    if not isinstance(block, Mapping):
        return ["microsoft must be an object of settings"]
    problems = [
        problem
        for key in ("tenant_id", "client_id", "client_secret")
        for problem in common.check_credential(f"microsoft.{key}", block.get(key), GRANT)
    ]
    problems += common.check_id_list("microsoft.user_ids", block.get("user_ids"))
    problems += common.check_id_list("microsoft.calendar_ids", block.get("calendar_ids"))
    problems += common.check_url("microsoft.api_url", block.get("api_url"))
    problems += common.check_url("microsoft.token_url", block.get("token_url"))
    return problems
