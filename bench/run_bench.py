"""`make bench`: the tap's cost against the sandbox, as ratios to baselines from the same run.

    python -m bench.run_bench [--quick] [--part latency|throughput|rss ...]

Parts (each a function below; sizes at the top):
1. latency: wall time against the ideal (requests x latency / allowed concurrency), the
   speedup over max_concurrency 1, and the per-principal budget as the sandbox saw it;
2. throughput: records/s of the tap against a minimal one-thread extractor, both reading
   the same pre-recorded pages from a replay server (so the emulator's cost is not measured);
3. requests: a full run against the fewest requests possible, and a no-change run;
4. STATE: final size per calendar and series, and bytes written in a run;
5. rss: the tap's peak RSS on the largest dataset that fits the time.

Every server runs in its own process on loopback; the tap runs as its CLI. Writes
output/bench/results.md, results.json and latency.png.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.procs import (
    PYTHON,
    ROOT,
    ReplayProcess,
    SandboxProcess,
    measured,
    shell,
    tap_command,
    write_config,
)
from bench.report import Figure, Results, judge, plot, table, write

START, END = "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"
# The latency part measures how well waiting is overlapped, so its window is one month:
# few occurrences per request, and the run is bound by the 50 ms, not by the CPU that a
# year of daily series costs (which the throughput part measures).
LATENCY_END = "2026-02-01T00:00:00Z"
OUTPUT = ROOT / "output" / "bench"
WORK = OUTPUT / "work"
GOOGLE_IN_FLIGHT = 10  # Google's per-user budget: 10 requests in flight


@dataclass(frozen=True)
class Sizes:
    sweep: tuple[int, ...]  # principals for the latency sweep; the last is the headline
    latency_series: int
    latency_ms: int
    concurrency: int  # the tap's default max_concurrency
    throughput_principals: int
    throughput_series: int  # chosen for >= 100,000 occurrences at full size
    rounds: int
    rss_principals: int
    rss_series: int


FULL = Sizes(
    sweep=(25, 50, 100, 200),
    latency_series=2,
    latency_ms=50,
    concurrency=16,
    throughput_principals=20,
    throughput_series=50,
    rounds=3,
    # ~1,000,000 occurrences (100 users x 100 generated series over a year).
    rss_principals=104,  # 971,643 occurrences at 100: the part asks for 1,000,000
    rss_series=100,
)
QUICK = Sizes(
    sweep=(5, 10),
    latency_series=2,
    latency_ms=50,
    concurrency=16,
    throughput_principals=4,
    throughput_series=10,
    rounds=1,
    rss_principals=5,
    rss_series=10,
)
PARTS = ("latency", "throughput", "rss")  # throughput also measures requests and STATE


def sandbox_args(principals: int, series: int, *extra: str, end: str = END) -> list[str]:
    return [
        "--principals",
        str(principals),
        "--series-per-calendar",
        str(series),
        "--google-auth",
        "service_account",
        "--start-date",
        START,
        "--end-date",
        end,
        *extra,
    ]


def instances(run: dict[str, Any]) -> int:
    return int(run["messages"].get("RECORD:google_instances", 0))


def _tap_run(sandbox: SandboxProcess, label: str, **overrides: Any) -> dict[str, Any]:
    """One tap run against `sandbox`, with the sandbox's counts of what it was asked."""
    config = write_config(WORK / f"{label}.config.json", sandbox.config, **overrides)
    sandbox.reset_counts()
    run = measured(tap_command(config), WORK, label)
    stats = sandbox.stats()
    log = sandbox.request_log()
    run["api_requests"] = stats["totals"]["requests"]
    run["token_requests"] = len(log["token_requests"])
    run["refused"] = stats["totals"]["refused"]
    run["peak_in_flight_total"] = stats["totals"]["peak_in_flight"]
    run["peak_in_flight_per_principal"] = max(
        (p["peak_in_flight"] for p in stats["principals"].values()), default=0
    )
    run["sandbox"] = shell(sandbox.command)
    return run


