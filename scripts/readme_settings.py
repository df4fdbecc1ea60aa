"""Write the README's settings table from `tap-calinstances --about --format markdown`.

The table is never edited by hand: `make readme` regenerates it, tests/test_docs.py fails
when it drifts from the config schema.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def settings_table() -> str:
    about = subprocess.run(
        [str(Path(sys.executable).parent / "tap-calinstances"), "--about", "--format", "markdown"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = about.split("## Settings", 1)[1].strip().splitlines()
    return "\n".join(line for line in lines if line.startswith("|"))


def render(readme: str, table: str) -> str:
    block = f"{START}\n{table}\n{END}"
    if START not in readme:
        raise SystemExit(f"README.md has no {START} marker")
    return re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, readme, flags=re.S)


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    path.write_text(render(path.read_text("utf-8"), settings_table()), "utf-8")


if __name__ == "__main__":
    main()
