"""Shot clips in the sequencer: a generated shot or background clip over one song section, on the beat.

The clip's frames are an image-sequence strip under a Speed strip whose frame number
is keyed so that each cycle of the clip starts on its beat (``core.shots``), like a
character's move. The two strips sit on the channels above every other strip when first
placed. Placing a clip again for the same section replaces the frames Toonbeat showed
there and re-keys them through ``sync.keys`` (keys the artist moved or added stay); the
user's strips, and Toonbeat's other strips, are never touched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy

from .. import compat
from ..core.beatfile import Section
from ..core.clip import Clip
from ..core.png import ImageError
from ..core.shots import shot_keys
from ..core.timing import seconds_to_frame
from ..sync.keys import BakeCount, CurveKeys, bake_target
from .roles import with_role
from .sequencer_stage import fill_frame, mark_unselected, scene_rate, show_frames


def place_shot(scene: bpy.types.Scene, clip: Clip, section: Section, beats: tuple[float, ...]) -> tuple[Any, BakeCount]:
    """Show ``clip`` over ``section`` on top of the stage, its cycles keyed on ``beats``; returns the Speed strip."""
    paths = clip.cycle_frame_paths()
    if len({path.parent for path in paths}) != 1:
        raise ImageError(f"{clip.folder}: the sequencer needs all frames of a clip in one folder")
    rate = scene_rate(scene)
    start, end = (seconds_to_frame(seconds, rate, scene.frame_start) for seconds in (section.start, section.end))
    strip = _shot_strip(scene, section, start, end, paths[0])
    source = strip.input_1
    show_frames(source, paths)
    source.frame_start, source.frame_final_duration = start, end - start
    fill_frame(scene, strip, *clip.size)
    mark_unselected(strip, "shot", label=section.label, start=section.start, clip=str(clip.folder))
    times, frames = shot_keys(clip, beats, section.start, section.end, 1.0 / rate)
    keys = CurveKeys("speed_frame_number", 0, "Toonbeat Shot", "LINEAR",
                     [scene.frame_start + seconds * rate for seconds in times], frames)
    return strip, bake_target(strip, scene, [keys])


def _shot_strip(scene: bpy.types.Scene, section: Section, start: int, end: int, first_frame: Path) -> Any:
    """Toonbeat's Speed strip for ``section`` as it left it, or a new one with its frames strip on top."""
    collection = compat.strips(scene)
    found = next(with_role(collection, "shot", start=section.start), None)
    if found is not None and getattr(found, "input_1", None) is not None:
        return found
    channel = max((strip.channel for strip in collection), default=0) + 1
    if channel + 1 > compat.MAX_CHANNEL:
        raise ImageError(f"no free channel above the strips for a shot (the sequencer has {compat.MAX_CHANNEL})")
    source = collection.new_image(f"Toonbeat {section.label} shot frames", str(first_frame), channel, start)
    mark_unselected(source, "shot_frames", start=section.start)
    strip = compat.new_effect_strip(scene, f"Toonbeat {section.label} shot", "SPEED", channel + 1, start,
                                    end - start, input1=source)
    strip.speed_control = "FRAME_NUMBER"
    return strip
