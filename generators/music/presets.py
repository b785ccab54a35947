"""Prompt presets: editable JSON files (``presets/<name>.json``) with a prompt pattern and a tempo.

A preset's ``prompt`` may hold ``{bpm}``, filled with the requested tempo. Any JSON
file of the same shape can be given by path instead of a name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from addon.core import json_files

from ..errors import ToonbeatError

PRESET_FOLDER = Path(__file__).with_name("presets")


@dataclass(frozen=True)
class MusicPreset:
    """A named prompt pattern; ``bpm`` is its default tempo in beats per minute."""

    name: str
    description: str
    prompt: str
    bpm: float


def preset_names() -> list[str]:
    """Names of the shipped presets."""
    return json_files.preset_names(PRESET_FOLDER)


def load_preset(name_or_path: str) -> MusicPreset:
    """A shipped preset by name, or a preset file by path."""
    path = json_files.find_preset(name_or_path, (PRESET_FOLDER,), "music preset", ToonbeatError)
    data = json_files.read_json_object(path, "music preset", ToonbeatError)
    try:
        return MusicPreset(name=str(data.get("name", path.stem)), description=str(data.get("description", "")),
                           prompt=str(data["prompt"]), bpm=float(data["bpm"]))
    except (KeyError, TypeError, ValueError) as error:
        raise ToonbeatError(f"{path}: a music preset needs a 'prompt' text and a 'bpm' number ({error})") from error


def build_prompt(prompt: str | None = None, preset: MusicPreset | None = None, bpm: float | None = None) -> str:
    """The text prompt: the preset's pattern (with ``bpm``) followed by ``prompt``, or ``prompt`` with its tempo.

    Examples
    --------
    >>> build_prompt("dark synthwave", bpm=100)
    'dark synthwave, 100 BPM'
    """
    if preset is None and not (prompt and prompt.strip()):
        raise ToonbeatError("give a prompt or a preset for the music")
    tempo = bpm if bpm is not None else (preset.bpm if preset else None)
    parts = []
    if preset is not None:
        parts.append(preset.prompt.replace("{bpm}", _tempo_text(tempo)))
    if prompt and prompt.strip():
        parts.append(prompt.strip().replace("{bpm}", _tempo_text(tempo)))
    text = ", ".join(parts)
    if tempo is not None and "bpm" not in text.lower():
        text += f", {_tempo_text(tempo)} BPM"
    return text


def _tempo_text(bpm: float | None) -> str:
    if bpm is None:
        return ""
    return f"{bpm:g}"
