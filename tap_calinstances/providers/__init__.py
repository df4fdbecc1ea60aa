"""What a provider is, and the registry of providers the tap knows.

A provider declares; the engine runs. A provider supplies its config block (schema, checks,
parsed settings), its auth, its error table, its paginator, its budget, the requests of its
three listings (calendars, changes, occurrences) and pure functions from wire items to the
contract's records. Everything about running those requests (retries, refresh, concurrency,
STATE, tombstones) lives in :mod:`tap_calinstances.engine`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from tap_calinstances.normalize import SeriesFacts

if TYPE_CHECKING:
    import requests
    from singer_sdk.pagination import BaseAPIPaginator

    from tap_calinstances.auth import TokenPolicy
    from tap_calinstances.engine.http import Http
    from tap_calinstances.engine.memory import CalendarMemory
    from tap_calinstances.errors import Verdict
    from tap_calinstances.windows import Window


@dataclass(frozen=True)
class Budget:
    """What one principal (a user, a mailbox, an app) may ask of the provider."""

    concurrency: int  # requests in flight at once
    requests: int  # requests per period ...
    per_seconds: float  # ... of this many seconds
    # A second, shorter window where the provider has one too (Feishu: 50 a second).
    burst: tuple[int, float] | None = None

    @property
    def windows(self) -> tuple[tuple[int, float], ...]:
        return ((self.requests, self.per_seconds), *((self.burst,) if self.burst else ()))


@dataclass(frozen=True)
class Call:
    """One request (or listing) to make, for whom, and where problems are reported."""

    principal: str
    path: str  # template; every value is percent-encoded whole
    values: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)
    where: str = "calendar list"  # named in messages: "calendar X", never a secret
    # A forbidden or vanished calendar or series is skipped; a listing the whole run depends
    # on (the calendar list) is not: its 403/404 means a wrong URL or missing access.
    skippable: bool = True
    advice: str = ""  # what to do when an unskippable call is refused


@dataclass(frozen=True)
class CalendarTarget:
    """A calendar to read, through which principal, with its record."""

    calendar_id: str
    principal: str
    timezone: str
    owner_id: str | None
    record: Mapping[str, Any]


@dataclass(frozen=True)
class Master:
    """A live recurring series as the change listing showed it."""

    facts: SeriesFacts
    record: Mapping[str, Any]  # the series record (contract section 3)
    stamp: str  # the provider's change stamp (etag, changeKey, updated)
    # RFC 5545 lines (RRULE, EXDATE, RDATE); empty when the provider's rule cannot be
    # expressed in them: then no occurrence is ever synthesized for the series.
    rule: Sequence[str]
    first_start: datetime  # aware, in the series' zone: where the rule expands from


@dataclass(frozen=True)
class Changes:
    """What one change listing of a calendar said, as values."""

    full: bool  # every live series is in ``live`` (a first read, or an expired cursor)
    live: Mapping[str, Master]
    deleted: frozenset[str]
    # Series whose occurrences changed although the master did not (an exception moved).
    touched: frozenset[str]
    # Originals the listing shows as edited and still taking place / no longer edited.
    exceptions: Mapping[str, frozenset[datetime]]
    unexceptions: Mapping[str, frozenset[datetime]]
    cursor: str | None
    # Where the listing shows each edited occurrence now: original -> (start, end) instants,
    # for providers whose listing carries them. A series with an edited occurrence whose
    # place is unknown is read whatever its rule says (the edit may have moved it anywhere).
    edited_at: Mapping[str, Mapping[datetime, tuple[datetime, datetime]]] = field(
        default_factory=dict
    )


class Provider(Protocol):
    """The declarations of one provider (see providers/google/ for one)."""

    name: str  # "google": config block, stream prefix, record `provider`
    title: str  # "Google Calendar API v3"
    schema: dict[str, Any]  # JSON schema of the config block
    budget: Budget
    cursor_name: str  # what the provider calls its change cursor, as kept in STATE
    headers: Mapping[str, str]  # sent with every API request
    # Whether the occurrences listing reports deleted occurrences (Google: `cancelled`);
    # where it does not (Graph), the engine expands the rule and cancels what is missing.
    reports_deletions: bool
    # Whether a master's change stamp changes when one of its occurrences does (Exchange
    # keeps exceptions on the master): then a full listing tells unchanged series apart.
    stamps_cover_occurrences: bool
    # The longest span one occurrences request may cover (Feishu: 2 years), or None.
    max_span: timedelta | None
    # JSON schema of the series record's ``recurrence`` (the rule as received): precise per
    # provider, so that a loader types the column (a JSON column refuses a bare string).
    recurrence_schema: dict[str, Any]
    # Of a secret setting that holds an object, the fields that are secret (only those are
    # masked in logs); a secret setting not named here is masked whole.
    secret_fields: Mapping[str, tuple[str, ...]]

    def check(self, block: Mapping[str, Any]) -> list[str]:
        """Problems of the config block, naming settings, never values."""
        ...

    def settings(self, block: Mapping[str, Any]) -> Any:
        """The parsed block (defaults applied); given back to every call below."""
        ...

    def api_url(self, settings: Any) -> str: ...

    def in_scope(self, settings: Any, calendar_id: str) -> bool:
        """Whether the configuration asks for this calendar at all."""
        ...

    def credential(self, settings: Any, principal: str) -> str:
        """Which token serves requests of ``principal`` (one app token may serve all)."""
        ...

    def authenticator(self, settings: Any, credential: str) -> TokenPolicy: ...

    def classify(self, response: requests.Response) -> Verdict | None:
        """The error table: None for a usable response."""
        ...

    def paginator(self) -> BaseAPIPaginator[Any]: ...

    def page(self, call: Call, url: str, token: Any) -> tuple[str, dict[str, Any]]:
        """URL and parameters of the page after ``token`` (None: the first page), from the
        call's own ``url``: a page token joins the parameters, a next link replaces both."""
        ...

    def items(self, body: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The items of one page; raises ValueError when the body is not a page."""
        ...

    def cursor(self, body: Mapping[str, Any]) -> str | None:
        """The change cursor a page carries, if any (the last page's wins)."""
        ...

    def calendars(
        self, http: Http, settings: Any, ready: Callable[[CalendarTarget], None]
    ) -> list[CalendarTarget]:
        """Every calendar to read this run, each through one principal. ``ready`` may be
        told of a target as soon as it is certain (its listing then starts at once)."""
        ...

    def change_listing(self, target: CalendarTarget, cursor: str | None) -> Call:
        """The listing of series (all of them when ``cursor`` is None, else changes)."""
        ...

    def changes(
        self,
        items: Sequence[Mapping[str, Any]],
        target: CalendarTarget,
        full: bool,
        cursor: str | None,
        remembered: CalendarMemory,
    ) -> Changes:
        """Pure: the change listing's items as values."""
        ...

    def instances(self, target: CalendarTarget, series_id: str, span: Window) -> Call:
        """The listing of a series' occurrences over ``span``."""
        ...

    def instance_record(
        self, item: Mapping[str, Any], facts: SeriesFacts, exceptions: frozenset[datetime]
    ) -> dict[str, Any]:
        """Pure: one occurrence as the contract's record."""
        ...


def registry() -> dict[str, Provider]:
    """Every provider the tap knows, by config key (imported here, not at module import)."""
    from tap_calinstances.providers.feishu import FEISHU
    from tap_calinstances.providers.google import GOOGLE
    from tap_calinstances.providers.microsoft import MICROSOFT

    return {provider.name: provider for provider in (GOOGLE, MICROSOFT, FEISHU)}
