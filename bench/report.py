"""The bench's output: a table on stdout, results.md, results.json and latency.png."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One reported figure: a value, usually a ratio to a baseline from the same run."""

    part: str
    name: str
    value: float | int | str
    target: str = ""  # e.g. "<= 1.25"
    ok: bool | None = None  # None: not judged
    detail: str = ""  # what the ratio is made of
    reproduce: str = ""  # the command that reproduces it

    def shown(self) -> str:
        if isinstance(self.value, float):
            return f"{self.value:.4g}" if abs(self.value) < 100 else f"{self.value:,.0f}"
        if isinstance(self.value, int):
            return f"{self.value:,}"
        return self.value

    def verdict(self) -> str:
        return {None: "", True: "ok", False: "MISS"}[self.ok]


@dataclass
class Results:
    figures: list[Figure] = field(default_factory=list)
    runs: dict[str, Any] = field(default_factory=dict)  # raw measurements, by part
    notes: list[str] = field(default_factory=list)

    def add(self, *figures: Figure) -> None:
        self.figures += figures


def judge(value: float, target: str) -> bool:
    op, _, bound = target.partition(" ")
    limit = float(bound)
    return value <= limit if op == "<=" else value >= limit if op == ">=" else value == limit


def table(results: Results) -> str:
    rows = [("part", "figure", "value", "target", "", "detail")]
    rows += [(f.part, f.name, f.shown(), f.target, f.verdict(), f.detail) for f in results.figures]
    widths = [max(len(str(row[i])) for row in rows) for i in range(5)]
    lines = []
    last_part = None
    for number, row in enumerate(rows):
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join(cells) + "  " + row[5])
        if number == 0:
            lines.append("-" * (sum(widths) + 2 * len(widths) + 20))
            continue
        figure = results.figures[number - 1]
        following = results.figures[number] if number < len(results.figures) else None
        if following is None or following.part != figure.part:
            lines.append(f"    $ {figure.reproduce}")
        last_part = figure.part
    del last_part
    return "\n".join(lines)


def markdown(results: Results, seconds: float, command: str) -> str:
    out = [
        "# tap-calinstances bench",
        "",
        f"`{command}`, {seconds:.0f} s. Every figure is a ratio to a baseline measured in the "
        "same run, or a count; each is reproduced by the command in its row.",
        "",
        "| part | figure | value | target | | detail | reproduce |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in results.figures:
        out.append(
            f"| {f.part} | {f.name} | {f.shown()} | {f.target} | {f.verdict()} | {f.detail} "
            f"| `{f.reproduce}` |"
        )
    if results.notes:
        out += ["", "## Notes", ""] + [f"- {note}" for note in results.notes]
    out += ["", "## Runs", ""]
    for part, runs in results.runs.items():
        out.append(f"### {part}")
        out.append("")
        for label, run in runs.items() if isinstance(runs, dict) else []:
            if isinstance(run, dict) and "repeat" in run:
                out.append(f"- {label}: {run['seconds']:.2f} s: `{run['repeat']}`")
            elif isinstance(run, dict) and "sandbox" in run:
                out.append(f"- {label}: sandbox `{run['sandbox']}`")
        out.append("")
    return "\n".join(out) + "\n"


def write(results: Results, folder: Path, seconds: float, command: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.md").write_text(markdown(results, seconds, command))
    (folder / "results.json").write_text(
        json.dumps(
            {
                "command": command,
                "seconds": seconds,
                "figures": [asdict(f) for f in results.figures],
                "notes": results.notes,
                "runs": results.runs,
            },
            indent=2,
            default=str,
        )
    )


def plot(points: list[dict[str, float]], path: Path, title: str) -> None:
    """Wall time and ideal time against principals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [p["principals"] for p in points]
    figure, axes = plt.subplots(figsize=(6, 4), dpi=120)
    axes.plot(xs, [p["wall_s"] for p in points], "o-", label="tap wall time")
    axes.plot(
        xs, [p["ideal_s"] for p in points], "s--", label="ideal (requests x latency / allowed)"
    )
    axes.set_xlabel("principals")
    axes.set_ylabel("seconds")
    axes.set_title(title)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
