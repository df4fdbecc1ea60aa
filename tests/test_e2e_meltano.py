"""Meltano runs the tap for real, following the README's commands, into DuckDB and (when a
PostgreSQL server is installed) into PostgreSQL with the MeltanoLabs loader.

Every `meltano` command of the README is executed here, in isolated projects that share the
installed plugins (demo/project.py). target-duckdb 0.8.0 loads nothing (and says nothing)
with duckdb >= 1.3, so row counts are compared with what the tap emitted, not just success.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from demo import project
from demo.run_demo import meltano_env
from tap_calinstances.sandbox import Sandbox
from tests import postgres, readme_commands
from tests.harness import TapRun, run_tap

pytestmark = pytest.mark.e2e

WINDOW = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-07-01T00:00:00Z"}
STREAMS = [
    f"{p}_{k}"
    for p in ("google", "microsoft", "feishu")
    for k in ("calendars", "series", "instances")
]
PG_BIN = postgres.binaries()
SALT = "test-salt-0123456789"
# The sandbox's people: none of their addresses may reach a warehouse through the recipe.
ADDRESS = re.compile(r"[\w.+-]+@(contoso\.)?sandbox\.example")


def endpoints(config: dict[str, Any]) -> dict[str, str]:
    """The sandbox's URLs (and the test window) as Meltano variables: the README points
    at the real APIs."""
    urls = {
        provider: {k: v for k, v in block.items() if k.endswith("_url")}
        for provider, block in config.items()
        if isinstance(block, dict)
    }
    return meltano_env({**urls, "end_date": WINDOW["end_date"]})


def placeholders(config: dict[str, Any]) -> dict[str, str]:
    google, graph, feishu = config["google"], config["microsoft"], config["feishu"]
    return {
        "<client id>": google["client_id"],
        "<client secret>": google["client_secret"],
        "<refresh token>": google["refresh_token"],
        "<directory (tenant) id>": graph["tenant_id"],
        "<application (client) id>": graph["client_id"],
        "<secret value>": graph["client_secret"],
        "<app id>": feishu["app_id"],
        "<app secret>": feishu["app_secret"],
        "<user>": postgres.USER,
        "<password>": "unused-with-trust-auth",
        "<database>": postgres.DATABASE,
        "<a long random string>": SALT,
    }


@pytest.fixture(scope="module")
def pg() -> Iterator[postgres.Cluster | None]:
    if PG_BIN is None:
        yield None
        return
    with postgres.cluster(PG_BIN) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def main_project(
    sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory, pg: postgres.Cluster | None
) -> dict[str, Any]:
    """One project configured by the README's provider blocks and its main block (which
    ends with `meltano run tap-calinstances target-duckdb`), then its PostgreSQL block."""
    work = tmp_path_factory.mktemp("meltano")
    plugins = ["tap-calinstances", "target-duckdb"] + (["target-postgres"] if pg else [])
    project.install(plugins, work / "install")
    loaders: dict[str, dict[str, Any]] = {
        "target-duckdb": {
            "filepath": str(work / "main" / "warehouse.duckdb"),
            "default_target_schema": "calendar",
            "add_metadata_columns": False,
        }
    }
    if pg:
        loaders["target-postgres"] = {"default_target_schema": "calendar"}
    main = project.isolated(work / "main", loaders)
    config = {**sandbox.tap_config(), **WINDOW}
    env = endpoints(config)
    values = placeholders(config)
    ran: list[str] = []
    said = ""
    for block in (
        readme_commands.block_with(" microsoft."),
        readme_commands.block_with(" feishu."),
        readme_commands.block_with("meltano select"),  # the main block
    ):
        done = readme_commands.run(main, block, values, env=env)
        ran += readme_commands.commands(block)
        said += done.stdout
    return {
        "project": main,
        "config": config,
        "env": env,
        "values": values,
        "ran": ran,
        "said": said,
    }


@pytest.fixture(scope="module")
def expected(main_project: dict[str, Any]) -> TapRun:
    return run_tap(main_project["config"])


def warehouse(main_project: dict[str, Any]) -> duckdb.DuckDBPyConnection:
    path = main_project["project"].root / "warehouse.duckdb"
    return duckdb.connect(str(path), read_only=True)


def test_the_readme_blocks_configure_all_three_providers(main_project: dict[str, Any]) -> None:
    ran = main_project["ran"]
    # The Google section repeats the main block's commands: running those covers it.
    google = [b for b in readme_commands.blocks() if " google.refresh_token" in b]
    assert len(google) == 2 and set(readme_commands.commands(google[1])) <= set(ran)
    assert "meltano config list tap-calinstances" in ran
    # `meltano config list` tells what is required, with labels and descriptions.
    said = main_project["said"]
    assert "Setting groups (one of the following combinations is required):" in said
    assert "Group 2: google.service_account_info, start_date" in said
    assert "start_date (required) [env: TAP_CALINSTANCES_START_DATE]" in said
    assert "Start date: Earliest point of the extraction window" in said
    assert "meltano select tap-calinstances --list" in ran
    assert "meltano run tap-calinstances target-duckdb" in ran
    stored = yaml.safe_load((main_project["project"].root / "meltano.yml").read_text("utf-8"))
    (tap,) = stored["plugins"]["extractors"]
    # Secrets went to .env, the rest to meltano.yml.
    assert tap["config"] == {
        "start_date": "2026-01-01T00:00:00Z",
        "microsoft": {"tenant_id": main_project["config"]["microsoft"]["tenant_id"]},
        "feishu": {"app_id": main_project["config"]["feishu"]["app_id"]},
    } or set(tap["config"]) == {"start_date", "microsoft", "feishu"}
    dotenv = (main_project["project"].root / ".env").read_text("utf-8")
    assert "TAP_CALINSTANCES_GOOGLE_REFRESH_TOKEN=" in dotenv
    assert "TAP_CALINSTANCES_MICROSOFT_CLIENT_SECRET=" in dotenv


def test_rows_land_in_duckdb_as_the_tap_emitted_them(
    main_project: dict[str, Any], expected: TapRun
) -> None:
    con = warehouse(main_project)
    for stream in STREAMS:
        (count,) = con.execute(f"select count(*) from calendar.{stream}").fetchone() or (0,)
        assert count == len(expected.records(stream)) > 0, stream
    (keys,) = con.execute(
        "select count(distinct instance_key) = count(*) from calendar.google_instances"
    ).fetchone() or (False,)
    assert keys


def sql_for(loader: str) -> list[str]:
    """The README's SQL statements for one loader (after its `-- <loader>` comment)."""
    readme = (project.ROOT / "README.md").read_text("utf-8")
    statements = []
    for body in re.findall(r"```sql\n(.*?)```", readme, re.S):
        for part in re.split(r"^-- ", body, flags=re.M)[1:]:
            heading, _, sql = part.partition("\n")
            if heading.startswith(loader):
                statements.append(sql.strip().rstrip(";"))
    return statements


