"""The ``feishu`` block of the configuration: its schema, its checks and its parsed form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

from tap_calinstances import settings as common

API_URL = "https://open.feishu.cn/open-apis"
LARK_API_URL = "https://open.larksuite.com/open-apis"
APP = "the app"  # one tenant token reads every calendar: the app is the only principal

SCHEMA = th.ObjectType(
    th.Property("app_id", th.StringType, description="App ID of the self-built app."),
    th.Property(
        "app_secret",
        th.StringType,
        secret=True,
        description="App secret of the self-built app (tenant access token). Secret.",
    ),
    th.Property(
        "calendar_ids",
        th.ArrayType(th.StringType),
        description="Read only these calendars (default: every calendar visible to the app).",
    ),
    th.Property(
        "api_url",
        th.StringType,
        description=f"Open Platform root (default {API_URL}); Lark: {LARK_API_URL}.",
    ),
    additional_properties=False,
)

GRANT = "the tenant access token needs app_id and app_secret"


@dataclass(frozen=True)
class FeishuSettings:
    app_id: str
    app_secret: str
    api_url: str
    calendar_ids: tuple[str, ...] | None

    @classmethod
    def parse(cls, block: Mapping[str, Any]) -> FeishuSettings:
        """The block of an already validated configuration."""
        calendars = block.get("calendar_ids")
        return cls(
            app_id=str(block["app_id"]),
            app_secret=str(block["app_secret"]),
            api_url=str(block.get("api_url") or API_URL).rstrip("/"),
            calendar_ids=tuple(calendars) if calendars else None,
        )

    @property
    def token_url(self) -> str:
        return self.api_url + "/auth/v3/tenant_access_token/internal"


def check(block: Any) -> list[str]:
    """Problems of the ``feishu`` block, each naming its setting and never its value."""
    if not isinstance(block, Mapping):
        return ["feishu must be an object of settings"]
    problems = [
        problem
        for key in ("app_id", "app_secret")
        for problem in common.check_credential(f"feishu.{key}", block.get(key), GRANT)
    ]
    problems += common.check_id_list("feishu.calendar_ids", block.get("calendar_ids"))
    problems += common.check_url("feishu.api_url", block.get("api_url"))
    return problems
