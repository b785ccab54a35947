"""Seconds to frames, in the one place Toonbeat converts them.

A frame shows the moment ``(frame - frame_start) / rate`` seconds into the song,
where ``rate = fps / fps_base`` is the scene's exact frame rate (23.976 is
``24 / 1.001``). The song's first sample plays at ``frame_start``.
"""

from __future__ import annotations

import math


def frame_rate(fps: int, fps_base: float = 1.0) -> float:
    """The exact frames per second of a scene with ``fps`` and ``fps_base``."""
    if fps <= 0 or fps_base <= 0:
        raise ValueError(f"frame rate must be positive, got fps={fps} fps_base={fps_base}")
    return fps / fps_base


def seconds_to_frame(seconds: float, rate: float, frame_start: int = 1) -> int:
    """The frame nearest to ``seconds`` (halves round up)."""
    return frame_start + math.floor(seconds * rate + 0.5)


def frame_to_seconds(frame: float, rate: float, frame_start: int = 1) -> float:
    """The moment in the song that ``frame`` shows."""
    return (frame - frame_start) / rate


def frame_count(duration: float, rate: float) -> int:
    """Frames needed to show ``duration`` seconds (the last partial frame included)."""
    return max(1, math.ceil(duration * rate - 1e-9))
