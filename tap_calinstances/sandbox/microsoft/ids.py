"""Graph's ids: long opaque base64 strings, derived from the sandbox's own keys.

Ids are stable (the sandbox never moves items between folders), one form for the default
ids and one for `Prefer: IdType="ImmutableId"`; both are accepted on the way in. Users get
GUIDs. The reverse index is rebuilt per data version.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import uuid
from dataclasses import dataclass

from tap_calinstances.sandbox.world import World

_DEFAULT_PREFIX = "AAMkAGI2"
_IMMUTABLE_PREFIX = "AAkALgAA"
_NAMESPACE = uuid.UUID("6f1c3c2e-4d1b-4b8a-9a57-3c0f5b0d2a11")


def opaque(kind: str, key: str, immutable: bool = False) -> str:
    digest = hashlib.sha256(f"graph:{kind}:{key}".encode()).digest()
    extra = hashlib.sha256(f"graph:{kind}:{key}:tail".encode()).digest()[:19]
    body = base64.urlsafe_b64encode(digest + extra).decode()
    prefix = _IMMUTABLE_PREFIX if immutable else _DEFAULT_PREFIX
    return f"{prefix}{body}AAA="


def user_id(email: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, email.lower()))


def calendar_id(neutral_id: str, immutable: bool = False) -> str:
    return opaque("calendar", neutral_id, immutable)


def event_id(series_key: str, immutable: bool = False) -> str:
    return opaque("event", series_key, immutable)


def occurrence_id(series_key: str, original: str, immutable: bool = False) -> str:
    return opaque("occurrence", f"{series_key}|{original}", immutable)


@dataclass(frozen=True)
class _Index:
    version: int
    users: dict[str, str]  # lowercased id or UPN -> email
    calendars: dict[str, str]  # Graph id -> neutral calendar id
    events: dict[str, tuple[str, str]]  # Graph id -> (neutral calendar id, series id)


class IdIndex:
    """Resolves Graph ids (and UPNs) to the world's items."""

    def __init__(self, world: World, provider: str) -> None:
        self._world = world
        self._provider = provider
        self._lock = threading.Lock()
        self._index: _Index | None = None

    def _current(self) -> _Index:
        version = self._world.version
        with self._lock:
            if self._index is not None and self._index.version == version:
                return self._index
        users: dict[str, str] = {}
        for email in self._world.principal_emails(self._provider):
            users[email.lower()] = email
            users[user_id(email)] = email
        calendars: dict[str, str] = {}
        events: dict[str, tuple[str, str]] = {}
        for calendar in self._world.all_calendars():
            for immutable in (False, True):
                calendars[calendar_id(calendar.id, immutable)] = calendar.id
            for series in self._world.series_in(calendar.id):
                for immutable in (False, True):
                    events[event_id(series.key, immutable)] = (calendar.id, series.id)
        index = _Index(version, users, calendars, events)
        with self._lock:
            self._index = index
        return index

    def user(self, value: str) -> str | None:
        return self._current().users.get(value.lower())

    def calendar(self, value: str) -> str | None:
        return self._current().calendars.get(value)

    def event(self, value: str) -> tuple[str, str] | None:
        return self._current().events.get(value)
