"""The generators' parameter defaults and limits, as declared there (``generators/*/params.py``).

The add-on cannot import the generators' pydantic models, so ``generator_params.json``
beside this file is written from them (``python -m generators.panel_params``) and a
test keeps it current. Panels take their defaults and bounds from here.

Examples
--------
>>> declared("music", "seconds")["maximum"]
1800.0
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_FILE = Path(__file__).with_name("generator_params.json")


@cache
def _document() -> dict[str, dict[str, dict[str, Any]]]:
    document: dict[str, dict[str, dict[str, Any]]] = json.loads(_FILE.read_text(encoding="utf-8"))
    return document


def declared(kind: str, field: str) -> dict[str, Any]:
    """``{default, description, minimum, maximum, enum, ...}`` of ``field`` of the ``music``, ``character``,
    ``backgrounds`` or ``clip`` parameters."""
    return _document()[kind][field]
