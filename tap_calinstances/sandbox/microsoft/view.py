"""What a request asks of the rendering: `Prefer` headers and `$select`."""

from __future__ import annotations

from werkzeug.wrappers import Request

from tap_calinstances.sandbox.microsoft.wire import View
from tap_calinstances.sandbox.microsoft.zones import zone_named


def preferences(request: Request) -> dict[str, str]:
    """`Prefer: outlook.timezone="UTC", IdType="ImmutableId"` (one header or several)."""
    found: dict[str, str] = {}
    for header in request.headers.getlist("Prefer"):
        for part in header.split(","):
            name, _, value = part.strip().partition("=")
            if name:
                found[name.strip().lower()] = value.strip().strip('"')
    return found


def view_of(request: Request) -> tuple[View, dict[str, str]]:
    """The view and the `Preference-Applied` header answering it (empty when none)."""
    prefer = preferences(request)
    applied = []
    label, zone = "UTC", zone_named("UTC")
    asked = prefer.get("outlook.timezone")
    if asked:
        named = zone_named(asked)
        if named is not None:
            label, zone = asked, named
            applied.append(f'outlook.timezone="{asked}"')
    immutable = prefer.get("idtype", "").lower() == "immutableid"
    if immutable:
        applied.append('IdType="ImmutableId"')
    select_text = request.args.get("$select")
    select = (
        frozenset(s.strip() for s in select_text.split(",") if s.strip()) if select_text else None
    )
    assert zone is not None
    headers = {"Preference-Applied": ", ".join(applied)} if applied else {}
    return View(zone, label, immutable, select), headers
