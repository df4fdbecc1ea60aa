"""What every request of the tap shares, API and token requests alike: sessions that never
follow a redirect, the https-only rule, and reading what a server sent without trusting it.

A redirect is never followed: the next hop would receive the bearer token or the client
secret, and could be a plain-http or foreign host. Bodies and back-off hints come from the
network and may be anything: they are read here into values or into ``ValueError``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec
import requests
from requests.adapters import HTTPAdapter
from typing_extensions import override

from tap_calinstances.settings import is_loopback

# Failures of the connection rather than of the server's answer: retried like a 503.
TRANSIENT: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    ConnectionResetError,
)
# Every way sending a request can fail: TRANSIENT ones are retried, the others are not.
FAILED = (requests.exceptions.RequestException, ConnectionResetError)
# A back-off hint longer than this is not waited on: the run's retry budget decides.
MAX_HINT_SECONDS = 3600.0
_JSON = msgspec.json.Decoder()
_local = threading.local()  # requests.Session is not thread-safe: one per thread


def for_good(exc: BaseException, setting: str) -> str | None:
    """What to fix when sending a request failed for good (an invalid URL or header); None
    when it is worth retrying. ``setting`` is the one that decides the URL."""
    if isinstance(exc, TRANSIENT):  # TLS failures too: errors.unreachable tells them apart
        return None
    return f"the request could not be sent ({type(exc).__name__}): check {setting}"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed(url: str) -> bool:
    """``https://`` with a host, or ``http://`` to a loopback host (the sandbox, tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        return bool(parts.hostname)
    return parts.scheme == "http" and is_loopback(parts.hostname)


def session(url: str) -> requests.Session:
    """This thread's session for ``url``'s origin, so that its connections stay open from
    one request to the next, tokens included (a session per token policy opened a new
    connection for each principal's token: 202 of them at 200 subjects)."""
    sessions: dict[str, requests.Session] = _local.__dict__.setdefault("sessions", {})
    key = origin(url)
    found = sessions.get(key)
    if found is None:
        found = sessions[key] = new_session(url)
    return found


def new_session(url: str) -> requests.Session:
    """A session for requests to ``url``'s host. Proxy variables are read once, for that
    host (requests reads them on every request otherwise: 0.6 ms each, measured)."""
    session = requests.Session()
    for prefix in ("https://", "http://"):
        session.mount(prefix, _WholeBodies())
    session.proxies = dict(requests.utils.get_environ_proxies(url))
    session.verify = (
        os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    )
    session.trust_env = False
    return session


class _WholeBodies(HTTPAdapter):
    """Reads each body in one go, as it arrives, instead of 10 KiB at a time.

    Every read of a socket with a timeout releases the GIL twice (poll, then recv), and
    with other threads waiting each release hands the GIL over. A 60 KB page read in 10 KiB
    pieces made 8 reads; on the throughput replay (2,048 pages, 16 workers) reading whole
    bodies halved the context switches and took 0.4 s off 5.5 s.
    """

    @override
    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        response = super().send(request, stream, timeout, verify, cert, proxies)
        if not stream:
            # What ``response.content`` would read, and with the same errors (requests
            # turns urllib3's into its own in iter_content); Session.send then finds it read.
            response._content = b"".join(response.iter_content(None))
        return response


def redirect_target(response: requests.Response) -> str:
    """Where a 3xx answer points, as an origin (its path and query may carry anything)."""
    location = response.headers.get("Location") or ""
    target = origin(location) if "://" in location else "the same host"
    return target if target != "://" else "an unreadable location"


def decode_json(content: bytes) -> Any:
    """A JSON body as Python values; ``ValueError`` for anything else, including JSON
    nested too deep to decode."""
    try:
        return _JSON.decode(content)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ValueError(f"not JSON ({type(exc).__name__})") from exc


def seconds(value: str | None) -> float | None:
    """A back-off hint (``Retry-After``, Feishu's ``x-ogw-ratelimit-reset``) in seconds:
    a number, possibly fractional, or an HTTP date. None when absent or not a sane
    number (``NaN``, ``inf``, negative)."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            return None
        number = moment.timestamp() - time.time()
        number = max(number, 0.0)
    if not math.isfinite(number) or number < 0:
        return None
    return min(number, MAX_HINT_SECONDS)


def decode_once(response: requests.Response) -> None:
    """Decode the body once, safely: every later ``response.json()`` (error tables,
    paginators, the page itself) gets the value, or ``ValueError`` for a body that is not
    JSON, whatever the body holds (JSON nested 200,000 deep included)."""
    try:
        body: Any = decode_json(response.content)
    except ValueError as exc:
        message = str(exc)

        def refuse(**_: Any) -> Any:
            raise ValueError(message)

        response.json = refuse  # type: ignore[method-assign]
        return
    response.json = lambda **_: body  # type: ignore[method-assign]
