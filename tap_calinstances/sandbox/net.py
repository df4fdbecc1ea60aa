"""Socket-level helpers of the sandbox server: loopback checks, URL hosts, TCP resets.

The sandbox keeps its own copies rather than importing the tap's: it is an independent
implementation, so a bug in the tap cannot be mirrored here and pass unseen.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
from typing import Any


def is_loopback(host: str | None) -> bool:
    """Whether binding `host` keeps the server reachable from this machine only."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """A host to put in URLs: wildcard binds are reached via loopback."""
    if host in ("0.0.0.0", ""):  # noqa: S104 (mapping a wildcard, not binding one)
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


def reset_connection(environ: dict[str, Any]) -> None:
    """Abort the client's connection with a TCP reset and no answer at all."""
    sock = environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        return
    try:
        # Linger 0 makes the close abortive: the peer gets RST, not FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Close the connection now by pointing its descriptor at a dead socketpair: the
        # server's later reads on it see EOF (not EBADF), and the descriptor number is
        # never freed while werkzeug still holds it.
        spare, peer = socket.socketpair()
        peer.close()
        os.dup2(spare.fileno(), sock.fileno())
        spare.close()
    except OSError:
        sock.shutdown(socket.SHUT_RDWR)
