"""Video settings as plain data: quality presets, frame rates and sizes."""

from __future__ import annotations

from dataclasses import dataclass

# NTSC rates are the whole rate slowed by 1000/1001 (23.976 = 24 / 1.001).
_NTSC_BASE = 1.001


@dataclass(frozen=True)
class QualityPreset:
    """Frame size and encoder settings, with Blender's names for the H.264 quality and speed.

    Blender's qualities are x264 CRF values (MEDIUM 23, HIGH 20, PERC_LOSSLESS 17) and
    its speeds x264 presets (REALTIME a fast one, GOOD ``medium``).
    """

    width: int
    height: int
    quality: str
    speed: str


QUALITY_PRESETS = {
    "preview": QualityPreset(1280, 720, quality="MEDIUM", speed="REALTIME"),
    "final": QualityPreset(1920, 1080, quality="HIGH", speed="GOOD"),
    "master": QualityPreset(1920, 1080, quality="PERC_LOSSLESS", speed="GOOD"),
}


AAC_SONG_RATES = (32000, 44100, 48000)
"""Song sample rates the MP4's AAC track keeps as they are (MusicGen writes 32 kHz, a CD 44.1 kHz)."""
AAC_DEFAULT_RATE = 48000


def aac_sample_rate(song_rate: int) -> int:
    """The AAC track's sample rate for a song sampled at ``song_rate``: the song's own where AAC
    carries it, so the mixdown resamples nothing, else 48 kHz."""
    return song_rate if song_rate in AAC_SONG_RATES else AAC_DEFAULT_RATE


def fps_and_base(rate: float) -> tuple[int, float]:
    """Blender's ``(fps, fps_base)`` for a frame rate: ``23.976`` gives ``(24, 1.001)``, ``25`` gives ``(25, 1.0)``."""
    if not 1 <= rate <= 240:
        raise ValueError(f"frame rate {rate:g} is outside 1 to 240 frames per second")
    whole = round(rate)
    if abs(rate - whole) < 1e-6:
        return whole, 1.0
    ntsc = round(rate * _NTSC_BASE)
    if abs(ntsc / _NTSC_BASE - rate) < 0.002:
        return ntsc, _NTSC_BASE
    return whole, whole / rate


def parse_resolution(text: str) -> tuple[int, int]:
    """``"1280x720"`` as ``(1280, 720)``; both even (H.264 needs it) and at least 16."""
    width_text, separator, height_text = text.lower().partition("x")
    if not separator or not width_text.isdigit() or not height_text.isdigit():
        raise ValueError(f"resolution {text!r} is not WIDTHxHEIGHT, e.g. 1280x720")
    width, height = int(width_text), int(height_text)
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise ValueError(f"resolution {text!r}: width and height must be even and at least 16")
    return width, height