def latency(sizes: Sizes, results: Results, again: str) -> None:
    part = "1 latency"
    runs: dict[str, Any] = {}
    points = []
    for principals in sizes.sweep:
        args = sandbox_args(
            principals,
            sizes.latency_series,
            "--latency-ms",
            str(sizes.latency_ms),
            "--enforce-budgets",
            end=LATENCY_END,
        )
        with SandboxProcess(
            args,
            WORK / f"latency-{principals}.sandbox.json",
            WORK / f"latency-{principals}.sandbox.log",
        ) as sandbox:
            subjects = len(sandbox.config["google"]["subjects"])
            levels = [sizes.concurrency]
            if principals == sizes.sweep[-1]:
                levels.append(1)
            for level in levels:
                label = f"latency-{principals}p-c{level}"
                run = _tap_run(sandbox, label, max_concurrency=level)
                allowed = min(level, subjects * GOOGLE_IN_FLIGHT)
                total = run["api_requests"] + run["token_requests"]
                run["allowed"] = allowed
                run["ideal_s"] = total * sizes.latency_ms / 1000 / allowed
                runs[label] = run
                print(
                    f"  {label}: {run['seconds']:.2f} s, {total} requests, "
                    f"ideal {run['ideal_s']:.2f} s",
                    flush=True,
                )
            points.append(
                {
                    "principals": principals,
                    "wall_s": runs[f"latency-{principals}p-c{sizes.concurrency}"]["seconds"],
                    "ideal_s": runs[f"latency-{principals}p-c{sizes.concurrency}"]["ideal_s"],
                }
            )
    startup = measured([*tap_command(WORK / "none.json")[:1], "--about"], WORK, "startup")
    runs["startup"] = startup
    top = sizes.sweep[-1]
    fast, slow = runs[f"latency-{top}p-c{sizes.concurrency}"], runs[f"latency-{top}p-c1"]
    total = fast["api_requests"] + fast["token_requests"]
    over_ideal = fast["seconds"] / fast["ideal_s"]
    speedup = slow["seconds"] / fast["seconds"]
    repeat = f"{again} --part latency"
    results.add(
        Figure(
            part,
            f"wall s, {top} principals, c={sizes.concurrency}",
            fast["seconds"],
            detail=f"{total} requests ({fast['token_requests']} token) x "
            f"{sizes.latency_ms} ms / {fast['allowed']} allowed = ideal "
            f"{fast['ideal_s']:.2f} s",
            reproduce=repeat,
        ),
        Figure(
            part,
            "wall / ideal",
            over_ideal,
            "<= 1.25",
            judge(over_ideal, "<= 1.25"),
            detail=f"without the CLI's start-up ({startup['seconds']:.2f} s for --about): "
            f"{(fast['seconds'] - startup['seconds']) / fast['ideal_s']:.2f}",
            reproduce=repeat,
        ),
        Figure(
            part,
            f"speedup c={sizes.concurrency} vs c=1",
            speedup,
            ">= 8",
            judge(speedup, ">= 8"),
            detail=f"c=1 {slow['seconds']:.1f} s (ideal {slow['ideal_s']:.1f} s, "
            f"wall/ideal {slow['seconds'] / slow['ideal_s']:.2f})",
            reproduce=repeat,
        ),
        Figure(
            part,
            "peak in flight per principal",
            max(fast["peak_in_flight_per_principal"], slow["peak_in_flight_per_principal"]),
            "<= 10",
            max(fast["peak_in_flight_per_principal"], slow["peak_in_flight_per_principal"])
            <= GOOGLE_IN_FLIGHT,
            reproduce=repeat,
        ),
        Figure(
            part,
            "refused by the budget",
            fast["refused"] + slow["refused"],
            "<= 0",
            fast["refused"] + slow["refused"] == 0,
            detail="--enforce-budgets",
            reproduce=repeat,
        ),
    )
    for point in points:
        results.add(
            Figure(
                part,
                f"wall / ideal, {point['principals']} principals",
                point["wall_s"] / point["ideal_s"],
                "<= 1.25",
                judge(point["wall_s"] / point["ideal_s"], "<= 1.25"),
                detail=f"{point['wall_s']:.2f} s / {point['ideal_s']:.2f} s",
                reproduce=repeat,
            )
        )
    plot(
        points,
        OUTPUT / "latency.png",
        f"tap wall time, {sizes.latency_ms} ms latency, max_concurrency {sizes.concurrency}",
    )
    results.runs["latency"] = runs


def _record(sandbox: SandboxProcess, dump: Path) -> dict[str, Any]:
    """The extractor against the real sandbox once, recording every page it gets."""
    config = write_config(WORK / "throughput.sandbox-config.json", sandbox.config)
    summary_path = WORK / "extractor-record.summary.json"
    command = [PYTHON, "-m", "bench.extractor", "--config", str(config),
               "--record", str(dump), "--summary", str(summary_path)]  # fmt: skip
    run = measured(command, WORK, "extractor-record")
    run["extractor"] = json.loads(summary_path.read_text())
    return run


