"""Hostile servers on loopback: a proxy in front of the sandbox that misbehaves on cue, and
a bystander that records anything anyone sends it (a host credentials must never reach).

The proxy forwards what its rule leaves alone, with its own Host header, so that the
sandbox's paging links point back at the proxy. A rule returns a :class:`Reply`, ``STALL``
(accept and never answer), ``CUT`` (forward, but hang up halfway through the body) or None
(forward).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


@dataclass(frozen=True)
class Seen:
    method: str
    path: str  # with the query
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


STALL = object()
CUT = object()
Rule = Callable[[Seen], "Reply | object | None"]
# Headers worth relaying from the sandbox: what the tap reads.
_RELAYED = ("Content-Type", "Retry-After", "x-ogw-ratelimit-reset", "Location")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.rule: Rule = lambda _seen: None
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.released = threading.Event()  # ends the stalls

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        seen = Seen(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
        with self.server.lock:
            self.server.seen.append(seen)
        decision = self.server.rule(seen)
        if decision is STALL:
            self.server.released.wait(60)  # accepted, and not a byte of answer
            self.close_connection = True
            return
        reply = decision if isinstance(decision, Reply) else self._forward(seen)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if decision is CUT:
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.close_connection = True
            return
        self.wfile.write(reply.body)

    def _forward(self, seen: Seen) -> Reply:
        if self.server.upstream is None:
            return Reply(404)
        headers = {k: v for k, v in seen.headers.items() if k.lower() != "content-length"}
        answer = requests.request(
            seen.method,
            self.server.upstream + seen.path,
            headers=headers,  # Host included: links the sandbox builds point back here
            data=seen.body,
            allow_redirects=False,
            timeout=30,
        )
        relayed = {name: answer.headers[name] for name in _RELAYED if name in answer.headers}
        return Reply(answer.status_code, answer.content, relayed)


@contextmanager
def serving(upstream: str | None = None) -> Iterator[_Server]:
    """A proxy to ``upstream``, or (None) a bystander answering 404 to everything."""
    server = _Server(upstream)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.released.set()
        server.shutdown()
        server.server_close()
