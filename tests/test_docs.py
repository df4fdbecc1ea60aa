"""Settings live in one place, the config schema: README and meltano.yml must agree with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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


def test_meltano_declares_exactly_the_schema_settings() -> None:
    assert set(meltano_settings()) == set(schema_settings())


def test_meltano_marks_exactly_the_secrets_sensitive() -> None:
    sensitive = {name for name, s in meltano_settings().items() if s.get("sensitive")}
    assert sensitive == set(TapCalInstances.secret_settings())


def test_meltano_kinds_match_schema_types() -> None:
    kinds = {
        "array": "array",
        "boolean": "boolean",
        "integer": "integer",
        "number": "decimal",
        "object": "object",
        "string": "string",
    }
    for name, setting in meltano_settings().items():
        schema = schema_settings()[name]
        types = schema.get("type", [])
        types = [types] if isinstance(types, str) else types
        if schema.get("format") == "date-time":
            assert setting["kind"] == "date_iso8601", name
        elif "object" in types:
            assert setting["kind"] == "object", name
        else:
            expected = next(kinds[t] for t in types if t in kinds)
            assert setting["kind"] == expected, name


def test_provider_settings_have_no_meltano_defaults() -> None:
    # A default would make Meltano send the provider block, enabling an unconfigured provider.
    for name, setting in meltano_settings().items():
        if "." in name:
            assert "value" not in setting, name


def test_meltano_capabilities_are_what_the_tap_reports() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text("utf-8"))
    (tap,) = [e for e in project["plugins"]["extractors"] if e["name"] == "tap-calinstances"]
    assert set(tap["capabilities"]) == {str(c) for c in TapCalInstances.capabilities}
