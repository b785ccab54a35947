"""Prompt presets for characters and backgrounds: editable JSON files under ``presets/``.

``presets/style.json`` holds what everything shares (style words, the negative
prompt, one prompt per pose); ``presets/characters/<name>.json`` a character's
description and its secondary characters; ``presets/backgrounds/<name>.json`` a
scene and one addition per song section. A preset can also be given by file path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addon.core import json_files

from ..errors import ToonbeatError

PRESET_FOLDER = Path(__file__).with_name("presets")


@dataclass(frozen=True)
class Style:
    """Shared look: ``style`` words, suffixes for characters and backgrounds, the negative prompt, pose prompts."""

    style: str
    character_suffix: str
    background_suffix: str
    negative: str
    poses: dict[str, str]


@dataclass(frozen=True)
class CharacterPreset:
    """A character's description and the presets of its secondary characters."""

    name: str
    prompt: str
    secondary: tuple[str, ...]


@dataclass(frozen=True)
class BackgroundPreset:
    """A scene prompt and what each section label adds to it."""

    name: str
    prompt: str
    sections: dict[str, str]


def preset_names(kind: str) -> list[str]:
    """Shipped preset names of ``kind`` (``characters`` or ``backgrounds``)."""
    return json_files.preset_names(PRESET_FOLDER / kind)


def load_style(path: str | None = None) -> Style:
    """The shipped style, or a style file of the same shape."""
    data = _read(Path(path) if path else PRESET_FOLDER / "style.json")
    try:
        return Style(style=str(data["style"]), character_suffix=str(data["character_suffix"]),
                     background_suffix=str(data["background_suffix"]), negative=str(data["negative"]),
                     poses={str(k): str(v) for k, v in dict(data["poses"]).items()})
    except (KeyError, TypeError, ValueError) as error:
        raise ToonbeatError(f"{path or 'style.json'}: a style needs style, character_suffix, background_suffix, "
                            f"negative and poses ({error})") from error


def load_character(name_or_path: str) -> CharacterPreset:
    """A shipped character preset by name, or a file by path."""
    data = _read_preset("characters", name_or_path)
    if not isinstance(data.get("prompt"), str):
        raise ToonbeatError(f"{name_or_path}: a character preset needs a 'prompt' text")
    return CharacterPreset(name=str(data.get("name", Path(name_or_path).stem)), prompt=data["prompt"],
                           secondary=tuple(str(name) for name in data.get("secondary", [])))


def load_background(name_or_path: str) -> BackgroundPreset:
    """A shipped background preset by name, or a file by path."""
    data = _read_preset("backgrounds", name_or_path)
    if not isinstance(data.get("prompt"), str) or not isinstance(data.get("sections", {}), dict):
        raise ToonbeatError(f"{name_or_path}: a background preset needs a 'prompt' text and a 'sections' object")
    return BackgroundPreset(name=str(data.get("name", Path(name_or_path).stem)), prompt=data["prompt"],
                            sections={str(k): str(v) for k, v in data.get("sections", {}).items()})


def _read_preset(kind: str, name_or_path: str) -> dict[str, Any]:
    """The preset of ``kind`` (``characters`` or ``backgrounds``) by shipped name or by path."""
    path = json_files.find_preset(name_or_path, (PRESET_FOLDER / kind,), f"{kind[:-1]} preset", ToonbeatError)
    return _read(path)


def _read(path: Path) -> dict[str, Any]:
    return json_files.read_json_object(path, "preset", ToonbeatError)
