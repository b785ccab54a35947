"""Choreography presets: data files that say which pose goes with which section and how strong each effect is.

A preset is a JSON file; the built-in ones live in ``addon/presets`` and users copy
and edit them (``--preset FILE``). Every effect has ``enabled`` and ``intensity``
(1.0 is the preset's normal strength, 0 to 3). Unknown keys are errors, so a typo
does not silently do nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .json_files import find_preset, preset_names, read_json_object

PRESET_FOLDER = Path(__file__).resolve().parent.parent / "presets"
EFFECTS = ("pose", "bounce", "shake", "zoom", "push_in", "flash", "strobe", "color", "pulse")
FLASH_SOURCES = ("beats", "onsets", "downbeats")
BEAT_LEVELS = ("half", "beat", "double")
"""What the characters count as their beat: every other beat, every beat of the song, or twice per beat."""
MAX_INTENSITY = 3.0


class PresetError(ValueError):
    """A preset that cannot be used, with the file and the problem in the message."""


@dataclass(frozen=True)
class Effect:
    """One effect's switch and strength."""

    enabled: bool = True
    intensity: float = 1.0


@dataclass(frozen=True)
class Preset:
    """Everything a choreography needs besides the music and the cast."""

    name: str
    description: str = ""
    poses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pose_every_beats: int = 1
    beat_level: str = "beat"
    effects: dict[str, Effect] = field(default_factory=dict)
    flash_on: str = "beats"
    section_colors: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    cycle_beats: dict[str, int | str] = field(default_factory=dict)
    """Beats one cycle of a move spans, per section label: a whole number or ``"bar"``; the clip's own when missing."""
    hold_on_twos: bool = False
    """Hold each drawing of a loop for two frames (the cartoon look) instead of one."""

    def cycle_length(self, label: str, beats_per_bar: int) -> int | None:
        """The cycle length in beats the preset asks for in section ``label``, or ``None`` for the clip's own."""
        wanted = self.cycle_beats.get(label)
        return beats_per_bar if wanted == "bar" else wanted if isinstance(wanted, int) else None

    def effect(self, name: str) -> Effect:
        """The settings of effect ``name`` (off when the preset does not mention it)."""
        return self.effects.get(name, Effect(enabled=False))

    def strength(self, name: str) -> float:
        """``intensity`` of an enabled effect, 0 for a disabled one."""
        effect = self.effect(name)
        return effect.intensity if effect.enabled else 0.0

    def with_effect(self, name: str, enabled: bool | None = None, intensity: float | None = None) -> Preset:
        """A copy with effect ``name`` switched or scaled."""
        if name not in EFFECTS:
            raise PresetError(f"unknown effect {name!r}; effects are {', '.join(EFFECTS)}")
        current = self.effect(name)
        changed = Effect(
            enabled=current.enabled if enabled is None else enabled,
            intensity=current.intensity if intensity is None else _intensity(intensity, name, self.name),
        )
        return replace(self, effects={**self.effects, name: changed})


def apply_overrides(preset: Preset, enable: Sequence[str] = (), disable: Sequence[str] = (),
                    strength: Mapping[str, float] | None = None) -> Preset:
    """``preset`` with effects switched on or off and intensities multiplied by ``strength``."""
    for name in [*enable, *disable, *(strength or {})]:
        if name not in EFFECTS:
            raise PresetError(f"unknown effect {name!r}; effects are {', '.join(EFFECTS)}")
    for name in enable:
        preset = preset.with_effect(name, enabled=True)
    for name in disable:
        preset = preset.with_effect(name, enabled=False)
    for name, factor in (strength or {}).items():
        if factor != 1.0:
            preset = preset.with_effect(name, intensity=min(preset.effect(name).intensity * factor, MAX_INTENSITY))
    return preset


def builtin_preset_names() -> list[str]:
    """Names of the presets shipped with Toonbeat (file names without ``.json``)."""
    return preset_names(PRESET_FOLDER)


def load_preset(name_or_path: str | Path, search: tuple[Path, ...] = ()) -> Preset:
    """Load a preset by built-in name (``house_bounce``), by name from ``search`` folders, or from a file."""
    path = find_preset(name_or_path, (*search, PRESET_FOLDER), "preset", PresetError)
    return preset_from_dict(read_json_object(path, "preset", PresetError), str(path))


