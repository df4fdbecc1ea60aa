"""What a person running the tap reads: a line per calendar, a summary, one line per failure,
exit codes that tell a configuration to fix from a provider to wait for, a clean --about."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from tap_calinstances.sandbox import Sandbox
from tests.harness import TAP, TapRun, run_cli

QUARTER = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}


def messages(run: TapRun) -> list[str]:
    """The log lines' messages, without timestamp, level and logger."""
    return [line.rsplit(" | ", 1)[-1] for line in run.stderr.splitlines() if " | " in line]


def errors(run: TapRun) -> list[str]:
    return [line.rsplit(" | ", 1)[-1] for line in run.stderr.splitlines() if "| ERROR" in line]


@pytest.fixture(scope="module")
def every_provider_run(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> TapRun:
    """The three providers over the first quarter of 2026, through the real command."""
    config = {**sandbox.tap_config(), **QUARTER}
    return run_cli(config, tmp_path_factory.mktemp("cli"))


def test_each_calendar_gets_one_line_when_its_occurrences_are_written(
    every_provider_run: TapRun,
) -> None:
    assert every_provider_run.returncode == 0, every_provider_run.stderr
    done = [m for m in messages(every_provider_run) if " done (" in m]
    assert len(done) == 4 + 2 + 5
    google = [m for m in done if m.startswith("google: ")]
    assert google[0].startswith(
        "google: calendar alex@sandbox.example done (1 of 2): 3 series, 16 occurrences, "
        "0 cancelled, 6 requests, "
    )
    assert google[1].startswith(
        "google: calendar ops#oncall@group.calendar.sandbox.example done (2 of 2): 1 series, "
        "61 occurrences, 1 cancelled, 4 requests, "
    )
    # Graph's calendar ids are 150 opaque characters: people know calendars by name.
    graph = [m for m in done if m.startswith("microsoft: ")]
    assert graph[0].startswith(
        "microsoft: calendar 'Team planning' of megan.bowen@contoso.sandbox.example done "
        "(1 of 5): 4 series, 28 occurrences, 0 cancelled, 4 requests, "
    )


def test_the_run_ends_with_a_summary_table_per_provider(every_provider_run: TapRun) -> None:
    lines = messages(every_provider_run)
    start = lines.index("Summary of the run:")
    header, *rows = lines[start + 1 : start + 5]
    assert header.split() == [
        "provider",
        "calendars",
        "skipped",
        "series",
        "occurrences",
        "cancelled",
        "requests",
        "retries",
        "time",
    ]
    # calendars, skipped, series, occurrences, cancelled, requests, retries
    table = {row.split()[0]: row.split()[1:8] for row in rows}
    assert table == {
        "feishu": ["4", "0", "8", "150", "3", "13", "0"],
        "google": ["2", "0", "4", "77", "1", "11", "0"],
        # svc-reports has no mailbox: its calendars are skipped.
        "microsoft": ["5", "1", "12", "110", "4", "19", "0"],
    }


def test_the_log_carries_no_sdk_noise(every_provider_run: TapRun) -> None:
    stderr = every_provider_run.stderr
    assert "METRIC" not in stderr
    assert "Skipping parse of env var settings" not in stderr
    assert "Config validation failed" not in stderr
    # "no feishu block" and the like: once per provider at most, here none is missing.
    assert "nothing to read" not in stderr


def test_metric_lines_come_back_with_one_setting(sandbox: Sandbox, tmp_path: Path) -> None:
    config = {**sandbox.tap_config(providers=["google"]), **QUARTER, "metrics_log_level": "INFO"}
    run = run_cli(config, tmp_path)
    assert run.returncode == 0, run.stderr
    assert '"metric":"record_count"' in run.stderr


def test_invalid_configuration_exits_2_with_one_line_naming_the_setting(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = {**sandbox.tap_config(providers=["google"]), "end_date": "2025-01-01T00:00:00Z"}
    sandbox.clear_requests()
    run = run_cli(config, tmp_path)
    assert run.returncode == 2
    (line,) = errors(run)
    assert line.startswith("Invalid configuration: end_date must be after start_date.")
    assert "Traceback" not in run.stderr
    assert sandbox.requests == [] and sandbox.token_requests == []


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("setting", "url", "why"),
    [
        ("api_url", "http://127.0.0.1:{closed}/calendar/v3", "the connection was refused"),
        ("token_url", "http://127.0.0.1:{closed}/token", "the connection was refused"),
        # https to the sandbox's plain-http port: the handshake fails.
        ("api_url", "https://127.0.0.1:{sandbox}/google/calendar/v3", "the TLS handshake failed"),
    ],
    ids=["api-refused", "token-refused", "api-tls"],
)
def test_an_unreachable_host_stops_in_seconds_naming_host_and_setting(
    sandbox: Sandbox, tmp_path: Path, setting: str, url: str, why: str
) -> None:
    config = {**sandbox.tap_config(providers=["google"]), **QUARTER}
    port = sandbox.url.rsplit(":", 1)[1]
    config["google"][setting] = url.format(closed=closed_port(), sandbox=port)
    started = time.monotonic()
    run = run_cli(config, tmp_path)
    assert time.monotonic() - started < 20
    assert run.returncode == 3
    (line,) = errors(run)
    host = url.split("/")[2].split(":")[0]
    assert f"cannot reach {url.split('://')[0]}://{host}:" in line
    assert why in line
    assert f"This looks like a configuration problem: check google.{setting}" in line
    assert "Traceback" not in run.stderr


def test_a_refused_refresh_token_is_one_line_and_exit_3(sandbox: Sandbox, tmp_path: Path) -> None:
    config = {**sandbox.tap_config(providers=["google"]), **QUARTER}
    config["google"]["refresh_token"] = "revoked-token-0000"
    run = run_cli(config, tmp_path)
    assert run.returncode == 3
    (line,) = errors(run)
    assert "invalid_grant" in line and "refresh token" in line
    assert "Traceback" not in run.stderr


def test_debug_logging_adds_the_traceback(sandbox: Sandbox, tmp_path: Path) -> None:
    config = {**sandbox.tap_config(providers=["google"]), **QUARTER}
    config["google"]["refresh_token"] = "revoked-token-0000"
    run = run_cli(config, tmp_path, env={"LOGLEVEL": "DEBUG"})
    assert run.returncode == 3
    assert "Traceback (most recent call last)" in run.stderr


def test_discovery_before_the_configuration_is_complete_is_quiet(tmp_path: Path) -> None:
    # `meltano select --list` discovers with whatever is configured so far: here nothing.
    (tmp_path / "config.json").write_text("{}", "utf-8")
    done = subprocess.run(
        [TAP, "--config", str(tmp_path / "config.json"), "--discover"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"stream":"google_instances"' in done.stdout
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr


def about(*args: str) -> str:
    return subprocess.run(
        [TAP, "--about", *args], capture_output=True, text=True, check=True
    ).stdout


def test_about_as_text_is_flush_left_and_names_the_three_providers() -> None:
    text = about()
    assert text.splitlines()[:2] == [
        "Name: tap-calinstances",
        "Description: Recurring-event occurrences from Google Calendar, Microsoft Graph and "
        "Feishu/Lark.",
    ]
    assert not [line for line in text.splitlines() if line.startswith("    ") and ":" in line[:6]]


def test_about_as_markdown_has_a_title_and_a_paragraph() -> None:
    lines = about("--format", "markdown").splitlines()
    assert lines[:3] == [
        "# `tap-calinstances`",
        "",
        "Recurring-event occurrences from Google Calendar, Microsoft Graph and Feishu/Lark.",
    ]