def throughput(sizes: Sizes, results: Results, again: str) -> None:
    """Parts 2-4: one sandbox for the recording, the full run and the no-change run; then
    the replay server for the timed rounds."""
    runs: dict[str, Any] = {}
    dump = WORK / "throughput.dump.jsonl"
    args = sandbox_args(sizes.throughput_principals, sizes.throughput_series)
    with SandboxProcess(
        args, WORK / "throughput.sandbox.json", WORK / "throughput.sandbox.log"
    ) as sandbox:
        recording = _record(sandbox, dump)
        runs["extractor-record"] = recording
        state = WORK / "throughput-full.state.json"
        config = write_config(WORK / "throughput-full.config.json", sandbox.config)
        sandbox.reset_counts()
        full = measured(tap_command(config), WORK, "throughput-full", state_out=state)
        full["api_requests"] = sandbox.stats()["totals"]["requests"]
        full["token_requests"] = len(sandbox.request_log()["token_requests"])
        runs["tap-full"] = full
        sandbox.reset_counts()
        again_state = WORK / "throughput-incremental.state.json"
        incremental = measured(tap_command(config, state), WORK, "throughput-incremental",
                               state_out=again_state)  # fmt: skip
        log = sandbox.request_log()
        incremental["api_requests"] = len(log["requests"])
        incremental["token_requests"] = len(log["token_requests"])
        incremental["instances_requests"] = sum(
            1 for r in log["requests"] if r["path"].endswith("/instances")
        )
        runs["tap-incremental"] = incremental
        sandbox_command = shell(sandbox.command)
    print(f"  recorded {recording['extractor']['requests']} pages; full run "
          f"{full['api_requests']} requests; incremental {incremental['api_requests']}",
          flush=True)  # fmt: skip

    # The timed rounds, against pre-rendered pages.
    base_times, tap_times, base_items, tap_items = [], [], 0, 0
    with ReplayProcess(dump, WORK / "replay.log") as replay:
        settings = dict(sandbox.config)
        google = dict(settings["google"])
        old = google["api_url"][: google["api_url"].index("/", len("http://"))]
        google["api_url"] = google["api_url"].replace(old, replay.base)
        google["token_url"] = google["token_url"].replace(old, replay.base)
        replay_config = write_config(WORK / "throughput-replay.config.json", settings,
                                     google=google)  # fmt: skip
        summary_path = WORK / "extractor-replay.summary.json"
        extractor_cmd = [PYTHON, "-m", "bench.extractor", "--config", str(replay_config),
                         "--summary", str(summary_path)]  # fmt: skip
        for number in range(sizes.rounds):
            # Interleaved, so that the machine's noise hits both alike.
            base = measured(extractor_cmd, WORK, f"extractor-replay-{number}")
            base_items = json.loads(summary_path.read_text())["instances"]
            base_times.append(base["seconds"])
            tap = measured(tap_command(replay_config), WORK, f"tap-replay-{number}")
            misses = replay.misses()
            if misses:
                raise RuntimeError(
                    f"the tap asked the replay server for {len(misses)} URLs that the "
                    f"extractor never requested, e.g. {misses[0]}"
                )
            tap_items = instances(tap)
            tap_times.append(tap["seconds"])
            runs[f"extractor-replay-{number}"], runs[f"tap-replay-{number}"] = base, tap
            print(f"  round {number + 1}: extractor {base['seconds']:.2f} s, tap "
                  f"{tap['seconds']:.2f} s", flush=True)  # fmt: skip
    base_rate = base_items / statistics.median(base_times)
    tap_rate = tap_items / statistics.median(tap_times)
    ratio = tap_rate / base_rate
    repeat = f"{again} --part throughput"
    part = "2 throughput"
    results.add(
        Figure(
            part,
            "occurrences",
            tap_items,
            ">= 100000" if sizes is FULL else "",
            tap_items == base_items and (tap_items >= 100_000 or sizes is not FULL),
            detail=f"the extractor fetched {base_items} (they must agree)",
            reproduce=repeat,
        ),
        Figure(
            part,
            "dataset",
            f"{sizes.throughput_principals} principals x {sizes.throughput_series} series",
            detail=f"sandbox: {sandbox_command}",
            reproduce=repeat,
        ),
        Figure(
            part,
            "extractor records/s (baseline)",
            base_rate,
            detail=f"median of {sizes.rounds}: {statistics.median(base_times):.2f} s",
            reproduce=repeat,
        ),
        Figure(
            part,
            "tap records/s",
            tap_rate,
            detail=f"median of {sizes.rounds}: {statistics.median(tap_times):.2f} s, "
            f"c={sizes.concurrency}",
            reproduce=repeat,
        ),
        Figure(
            part,
            "tap / extractor records/s",
            ratio,
            ">= 0.7",
            judge(ratio, ">= 0.7"),
            detail="both against bench.replay (pre-rendered pages)",
            reproduce=repeat,
        ),
    )
    results.runs["throughput"] = runs
    _requests_and_state(results, recording, full, incremental, state, again)


