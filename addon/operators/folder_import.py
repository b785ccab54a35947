"""What Import Character and Import Backgrounds share: a folder from the file browser put on stage."""

from __future__ import annotations

from pathlib import Path

import bpy

from ..assemble import current_scene
from ..library.folder import keep
from ..properties import TOONBEAT_PG_scene, settings_of
from .reporting import run_reporting


class FolderImport(bpy.types.Operator):
    """Ask for a folder in Blender's file browser (or take ``directory`` from a script), put it on stage,
    remember it in the scene's ``folder_setting`` and keep it in the library as a ``library_kind``."""

    folder_setting = ""
    library_kind = ""

    directory: bpy.props.StringProperty(subtype="DIR_PATH", options={"SKIP_SAVE"})

    def invoke(self, context: bpy.types.Context, _event: bpy.types.Event) -> set[str]:
        """Open the file browser; Blender calls ``execute`` with the chosen folder."""
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Put the chosen folder (else the one used last) on stage; report what was placed."""
        scene = current_scene(context)
        settings = settings_of(scene)
        folder = bpy.path.abspath(self.directory or getattr(settings, self.folder_setting))

        def action() -> str:
            message = self.place(scene, settings, folder)
            setattr(settings, self.folder_setting, folder)
            keep(context, self.library_kind, Path(folder))
            return message

        return run_reporting(self, action)

    def place(self, scene: bpy.types.Scene, settings: TOONBEAT_PG_scene, folder: str) -> str:
        """Put ``folder`` on ``scene``'s stage; the message to report."""
        raise NotImplementedError
