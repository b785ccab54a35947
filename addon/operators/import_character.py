"""Import Character: a folder of pose PNGs onto the stage."""

from __future__ import annotations

from pathlib import Path

import bpy

from ..assemble import current_scene, stage_module
from ..core.character_sheet import read_character
from ..library.folder import keep
from ..properties import settings_of
from ..stage.sequencer_stage import song_strip_frames
from .reporting import FolderPicker, run_reporting


class TOONBEAT_OT_import_character(FolderPicker):
    """Put a character (a folder of pose PNGs) on stage; importing it again replaces only what Toonbeat made"""

    bl_idname = "toonbeat.import_character"
    bl_label = "Import Character"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Import the character."""
        scene = current_scene(context)
        settings = settings_of(scene)
        folder = bpy.path.abspath(self.directory or settings.character_path)

        def action() -> str:
            character = read_character(folder)
            stage_module(settings.stage).add_character(scene, character, song_strip_frames(scene))
            settings.character_path = folder
            keep(context, "character", Path(folder))
            return f"{character.name}: {len(character.poses)} poses on the {settings.stage} stage; bake to animate"

        return run_reporting(self, action)
