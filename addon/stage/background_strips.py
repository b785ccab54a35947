"""The sequencer stage's backgrounds: one strip per song section, a still image or a loop on the beat.

A section whose background has a loop (``core.backgrounds``) is a meta strip holding
the clip's frames under a Speed strip (role ``loop``) whose frame number the bake
keys, as a character's animated pose; the light pulse keys every background's
colour multiply. The strips sit on the channel above the song (``sequencer_stage``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bpy

from .. import compat
from ..core.backgrounds import background_clip, background_for
from ..core.beatfile import Section
from ..core.choreography import LIGHT
from ..core.clip import Clip
from ..core.png import read_png_info
from ..sync.bake import Binding
from . import sequencer_stage
from .roles import with_role


def layout_backgrounds(scene: bpy.types.Scene, images: dict[str, Path], sections: Sequence[Section],
                       frames: int) -> list[Any]:
    """One background strip per section (or one for the whole song), replacing Toonbeat's previous ones."""
    collection = compat.strips(scene)
    for old in list(with_role(collection, "background")):
        collection.remove(old)
    channel = sequencer_stage.stage_channel(scene) + 1
    made = []
    for index, (label, start, end) in enumerate(sequencer_stage.section_spans(scene, sections, frames)):
        path = background_for(label, images)
        clip = background_clip(path)
        if clip is None:
            strip = collection.new_image(f"Toonbeat {label} {index + 1}", str(path), channel, start)
            strip.frame_final_duration = end - start
            sequencer_stage.fill_frame(scene, strip, read_png_info(path).width, read_png_info(path).height)
        else:
            strip = _background_loop(scene, f"Toonbeat {label} {index + 1}", clip, channel, start, end - start)
        sequencer_stage.mark_unselected(strip, "background", label=label, index=index,
                                        clip=str(clip.folder) if clip else "")
        made.append(strip)
    return made


def _background_loop(scene: bpy.types.Scene, name: str, clip: Clip, channel: int, start: int, duration: int) -> Any:
    """A section's background loop: a meta strip holding the clip's frames under a Speed strip (role ``loop``)
    whose frame number the bake keys, as a character's animated pose."""
    meta = compat.strips(scene).new_meta(name, channel, start)
    inner = compat.meta_strips(meta)
    paths = clip.cycle_frame_paths()
    source = inner.new_image(f"{name} frames", str(paths[0]), 1, start)
    sequencer_stage.show_frames(source, paths)
    source.frame_final_duration = duration
    loop = compat.new_effect_strip(scene, f"{name} loop", "SPEED", 2, start, 1, into=inner, input1=source)
    loop.speed_control = "FRAME_NUMBER"
    sequencer_stage.fill_frame(scene, source, *clip.size)  # on the frames, as a pose's placement
    sequencer_stage.mark_unselected(source, "frames")
    sequencer_stage.mark_unselected(loop, "loop")
    meta.frame_final_duration = duration
    return meta


def background_bindings(scene: bpy.types.Scene) -> list[Binding]:
    """What the light track drives on the backgrounds: the pulse on each strip, the cycle on each loop."""
    found: list[Binding] = []
    for background in with_role(compat.strips(scene), "background"):
        found.append(Binding(background, scene, "color_multiply", 0, LIGHT, "pulse", sequencer_stage.unchanged, 1.0))
        clip = sequencer_stage.clip_of(background)
        if clip is not None:
            loop = next(with_role(compat.meta_strips(background), "loop"))
            found.append(Binding(loop, scene, "speed_frame_number", 0, LIGHT, "cycle",
                                 sequencer_stage.clip_frame(clip), 0.0))
    return found
