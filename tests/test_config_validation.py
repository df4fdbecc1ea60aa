"""Invalid configuration is refused before any connection, naming the setting, never the value.

Every URL of every configuration here points at a listener that counts the connections it
accepts: a refused configuration must leave it at zero. Configurations are read the way the
SDK reads config.json (JSON numbers with a decimal point become ``Decimal``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tap_calinstances.tap import TapCalInstances
from tests.builders import (
    REFRESH_TOKEN,
    SECRETS,
    SUBJECT,
    ec_pem,
    good_config,
    rsa_pem,
    service_account_key,
)
from tests.harness import TapRun, run_cli, run_tap
from tests.local_servers import CountingListener

DELETE = object()


@dataclass(frozen=True)
class Raw:
    """A value written into config.json as this JSON text (1e400: no Python float holds it)."""

    text: str


@dataclass(frozen=True)
class Bad:
    """One bad setting: ``path`` (dotted; the first part of a provider path picks the valid
    block it is applied to) set to ``value``, refused with a message containing ``names``."""

    path: str
    value: Any
    names: str
    block: str = "google"

    def text(self, base: str) -> str:
        """The configuration as config.json holds it."""
        config = good_config(self.block, base)
        *parents, leaf = self.path.split(".")
        target = config
        for part in parents:
            target = target[part]
        if self.value is DELETE:
            del target[leaf]
        else:
            target[leaf] = "@@RAW@@" if isinstance(self.value, Raw) else self.value
        raw = self.value.text if isinstance(self.value, Raw) else '"@@RAW@@"'
        return json.dumps(config).replace('"@@RAW@@"', raw)

    def config(self, base: str) -> dict[str, Any]:
        """The configuration as the SDK reads config.json: decimals become Decimal."""
        parsed: dict[str, Any] = json.loads(self.text(base), parse_float=Decimal)
        return parsed

    def echoed_value(self) -> str | None:
        """The value as it could show up in a message, when it could be recognised there."""
        if isinstance(self.value, Raw):
            return self.value.text
        if isinstance(self.value, str) and len(self.value.strip()) >= 4:
            return self.value
        if isinstance(self.value, int | float) and not isinstance(self.value, bool):
            return str(self.value)
        return None


CASES = {
    # Numbers: decimals where a count is expected, and counts out of range.
    "decimal-lookahead": Bad("lookahead_days", 1.5, "lookahead_days must be a whole number"),
    "decimal-flattening-depth": Bad("flattening_max_depth", 2.0, "flattening_max_depth", "feishu"),
    "decimal-concurrency": Bad("max_concurrency", 4.0, "max_concurrency", "microsoft"),
    "huge-lookahead": Bad("lookahead_days", 1000000000, "lookahead_days must be between 0 and"),
    "negative-lookahead": Bad("lookahead_days", -1, "lookahead_days must be between 0 and"),
    "zero-concurrency": Bad("max_concurrency", 0, "max_concurrency must be between 1 and 256"),
    "infinite-concurrency": Bad("max_concurrency", Raw("1e400"), "max_concurrency", "feishu"),
    "boolean-as-text": Bad("full_refresh", "true", "full_refresh must be a boolean", "microsoft"),
    "flattening-as-text": Bad("flattening_enabled", "yes", "flattening_enabled must be a"),
    # Unknown settings, at the top and inside each provider's block.
    "misspelt-end-date": Bad("end_dat", "2026-02-01", "end_dat is not a setting"),
    "unknown-top-level": Bad("lookahead", 30, "lookahead is not a setting", "feishu"),
    "unknown-in-google": Bad("google.colour", "blue", "google.colour is not a setting"),
    "unknown-in-microsoft": Bad(
        "microsoft.tenant", "contoso", "did you mean tenant_id", "microsoft"
    ),
    "unknown-in-feishu": Bad(
        "feishu.token_url", "https://x.example/t", "feishu.token_url", "feishu"
    ),
    # Stream maps as `meltano config set` stores them when it does not know their kind.
    "stream-maps-as-text": Bad("stream_maps", '{"google_instances": null}', "stream_maps"),
    "stream-map-config-as-text": Bad("stream_map_config", '{"seed": 1}', "stream_map_config"),
    # Dates.
    "missing-start": Bad("start_date", DELETE, "start_date is required", "microsoft"),
    "unparsable-start": Bad("start_date", "next tuesday", "start_date is not an ISO 8601"),
    "end-before-start": Bad("end_date", "2025-12-31T00:00:00Z", "end_date must be after"),
    "end-in-year-9999": Bad("end_date", "9999-12-31", "end_date must be between the years"),
    "start-in-year-1": Bad("start_date", "0001-01-01", "start_date must be between", "feishu"),
    # Google: blank, missing and mistyped credentials; the service-account key, parsed.
    "google-blank-secret": Bad("google.client_secret", "", "google.client_secret"),
    "google-whitespace-refresh-token": Bad("google.refresh_token", "   ", "google.refresh_token"),
    "google-whitespace-client-id": Bad("google.client_id", "\t\n", "google.client_id"),
    "google-missing-secret": Bad("google.client_secret", DELETE, "google.client_secret"),
    "google-secret-of-wrong-type": Bad("google.client_secret", 12345678, "google.client_secret"),
    "google-null-block": Bad("google", None, "google must be an object"),
    "google-remote-http": Bad("google.api_url", "http://proxy.example.com/v3", "google.api_url"),
    "google-ftp-token-url": Bad("google.token_url", "ftp://example.com/token", "google.token_url"),
    "google-empty-calendars": Bad("google.calendar_ids", [], "google.calendar_ids"),
    "google-calendars-as-text": Bad("google.calendar_ids", "primary", "google.calendar_ids"),
    "google-subjects-without-key": Bad("google.subjects", [SUBJECT], "google.subjects"),
    "google-key-not-pem": Bad(
        "google.service_account_info.private_key",
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
        "google.service_account_info.private_key is not a PEM private key",
        "google_sa",
    ),
    "google-key-truncated-pem": Bad(
        "google.service_account_info.private_key",
        rsa_pem()[:400] + "\n-----END PRIVATE KEY-----\n",
        "google.service_account_info.private_key",
        "google_sa",
    ),
    "google-key-not-rsa": Bad(
        "google.service_account_info.private_key", ec_pem(), "is not an RSA key", "google_sa"
    ),
    "google-key-without-private-key": Bad(
        "google.service_account_info.private_key", DELETE, "lacks private_key", "google_sa"
    ),
    "google-key-blank-email": Bad(
        "google.service_account_info.client_email", " ", "lacks client_email", "google_sa"
    ),
    "google-key-not-json": Bad(
        "google.service_account_info", '{"type": "service_account", ', "not valid JSON", "google_sa"
    ),
    "google-key-a-list": Bad(
        "google.service_account_info", "[1, 2, 3]", "must be a JSON object", "google_sa"
    ),
    "google-two-grants": Bad(
        "google.refresh_token", REFRESH_TOKEN, "either refresh_token", "google_sa"
    ),
    "google-subjects-not-emails": Bad("google.subjects", ["alex"], "email addresses", "google_sa"),
    # Microsoft.
    "microsoft-blank-secret": Bad(
        "microsoft.client_secret", "", "microsoft.client_secret", "microsoft"
    ),
    "microsoft-whitespace-tenant": Bad(
        "microsoft.tenant_id", "  ", "microsoft.tenant_id", "microsoft"
    ),
    "microsoft-missing-client-id": Bad(
        "microsoft.client_id", DELETE, "microsoft.client_id", "microsoft"
    ),
    "microsoft-secret-a-number": Bad(
        "microsoft.client_secret", 1.5, "microsoft.client_secret must be a string", "microsoft"
    ),
    "microsoft-remote-http-token": Bad(
        "microsoft.token_url", "http://login.example.com/t", "microsoft.token_url", "microsoft"
    ),
    "microsoft-api-not-a-url": Bad(
        "microsoft.api_url", "graph.microsoft.com", "api_url", "microsoft"
    ),
    "microsoft-blank-user": Bad("microsoft.user_ids", [""], "microsoft.user_ids", "microsoft"),
    # Feishu.
    "feishu-whitespace-secret": Bad("feishu.app_secret", " \t ", "feishu.app_secret", "feishu"),
    "feishu-blank-app-id": Bad("feishu.app_id", "", "feishu.app_id", "feishu"),
    "feishu-missing-secret": Bad("feishu.app_secret", DELETE, "feishu.app_secret", "feishu"),
    "feishu-remote-http": Bad(
        "feishu.api_url", "http://open.feishu.cn/open-apis", "api_url", "feishu"
    ),
    "feishu-blank-calendar": Bad("feishu.calendar_ids", ["  "], "feishu.calendar_ids", "feishu"),
}


@pytest.fixture(scope="module")
def listener() -> Iterator[CountingListener]:
    with CountingListener() as counting:
        yield counting


def assert_refused(problems: list[str], bad: Bad) -> None:
    text = "\n".join(problems)
    assert bad.names in text, problems
    echoed = bad.echoed_value()
    assert echoed is None or echoed not in text, problems
    assert not any(secret in text for secret in SECRETS), problems
    assert "Decimal" not in text and "Traceback" not in text, problems


@pytest.mark.parametrize("bad", CASES.values(), ids=CASES.keys())
def test_a_bad_setting_is_refused_before_any_connection(
    bad: Bad, listener: CountingListener
) -> None:
    before = listener.connections
    with pytest.raises(ConfigValidationError) as refused:
        run_tap(bad.config(listener.url))
    assert_refused(refused.value.errors, bad)
    assert listener.connections == before


ENV_CASES = {
    "decimal-lookahead": ("TAP_CALINSTANCES_LOOKAHEAD_DAYS", "1.5", "must be a whole number"),
    "text-lookahead": ("TAP_CALINSTANCES_LOOKAHEAD_DAYS", "ninety", "must be a whole number"),
    "broken-block": ("TAP_CALINSTANCES_GOOGLE", '{"client_id": "abcdef",', "a JSON object"),
    "stream-maps-not-json": ("TAP_CALINSTANCES_STREAM_MAPS", "google_instances=x", "JSON object"),
}


@pytest.mark.parametrize(("variable", "value", "names"), ENV_CASES.values(), ids=ENV_CASES.keys())
def test_a_bad_environment_variable_is_refused_naming_it(
    variable: str,
    value: str,
    names: str,
    listener: CountingListener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `--config ENV`: the SDK converts variables by the setting's type, and stopped with a
    # bare ValueError quoting the value.
    monkeypatch.setenv(variable, value)
    before = listener.connections
    with pytest.raises(ConfigValidationError) as refused:
        TapCalInstances(config=good_config("feishu", listener.url), parse_env_config=True)
    assert f"{variable} (the setting " in refused.value.errors[0]
    assert names in refused.value.errors[0]
    assert value not in refused.value.errors[0]
    assert listener.connections == before


def test_there_are_at_least_forty_bad_configs() -> None:
    assert len(CASES) + len(ENV_CASES) >= 40


@pytest.mark.parametrize("block", ["google", "google_sa", "microsoft", "feishu"])
def test_each_valid_block_has_no_problems(block: str, listener: CountingListener) -> None:
    assert TapCalInstances.config_problems(good_config(block, listener.url)) == []


def test_the_sdk_built_in_settings_are_accepted(listener: CountingListener) -> None:
    config = {
        **good_config("feishu", listener.url),
        "stream_maps": {"feishu_instances": {"description": "__NULL__"}},
        "stream_map_config": {"hash_seed": "x"},
        "flattening_enabled": True,
        "flattening_max_depth": 2,
        "faker_config": {"seed": 3, "locale": "en_US"},
        "batch_config": {"encoding": {"format": "jsonl"}, "storage": {"root": "file:///tmp"}},
    }
    assert TapCalInstances.config_problems(config) == []


def test_the_service_account_key_may_be_a_json_string(listener: CountingListener) -> None:
    config = good_config("google_sa", listener.url)
    config["google"]["service_account_info"] = json.dumps(service_account_key())
    assert TapCalInstances.config_problems(config) == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/google/calendar/v3",
        "http://localhost:1/x",
        "http://[::1]:2/x",
        "https://proxy.example.com/calendar/v3",
    ],
    ids=["ipv4-loopback", "localhost", "ipv6-loopback", "https"],
)
def test_http_is_accepted_for_loopback_only(url: str) -> None:
    config = good_config("google", "http://127.0.0.1:1")
    config["google"]["api_url"] = url
    assert TapCalInstances.config_problems(config) == []


def test_secret_settings_are_marked_secret_in_the_schema() -> None:
    assert set(TapCalInstances.secret_settings()) == {
        "google.client_id",
        "google.client_secret",
        "google.refresh_token",
        "google.service_account_info",
        "microsoft.client_secret",
        "feishu.app_secret",
    }


# -- through the command line, as Meltano runs it --------------------------------------------

CLI_CASES = [
    "decimal-lookahead",
    "misspelt-end-date",
    "stream-maps-as-text",
    "google-whitespace-refresh-token",
    "microsoft-blank-secret",
    "unknown-in-feishu",
    "google-key-not-pem",
]


@pytest.fixture(scope="module")
def cli_runs(
    listener: CountingListener, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, TapRun]:
    """The CLI cases, run side by side (each is a process start, mostly waiting on imports)."""

    # Folders made here, not in the threads: the factory's first use creates its base
    # folder, and two threads doing that at once trip its own path check.
    folders: dict[str, Path] = {case: tmp_path_factory.mktemp(case) for case in CLI_CASES}

    def run(case: str) -> TapRun:
        return run_cli(json.loads(CASES[case].text(listener.url)), folders[case], timeout=60)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CLI_CASES, pool.map(run, CLI_CASES), strict=True))


@pytest.mark.parametrize("case", CLI_CASES)
def test_the_cli_refuses_a_bad_config_cleanly(
    case: str, cli_runs: dict[str, TapRun], listener: CountingListener
) -> None:
    done = cli_runs[case]
    # Invalid configuration exits 2 where the CLI maps exceptions to exit codes; the SDK's
    # own CLI exits 1. Either way: no traceback, no message, no connection.
    assert done.returncode != 0, done.stderr[-2000:]
    assert_refused(done.stderr.splitlines(), CASES[case])  # no traceback either
    assert done.messages == []
    assert listener.connections == 0
