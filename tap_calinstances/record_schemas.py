"""The JSON schemas of the three record kinds, from the top-level ``schemas/`` folder.

The wheel ships that folder as ``tap_calinstances/schemas``; an editable install reads it
from the source tree.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from pathlib import Path
from typing import Any


def load(name: str) -> dict[str, Any]:
    """A fresh copy of ``schemas/<name>.json`` (``instance``, ``calendar`` or ``series``)."""
    schema: dict[str, Any] = json.loads(_text(name))
    return schema


@functools.cache
def _text(name: str) -> str:
    packaged = importlib.resources.files("tap_calinstances").joinpath("schemas", f"{name}.json")
    if packaged.is_file():
        return packaged.read_text("utf-8")
    return (Path(__file__).resolve().parent.parent / "schemas" / f"{name}.json").read_text("utf-8")
