"""Put a whole Toonbeat scene together: the song, its markers, the stage and the baked choreography.

The operators and the command line both call these steps, so a scene built by
clicking and one built by ``toonbeat render`` are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import bpy

from .core.audio_check import check_audio_matches
from .core.beatfile import BeatData
from .core.character_sheet import Character
from .core.choreography import plan_choreography
from .core.markers import plan_markers
from .core.presets import Preset
from .core.timing import frame_count
from .stage import sequencer_stage, stage3d
from .sync.bake import bake_plan
from .sync.keys import BakeCount
from .sync.markers import replace_markers

STAGES: dict[str, ModuleType] = {"sequencer": sequencer_stage, "3d": stage3d}
"""Stage modules by name. Each provides ``add_character``, ``remove_character``, ``arrange_characters``,
``layout_backgrounds``, ``ensure_effect_strips``, ``bindings`` and ``cast``; a stage whose keys are not
all F-Curves (Grease Pencil keyframes) also provides ``bake_frames(scene, plan, rate) -> BakeCount``."""
LAYOUT_SIZE_PROPERTY = "_toonbeat_layout_size"


@dataclass
class BuildReport:
    """What building a scene made, for reports and logs."""

    frames: int
    markers: int
    characters: int
    bake: BakeCount


def current_scene(context: bpy.types.Context | None = None) -> bpy.types.Scene:
    """The scene Toonbeat works on: the context's (Blender always has one where Toonbeat runs)."""
    scene = (context or bpy.context).scene
    if scene is None:
        raise ValueError("there is no scene to work on")
    return scene


def stage_module(name: str) -> ModuleType:
    """The module that builds stage ``name`` (``sequencer`` or ``3d``)."""
    try:
        return STAGES[name]
    except KeyError:
        raise ValueError(f"unknown stage {name!r}; stages are {', '.join(STAGES)}") from None


def load_song(scene: bpy.types.Scene, audio: Path, beats: BeatData, *, check_audio: bool = True,
              with_beat_markers: bool = False, with_onset_markers: bool = False) -> tuple[int, int]:
    """Make ``audio`` the scene's track, fit the frame range to it and mark its bars, sections and drops.

    Returns ``(frames, markers)``.
    """
    if check_audio:
        check_audio_matches(audio, beats)
    frames = sequencer_stage.song_frames(scene, beats.duration)
    sequencer_stage.set_track(scene, audio)
    rate = sequencer_stage.scene_rate(scene)
    markers = plan_markers(beats, rate, scene.frame_start, with_beats=with_beat_markers,
                           with_onsets=with_onset_markers)
    added, _ = replace_markers(scene, markers)
    return frames, added


def bake(scene: bpy.types.Scene, beats: BeatData, preset: Preset, stage: str,
         backgrounds: dict[str, Path] | None, seed: int = 0) -> BakeCount:
    """Lay the stage out for the scene's current size and bake ``preset``'s choreography onto it.

    Backgrounds are laid out per section again; characters are placed again; keys
    the artist edited stay (see ``sync.keys``); the scene's frame range stays as it is.
    """
    module = stage_module(stage)
    frames = frame_count(beats.duration, sequencer_stage.scene_rate(scene))
    module.arrange_characters(scene)
    if backgrounds:
        module.layout_backgrounds(scene, backgrounds, beats.sections, frames)
    module.ensure_effect_strips(scene, frames)
    scene[LAYOUT_SIZE_PROPERTY] = [scene.render.resolution_x, scene.render.resolution_y]
    rate = sequencer_stage.scene_rate(scene)
    plan = plan_choreography(beats, module.cast(scene), preset, key_spacing=1 / rate, seed=seed)
    count = bake_plan(plan, module.bindings(scene), rate, scene.frame_start)
    bake_frames = getattr(module, "bake_frames", None)
    if bake_frames is not None:
        frames_count = bake_frames(scene, plan, rate)
        count.written += frames_count.written
        count.kept += frames_count.kept
        count.replaced += frames_count.replaced
    return count


def build_scene(scene: bpy.types.Scene, *, audio: Path, beats: BeatData, characters: Sequence[Character],
                backgrounds: dict[str, Path] | None, preset: Preset, stage: str = "sequencer",
                check_audio: bool = True) -> BuildReport:
    """Everything at once: song, markers, characters, backgrounds and the baked choreography."""
    module = stage_module(stage)
    frames, markers = load_song(scene, audio, beats, check_audio=check_audio)
    for character in characters:
        module.add_character(scene, character, frames)
    counts = bake(scene, beats, preset, stage, backgrounds)
    return BuildReport(frames=frames, markers=markers, characters=len(characters), bake=counts)
