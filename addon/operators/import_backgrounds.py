"""Import Backgrounds: one image per song section, behind the characters."""

from __future__ import annotations

from pathlib import Path

import bpy

from ..assemble import current_scene, stage_module
from ..core.backgrounds import read_backgrounds
from ..library.folder import keep
from ..properties import settings_of
from ..stage.sequencer_stage import song_strip_frames
from .reporting import FolderPicker, run_reporting


class TOONBEAT_OT_import_backgrounds(FolderPicker):
    """Place background images (intro.png, drop.png, ...) behind the characters, switching at section starts"""

    bl_idname = "toonbeat.import_backgrounds"
    bl_label = "Import Backgrounds"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Lay the backgrounds out along the song's sections."""
        scene = current_scene(context)
        settings = settings_of(scene)
        folder = bpy.path.abspath(self.directory or settings.backgrounds_path)

        def action() -> str:
            images = read_backgrounds(folder)
            sections = settings.song_sections()
            stage_module(settings.stage).layout_backgrounds(scene, images, sections, song_strip_frames(scene))
            settings.backgrounds_path = folder
            keep(context, "backgrounds", Path(folder))
            return f"{len(images)} background images over {max(len(sections), 1)} sections"

        return run_reporting(self, action)
