"""Opaque page tokens and sync tokens, shared by the provider emulations.

A page token holds the offset of the next page, a fingerprint of the query that produced
it and the data version when the listing started. Replaying it with a different query is
refused, as real providers refuse it, so a client that mixes up its cursors finds out
here rather than in production.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar


class TokenError(ValueError):
    """A page or sync token that is malformed, foreign or no longer valid."""


@dataclass(frozen=True)
class Cursor:
    offset: int
    snapshot: int  # data version when the first page was served


def fingerprint(path: str, params: Iterable[tuple[str, str]], ignore: Iterable[str]) -> str:
    """Identity of a listing: its path and parameters, minus paging and presentation ones."""
    skipped = set(ignore)
    kept = sorted((k, v) for k, v in params if k not in skipped)
    return hashlib.sha256(json.dumps([path, kept]).encode()).hexdigest()[:16]


def _encode(payload: dict[str, object]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> dict[str, object]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise TokenError("malformed token") from exc
    if not isinstance(payload, dict):
        raise TokenError("malformed token")
    return payload


def encode_page(offset: int, query_fingerprint: str, snapshot: int) -> str:
    return _encode({"o": offset, "f": query_fingerprint, "s": snapshot})


def decode_page(token: str, query_fingerprint: str) -> Cursor:
    payload = _decode(token)
    offset, snapshot = payload.get("o"), payload.get("s")
    if not isinstance(offset, int) or not isinstance(snapshot, int) or offset < 0:
        raise TokenError("malformed page token")
    if payload.get("f") != query_fingerprint:
        raise TokenError("page token belongs to another query")
    return Cursor(offset, snapshot)


def encode_sync(scope: str, version: int, epoch: int) -> str:
    return _encode({"c": scope, "v": version, "e": epoch})


def decode_sync(token: str, scope: str, *, version: int, epoch: int) -> int:
    """The data version a sync token was issued at; TokenError when it cannot be used."""
    payload = _decode(token)
    issued = payload.get("v")
    if payload.get("c") != scope or not isinstance(issued, int) or issued > version:
        raise TokenError("sync token does not belong to this listing")
    if payload.get("e") != epoch:
        raise TokenError("sync token expired")
    return issued


T = TypeVar("T")


class ListingCache:
    """Recently computed listings, so paging through one costs one expansion, not one
    per page. Keys include the data version, so a change never serves stale items.

    Bounded by entries and by items in total: a benchmark with hundreds of principals
    paging concurrently keeps every listing in progress, and no more.
    """

    def __init__(self, entries: int = 4096, items: int = 300_000) -> None:
        self._entries = entries
        self._max_items = items
        self._items = 0
        self._listings: OrderedDict[tuple[Any, ...], Sequence[Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], Sequence[T]]) -> Sequence[T]:
        with self._lock:
            if key in self._listings:
                self._listings.move_to_end(key)
                return self._listings[key]
        listing = compute()
        with self._lock:
            if key not in self._listings:
                self._listings[key] = listing
                self._items += len(listing)
            while len(self._listings) > 1 and (
                len(self._listings) > self._entries or self._items > self._max_items
            ):
                _, dropped = self._listings.popitem(last=False)
                self._items -= len(dropped)
        return listing
