"""Settings live in one place, the config schema: README and meltano.yml must agree with it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.meltano_settings import about_settings, render
from scripts.readme_settings import END, START, settings_table
from tap_calinstances.tap import SETTINGS, TapCalInstances

ROOT = Path(__file__).resolve().parent.parent


def schema_settings() -> dict[str, dict[str, Any]]:
    """Dotted setting name -> schema, as Meltano and the README name them."""
    flat: dict[str, dict[str, Any]] = {}
    for name, prop in SETTINGS["properties"].items():
        if "properties" in prop:
            flat.update({f"{name}.{sub}": p for sub, p in prop["properties"].items()})
        else:
            flat[name] = prop
    return flat


def meltano_settings() -> dict[str, dict[str, Any]]:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text("utf-8"))
    (tap,) = [e for e in project["plugins"]["extractors"] if e["name"] == "tap-calinstances"]
    return {s["name"]: s for s in tap["settings"]}


def test_readme_settings_table_is_generated_from_the_schema() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert START in readme and END in readme, "README lost its settings markers"
    current = readme.split(START, 1)[1].split(END, 1)[0].strip()
    assert current == settings_table(), "README settings drifted: run `make readme`"


def test_readme_table_lists_every_setting() -> None:
    table = settings_table()
    for name in schema_settings():
        assert f"| {name} |" in table


def test_meltano_yml_settings_are_generated_from_the_schema() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text("utf-8"))
    regenerated = render(copy.deepcopy(project), about_settings())
    assert project == regenerated, "meltano.yml settings drifted: run `make readme`"


def test_meltano_declares_the_schema_settings_and_the_sdk_ones() -> None:
    sdk = {
        "stream_maps",
        "stream_map_config",
        "faker_config",
        "flattening_enabled",
        "flattening_max_depth",
        "flattening_max_key_length",
        "flattening_separator",
        "batch_config",
    }
    assert set(meltano_settings()) == set(schema_settings()) | sdk


def test_every_meltano_setting_has_a_label_and_a_description() -> None:
    for name, setting in meltano_settings().items():
        assert setting.get("label") and setting.get("description"), name


def test_meltano_marks_exactly_the_secrets_sensitive() -> None:
    sensitive = {name for name, s in meltano_settings().items() if s.get("sensitive")}
    # stream_map_config holds the salt of the README's personal-data recipe.
    assert sensitive == {*TapCalInstances.secret_settings(), "stream_map_config"}
    for name in sensitive:
        assert meltano_settings()[name]["kind"] in {"password", "object"}, name


def test_start_date_is_required_in_meltano() -> None:
    required = {name for name, s in meltano_settings().items() if s.get("required")}
    assert required == {"start_date"}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("start_date", "date_iso8601"),
        ("end_date", "date_iso8601"),
        ("lookahead_days", "integer"),
        ("read_timeout_seconds", "decimal"),
        ("full_refresh", "boolean"),
        ("metrics_log_level", "options"),
        ("google.refresh_token", "password"),
        ("google.service_account_info", "object"),
        ("google.subjects", "array"),
        ("google.api_url", "string"),
        ("microsoft.tenant_id", "string"),
        ("feishu.app_secret", "password"),
        ("stream_maps", "object"),
        ("stream_map_config", "object"),
        ("flattening_enabled", "boolean"),
        ("flattening_max_depth", "integer"),
        ("batch_config", "object"),
    ],
)
def test_meltano_kinds(name: str, kind: str) -> None:
    assert meltano_settings()[name]["kind"] == kind


def test_provider_settings_have_no_meltano_defaults() -> None:
    # A default would make Meltano send the provider block, enabling an unconfigured provider.
    for name, setting in meltano_settings().items():
        if "." in name:
            assert "value" not in setting, name


def test_meltano_capabilities_are_what_the_tap_reports() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text("utf-8"))
    (tap,) = [e for e in project["plugins"]["extractors"] if e["name"] == "tap-calinstances"]
    assert set(tap["capabilities"]) == {str(c) for c in TapCalInstances.capabilities}


def test_meltano_yml_keeps_no_comments_for_meltano_to_drop() -> None:
    # `meltano config set` rewrites meltano.yml without them: explanations live in the README.
    lines = (ROOT / "meltano.yml").read_text("utf-8").splitlines()
    assert [line for line in lines if line.lstrip().startswith("#")] == []


def test_env_where_the_readme_sends_credentials_is_ignored_by_git() -> None:
    assert ".env" in (ROOT / ".gitignore").read_text("utf-8").splitlines()
