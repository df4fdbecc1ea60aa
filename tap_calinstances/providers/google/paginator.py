"""Google's paging: ``pageToken`` in, ``nextPageToken`` out, including on empty pages."""

from __future__ import annotations

import requests
from singer_sdk.pagination import JSONPathPaginator
from typing_extensions import override


class GooglePaginator(JSONPathPaginator):
    def __init__(self) -> None:
        super().__init__("$.nextPageToken")

    @override
    def continue_if_empty(self, response: requests.Response) -> bool:
        # Google returns empty pages that still carry a nextPageToken: more may follow.
        return bool(response.json().get("nextPageToken"))
