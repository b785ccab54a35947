"""Add to Scene: set a library entry up in the scene, as dropping it from the Asset Browser does."""

from __future__ import annotations

import bpy

from ..assemble import current_scene
from ..core import library
from ..library.drop import set_up
from ..library.folder import library_folder
from .reporting import run_reporting


class TOONBEAT_OT_library_add_to_scene(bpy.types.Operator):
    """Put this library entry into the scene: a character or backgrounds on stage, a song loaded, a preset chosen"""

    bl_idname = "toonbeat.library_add_to_scene"
    bl_label = "Add to Scene"
    bl_options = {"REGISTER", "UNDO"}

    reference: bpy.props.StringProperty(name="Entry", description="kind:name@vN of the library entry")

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Set the entry up."""
        return run_reporting(self, lambda: set_up(current_scene(context),
                                                  library.find(library_folder(context), self.reference)))
