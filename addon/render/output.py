"""Output settings: an MP4 with H.264 video and AAC audio at the scene's size and frame rate.

Everything is stored in the scene, so the saved .blend renders the same video
with ``blender -b scene.blend -a``.
"""

from __future__ import annotations

import os
from pathlib import Path

import bpy

from .. import compat
from ..core.video import AAC_DEFAULT_RATE, QualityPreset, aac_sample_rate, fps_and_base
from ..stage.roles import with_role


class OutputError(ValueError):
    """An output that cannot be written, found before rendering starts."""


def configure_video(scene: bpy.types.Scene, output: Path, preset: QualityPreset,
                    size: tuple[int, int] | None = None, rate: float | None = None) -> None:
    """Set ``scene`` up to render ``output`` as H.264 + AAC MP4 with ``preset``'s quality."""
    check_writable(output)
    render = scene.render
    width, height = size or (preset.width, preset.height)
    render.resolution_x, render.resolution_y = width, height
    render.resolution_percentage = 100
    if rate is not None:
        render.fps, render.fps_base = fps_and_base(rate)
    compat.use_video_output(render.image_settings)
    render.ffmpeg.format = "MPEG4"
    render.ffmpeg.codec = "H264"
    render.ffmpeg.constant_rate_factor = preset.quality
    render.ffmpeg.ffmpeg_preset = preset.speed
    render.ffmpeg.audio_codec = "AAC"
    render.ffmpeg.audio_channels = "STEREO"
    render.ffmpeg.audio_bitrate = 192
    use_song_sample_rate(scene)
    render.use_file_extension = False
    render.filepath = str(output)
    use_flat_colors(scene)


def use_song_sample_rate(scene: bpy.types.Scene) -> None:
    """Mix the audio down at the song's own sample rate where AAC carries it (48 kHz otherwise, or
    without a song): resampling 44.1 kHz to 48 kHz was a third of the audio's cost (``bench/render_results.md``)."""
    track = next(with_role(compat.strips(scene), "track"), None)
    rate = getattr(getattr(track, "sound", None), "samplerate", 0)
    scene.render.ffmpeg.audio_mixrate = aac_sample_rate(rate) if rate else AAC_DEFAULT_RATE


def use_flat_colors(scene: bpy.types.Scene) -> None:
    """Standard view transform: flat cartoon colours come out as drawn (AgX would shift them)."""
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    scene.view_settings.exposure = 0.0
    scene.view_settings.gamma = 1.0


def check_writable(output: Path) -> None:
    """Raise ``OutputError`` unless ``output`` is an .mp4 path in a folder Toonbeat can write to."""
    if output.suffix.lower() != ".mp4":
        raise OutputError(f"{output}: Toonbeat writes MP4 (H.264 + AAC); name the output *.mp4")
    folder = output.parent if str(output.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{output}: cannot create the folder ({error.strerror or error})") from error
    if not os.access(folder, os.W_OK) or (output.exists() and not os.access(output, os.W_OK)):
        raise OutputError(f"{output}: the folder or file is not writable")
