"""What Google's three streams share during one run: tokens, window, series facts, STATE."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tap_calinstances import settings as common
from tap_calinstances import timeutil
from tap_calinstances.auth import TokenPolicy
from tap_calinstances.normalize import SeriesFacts
from tap_calinstances.providers.google.auth import authenticator
from tap_calinstances.providers.google.records import CalendarFacts
from tap_calinstances.providers.google.settings import GoogleSettings, Principal
from tap_calinstances.windows import Window

if TYPE_CHECKING:
    from singer_sdk import Tap


@dataclass(frozen=True)
class SeriesPlan:
    """A series as the series listing left it for the instances stream."""

    facts: SeriesFacts
    modified_ids: frozenset[str]  # occurrences the listing showed as edited or moved
    read_instances: bool  # False when the rule provably has no occurrence in the window


@dataclass
class GoogleRun:
    """Created lazily on first use, so that discovery works without any configuration."""

    tap: Tap
    settings: GoogleSettings
    window: Window
    _tokens: dict[str, TokenPolicy] = field(default_factory=dict)
    calendars: dict[str, CalendarFacts] = field(default_factory=dict)
    # What the instances stream needs of each series of the calendar being read.
    series: dict[tuple[str, str], SeriesPlan] = field(default_factory=dict)
    # Calendars whose series listing was read through, with the sync token it ended with.
    _read: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def start(cls, tap: Tap, now: datetime) -> GoogleRun:
        return cls(tap, GoogleSettings.parse(tap.config["google"]), common.window(tap.config, now))

    def principal(self, label: str) -> Principal:
        return next(p for p in self.settings.principals if p.label == label)

    def authenticator(self, label: str) -> TokenPolicy:
        """One authenticator per principal for the whole run: one token, reused until expiry."""
        if label not in self._tokens:
            self._tokens[label] = authenticator(self.settings, self.principal(label))
        return self._tokens[label]

    def calendar_read(self, calendar_id: str, sync_token: str | None) -> None:
        """The series stream read the calendar through (not skipped)."""
        self._read[calendar_id] = sync_token

    def claim(self, state: dict[str, Any], calendar_id: str) -> None:
        """Claim a calendar in STATE once its records are all written, and emit STATE.

        One entry per calendar keeps STATE small; the window and the provider's sync token
        are what a later incremental run needs to read only what changed. A calendar whose
        series were not read (skipped, or not selected) is not claimed.
        """
        for key in [k for k in self.series if k[0] == calendar_id]:
            del self.series[key]
        if calendar_id not in self._read:
            return
        entry: dict[str, Any] = {
            "window_start": timeutil.format_instant(self.window.start),
            "window_end": timeutil.format_instant(self.window.end),
            "synced_at": timeutil.format_instant(datetime.now(self.window.start.tzinfo)),
        }
        sync_token = self._read.pop(calendar_id)
        if sync_token:
            entry["sync_token"] = sync_token
        state.setdefault("calendars", {})[calendar_id] = entry
        self.tap.state_writer.write_state(self.tap.state)


def context_value(context: Mapping[str, Any] | None, key: str) -> str:
    if not context or key not in context:
        raise KeyError(f"missing '{key}' in the stream context")
    return str(context[key])
