"""Write the tap's `settings` in meltano.yml from the config schema (`make readme`).

Descriptions, kinds, defaults and `sensitive` come from the schema (what `--about` prints),
labels from LABELS below (the SDK's own settings carry a `title`), so meltano.yml cannot
drift from what the tap accepts: tests/test_docs.py fails when regenerating would change it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

TAP = "tap-calinstances"
LABELS = {
    "start_date": "Start date",
    "end_date": "End date",
    "lookahead_days": "Lookahead days",
    "max_concurrency": "Max concurrency",
    "connect_timeout_seconds": "Connect timeout (seconds)",
    "read_timeout_seconds": "Read timeout (seconds)",
    "retry_budget_seconds": "Retry budget (seconds)",
    "metrics_log_level": "Metrics log level",
    "full_refresh": "Full refresh",
    "google.client_id": "Google OAuth client ID",
    "google.client_secret": "Google OAuth client secret",
    "google.refresh_token": "Google refresh token",
    "google.service_account_info": "Google service-account key (JSON)",
    "google.subjects": "Google users to impersonate",
    "google.calendar_ids": "Google calendars to read",
    "google.api_url": "Google API root",
    "google.token_url": "Google token endpoint",
    "microsoft.tenant_id": "Microsoft tenant ID",
    "microsoft.client_id": "Microsoft application (client) ID",
    "microsoft.client_secret": "Microsoft client secret",
    "microsoft.user_ids": "Microsoft users to read",
    "microsoft.calendar_ids": "Microsoft calendars to read",
    "microsoft.api_url": "Microsoft Graph root",
    "microsoft.token_url": "Microsoft token endpoint",
    "feishu.app_id": "Feishu/Lark app ID",
    "feishu.app_secret": "Feishu/Lark app secret",
    "feishu.calendar_ids": "Feishu/Lark calendars to read",
    "feishu.api_url": "Feishu/Lark API root",
}
# Each provider's ways to authenticate: Meltano shows them as the alternative groups of
# required settings (`meltano config list tap-calinstances`).
AUTH_GROUPS = [
    ["google.client_id", "google.client_secret", "google.refresh_token"],
    ["google.service_account_info"],
    ["microsoft.tenant_id", "microsoft.client_id", "microsoft.client_secret"],
    ["feishu.app_id", "feishu.app_secret"],
]
# Not secret to the SDK, but the README's recipe for keeping personal data out of the
# warehouse keeps its salt there: Meltano then writes it to .env, not meltano.yml.
SENSITIVE = frozenset({"stream_map_config"})
# Provider blocks are enabled by being present, so their settings carry no `value`: a
# default would make Meltano send the block, enabling a provider nobody configured.
PROVIDER_BLOCKS = ("google", "microsoft", "feishu")


def about_settings() -> dict[str, Any]:
    """The config schema as the installed tap reports it, SDK settings included."""
    about = subprocess.run(
        [str(Path(sys.executable).parent / TAP), "--about", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    settings: dict[str, Any] = json.loads(about)["settings"]
    return settings


def kind_of(prop: dict[str, Any]) -> str:
    types = prop.get("type", [])
    types = [types] if isinstance(types, str) else types
    if prop.get("format") == "date-time":
        return "date_iso8601"
    if "enum" in prop:
        return "options"
    if prop.get("secret") and "object" not in types:
        return "password"
    for kind in ("object", "array", "integer", "boolean"):
        if kind in types:
            return kind
    return "decimal" if "number" in types else "string"


def setting(name: str, prop: dict[str, Any], *, required: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": name,
        "label": LABELS.get(name) or prop["title"],
        "description": prop["description"],
        "kind": kind_of(prop),
    }
    if entry["kind"] == "options":
        entry["options"] = [{"label": v.title(), "value": v} for v in prop["enum"] if v]
    if prop.get("secret") or name in SENSITIVE:
        entry["sensitive"] = True
    if required:
        entry["required"] = True
    if "default" in prop and name.split(".")[0] not in PROVIDER_BLOCKS:
        entry["value"] = prop["default"]
    return entry


def settings_list(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    entries = []
    for name, prop in schema["properties"].items():
        if name in PROVIDER_BLOCKS:
            for sub, sub_prop in prop["properties"].items():
                entries.append(setting(f"{name}.{sub}", sub_prop, required=False))
        else:
            # SDK settings with nested properties (stream_maps, batch_config) are objects
            # to Meltano: `meltano config set ... stream_maps '{...}'` then stores an object.
            entries.append(setting(name, prop, required=name in required))
    return entries


def render(project: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    (tap,) = [e for e in project["plugins"]["extractors"] if e["name"] == TAP]
    tap["settings"] = settings_list(schema)
    tap["settings_group_validation"] = [["start_date", *group] for group in AUTH_GROUPS]
    return project


def dump(project: dict[str, Any]) -> str:
    return yaml.safe_dump(project, sort_keys=False, allow_unicode=True, width=100)


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "meltano.yml")
    project = yaml.safe_load(path.read_text("utf-8"))
    path.write_text(dump(render(project, about_settings())), "utf-8")


if __name__ == "__main__":
    main()
