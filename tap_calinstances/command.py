"""The command line's edge: how a run that stops reads to the person who started it.

Whatever stops the tap ends as one line that says what happened and what to do, and an exit
code from :mod:`tap_calinstances.errors` (0 success, 2 invalid configuration, 3 a provider
failure, 4 some calendars failed, 1 a bug). The traceback is logged only at DEBUG: under
`meltano run` an 87-line traceback buries the one line that matters.
"""

from __future__ import annotations

import logging
import sys
import warnings
from typing import Any, NoReturn

import click
import requests
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.plugin_base import SingerCommand
from typing_extensions import override

from tap_calinstances.auth import origin
from tap_calinstances.engine.allocator import fewer_collections
from tap_calinstances.errors import EXIT_CONFIG, EXIT_PROVIDER, exit_code, unreachable

# SDK lines that say nothing to a user: the first comes once per process, so twice per
# `meltano run` (discovery, then the sync); the second precedes the line that says what
# went wrong.
QUIET = frozenset(
    {"Skipping parse of env var settings...", "An unhandled error occurred while syncing '%s'"}
)


class _Chatter(logging.Filter):
    @override
    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in QUIET


class TapCommand(SingerCommand):
    """The SDK's command, ending every failure with one line and an exit code."""

    @override
    def main(self, *args: Any, **kwargs: Any) -> Any:
        # On the handlers: a logger's own filters miss what its children (the streams) log.
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, _Chatter) for f in handler.filters):
                handler.addFilter(_Chatter())
        try:
            return super().main(*args, **kwargs)
        except Exception as exc:
            stop(self.logger, exc)

    @override
    def invoke(self, ctx: click.Context) -> Any:
        # The SDK's invoke logs configuration errors with a bare "Config validation
        # failed" and exits 1, and installs a hook that logs every other failure with its
        # traceback: both are done in `stop` instead.
        logging.captureWarnings(capture=True)
        warnings.filterwarnings("once", category=DeprecationWarning)
        with fewer_collections():
            return click.Command.invoke(self, ctx)


def describe(exc: BaseException) -> tuple[str, int]:
    """The line a user reads for ``exc``, and the exit code."""
    if isinstance(exc, ConfigValidationError):
        problems = "; ".join(exc.errors) or str(exc)
        return (
            f"Invalid configuration: {problems}. Nothing was requested; fix the setting "
            "(`meltano config list tap-calinstances`) and run again",
            EXIT_CONFIG,
        )
    if isinstance(exc, requests.RequestException):
        # Only raw ones get here: the engine turns the ones it sees into ProviderError.
        url = exc.request.url if exc.request is not None and exc.request.url else ""
        why = unreachable(exc)
        host = origin(url) if url else "a provider host"
        if why:
            return (
                f"cannot reach {host} ({why}). This looks like a configuration problem: "
                "check the api_url and token_url settings, and that the host is reachable",
                EXIT_PROVIDER,
            )
        return f"request to {host} failed: {type(exc).__name__}", EXIT_PROVIDER
    code = exit_code(exc)
    text = str(exc).strip() or type(exc).__name__
    if code == 1:
        text = (
            f"unexpected {type(exc).__name__}: {text}. This is a bug in tap-calinstances: "
            "please report it with the log run at LOGLEVEL=DEBUG (it shows where)"
        )
    return text, code


def stop(logger: logging.Logger, exc: BaseException) -> NoReturn:
    """Log ``exc`` as one line (with the traceback only at DEBUG) and exit."""
    text, code = describe(exc)
    logger.error(text, exc_info=exc if logger.isEnabledFor(logging.DEBUG) else None)
    sys.exit(code)
