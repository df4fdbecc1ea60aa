"""Google's paging: opaque page tokens bound to their query, sync tokens, empty pages.

A listing is computed once (cached per principal, query and data version) and served page
by page from the cache, so paging through it never expands a series again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from tap_calinstances.sandbox.google.events import Render
from tap_calinstances.sandbox.google.params import PRESENTATION_PARAMS, ApiError
from tap_calinstances.sandbox.google.wire import json_response
from tap_calinstances.sandbox.paging import (
    ListingCache,
    TokenError,
    decode_page,
    decode_sync,
    encode_page,
    encode_sync,
    fingerprint,
)
from tap_calinstances.sandbox.provider import Call
from tap_calinstances.sandbox.world import World


class Pager:
    """Serves one page of a listing, the way Google pages every list method."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._cache = ListingCache()

    def since(self, sync_token: str, scope: str) -> int:
        try:
            return decode_sync(
                sync_token, scope, version=self._world.version, epoch=self._world.sync_epoch
            )
        except TokenError as exc:
            raise ApiError(
                410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."
            ) from exc

    def page(
        self,
        request: Request,
        call: Call,
        head: dict[str, Any],
        compute: Callable[[], list[Render]],
        max_results: int,
        *,
        sync_scope: str | None,
        empty_first: bool,
    ) -> Response:
        args: MultiDict[str, str] = request.args
        query_id = fingerprint(request.path, args.items(multi=True), PRESENTATION_PARAMS)
        version, epoch = self._world.version, self._world.sync_epoch
        pretty = args.get("prettyPrint", "true").lower() != "false"
        token = args.get("pageToken")
        if token is None:
            offset, snapshot = 0, version
            if empty_first:
                # Real Google sometimes answers a first page with no items and a
                # nextPageToken; a client that stops there loses everything.
                body = {**head, "nextPageToken": encode_page(0, query_id, version), "items": []}
                return json_response(body, pretty=pretty)
        else:
            try:
                cursor = decode_page(token, query_id)
            except TokenError as exc:
                raise ApiError(
                    400, "invalid", "Invalid page token value.", location="pageToken"
                ) from exc
            offset, snapshot = cursor.offset, cursor.snapshot
        items = self._cache.get((call.principal, query_id, version, epoch), compute)
        size = call.page_size(max_results)
        chunk = [render() for render in items[offset : offset + size]]
        body = dict(head)
        end = offset + len(chunk)
        if end < len(items):
            body["nextPageToken"] = encode_page(end, query_id, snapshot)
        elif sync_scope is not None:
            # The snapshot is the version when the listing began: a change made while
            # paging is delivered again by the next incremental sync, never lost.
            body["nextSyncToken"] = encode_sync(sync_scope, snapshot, epoch)
        body["items"] = chunk
        return json_response(body, pretty=pretty)