def test_the_readme_duckdb_queries_read_utc_and_attendees(main_project: dict[str, Any]) -> None:
    con = warehouse(main_project)
    starts, attendees = sql_for("DuckDB")
    rows = {r[1]: r[0] for r in con.execute(starts + " order by 1").fetchall()}
    # 09:00 New York: 14:00Z in winter, 13:00Z in summer.
    weekly = sorted(
        str(s) for s, summary in con.execute(starts).fetchall() if summary == "Weekly sync"
    )
    assert weekly[8:10] == ["2026-03-02 14:00:00+00:00", "2026-03-09 13:00:00+00:00"]
    assert rows
    answers = con.execute(attendees).fetchall()
    assert ("alex@sandbox.example", "accepted") in {(a[1], a[2]) for a in answers}


def test_meltano_keeps_the_tap_state_of_the_readme_run(main_project: dict[str, Any]) -> None:
    main = main_project["project"]
    state = main.meltano("state", "get", "isolated:tap-calinstances-to-target-duckdb").stdout
    bookmarks = json.loads(state)["singer_state"]["bookmarks"]
    assert set(bookmarks["google_calendars"]["calendars"]) == {
        "alex@sandbox.example",
        "ops#oncall@group.calendar.sandbox.example",
    }
    assert len(bookmarks["microsoft_calendars"]["calendars"]) == 5


def test_the_service_account_block_configures_a_working_tap(
    sandbox: Sandbox, tmp_path: Path, main_project: dict[str, Any]
) -> None:
    config = {**sandbox.tap_config("service_account", providers=["google"]), **WINDOW}
    other = project.isolated(tmp_path / "sa", {})
    key = config["google"]["service_account_info"]
    (other.root / "key.json").write_text(json.dumps(key) if isinstance(key, dict) else key)
    env = {
        **endpoints(config),
        "TAP_CALINSTANCES_START_DATE": WINDOW["start_date"],
        # The README's subjects are examples; the sandbox's people are these.
        "TAP_CALINSTANCES_GOOGLE_SUBJECTS": json.dumps(config["google"]["subjects"]),
    }
    block = readme_commands.block_with(" google.service_account_info")
    readme_commands.run(other, block, {}, env=env)
    stored = yaml.safe_load((other.root / "meltano.yml").read_text("utf-8"))
    assert stored["plugins"]["extractors"][0]["config"]["google"]["subjects"] == [
        "ana@example.com",
        "bo@example.com",
    ]
    tested = other.meltano("config", "test", "tap-calinstances", env=env, check=False)
    assert tested.returncode == 0, tested.stderr[-2000:]


