"""The recorded pages: one JSON line per response, keyed by path and sorted query.

The key ignores the order of query parameters and, except for `/users/me/...` (whose
answer depends on who asks), headers: the tap and the extractor find the same page whatever
their parameter order. For `/users/me/...` the key starts with the principal, which the
replay server reads from its own bearer tokens (`bench:<subject>`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import parse_qsl, unquote, urlsplit

TOKEN_PREFIX = "bench:"  # noqa: S105 (the replay server's tokens: "bench:<subject>")


def page_key(path_and_query: str, principal: str | None) -> str:
    """`/a%40b/events?b=2&a=1` → `/a@b/events?a=1&b=2` (decoded, sorted); `/users/me/x`
    → `<principal> /users/me/x`."""
    parts = urlsplit(path_and_query)
    path = unquote(parts.path)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    key = path + "?" + "&".join(f"{k}={v}" for k, v in query)
    return f"{principal} {key}" if "/users/me/" in path else key


def write_page(handle: IO[str], key: str, body: bytes) -> None:
    handle.write(json.dumps({"key": key, "body": body.decode("utf-8")}) + "\n")


def read_pages(path: Path) -> Iterator[tuple[str, bytes]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            yield entry["key"], entry["body"].encode("utf-8")
