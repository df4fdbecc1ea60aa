"""Keep secret values out of every log line, whatever code path produced it.

The tap never logs secrets on purpose; this filter is the second line of defence for text
that comes from elsewhere (a library's exception message, a provider echoing a request).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
# Shorter strings would mask ordinary words ("true", ids like "7").
MIN_SECRET_LENGTH = 6


def secret_values(config: Mapping[str, Any], secret_paths: Iterable[str]) -> list[str]:
    """Values at dotted ``secret_paths`` of ``config``, with every line of multi-line ones
    (a PEM key is logged line by line as often as whole)."""
    found: list[str] = []
    for path in secret_paths:
        value: Any = config
        for part in path.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        found += _strings(value)
    return sorted({s for s in found if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value, *(line.strip() for line in value.splitlines())]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = secrets

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = self.redact(text), None
        return True


def install(secrets: list[str]) -> None:
    """Attach the filter to every handler of the root logger (records of all loggers pass)."""
    if not secrets:
        return
    redactor = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
