"""Load Song: the track on the timeline, with markers for its bars, sections and drops."""

from __future__ import annotations

import bpy

from ..assemble import current_scene, load_song
from ..properties import settings_of
from .reporting import run_reporting


class TOONBEAT_OT_load_song(bpy.types.Operator):
    """Put the song on the timeline and mark its bars, sections and drops from the beat file"""

    bl_idname = "toonbeat.load_song"
    bl_label = "Load Song"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        """Needs a song and a beat file."""
        settings = settings_of(context.scene)
        return bool(settings.audio_path and settings.beats_path)

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Load the song and its markers."""
        scene = current_scene(context)
        settings = settings_of(scene)

        def action() -> str:
            beats = settings.beat_data()
            frames, markers = load_song(scene, settings.resolved("audio_path"), beats,
                                        with_beat_markers=settings.with_beat_markers,
                                        with_onset_markers=settings.with_onset_markers)
            return f"Song loaded: {frames} frames, {beats.tempo:.1f} BPM, {markers} markers"

        return run_reporting(self, action)
