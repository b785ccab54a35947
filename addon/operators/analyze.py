"""Analyse: find the song's beats with Toonbeat's generators, in the background."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bpy

from ..core.background_process import BackgroundProcess
from ..core.overwrite import is_toonbeat_file
from ..preferences import preferences, user_data_folder
from ..properties import settings_of


def beat_file_for(audio: Path) -> Path:
    """Where the analysis of ``audio`` goes: beside it, unless a file there is not a Toonbeat beat file."""
    beside = audio.with_name(f"{audio.stem}.beats.json")
    if not beside.exists() or is_toonbeat_file(beside):
        return beside
    return user_data_folder("analysis") / beside.name


class TOONBEAT_OT_analyze(bpy.types.Operator):
    """Analyse the song's beats, bars, sections and drops with Toonbeat's generators (Esc cancels)"""

    bl_idname = "toonbeat.analyze"
    bl_label = "Analyse Song"

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        """Needs a song."""
        return bool(settings_of(context.scene).audio_path)

    def invoke(self, context: bpy.types.Context, _event: bpy.types.Event) -> set[str]:
        """Start the analysis and watch it from a timer."""
        python = preferences(context).generators_python
        if not python:
            self.report({"ERROR"}, "Set the generators' Python in Toonbeat's preferences (pip install toonbeat)")
            return {"CANCELLED"}
        settings = settings_of(context.scene)
        audio = settings.resolved("audio_path")
        self._output = beat_file_for(audio)
        try:
            job = BackgroundProcess([bpy.path.abspath(python), "-m", "generators", "analyze", str(audio),
                                     "-o", str(self._output)])
        except OSError as error:
            self.report({"ERROR"}, f"Cannot start the generators' Python {python}: {error}")
            return {"CANCELLED"}
        self._job = job
        self._timer = context.window_manager.event_timer_add(0.1, window=context.window)
        context.window_manager.progress_begin(0, 100)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        """Follow the analysis; Esc cancels."""
        job = self._job
        if event.type == "ESC":
            job.cancel()
            self._finish(context)
            self.report({"WARNING"}, "Analysis cancelled")
            return {"CANCELLED"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        code = job.poll()
        if job.progress is not None:
            context.window_manager.progress_update(int(job.progress * 100))
        context.workspace.status_text_set(f"Toonbeat: {job.last_line}"[:120])
        if code is None:
            return {"RUNNING_MODAL"}
        self._finish(context)
        if code != 0:
            self.report({"ERROR"}, f"Analysis failed: {job.last_line or f'exit code {code}'}")
            return {"CANCELLED"}
        settings_of(context.scene).beats_path = str(self._output)
        bpy.ops.toonbeat.load_song()  # type: ignore[attr-defined]
        self.report({"INFO"}, f"Beats written to {self._output}")
        return {"FINISHED"}

    def _finish(self, context: Any) -> None:
        context.window_manager.event_timer_remove(self._timer)
        context.window_manager.progress_end()
        context.workspace.status_text_set(None)
