"""Generate Clip: an AI video clip for one song section on the service; it lands on the timeline when ready.

A clip with a move is the character dancing it (placed on stage as a character of its
own, retimed to the beats by the bake like the procedural loops); without one it is a
shot laid over the section, starting again on the beat every cycle.
"""

from __future__ import annotations

import re
from typing import Any

import bpy

from .. import assemble
from ..core.lora_text import parse_lora_list
from ..core.shots import chosen_section
from ..core.timing import frame_to_seconds
from ..generation import BOARD
from ..properties import settings_of
from ..stage.sequencer_stage import scene_rate
from .reporting import run_reporting


def clip_params(wanted: Any, section_label: str) -> dict[str, Any]:
    """The service's video parameters from the Generate panel's settings (empty fields: the generators' defaults)."""
    move = None if wanted.clip_move == "NONE" else wanted.clip_move
    params: dict[str, Any] = {
        "backend": wanted.clip_backend, "move": move, "prompt": wanted.clip_prompt or None,
        "preset": wanted.character_preset or None, "name": move or "shot_" + re.sub(r"[^A-Za-z0-9_-]", "_",
                                                                                   section_label),
        "beats_per_cycle": wanted.clip_beats_per_cycle or None, "frames": wanted.clip_frames,
        "steps": wanted.clip_steps,
        "width": wanted.clip_width, "height": wanted.clip_height, "seed": wanted.clip_seed,
        "model": wanted.clip_model or None, "motion_adapter": wanted.clip_motion_adapter or None,
        "controlnet": wanted.clip_controlnet or None, "ip_adapter": wanted.art_ip_adapter or None,
        "config": wanted.art_config or None, "key_tolerance": wanted.art_key_tolerance,
        "loras": [{"path": path, "weight": weight} for path, weight in parse_lora_list(wanted.art_loras)]}
    return {name: value for name, value in params.items() if value is not None}


class TOONBEAT_OT_generate_clip(bpy.types.Operator):
    """Queue an AI video clip for a song section on the Toonbeat service; it lands on the timeline when ready"""

    bl_idname = "toonbeat.generate_clip"
    bl_label = "Generate Clip"

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Queue the job for the chosen section; a timer follows it."""
        scene = assemble.current_scene(context)
        settings = settings_of(scene)
        wanted = settings.generate

        def queue() -> str:
            if not settings.beats_path:
                raise ValueError("load a song and its beats first (Song panel): a clip is made for one of its "
                                 "sections")
            playhead = frame_to_seconds(scene.frame_current, scene_rate(scene), scene.frame_start)
            section = chosen_section(settings.song_sections(), wanted.clip_section or "PLAYHEAD", playhead)
            params = clip_params(wanted, section.label)
            label = f"Clip: {params['name']} for {section.label} ({wanted.clip_backend})"
            BOARD.submit(context, "video", params, "clip", label,
                         place={"start": section.start, "end": section.end, "label": section.label})
            return f"Queued {label}"

        return run_reporting(self, queue)
