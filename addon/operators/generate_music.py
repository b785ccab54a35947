"""Generate Music: a MusicGen track on the service; it becomes the song and is analysed."""

from __future__ import annotations

import bpy

from ..generation import BOARD
from ..properties import settings_of
from .reporting import run_reporting


class TOONBEAT_OT_generate_music(bpy.types.Operator):
    """Queue a MusicGen track on the Toonbeat service; when it is ready it becomes the song, analysed and marked"""

    bl_idname = "toonbeat.generate_music"
    bl_label = "Generate Music"

    def execute(self, context: bpy.types.Context) -> set[str]:
        """Queue the job; a timer follows it."""
        wanted = settings_of(context.scene).generate
        params = {"preset": wanted.music_preset or None, "prompt": wanted.music_prompt or None,
                  "bpm": wanted.music_bpm or None, "seconds": wanted.music_seconds, "model": wanted.music_model,
                  "seed": wanted.music_seed}
        label = f"Music: {wanted.music_preset or wanted.music_prompt}, {wanted.music_seconds:.0f} s"

        def queue() -> str:
            BOARD.submit(context, "music", params, "track", label)
            return f"Queued {label}"

        return run_reporting(self, queue)
