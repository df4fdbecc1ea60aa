"""Small hostile servers on loopback for the configuration and leak tests.

:class:`CountingListener` counts the connections it accepts, to prove that a refused
configuration made none. :class:`EchoServer` plays every provider's token endpoint and API
and reflects what it received (headers, body, query string) into its error answers, the
way a misbehaving proxy or a careless provider would: whatever the tap logs of such an
answer must not carry a secret.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs

# Every answer of the counting listener: an immediate, permanent refusal, so that a
# configuration wrongly accepted fails the test at once instead of retrying for minutes.
REFUSAL = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class CountingListener:
    """A TCP listener on loopback that counts accepted connections."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with conn:
                conn.sendall(REFUSAL)

    def __enter__(self) -> CountingListener:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()


TOKEN_PATHS = ("/token", "/oauth2/v2.0/token", "/auth/v3/tenant_access_token/internal")


class EchoServer(ThreadingHTTPServer):
    """Token endpoint and API of every provider at once, echoing each request back.

    ``refuse_tokens``: the token endpoint refuses every request (its error echoes the
    credentials it was sent); otherwise it issues a fresh token each time, and the API
    refuses every token (401, so the tap fetches a second one), echoing the bearer token.
    """

    daemon_threads = True
    _counter: ClassVar[Iterator[int]] = itertools.count(1)

    def __init__(self, *, refuse_tokens: bool) -> None:
        super().__init__(("127.0.0.1", 0), _EchoHandler)
        self.refuse_tokens = refuse_tokens
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.issued: list[str] = []  # access tokens handed out
        self.assertions: list[str] = []  # JWTs received (service-account grant)
        self.requests = 0
        self._lock = threading.Lock()

    def issue(self) -> str:
        # '/', '+' and '=' make the token's URL-encoded and JSON-escaped forms differ.
        token = f"ya29.issued/{next(self._counter)}+tok3n=="
        with self._lock:
            self.issued.append(token)
        return token

    @contextmanager
    def running(self) -> Iterator[EchoServer]:
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.shutdown()
            thread.join()
            self.server_close()


class _EchoHandler(BaseHTTPRequestHandler):
    server: EchoServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tap's output is under test; the server stays quiet

    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        self._answer(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _answer(self, body: bytes) -> None:
        self.server.requests += 1
        text = body.decode("utf-8", "replace")
        assertion = parse_qs(text).get("assertion")
        if assertion:
            self.server.assertions.append(assertion[0])
        # What the server reflects: the body as sent (form-encoded or JSON), the request
        # line (query string included), every header; the credentials first, so that they
        # are inside any excerpt of the echo.
        headers = " | ".join(f"{k}: {v}" for k, v in self.headers.items())
        credentials = self.headers.get("Authorization", "")
        echo = f"{credentials} | {text} | {self.command} {self.path} | {headers}"
        echo = echo.replace("\n", " ")
        token_request = self.path.split("?")[0].endswith(TOKEN_PATHS)
        if token_request and not self.server.refuse_tokens:
            token = self.server.issue()
            self._send(200, "OK", _grant(token), echo)
        elif token_request:
            self._send(400, echo, _refusal(echo), echo)
        else:
            self._send(401, echo, _api_error(echo), echo)

    def _send(self, status: int, reason: str, payload: dict[str, Any], echo: str) -> None:
        # Slashes escaped as some JSON encoders do: the tap must recognise that form too.
        data = json.dumps(payload).replace("/", "\\/").encode("utf-8")
        self.send_response(status, reason.encode("latin-1", "replace").decode("latin-1"))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Echo", echo.encode("latin-1", "replace").decode("latin-1"))
        self.end_headers()
        self.wfile.write(data)


def _grant(token: str) -> dict[str, Any]:
    """A token answer every provider's client accepts (Feishu reads its own fields)."""
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 3600,
        "code": 0,
        "msg": "ok",
        "tenant_access_token": token,
        "expire": 7200,
    }


def _refusal(echo: str) -> dict[str, Any]:
    """OAuth's error shape and Feishu's, both carrying the echo."""
    return {"error": "invalid_client", "error_description": echo, "code": 10014, "msg": echo}


def _api_error(echo: str) -> dict[str, Any]:
    """Google's and Graph's error envelopes at once, each field carrying the echo."""
    return {"error": {"code": echo, "message": echo, "errors": [{"reason": echo}]}}
