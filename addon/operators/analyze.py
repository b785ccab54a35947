"""Analyze: find the song's beats with Toonbeat's generators, in the background."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import bpy

from ..core.background_process import BackgroundProcess
from ..core.beatfile import BeatFileError
from ..core.files import FileIdentity, file_identity, remember_sha256
from ..core.overwrite import is_toonbeat_file
from ..core.progress import progress_text
from ..library.folder import keep
from ..preferences import SET_GENERATORS_PYTHON, preferences, user_data_folder
from ..properties import settings_of

PROGRESS: dict[str, str] = {}
"""What each scene's running analysis shows in the Song panel ("Analyzing: 42%, 12 s left"), by scene name."""

PROGRESS_FACTOR: dict[str, float] = {}
"""The fraction done of each scene's running analysis, by scene name."""


def beat_file_for(audio: Path) -> Path:
    """Where the analysis of ``audio`` goes: beside it, unless a file there is not a Toonbeat beat file."""
    beside = audio.with_name(f"{audio.stem}.beats.json")
    if not beside.exists() or is_toonbeat_file(beside):
        return beside
    return user_data_folder("analysis") / beside.name


class TOONBEAT_OT_analyze(bpy.types.Operator):
    """Find the song's beats, bars, sections and drops with Toonbeat's generators and load them (Esc cancels)"""

    bl_idname = "toonbeat.analyze"
    bl_label = "Analyze Song"

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        """Needs a song."""
        return bool(settings_of(context.scene).audio_path)

    def invoke(self, context: bpy.types.Context, _event: bpy.types.Event) -> set[str]:
        """Start the analysis and watch it from a timer."""
        python = preferences(context).generators_python
        if not python:
            self.report({"ERROR"}, SET_GENERATORS_PYTHON)
            return {"CANCELLED"}
        settings = settings_of(context.scene)
        audio = settings.resolved("audio_path")
        self._output = beat_file_for(audio)
        try:
            job = BackgroundProcess([bpy.path.abspath(python), "-m", "generators", "analyze", str(audio),
                                     "-o", str(self._output), "--progress"])
        except OSError as error:
            self.report({"ERROR"}, f"Cannot start the generators' Python {python}: {error}")
            return {"CANCELLED"}
        self._job = job
        self._audio = audio
        self._audio_before = _identity_or_none(audio)
        self._started = time.monotonic()
        self._scene = context.scene.name
        PROGRESS[self._scene] = progress_text("Analyzing", None, 0.0)
        PROGRESS_FACTOR[self._scene] = 0.0
        self._timer = context.window_manager.event_timer_add(0.1, window=context.window)
        context.window_manager.progress_begin(0, 100)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        """Follow the analysis; Esc cancels it unless it has ended already (then its result is taken as usual)."""
        job = self._job
        if event.type == "ESC" and event.value == "PRESS":
            if job.cancel():
                self._finish(context)
                self.report({"WARNING"}, "Analysis cancelled")
                return {"CANCELLED"}
        elif event.type != "TIMER":
            return {"PASS_THROUGH"}
        code = job.poll()
        if job.progress is not None:
            context.window_manager.progress_update(int(job.progress * 100))
            PROGRESS_FACTOR[self._scene] = job.progress
        PROGRESS[self._scene] = progress_text("Analyzing", job.progress, time.monotonic() - self._started)
        context.workspace.status_text_set(f"Toonbeat: {PROGRESS[self._scene]}")
        _redraw_sidebars(context)
        if code is None:
            return {"RUNNING_MODAL"}
        self._finish(context)
        if code != 0:
            self.report({"ERROR"}, f"Analysis failed: {job.last_line or f'exit code {code}'}")
            return {"CANCELLED"}
        settings = settings_of(context.scene)
        settings.beats_path = str(self._output)
        self._remember_hash(settings)
        bpy.ops.toonbeat.load_song()  # type: ignore[attr-defined]
        keep(context, "song", Path(settings.resolved("audio_path")), beats=self._output)
        self.report({"INFO"}, f"Beats written to {self._output}")
        return {"FINISHED"}

    def _remember_hash(self, settings: Any) -> None:
        """The analysis hashed the song: when the song did not change meanwhile, its hash is not taken again
        here (Load Song's audio check and the library would each read the whole file on the UI thread)."""
        if self._audio_before is None or _identity_or_none(self._audio) != self._audio_before:
            return
        with contextlib.suppress(OSError, BeatFileError):  # Load Song, next, reports what is wrong with it
            remember_sha256(self._audio_before, settings.beat_data().audio.sha256)

    def _finish(self, context: Any) -> None:
        context.window_manager.event_timer_remove(self._timer)
        context.window_manager.progress_end()
        context.workspace.status_text_set(None)
        PROGRESS.pop(self._scene, None)
        PROGRESS_FACTOR.pop(self._scene, None)
        _redraw_sidebars(context)


def _identity_or_none(path: Path) -> FileIdentity | None:
    try:
        return file_identity(path)
    except OSError:
        return None


def _redraw_sidebars(context: Any) -> None:
    """Redraw the sidebars of the window, where the Song panel shows the progress."""
    for area in context.window.screen.areas:
        if area.type in ("VIEW_3D", "SEQUENCE_EDITOR"):
            area.tag_redraw()
