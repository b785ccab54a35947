"""Generate Characters / Backgrounds: art on the service, put on stage when it is ready."""

from __future__ import annotations

import bpy

from ..core.service_client import ServiceError
from ..generation import BOARD
from ..properties import settings_of


class TOONBEAT_OT_generate_art(bpy.types.Operator):
    """Queue characters or backgrounds on the Toonbeat service; they go on stage when they are ready"""

    bl_idname = "toonbeat.generate_art"
    bl_label = "Generate Art"

    what: bpy.props.EnumProperty(items=[("character", "Characters", "The character in every pose"),
                                        ("backgrounds", "Backgrounds", "One background per song section")])

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Queue the job; a timer follows it."""
        wanted = settings_of(context.scene).generate
        is_character = self.what == "character"
        preset = wanted.character_preset if is_character else wanted.background_preset
        prompt = wanted.character_prompt if is_character else ""
        params = {"what": self.what, "backend": wanted.art_backend, "preset": preset or None,
                  "prompt": prompt or None, "model": wanted.art_model or None, "seed": wanted.art_seed}
        label = f"{'Characters' if is_character else 'Backgrounds'}: {prompt or preset} ({wanted.art_backend})"
        try:
            BOARD.submit(context, "art", params, "characters" if is_character else "backgrounds", label)
        except ServiceError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Queued {label}")
        return {"FINISHED"}
