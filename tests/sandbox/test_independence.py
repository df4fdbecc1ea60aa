"""The sandbox is an independent implementation: it never imports the tap's modules, so a
bug in the tap's time or recurrence code cannot be mirrored by the emulator."""

from __future__ import annotations

import ast
from pathlib import Path

import tap_calinstances.sandbox

SANDBOX = Path(tap_calinstances.sandbox.__file__).parent


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_sandbox_imports_nothing_of_the_tap_outside_the_sandbox() -> None:
    foreign = {
        f"{path.relative_to(SANDBOX)}: {module}"
        for path in SANDBOX.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] == "tap_calinstances"
        and not module.startswith("tap_calinstances.sandbox")
    }
    assert foreign == set()


def test_the_check_sees_the_sandboxs_own_imports() -> None:
    assert "tap_calinstances.sandbox.world" in imported_modules(SANDBOX / "server.py")
