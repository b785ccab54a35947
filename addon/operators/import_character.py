"""Import Character: a folder of pose PNGs onto the stage.

Drawn as Grease Pencil, every drawing of the character's loops is traced first
(about a hundred for a procedural character, each traced once and kept:
``stage.grease_pencil_tracing``). In a window the drawings not traced yet are
traced one per timer tick, with progress in the status bar and Esc to cancel,
so Blender stays responsive; the character is placed when all are done.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy

from ..assemble import current_scene, stage_module
from ..core.character_sheet import read_character
from ..properties import TOONBEAT_PG_scene, settings_of
from ..stage.grease_pencil import drawing_paths
from ..stage.grease_pencil_tracing import traced, untraced
from ..stage.images import keying_enabled, prepare_poses
from ..stage.sequencer_stage import song_strip_frames
from .folder_import import FolderImport

TRACING: dict[str, str] = {}
"""What each scene's running import shows while it traces ("Tracing drawings: 12 of 96"), by scene name."""


class TOONBEAT_OT_import_character(FolderImport):
    """Put a character (a folder of pose PNGs) on stage; importing it again replaces only what Toonbeat made"""

    bl_idname = "toonbeat.import_character"
    bl_label = "Import Character"
    bl_options = {"REGISTER", "UNDO"}
    folder_setting = "character_path"
    library_kind = "character"

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Place the character; in a window, first trace its untraced drawings from a timer (Esc cancels)."""
        self._pending = [] if bpy.app.background else self._untraced_drawings(context)
        if not self._pending:
            return super().execute(context)
        self._scene = current_scene(context).name
        self._total = len(self._pending)
        self._timer = context.window_manager.event_timer_add(0.01, window=context.window)
        context.window_manager.progress_begin(0, self._total)
        context.window_manager.modal_handler_add(self)
        self._show(context)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        """Trace the next drawing on each tick; place the character after the last one."""
        if event.type == "ESC" and event.value == "PRESS":
            self._finish(context)
            self.report({"WARNING"}, f"Import Character cancelled: nothing changed on stage "
                                     f"({self._total - len(self._pending)} drawings traced are kept for next time)")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        try:
            traced(self._pending.pop(0))
        except (ValueError, OSError) as error:
            self._finish(context)
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        if self._pending:
            self._show(context)
            return {"RUNNING_MODAL"}
        self._finish(context)
        return super().execute(context)

    def place(self, scene: bpy.types.Scene, settings: TOONBEAT_PG_scene, folder: str) -> str:
        """Import the character."""
        character = read_character(folder)
        stage_module(settings.stage).add_character(scene, character, song_strip_frames(scene))
        return f"{character.name}: {len(character.poses)} poses on the {settings.stage} stage; bake to animate"

    def _untraced_drawings(self, context: bpy.types.Context) -> list[Path]:
        """The drawings the import would trace: none unless the 3D stage draws characters in Grease Pencil; a
        folder that cannot be read has none here (placing it reports why)."""
        scene = current_scene(context)
        settings = settings_of(scene)
        if settings.stage != "3d" or settings.characters_as != "GREASE_PENCIL":
            return []
        try:
            character = read_character(bpy.path.abspath(self.directory or settings.character_path))
            poses = prepare_poses(character, keying_enabled(scene))
            return untraced(path for pose in poses for path in drawing_paths(pose))
        except (ValueError, OSError):
            return []

    def _show(self, context: Any) -> None:
        done = self._total - len(self._pending)
        TRACING[self._scene] = f"Tracing drawings for Grease Pencil: {done} of {self._total} (Esc cancels)"
        context.window_manager.progress_update(done)
        context.workspace.status_text_set(f"Toonbeat: {TRACING[self._scene]}")

    def _finish(self, context: Any) -> None:
        context.window_manager.event_timer_remove(self._timer)
        context.window_manager.progress_end()
        context.workspace.status_text_set(None)
        TRACING.pop(self._scene, None)
