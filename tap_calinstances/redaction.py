"""Keep secret values out of every log line, whatever code path or handler produced it.

The tap never logs secrets on purpose; this is the second line of defence for text that
comes from elsewhere: a library's exception message, a provider echoing a request back.
Records are cleaned when they are created (a LogRecord factory), not by a filter on some
handlers: a handler that ``SINGER_SDK_LOG_CONFIG`` gives the tap's logger, or one added
later, only ever sees clean records.

A secret is found in the forms it takes on the way out: as given, percent-encoded (a form
body, a query string, either case of hex digits) and JSON-escaped (a body echoed into an
error). Tokens the providers issue during the run join the secrets as they arrive.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus, urlsplit

if TYPE_CHECKING:
    import requests

MASK = "***"
# Shorter strings would mask ordinary words ("true", ids like "7").
MIN_SECRET_LENGTH = 6
# How much of a response body a DEBUG line keeps: enough to recognise the error.
BODY_EXCERPT = 500

log = logging.getLogger("tap-calinstances")
_PERCENT = re.compile(r"%[0-9A-F]{2}")


class RedactedError(Exception):
    """Stands in for an exception whose text held a secret (its text, masked)."""


class Secrets:
    """The secret strings of this process, each in every form it may take in a log line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forms: tuple[str, ...] = ()
        self._standard = frozenset(vars(logging.makeLogRecord({})))

    def add(self, *values: str) -> None:
        forms = {form for value in values for form in _forms(value)}
        with self._lock:
            if forms <= set(self._forms):
                return
            # Longest first, so that a secret containing another is masked whole. Plain
            # substring tests, not one big regex: a run with a hundred impersonated users
            # registers hundreds of tokens, and `in` stays fast at that count.
            self._forms = tuple(sorted(forms | set(self._forms), key=len, reverse=True))

    def redact(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def clean(self, record: logging.LogRecord) -> None:
        """Mask every secret in ``record``: message, exception, stack and extra fields."""
        if not self._forms:
            return
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # bad arguments: the handler would print them raw
            message = f"{record.msg} {record.args!r}"
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            masked = self.redact(text)
            if masked != text:
                # Structured formatters read the exception itself, not exc_text.
                record.exc_info = (RedactedError, RedactedError(masked), None)
                record.exc_text = masked
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key in self._standard or isinstance(value, bool | int | float | type(None)):
                continue
            try:
                text = value if isinstance(value, str) else json.dumps(value, default=str)
            except (ValueError, RecursionError):  # a cycle: no formatter can print it either
                continue
            masked = self.redact(text)
            if masked != text:
                setattr(record, key, masked)


def _forms(value: str) -> set[str]:
    """``value`` and each line of it (a PEM key is logged line by line as often as whole),
    in every encoding that carries it out of the process."""
    pieces = [value, *(line.strip() for line in value.splitlines())]
    found: set[str] = set()
    for piece in pieces:
        if len(piece) < MIN_SECRET_LENGTH or piece.startswith("-----"):  # PEM armour
            continue
        escaped = json.dumps(piece)[1:-1]
        encoded = {quote(piece, safe=""), quote(piece), quote_plus(piece)}
        found |= {
            piece,
            escaped,
            escaped.replace("/", "\\/"),
            json.dumps(piece, ensure_ascii=False)[1:-1],
            *encoded,
            # Encoders differ in the case of hex digits: %2F and %2f are the same byte.
            *(_PERCENT.sub(lambda m: m.group().lower(), form) for form in encoded),
        }
    return found


class _Process:
    """The one set of secrets of this process (logging is process-wide too)."""

    secrets: Secrets | None = None
    factory_installed = False
    lock = threading.Lock()


def _secrets() -> Secrets:
    with _Process.lock:
        if _Process.secrets is None:
            _Process.secrets = Secrets()
        return _Process.secrets


def install(values: Iterable[str]) -> None:
    """Mask ``values`` (and every token registered later) in every log record from now on."""
    secrets = _secrets()
    secrets.add(*values)
    with _Process.lock:
        if _Process.factory_installed:
            return
        _Process.factory_installed = True
        previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        secrets.clean(record)
        return record

    logging.setLogRecordFactory(make)


def register(value: str | None) -> None:
    """A credential that appeared during the run (an issued access token, a signed
    assertion): masked from now on, like the configured secrets."""
    if value:
        _secrets().add(value)


def redact(text: str) -> str:
    """``text`` with every known secret masked."""
    return _secrets().redact(text)


def excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    """At most ``limit`` characters of ``text``, masked before it is cut (a cut secret would
    no longer match its mask)."""
    masked = redact(text)
    if len(masked) <= limit:
        return masked
    return f"{masked[:limit]}... ({len(masked) - limit} more characters)"


def log_error_body(response: requests.Response, **_: Any) -> None:
    """A requests response hook: at DEBUG only, what an error answer said, masked, then cut
    (a provider or a proxy may echo the request, credentials included, into it)."""
    if response.status_code < 400 or not log.isEnabledFor(logging.DEBUG):
        return
    parts = urlsplit(response.url)
    log.debug(
        "HTTP %d from %s://%s%s: %s",
        response.status_code,
        parts.scheme,
        parts.netloc,
        parts.path,
        excerpt(response.text),
    )


def secret_values(config: Mapping[str, Any], secret_paths: Iterable[str]) -> list[str]:
    """Values at dotted ``secret_paths`` of ``config``; a setting given as a JSON string (the
    service-account key) is looked into as the object it encodes."""
    found: list[str] = []
    for path in secret_paths:
        value: Any = config
        for part in path.split("."):
            if isinstance(value, str):
                value = _json_object(value)
            value = value.get(part) if isinstance(value, Mapping) else None
        found += _strings(value)
    return sorted(set(found), key=len, reverse=True)


def _json_object(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
