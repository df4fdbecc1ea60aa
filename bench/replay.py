"""Serve recorded Google pages, so that a timing measures the client, not the emulator.

    python -m bench.replay DUMP PORT

Prints its base URL on stdout, then serves until SIGTERM, on 127.0.0.1 only:
- `GET <recorded path>?<query>`: the recorded body (query order and headers ignored);
- `POST .../token`: a bearer token `bench:<subject>` (the JWT grant's `sub`, unverified;
  `bench:me` for other grants), so that `/users/me/...` answers for the right principal;
- `GET /_replay/misses`: every URL asked for that was not recorded (the bench fails on any);
- anything else: 404 naming the URL.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from urllib.parse import parse_qs

import jwt

from bench.dump import TOKEN_PREFIX, page_key, read_pages


def token_body(form: bytes) -> bytes:
    fields = parse_qs(form.decode("utf-8", "replace"))
    subject = "me"
    assertion = (fields.get("assertion") or [""])[0]
    if assertion:
        claims = jwt.decode(assertion, options={"verify_signature": False})
        subject = str(claims.get("sub") or claims.get("iss") or "me")
    token = {"access_token": TOKEN_PREFIX + subject, "expires_in": 3600, "token_type": "Bearer"}
    return json.dumps(token).encode()


class ReplayServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, pages: dict[str, bytes]) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.pages = pages
        self.misses: list[str] = []
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real API
    # Headers and body go out in separate writes: with Nagle on, the client's delayed ACK
    # holds the body back ~40 ms per request, which would be all that a timing measured.
    disable_nagle_algorithm = True
    server: ReplayServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: ARG002
        return  # quiet: every request would be a line

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/_replay/misses"):
            with self.server.lock:
                self._send(200, json.dumps(self.server.misses).encode())
            return
        bearer = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        principal = bearer.removeprefix(TOKEN_PREFIX) if bearer.startswith(TOKEN_PREFIX) else None
        body = self.server.pages.get(page_key(self.path, principal))
        if body is None:
            with self.server.lock:
                self.server.misses.append(self.path)
            print(f"replay: not recorded: GET {self.path}", file=sys.stderr, flush=True)
            self._send(404, json.dumps({"error": f"not recorded: {self.path}"}).encode())
            return
        self._send(200, body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(length)
        if self.path.rstrip("/").endswith("/token"):
            self._send(200, token_body(form))
            return
        with self.server.lock:
            self.server.misses.append(f"POST {self.path}")
        self._send(404, json.dumps({"error": f"not recorded: POST {self.path}"}).encode())

    def do_DELETE(self) -> None:
        if self.path.startswith("/_replay/misses"):
            with self.server.lock:
                self.server.misses.clear()
            self._send(200, b"[]")
            return
        self._send(404, b"{}")


def main(argv: list[str] | None = None) -> int:
    dump, port = (argv if argv is not None else sys.argv[1:])[:2]
    pages = dict(read_pages(Path(dump)))
    server = ReplayServer(int(port), pages)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, bound = server.server_address[:2]
    print(f"http://{host!s}:{bound} {len(pages)} pages", flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