def _requests_and_state(
    results: Results,
    recording: dict[str, Any],
    full: dict[str, Any],
    incremental: dict[str, Any],
    state_path: Path,
    again: str,
) -> None:
    extractor = recording["extractor"]
    minimum = (
        extractor["calendar_pages"]
        + extractor["event_pages"]
        + extractor["instance_pages_nonempty"]
    )
    repeat = f"{again} --part throughput"
    part = "3 requests"
    over_minimum = full["api_requests"] / minimum
    no_change = incremental["api_requests"] / full["api_requests"]
    results.add(
        Figure(
            part,
            "full run / minimum requests",
            over_minimum,
            "<= 1",
            judge(over_minimum, "<= 1.0"),
            detail=f"{full['api_requests']} / {minimum} (calendar lists "
            f"{extractor['calendar_pages']} + event listings {extractor['event_pages']} + "
            f"non-empty instance listings {extractor['instance_pages_nonempty']}); "
            f"+{full['token_requests']} token requests",
            reproduce=repeat,
        ),
        Figure(
            part,
            "no-change run / full run requests",
            no_change,
            detail=f"{incremental['api_requests']} / {full['api_requests']}",
            reproduce=repeat,
        ),
        Figure(
            part,
            "no-change run: instances requests",
            incremental["instances_requests"],
            "<= 0",
            incremental["instances_requests"] == 0,
            detail=f"{instances(incremental)} instance records",
            reproduce=repeat,
        ),
    )
    state = json.loads(state_path.read_text())
    final = len(json.dumps(state, separators=(",", ":")).encode())
    calendars = len(state["bookmarks"]["google_calendars"]["calendars"])
    series = int(full["messages"].get("RECORD:google_series", 0))
    allowed = 512 * calendars + 64 * series
    written = full["state_bytes_total"] / full["final_state_bytes"]
    part = "4 STATE"
    results.add(
        Figure(
            part,
            "final STATE bytes",
            final,
            f"<= {allowed}",
            final <= allowed,
            detail=f"<= 512 x {calendars} calendars + 64 x {series} series",
            reproduce=repeat,
        ),
        Figure(part, "bytes per calendar", final / calendars, reproduce=repeat),
        Figure(part, "bytes per series", final / max(series, 1), reproduce=repeat),
        Figure(
            part,
            "STATE bytes written / final",
            written,
            "<= 10",
            judge(written, "<= 10"),
            detail=f"{full['state_messages']} STATE messages, {full['state_bytes_total']:,} bytes",
            reproduce=repeat,
        ),
    )


def rss(sizes: Sizes, results: Results, again: str) -> None:
    args = sandbox_args(sizes.rss_principals, sizes.rss_series)
    with SandboxProcess(args, WORK / "rss.sandbox.json", WORK / "rss.sandbox.log") as sandbox:
        run = _tap_run(sandbox, "rss")
    count = instances(run)
    peak_mb = run["max_rss_kb"] / 1024
    part = "5 rss"
    repeat = f"{again} --part rss"
    results.add(
        Figure(
            part,
            "occurrences",
            count,
            ">= 1000000",
            count >= 1_000_000,
            detail=f"{run['seconds']:.0f} s, {count / run['seconds']:,.0f} records/s",
            reproduce=repeat,
        ),
        Figure(
            part,
            "tap peak RSS MB",
            peak_mb,
            "<= 150",
            judge(peak_mb, "<= 150"),
            detail=f"{run['max_rss_kb'] * 1024 / max(count, 1):,.0f} bytes per occurrence",
            reproduce=repeat,
        ),
    )
    if count < 1_000_000:
        results.notes.append(
            f"rss: {count:,} occurrences, not 1,000,000: the tap read "
            f"{count / run['seconds']:,.0f} occurrences/s from the sandbox here, so "
            f"1,000,000 would take about {1_000_000 / (count / run['seconds']) / 60:.0f} "
            "minutes on its own."
        )
    results.runs["rss"] = {"rss": run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--part", action="append", choices=PARTS, help="run only these parts")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    parts = args.part or list(PARTS)
    again = "python -m bench.run_bench" + (" --quick" if args.quick else "")
    WORK.mkdir(parents=True, exist_ok=True)
    # SIGTERM unwinds like Ctrl-C, so that every server this run started is stopped.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    results = Results()
    started = time.perf_counter()
    for name, function in (("latency", latency), ("throughput", throughput), ("rss", rss)):
        if name in parts:
            print(f"{name} ...", flush=True)
            function(sizes, results, again)
    seconds = time.perf_counter() - started
    command = "python -m bench.run_bench" + "".join(f" {a}" for a in (argv or sys.argv[1:]))
    write(results, OUTPUT, seconds, command)
    print()
    print(table(results))
    for note in results.notes:
        print(f"note: {note}")
    print(f"\n{seconds:.0f} s; results in {OUTPUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
