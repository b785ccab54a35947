"""Render: the scene to an MP4 (H.264 + AAC) in Blender's render window."""

from __future__ import annotations

from pathlib import Path

import bpy

from ..assemble import LAYOUT_SIZE_PROPERTY, current_scene
from ..core.overwrite import check_output, mark_mp4
from ..core.video import QUALITY_PRESETS
from ..properties import settings_of
from ..render.output import configure_video
from .reporting import run_reporting


def mark_when_rendered(output: Path) -> None:
    """Mark ``output`` as Toonbeat's once Blender stops writing it (finished or cancelled), so the next
    render may replace it."""
    events = (bpy.app.handlers.render_complete, bpy.app.handlers.render_cancel)

    def stopped(*_args: object) -> None:
        for handlers in events:
            if stopped in handlers:
                handlers.remove(stopped)
        if output.is_file():
            mark_mp4(output)

    for handlers in events:
        handlers.append(stopped)


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
            inputs = [settings.resolved(name) for name in ("audio_path", "beats_path") if getattr(settings, name)]
            check_output(output, inputs=inputs, what="video",
                         how_to_allow="choose another output path or move that file away")
            configure_video(scene, output, QUALITY_PRESETS[settings.quality], size=size)
            mark_when_rendered(output)
            bpy.ops.render.render("INVOKE_DEFAULT", animation=True)
            return f"Rendering {size[0]}x{size[1]} to {output}"

        return run_reporting(self, action)
