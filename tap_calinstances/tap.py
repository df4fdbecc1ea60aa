"""tap-calinstances: the configuration schema and which streams exist. Nothing else."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

import click
from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import (
    ConfigValidationError,
    MapExpressionError,
    StreamMapConfigError,
)
from typing_extensions import override

from tap_calinstances import redaction
from tap_calinstances import settings as common
from tap_calinstances.command import TapCommand
from tap_calinstances.engine.progress import Summary
from tap_calinstances.engine.streams import KINDS, provider_streams
from tap_calinstances.providers import registry
from tap_calinstances.writer import SingerWriter

PROVIDERS = registry()
# Each provider's streams in the order they are synced: see TapCalInstances.streams.
SYNC_ORDER = [f"{name}_{kind}" for name in PROVIDERS for kind in KINDS]

# The tap's own settings. The SDK appends its built-in ones (stream maps, flattening, batch)
# to ``config_jsonschema`` in place, so this copy is what meltano.yml and the secret list
# are checked against.
SETTINGS = th.PropertiesList(
    th.Property(
        "start_date",
        th.DateTimeType,
        required=True,
        description="Earliest point of the extraction window: occurrences that end "
        "after it are in scope.",
    ),
    th.Property(
        "end_date",
        th.DateTimeType,
        description="Latest point of the window: occurrences that start before it "
        "are in scope (default: now + lookahead_days).",
    ),
    th.Property(
        "lookahead_days",
        th.IntegerType,
        default=common.DEFAULT_LOOKAHEAD_DAYS,
        description="How far past now the window reaches when end_date is not set "
        f"(at most {common.MAX_LOOKAHEAD_DAYS}).",
        minimum=0,
        maximum=common.MAX_LOOKAHEAD_DAYS,
    ),
    th.Property(
        "max_concurrency",
        th.IntegerType,
        default=common.DEFAULT_MAX_CONCURRENCY,
        minimum=1,
        maximum=common.MAX_MAX_CONCURRENCY,
        description="Requests in flight at once across the run; each provider's own budget "
        "(per user, mailbox or app) applies inside it.",
    ),
    th.Property(
        "connect_timeout_seconds",
        th.NumberType(exclusive_minimum=0, maximum=common.MAX_DEADLINE_SECONDS),
        default=common.DEFAULT_CONNECT_TIMEOUT_SECONDS,
        description="Seconds to wait for a connection to a provider (API or token endpoint) "
        "before trying again.",
    ),
    th.Property(
        "read_timeout_seconds",
        th.NumberType(exclusive_minimum=0, maximum=common.MAX_DEADLINE_SECONDS),
        default=common.DEFAULT_READ_TIMEOUT_SECONDS,
        description="Seconds a provider may stay silent in the middle of an answer before "
        "the request is given up and tried again.",
    ),
    th.Property(
        "retry_budget_seconds",
        th.NumberType(minimum=0, maximum=common.MAX_DEADLINE_SECONDS),
        default=common.DEFAULT_RETRY_BUDGET_SECONDS,
        description="Seconds the run keeps retrying (rate limits, server errors, resets, "
        "timeouts) while no request succeeds before it stops; one request also gives up "
        "after this long.",
    ),
    th.Property(
        "metrics_log_level",
        th.StringType,
        default="WARNING",
        allowed_values=["DEBUG", "INFO", "WARNING"],
        description="Level of the SDK's METRIC log lines (record counts, sync durations): "
        "INFO shows them; the default WARNING keeps them out of the log.",
    ),
    th.Property(
        "full_refresh",
        th.BooleanType,
        default=False,
        description="Read every calendar whole instead of only what changed since the last "
        "run; occurrences that vanished meanwhile still get their cancellation.",
    ),
).to_dict()
for _provider in PROVIDERS.values():
    SETTINGS["properties"][_provider.name] = {
        **_provider.schema,
        "description": f"{_provider.title}; present to enable.",
    }
# A misspelt key (end_dat) would otherwise be ignored in silence and change the run; the
# SDK's built-in settings (stream maps, flattening, batch) join the properties when it
# appends them, so they stay accepted.
SETTINGS["additionalProperties"] = False


class TapCalInstances(Tap):
    """Recurring-event occurrences from Google Calendar, Microsoft Graph and Feishu/Lark."""

    name = "tap-calinstances"
    # A million records leave through here: see writer.py.
    message_writer_class = SingerWriter

    config_jsonschema = copy.deepcopy(SETTINGS)

    def __init__(
        self,
        *,
        config: dict[str, Any] | PurePath | str | list[PurePath | str] | None = None,
        catalog: Any = None,
        state: Any = None,
        parse_env_config: bool = False,
        validate_config: bool = True,
        setup_mapper: bool = True,
        **kwargs: Any,
    ) -> None:
        self.summary = Summary()
        # The SDK's own validation echoes offending values, which may be secrets: this tap
        # validates itself, naming settings only. Its stream maps are set up after that
        # check, so that a malformed stream_maps is refused instead of crashing the mapper.
        try:
            super().__init__(
                config=config,
                catalog=catalog,
                state=state,
                parse_env_config=parse_env_config,
                validate_config=False,
                setup_mapper=False,
                **kwargs,
            )
        except ValueError:  # the SDK could not convert an environment variable
            problems = self.env_problems() if parse_env_config else []
            if problems:
                raise ConfigValidationError("Config validation failed", errors=problems) from None
            raise
        redaction.install(redaction.secret_values(self.config, self.masked_settings()))
        if validate_config:
            problems = self.config_problems(self.config)
            if problems:
                raise ConfigValidationError("Config validation failed", errors=problems)
        if setup_mapper:
            try:
                self.setup_mapper()
            except (StreamMapConfigError, MapExpressionError) as exc:
                raise ConfigValidationError(
                    "Config validation failed", errors=[f"stream_maps: {exc}"]
                ) from exc
        # METRIC lines are half of a long run's log, and lose their tags under `meltano run`.
        self.metrics_logger.setLevel(str(self.config.get("metrics_log_level", "WARNING")))

    @override
    def _validate_config(self, *, raise_errors: bool = True) -> list[str]:
        # Validation is done in __init__ (names settings, never values). The SDK's own would
        # log a bare "Config validation failed" whenever discovery runs before the
        # configuration is complete, as `meltano select --list` does.
        return []

    @classmethod
    def config_problems(cls, config: Mapping[str, Any]) -> list[str]:
        """Everything wrong with ``config``, found before any network request."""
        schema = copy.deepcopy(cls.config_jsonschema)
        cls.append_builtin_config(schema)
        problems = common.schema_problems(schema, config)
        if problems:
            return problems
        problems = common.check_common(config, datetime.now(UTC))
        for key, provider in PROVIDERS.items():
            if key in config:
                problems += provider.check(config[key])
        if not any(key in config for key in PROVIDERS):
            problems.append(f"no provider enabled: add a block for one of {sorted(PROVIDERS)}")
        return problems

    @classmethod
    def env_problems(cls) -> list[str]:
        schema = copy.deepcopy(cls.config_jsonschema)
        cls.append_builtin_config(schema)
        prefix = cls.name.upper().replace("-", "_") + "_"
        return common.env_problems(schema, prefix, os.environ)

    @classmethod
    def masked_settings(cls) -> list[str]:
        """Dotted paths of the values masked in logs: each secret setting whole, or, for
        one that holds an object (the service-account key), only its secret fields."""
        paths: list[str] = []
        for path in cls.secret_settings():
            block, _, name = path.rpartition(".")
            fields = PROVIDERS[block].secret_fields.get(name, ()) if block in PROVIDERS else ()
            paths += [f"{path}.{field}" for field in fields] or [path]
        return paths

    @classmethod
    def secret_settings(cls) -> list[str]:
        """Dotted paths of the settings marked secret in the schema."""
        paths: list[str] = []
        for name, prop in SETTINGS["properties"].items():
            if prop.get("secret"):
                paths.append(name)
            for sub, sub_prop in prop.get("properties", {}).items():
                if sub_prop.get("secret"):
                    paths.append(f"{name}.{sub}")
        return paths

    @property
    @override
    def streams(self) -> dict[str, Stream]:
        # The SDK sorts streams by name, which syncs each provider's series after its
        # instances and keeps every series record in memory until then: sync in the order
        # of discovery instead: calendars, series, instances.
        streams = super().streams
        if list(streams) != SYNC_ORDER:
            streams = self._streams = {name: streams[name] for name in SYNC_ORDER}
        return streams

    @override
    def discover_streams(self) -> list[Stream]:
        # The catalog is static: every provider's streams, configured or not, so that
        # `meltano select --list` works before credentials exist.
        return [
            stream for p in PROVIDERS.values() for stream in provider_streams(self, p, self.summary)
        ]

    @classmethod
    @override
    def get_singer_command(cls) -> click.Command:
        base = super().get_singer_command()
        return TapCommand(
            name=base.name,
            callback=base.callback,
            params=base.params,
            help=base.help,
            context_settings=base.context_settings,
            logger=cls.logger,
        )


if __name__ == "__main__":
    TapCalInstances.cli()
