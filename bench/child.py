"""Run one command as a child, count its stdout, and report its wall time and peak RSS.

    python -m bench.child [--stderr FILE] [--state-out FILE] [--summary FILE] -- CMD ...

`resource.getrusage(RUSAGE_CHILDREN)` in this small process covers only CMD (its only
child), so ru_maxrss is the command's own peak. The summary is one JSON object on stdout
(or in --summary).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("--stderr", default=None, help="write the child's stderr here")
    parser.add_argument("--state-out", default=None, help="write the last STATE value here")
    parser.add_argument("--summary", default=None, help="write the JSON summary here")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = [c for c in args.command if c != "--"] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    # Imported here: the module is also imported by the bench itself.
    from bench.sink import consume

    with open(args.stderr or "/dev/null", "wb") as errors:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
        assert child.stdout is not None
        counts = consume(child.stdout)
        returncode = child.wait()
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = {
        "command": command,
        "returncode": returncode,
        "seconds": seconds,
        "max_rss_kb": usage.ru_maxrss,  # KiB on Linux
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        **counts.to_json(),
        "final_state_bytes": len(counts.last_state.rstrip(b"\n")) if counts.last_state else 0,
    }
    if args.state_out and counts.last_state is not None:
        message = json.loads(counts.last_state)
        Path(args.state_out).write_text(json.dumps(message["value"]))
    text = json.dumps(summary)
    if args.summary:
        Path(args.summary).write_text(text)
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
