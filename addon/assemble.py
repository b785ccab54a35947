"""Put a whole Toonbeat scene together: the song, its markers, the stage and the baked choreography.

The operators and the command line both call these steps, so a scene built by
clicking and one built by ``toonbeat render`` are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import bpy

from .core.audio_check import check_audio_matches
from .core.beatfile import BeatData, Section
from .core.character_sheet import Character
from .core.choreography import CastMember, Plan, plan_choreography
from .core.markers import plan_markers
from .core.presets import Preset
from .core.retime import CycleTiming
from .core.stage_layout import Placement
from .core.timing import frame_count
from .stage import sequencer_stage, stage3d
from .sync.bake import Binding, bake_plan
from .sync.keys import BakeCount
from .sync.markers import replace_markers


class Stage(Protocol):
    """What a stage module (``stage.sequencer_stage``, ``stage.stage3d``) provides; mypy checks both."""

    def add_character(self, scene: bpy.types.Scene, character: Character, frames: int) -> Any:
        """Put ``character`` on stage, replacing only what Toonbeat made at an earlier import."""

    def remove_character(self, scene: bpy.types.Scene, name: str) -> bool:
        """Take Toonbeat's character ``name`` off the stage; ``False`` if it is not there."""

    def arrange_characters(self, scene: bpy.types.Scene) -> list[Placement]:
        """Place the characters for the scene's current frame size."""

    def layout_backgrounds(self, scene: bpy.types.Scene, images: dict[str, Path], sections: Sequence[Section],
                           frames: int) -> list[Any]:
        """One background per section (or one for the whole song), replacing Toonbeat's previous ones."""

    def ensure_effect_strips(self, scene: bpy.types.Scene, frames: int) -> tuple[Any, Any]:
        """The camera and flash the effects drive, made where missing."""

    def bindings(self, scene: bpy.types.Scene) -> list[Binding]:
        """Every F-Curve property the plan's tracks drive on this stage."""

    def bake_frames(self, scene: bpy.types.Scene, plan: Plan, rate: float) -> BakeCount:
        """Keys that are not F-Curves (Grease Pencil keyframes), baked from ``plan``."""

    def cast(self, scene: bpy.types.Scene) -> list[CastMember]:
        """The characters on stage, main character first, with their pose slots."""

    def backdrop(self, scene: bpy.types.Scene) -> CycleTiming | None:
        """The cycle of the background loops on stage, ``None`` when the backgrounds are stills."""


STAGES: dict[str, Stage] = {"sequencer": sequencer_stage, "3d": stage3d}
"""Stage modules by name."""
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


def stage_module(name: str) -> Stage:
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
    plan = plan_choreography(beats, module.cast(scene), preset, key_spacing=1 / rate, seed=seed,
                             backdrop=module.backdrop(scene))
    count = bake_plan(plan, module.bindings(scene), rate, scene.frame_start)
    count.add(module.bake_frames(scene, plan, rate))
    return count


def build_scene(scene: bpy.types.Scene, *, audio: Path, beats: BeatData, characters: Sequence[Character],
                backgrounds: dict[str, Path] | None, preset: Preset, stage: str = "sequencer",
                check_audio: bool = True, seed: int = 0) -> BuildReport:
    """Everything at once: song, markers, characters, backgrounds and the baked choreography."""
    module = stage_module(stage)
    frames, markers = load_song(scene, audio, beats, check_audio=check_audio)
    for character in characters:
        module.add_character(scene, character, frames)
    counts = bake(scene, beats, preset, stage, backgrounds, seed=seed)
    return BuildReport(frames=frames, markers=markers, characters=len(characters), bake=counts)
