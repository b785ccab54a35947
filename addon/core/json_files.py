"""Reading small JSON documents (presets, character sheets) with errors that name the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json_object(path: Path, what: str, error: type[Exception]) -> dict[str, Any]:
    """The JSON object in ``path``; raises ``error`` naming the file and ``what`` it should hold."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as reason:
        raise error(f"{path}: cannot read the {what} ({reason})") from reason
    if not isinstance(document, dict):
        raise error(f"{path}: a {what} is a JSON object")
    return document