def test_the_personal_data_recipe_keeps_addresses_out_and_keys_usable(
    sandbox: Sandbox, tmp_path: Path, main_project: dict[str, Any]
) -> None:
    config = {**sandbox.tap_config("service_account"), **WINDOW}
    path = tmp_path / "pii" / "warehouse.duckdb"
    pii = project.isolated(
        tmp_path / "pii",
        {"target-duckdb": {"filepath": str(path), "default_target_schema": "calendar"}},
    )
    block = readme_commands.block_with(" stream_maps ")
    readme_commands.run(pii, block, main_project["values"], env=meltano_env(config))
    # Stored as an object (a string would make the SDK fail), the salt kept out of meltano.yml.
    stored = yaml.safe_load((pii.root / "meltano.yml").read_text("utf-8"))
    assert isinstance(stored["plugins"]["extractors"][0]["config"]["stream_maps"], dict)
    assert SALT not in (pii.root / "meltano.yml").read_text("utf-8")
    assert SALT in (pii.root / ".env").read_text("utf-8")

    con = duckdb.connect(str(path), read_only=True)
    for stream in STREAMS:
        columns = [r[0] for r in con.execute(f"describe calendar.{stream}").fetchall()]
        assert not {"raw", "html_link", "organizer_name"} & set(columns), stream
        text = json.dumps(con.execute(f"select * from calendar.{stream}").fetchall(), default=str)
        assert ADDRESS.findall(text) == [], stream
    alex = hashlib.sha256(f"{SALT}alex@sandbox.example".encode()).hexdigest()
    # Keys still join: a calendar's occurrences, its owner, an attendee, all by one hash.
    (owned, attended) = con.execute(
        f"""select count(*) filter (where calendar_id = '{alex}' and owner_id = '{alex}'),
                   count(*) filter (where attendees::varchar like '%{alex}%')
            from calendar.google_instances"""
    ).fetchone() or (0, 0)
    assert owned > 0 and attended > 0
    (orphans,) = con.execute(
        """select count(*) from calendar.google_instances i
           where not exists (select 1 from calendar.google_calendars c
                             where c.calendar_id = i.calendar_id)"""
    ).fetchone() or (1,)
    assert orphans == 0


needs_postgres = pytest.mark.skipif(PG_BIN is None, reason="no PostgreSQL server installed")


@pytest.fixture(scope="module")
def postgres_run(main_project: dict[str, Any], pg: postgres.Cluster | None) -> dict[str, Any]:
    assert pg is not None
    env = {
        **main_project["env"],
        # The README's host and port are the usual ones; this cluster listens elsewhere.
        "TARGET_POSTGRES_HOST": "127.0.0.1",
        "TARGET_POSTGRES_PORT": str(pg.port),
    }
    block = readme_commands.block_with("target-postgres host")
    readme_commands.run(main_project["project"], block, main_project["values"], env=env)
    return {"env": env, "cluster": pg}


@needs_postgres
def test_rows_land_in_postgres_with_the_documented_types(
    postgres_run: dict[str, Any], expected: TapRun
) -> None:
    pg: postgres.Cluster = postgres_run["cluster"]
    for stream in STREAMS:
        ((count,),) = pg.query(f"select count(*) from calendar.{stream}")
        assert int(count) == len(expected.records(stream)) > 0, stream
    types = dict(
        (name, kind)
        for name, kind in pg.query(
            "select column_name, case when data_type = 'ARRAY' then udt_name else data_type end"
            " from information_schema.columns"
            " where table_schema = 'calendar' and table_name = 'microsoft_instances'"
        )
    )
    assert types["start_at"] == "timestamp without time zone"
    assert types["original_start_at"] == "timestamp without time zone"
    assert types["start_local"] == "text"
    assert types["is_all_day"] == "boolean"
    assert types["attendees"] == "_jsonb"  # jsonb[]
    assert types["raw"] == "jsonb"
    ((recurrence,),) = pg.query(
        "select data_type from information_schema.columns where table_schema = 'calendar'"
        " and table_name = 'microsoft_series' and column_name = 'recurrence'"
    )
    assert recurrence == "jsonb"


@needs_postgres
def test_the_readme_postgres_queries_read_utc_and_attendees(postgres_run: dict[str, Any]) -> None:
    pg: postgres.Cluster = postgres_run["cluster"]
    starts, attendees = sql_for("PostgreSQL")
    # The session is in New York (see postgres.py): the instant still reads right.
    weekly = sorted(s for s, summary in pg.query(starts) if summary == "Weekly sync")
    assert weekly[8:10] == ["2026-03-02 09:00:00-05", "2026-03-09 09:00:00-04"]
    answers = {(row[1], row[2]) for row in pg.query(attendees)}
    assert ("alex@sandbox.example", "accepted") in answers


@needs_postgres
def test_a_second_postgres_run_upserts(
    sandbox: Sandbox, main_project: dict[str, Any], postgres_run: dict[str, Any]
) -> None:
    pg: postgres.Cluster = postgres_run["cluster"]
    ((before,),) = pg.query("select count(*) from calendar.google_instances")
    sandbox.change(
        "cancel_occurrence",
        calendar_id="alex@sandbox.example",
        series_id=sandbox.series_id("Weekly sync"),
        original_start="2026-03-16T09:00:00-04:00",
    )
    main_project["project"].meltano(
        "run", "tap-calinstances", "target-postgres", env=postgres_run["env"]
    )
    ((after,),) = pg.query("select count(*) from calendar.google_instances")
    assert after == before
    # The 09:00 New York meeting of 16 March (13:00Z: summer time has begun).
    assert pg.query(
        "select status from calendar.google_instances where calendar_id = 'alex@sandbox.example'"
        " and original_start_at = '2026-03-16 13:00:00'"
    ) == [["cancelled"]]
