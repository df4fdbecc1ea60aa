"""Graph's paging: `value` and an absolute `@odata.nextLink` that holds every parameter.

Directory listings (users) page with an opaque `$skiptoken`; calendar listings with
`$skip`. With the empty_first_pages switch, calendar listings answer their first page
empty, with a next link, as Graph may: a client that stops at an empty page loses
everything (msgraph-sdk's PageIterator does). With the next_link_origin fault switch, next
links name another origin, as behind a proxy that does not rewrite them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Request

from tap_calinstances.sandbox.microsoft.errors import GraphError
from tap_calinstances.sandbox.paging import (
    ListingCache,
    TokenError,
    decode_page,
    encode_page,
    fingerprint,
)
from tap_calinstances.sandbox.provider import Call

Render = Callable[[], dict[str, Any]]
_PAGING = ("$skip", "$skiptoken", "$top")


def top(request: Request, default: int, maximum: int, *, strict: bool) -> int:
    value = request.args.get("$top")
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1 or (strict and int(value) > maximum):
        raise GraphError(
            400,
            "Request_UnsupportedQuery" if strict else "BadRequest",
            f"Invalid page size specified: '{value}'. Must be between 1 and {maximum} inclusive.",
        )
    return min(int(value), maximum)


def _next_link(request: Request, call: Call, name: str, value: str) -> str:
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in ("$skip", "$skiptoken")]
    params.append((name, value))
    query = urlencode(params, quote_via=quote, safe="$'(),")
    origin = call.faults.next_link_origin or request.host_url
    return f"{origin.rstrip('/')}{request.path}?{query}"


class Pager:
    def __init__(self, version: Callable[[], int]) -> None:
        self._version = version
        self._cache = ListingCache()

    def page(
        self,
        request: Request,
        call: Call,
        context: str,
        compute: Callable[[], Sequence[Render]],
        size: int,
        *,
        token: bool,
        empty_first: bool,
    ) -> dict[str, Any]:
        args = request.args
        query_id = fingerprint(request.path, args.items(multi=True), _PAGING)
        version = self._version()
        if token:
            raw = args.get("$skiptoken")
            offset, snapshot = 0, version
            if raw is not None:
                try:
                    cursor = decode_page(raw, query_id)
                except TokenError as exc:
                    raise GraphError(
                        400, "Request_BadRequest", "Invalid $skiptoken value."
                    ) from exc
                offset, snapshot = cursor.offset, cursor.snapshot
        else:
            raw = args.get("$skip")
            if raw is None and empty_first and call.limits.empty_first_pages:
                return {"@odata.context": context, "value": [],
                        "@odata.nextLink": _next_link(request, call, "$skip", "0")}  # fmt: skip
            if raw is not None and not raw.isdigit():
                raise GraphError(400, "BadRequest", f"Invalid value '{raw}' for $skip.")
            offset, snapshot = int(raw or 0), version
        # Prefer headers change the rendering, so they are part of the listing's identity.
        prefer = tuple(request.headers.getlist("Prefer"))
        items = self._cache.get((call.principal, request.path, query_id, prefer, version), compute)
        size = call.page_size(size)
        chunk = [render() for render in items[offset : offset + size]]
        body: dict[str, Any] = {"@odata.context": context, "value": chunk}
        end = offset + len(chunk)
        if end < len(items):
            link = (
                _next_link(request, call, "$skiptoken", encode_page(end, query_id, snapshot))
                if token
                else _next_link(request, call, "$skip", str(end))
            )
            body["@odata.nextLink"] = link
        return body
