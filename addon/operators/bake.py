"""Bake: the choreography as keyframes, keeping every key the artist edited."""

from __future__ import annotations

import bpy

from .. import assemble
from ..core.backgrounds import read_backgrounds
from ..properties import settings_of
from .reporting import run_reporting


class TOONBEAT_OT_bake(bpy.types.Operator):
    """Key poses, bounces, shakes, zooms and flashes on the beat; keys you moved, added or deleted stay as they are"""

    bl_idname = "toonbeat.bake"
    bl_label = "Bake"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        """Needs a beat file."""
        return bool(settings_of(context.scene).beats_path)

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Bake the chosen preset with the panel's overrides."""
        scene = assemble.current_scene(context)
        settings = settings_of(scene)

        def action() -> str:
            beats = settings.beat_data()
            backgrounds = read_backgrounds(settings.resolved("backgrounds_path")) if settings.backgrounds_path else None
            count = assemble.bake(scene, beats, settings.preset_with_overrides(), settings.stage, backgrounds,
                                  seed=settings.seed)
            for warning in count.warnings:
                self.report({"WARNING"}, warning)
            return f"Baked {count.written} keys; kept {count.kept} of your own"

        return run_reporting(self, action)
