"""Which Feishu calendars to read: every calendar the app can see, but deleted ones and
those synced from other providers, which the events API does not serve."""

from __future__ import annotations

from tap_calinstances.engine.http import Http
from tap_calinstances.errors import ODD_BODY
from tap_calinstances.providers import CalendarTarget, Call
from tap_calinstances.providers.feishu import records
from tap_calinstances.providers.feishu.settings import APP, FeishuSettings

CALENDARS_PAGE = 1000  # Feishu's largest calendar page


def calendars(http: Http, settings: FeishuSettings) -> list[CalendarTarget]:
    call = Call(
        APP,
        "/calendar/v4/calendars",
        params={"page_size": CALENDARS_PAGE},
        skippable=False,
        advice="the calendar list cannot be read: check feishu.api_url and that the app has "
        "the calendar:calendar:readonly scope",
    )
    listing = http.listing(call)
    targets = []
    for item in listing.items if listing else []:
        try:
            record = records.calendar_record(item)
        except ODD_BODY as exc:
            raise http.malformed(call, f"a calendar: {exc!r}") from exc
        calendar_id = record["calendar_id"]
        if settings.calendar_ids is not None and calendar_id not in settings.calendar_ids:
            continue
        if item.get("is_deleted"):
            http.note(f"calendar {calendar_id} is deleted; skipping it")
            continue
        if item.get("type") in records.THIRD_PARTY:
            http.note(f"calendar {calendar_id} is synced from {item['type']}; skipping it")
            continue
        if item.get("role") == "free_busy_reader":  # the events API answers 191002
            http.note(f"calendar {calendar_id} shows the app free/busy only; skipping it")
            continue
        targets.append(CalendarTarget(calendar_id, APP, "UTC", None, record))
    return targets
