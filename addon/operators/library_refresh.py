"""Refresh Library: list Toonbeat's library in the Asset Browser and make the asset files it lacks."""

from __future__ import annotations

import bpy

from ..library.folder import ASSET_MAKER, library_folder, register_asset_library
from .reporting import run_reporting


class TOONBEAT_OT_library_refresh(bpy.types.Operator):
    """Show Toonbeat's library in the Asset Browser and make asset files for entries that have none yet"""

    bl_idname = "toonbeat.library_refresh"
    bl_label = "Refresh Library"

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Register the asset library and make the missing asset files."""

        def action() -> str:
            folder = library_folder(context)
            folder.mkdir(parents=True, exist_ok=True)
            added = register_asset_library(folder)
            ASSET_MAKER.start(folder)
            listed = "; listed in the Asset Browser as 'Toonbeat'" if added else ""
            return f"Library {folder}: making the missing asset files in the background{listed}"

        return run_reporting(self, action)
