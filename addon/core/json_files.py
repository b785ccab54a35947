"""Reading small JSON documents (presets, character sheets) with errors that name the file.

Every preset reader (choreography, music, art) finds its file with ``find_preset``
and reads it with ``read_json_object``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .input_limits import InputLimitError, check_json_depth, unreadable_reason

MAX_JSON_OBJECT_BYTES = 1 << 20
"""Largest preset or character sheet read (the shipped ones are a few kilobytes)."""


def read_json_object(path: Path, what: str, error: type[Exception]) -> dict[str, Any]:
    """The JSON object in ``path``; raises ``error`` naming the file and ``what`` it should hold."""
    reason = unreadable_reason(path)
    if reason is not None:
        raise error(f"{path}: cannot read the {what}: {reason}")
    if os.stat(path).st_size > MAX_JSON_OBJECT_BYTES:
        raise error(f"{path}: a {what} is at most {MAX_JSON_OBJECT_BYTES:,} bytes")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        check_json_depth(document, str(path))
    except (OSError, json.JSONDecodeError, InputLimitError) as problem:
        raise error(f"{path}: cannot read the {what} ({problem})") from problem
    except UnicodeDecodeError as problem:
        raise error(f"{path}: cannot read the {what}: the text is not UTF-8 "
                    f"(byte {problem.object[problem.start]:#04x} at offset {problem.start})") from problem
    except RecursionError as problem:
        raise error(f"{path}: cannot read the {what}: JSON nested too deeply") from problem
    if not isinstance(document, dict):
        raise error(f"{path}: a {what} is a JSON object")
    return document


def preset_names(folder: Path) -> list[str]:
    """Names of the presets shipped in ``folder`` (its ``.json`` files without the suffix), sorted."""
    return sorted(path.stem for path in folder.glob("*.json"))


def find_preset(name_or_path: str | Path, folders: Sequence[Path], what: str, error: type[Exception]) -> Path:
    """A ``.json`` file given by path (``read_json_object`` says why one cannot be read), or ``<name>.json``
    from the first of ``folders`` that holds it.

    The last folder is the shipped one: the error for an unknown name lists its presets.
    """
    candidate = Path(name_or_path)
    if candidate.suffix == ".json":
        return candidate
    found = next((folder / f"{name_or_path}.json" for folder in folders if (folder / f"{name_or_path}.json").is_file()),
                 None)
    if found is None:
        known = ", ".join(preset_names(folders[-1]))
        raise error(f"no such {what} {str(name_or_path)!r}: give a .json file or one of {known}")
    return found