def preset_from_dict(document: Any, source: str) -> Preset:
    """Check a parsed preset and build a ``Preset``; errors name ``source``."""
    if not isinstance(document, dict):
        raise PresetError(f"{source}: a preset is a JSON object")
    allowed = {
        "name", "description", "poses", "pose_every_beats", "beat_level", "effects", "flash_on", "section_colors",
        "cycle_beats", "hold_on_twos",
    }
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise PresetError(f"{source}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    poses = document.get("poses", {})
    if not isinstance(poses, dict) or not all(
        isinstance(cycle, list) and cycle and all(isinstance(p, str) for p in cycle) for cycle in poses.values()
    ):
        raise PresetError(f"{source}: 'poses' maps section labels to non-empty lists of pose names")
    every = document.get("pose_every_beats", 1)
    if not isinstance(every, int) or isinstance(every, bool) or every < 1:
        raise PresetError(f"{source}: 'pose_every_beats' must be a whole number of at least 1")
    cycle_beats = document.get("cycle_beats", {})
    if not isinstance(cycle_beats, dict) or not all(
        value == "bar" or (isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 64)
        for value in cycle_beats.values()
    ):
        raise PresetError(f"{source}: 'cycle_beats' maps section labels to a whole number of beats (1-64) or \"bar\"")
    hold_on_twos = document.get("hold_on_twos", False)
    if not isinstance(hold_on_twos, bool):
        raise PresetError(f"{source}: 'hold_on_twos' is true or false")
    flash_on = document.get("flash_on", "beats")
    if flash_on not in FLASH_SOURCES:
        raise PresetError(f"{source}: 'flash_on' must be one of {', '.join(FLASH_SOURCES)}")
    beat_level = document.get("beat_level", "beat")
    if beat_level not in BEAT_LEVELS:
        raise PresetError(f"{source}: 'beat_level' must be one of {', '.join(BEAT_LEVELS)}")
    return Preset(
        name=str(document.get("name", Path(source).stem)),
        description=str(document.get("description", "")),
        poses={label: tuple(cycle) for label, cycle in poses.items()},
        pose_every_beats=every,
        beat_level=beat_level,
        effects=_effects(document.get("effects", {}), source),
        flash_on=flash_on,
        section_colors=_colors(document.get("section_colors", {}), source),
        cycle_beats=dict(cycle_beats),
        hold_on_twos=hold_on_twos,
    )


def _effects(raw: Any, source: str) -> dict[str, Effect]:
    if not isinstance(raw, dict):
        raise PresetError(f"{source}: 'effects' maps effect names to {{enabled, intensity}}")
    effects = {}
    for name, settings in raw.items():
        if name not in EFFECTS:
            raise PresetError(f"{source}: unknown effect {name!r}; effects are {', '.join(EFFECTS)}")
        if not isinstance(settings, dict) or set(settings) - {"enabled", "intensity"}:
            raise PresetError(f"{source}: effect {name!r} takes only 'enabled' and 'intensity'")
        enabled = settings.get("enabled", True)
        if not isinstance(enabled, bool):
            raise PresetError(f"{source}: effect {name!r}: 'enabled' is true or false")
        effects[name] = Effect(enabled=enabled, intensity=_intensity(settings.get("intensity", 1.0), name, source))
    return effects


def _intensity(value: Any, name: str, source: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= MAX_INTENSITY:
        raise PresetError(f"{source}: effect {name!r}: 'intensity' must be a number from 0 to {MAX_INTENSITY:g}")
    return float(value)


def _colors(raw: Any, source: str) -> dict[str, tuple[float, float, float]]:
    if not isinstance(raw, dict):
        raise PresetError(f"{source}: 'section_colors' maps section labels to [r, g, b]")
    colors = {}
    for label, rgb in raw.items():
        if not (isinstance(rgb, list) and len(rgb) == 3 and all(
                isinstance(c, (int, float)) and not isinstance(c, bool) and 0 <= c <= 1 for c in rgb)):
            raise PresetError(f"{source}: section color {label!r} must be [r, g, b] with values from 0 to 1")
        colors[label] = (float(rgb[0]), float(rgb[1]), float(rgb[2]))
    return colors
