"""Render: the scene to an MP4 (H.264 + AAC) in Blender's render window."""

from __future__ import annotations

import bpy

from ..assemble import LAYOUT_SIZE_PROPERTY, current_scene
from ..core.video import QUALITY_PRESETS
from ..properties import settings_of
from ..render.output import configure_video
from .reporting import run_reporting


class TOONBEAT_OT_render_video(bpy.types.Operator):
    """Render the video with the song to the output path (progress in the render window; Esc cancels)"""

    bl_idname = "toonbeat.render_video"
    bl_label = "Render Video"

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Set the output up and start Blender's own animation render."""
        scene = current_scene(context)
        settings = settings_of(scene)
        output = settings.resolved("output_path")

        def action() -> str:
            size = (scene.render.resolution_x, scene.render.resolution_y)
            if tuple(scene.get(LAYOUT_SIZE_PROPERTY, size)) != size:
                raise ValueError("The frame size changed since the last bake: bake again so the stage fits it")
            configure_video(scene, output, QUALITY_PRESETS[settings.quality], size=size)
            bpy.ops.render.render("INVOKE_DEFAULT", animation=True)
            return f"Rendering {size[0]}x{size[1]} to {output}"

        return run_reporting(self, action)
