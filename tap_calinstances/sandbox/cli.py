"""`tap-calinstances-sandbox`: serve the emulated APIs and print a tap config for them."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from tap_calinstances.sandbox import feishu, google
from tap_calinstances.sandbox.faults import TOKEN_FAULTS, Faults
from tap_calinstances.sandbox.microsoft import API_ROOT as GRAPH_ROOT
from tap_calinstances.sandbox.microsoft import PATHS as GRAPH_PATHS
from tap_calinstances.sandbox.net import is_loopback
from tap_calinstances.sandbox.server import Sandbox


def _rate(value: str) -> tuple[int, float]:
    """`600/60`: requests per seconds."""
    requests, _, seconds = value.partition("/")
    try:
        return int(requests), float(seconds or 60)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected REQUESTS/SECONDS, e.g. 600/60: {value}"
        ) from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tap-calinstances-sandbox",
        description="Serve working emulations of the calendar APIs (Google Calendar v3, "
        "Microsoft Graph v1.0, Feishu/Lark calendar v4) on "
        "a local port, and print a tap-calinstances config that points at them.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback)")
    parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a non-loopback --host (the sandbox hands out credentials)",
    )
    parser.add_argument("--seed", type=int, default=7, help="dataset seed")
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        help="number of generated series on an extra load-test calendar",
    )
    data = parser.add_argument_group("generated principals")
    data.add_argument(
        "--principals",
        type=int,
        default=0,
        metavar="N",
        help="N generated users (user0001@sandbox.example, ...), each with a primary calendar",
    )
    data.add_argument(
        "--series-per-calendar",
        type=int,
        default=5,
        metavar="K",
        help="generated series on each generated user's calendar (default 5)",
    )
    limits = parser.add_argument_group("limits")
    limits.add_argument(
        "--page-size",
        type=int,
        default=0,
        metavar="N",
        help="cap every listing's pages at N items, whatever maxResults says (0: provider's)",
    )
    limits.add_argument(
        "--enforce-budgets",
        action="store_true",
        help="refuse requests over each provider's per-principal budget with its own "
        "signal (Google: 600/min per user, 10 in flight; Graph: 10,000/10 min and 4 in "
        "flight per mailbox; Feishu: 1000/min and 50/s per app)",
    )
    limits.add_argument(
        "--budget-rate",
        type=_rate,
        default=None,
        metavar="REQUESTS/SECONDS",
        help="override every provider's request budget, e.g. 100/10",
    )
    limits.add_argument(
        "--budget-concurrency",
        type=int,
        default=None,
        metavar="N",
        help="override every provider's in-flight budget",
    )
    limits.add_argument(
        "--empty-first-pages",
        action="store_true",
        help="Graph's event and instance listings start with an empty page and a next link",
    )
    parser.add_argument(
        "--google-auth",
        choices=("refresh_token", "service_account"),
        default="refresh_token",
        help="kind of Google credentials to print",
    )
    parser.add_argument("--start-date", default="2026-01-01T00:00:00Z")
    parser.add_argument("--end-date", default=None)
    parser.add_argument("--config-out", default=None, help="also write the config here")
    faults = parser.add_argument_group("faults (N = every Nth API request; 0 = off)")
    for name, help_text in (
        ("latency-ms", "time from a request's arrival to its answer, in ms"),
        ("rate-limit-every", "answer with the rate-limit signal"),
        ("server-error-every", "answer 503 backendError"),
        ("drop-every", "reset the connection without an answer"),
        ("token-ttl-requests", "access tokens die after N API requests"),
        ("malformed-every", "answer 200 with a body that is not JSON"),
        (
            "expire-page-tokens-every",
            "answer 410 to every Nth request carrying a page token "
            "(Google pageToken, Graph $skiptoken/$skip)",
        ),
        ("stall-every", "accept and answer nothing for --stall-ms, then reset"),
        ("redirect-every", "answer 307 to another host"),
        ("token-fault-every", "token requests 1, 1+N, 1+2N... get --token-fault"),
    ):
        faults.add_argument(f"--{name}", type=int, default=0, metavar="N", help=help_text)
    faults.add_argument(
        "--stall-ms", type=int, default=10_000, metavar="MS", help="how long a stall lasts"
    )
    faults.add_argument(
        "--token-fault",
        default="",
        choices=["", *TOKEN_FAULTS],
        help="what the token endpoints answer to the requests --token-fault-every picks",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


def _write_private(path: str, text: str) -> None:
    """The config holds credentials: readable by the owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"refusing to bind {args.host}: the sandbox hands out credentials to anyone "
            "who can reach it. Pass --allow-remote if you mean it.",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(
        stream=sys.stderr,
        format="sandbox: %(message)s",
        level=logging.WARNING if args.quiet else logging.INFO,
    )
    try:
        faults = Faults(
            latency_ms=args.latency_ms,
            rate_limit_every=args.rate_limit_every,
            server_error_every=args.server_error_every,
            drop_every=args.drop_every,
            token_ttl_requests=args.token_ttl_requests,
            malformed_every=args.malformed_every,
            expire_page_tokens_every=args.expire_page_tokens_every,
            stall_every=args.stall_every,
            stall_ms=args.stall_ms,
            redirect_every=args.redirect_every,
            token_fault=args.token_fault,
            token_fault_every=args.token_fault_every,
        )
        sandbox = Sandbox(
            seed=args.seed,
            scale=args.scale,
            faults=faults,
            host=args.host,
            port=args.port,
            principals=args.principals,
            series_per_calendar=args.series_per_calendar,
            page_size=args.page_size,
            enforce_budgets=args.enforce_budgets,
            budget_rate=args.budget_rate,
            budget_concurrency=args.budget_concurrency,
            empty_first_pages=args.empty_first_pages,
        )
    except ValueError as exc:
        print(f"tap-calinstances-sandbox: {exc}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        sandbox.start()
    except OSError as exc:  # port taken, address not available, ...
        print(
            f"tap-calinstances-sandbox: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 2
    try:
        config = sandbox.tap_config(
            google_auth=args.google_auth, start_date=args.start_date, end_date=args.end_date
        )
        text = json.dumps(config, indent=2) + "\n"
        if args.config_out:
            _write_private(args.config_out, text)
        sys.stdout.write(text)
        sys.stdout.flush()
        url = sandbox.url
        graph = sandbox.tap_config(providers=["microsoft"])["microsoft"]
        print(
            f"serving Google Calendar v3 on {url}{google.API_ROOT} (token endpoint "
            f"{url}{google.TOKEN_PATH}); Microsoft Graph v1.0 on {url}{GRAPH_ROOT} (token "
            f"endpoint {graph['token_url']}): "
            + ", ".join(GRAPH_PATHS)
            + f"; Feishu/Lark calendar v4 on {url}{feishu.API_ROOT} (tenant token "
            f"{url}{feishu.TOKEN_PATH}; lark-oapi domain {url}); settings, stats and "
            f"controls at {url}/_sandbox/; stop with Ctrl-C",
            file=sys.stderr,
            flush=True,
        )
        # Wake up now and then so the signal handlers get to run on the main thread.
        while not stop.wait(0.2):
            pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
