"""Import Backgrounds: one image per song section, behind the characters."""

from __future__ import annotations

import bpy

from ..assemble import stage_module
from ..core.backgrounds import read_backgrounds
from ..properties import TOONBEAT_PG_scene
from ..stage.sequencer_stage import song_strip_frames
from .folder_import import FolderImport


class TOONBEAT_OT_import_backgrounds(FolderImport):
    """Place background images (intro.png, drop.png, ...) behind the characters, switching at section starts"""

    bl_idname = "toonbeat.import_backgrounds"
    bl_label = "Import Backgrounds"
    bl_options = {"REGISTER", "UNDO"}
    folder_setting = "backgrounds_path"
    library_kind = "backgrounds"

    def place(self, scene: bpy.types.Scene, settings: TOONBEAT_PG_scene, folder: str) -> str:
        """Lay the backgrounds out along the song's sections."""
        images = read_backgrounds(folder)
        sections = settings.song_sections()
        stage_module(settings.stage).layout_backgrounds(scene, images, sections, song_strip_frames(scene))
        return f"{len(images)} background images over {max(len(sections), 1)} sections"
