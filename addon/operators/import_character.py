"""Import Character: a folder of pose PNGs onto the stage."""

from __future__ import annotations

import bpy

from ..assemble import stage_module
from ..core.character_sheet import read_character
from ..properties import TOONBEAT_PG_scene
from ..stage.sequencer_stage import song_strip_frames
from .folder_import import FolderImport


class TOONBEAT_OT_import_character(FolderImport):
    """Put a character (a folder of pose PNGs) on stage; importing it again replaces only what Toonbeat made"""

    bl_idname = "toonbeat.import_character"
    bl_label = "Import Character"
    bl_options = {"REGISTER", "UNDO"}
    folder_setting = "character_path"
    library_kind = "character"

    def place(self, scene: bpy.types.Scene, settings: TOONBEAT_PG_scene, folder: str) -> str:
        """Import the character."""
        character = read_character(folder)
        stage_module(settings.stage).add_character(scene, character, song_strip_frames(scene))
        return f"{character.name}: {len(character.poses)} poses on the {settings.stage} stage; bake to animate"
