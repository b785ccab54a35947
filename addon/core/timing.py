"""Seconds to frames, in the one place Toonbeat converts them.

A frame shows the moment ``(frame - frame_start) / rate`` seconds into the song,
where ``rate = fps / fps_base`` is the scene's exact frame rate (23.976 is
``24 / 1.001``). The song's first sample plays at ``frame_start``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .choreography import Track


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


def track_frames(track: Track, rate: float, frame_start: int, convert: Callable[[float], float],
                 interpolation: str | None = None) -> tuple[list[float], list[float]]:
    """A track's keys on whole frames: keys falling on one frame keep the later; with constant
    ``interpolation`` (the track's by default) a key that repeats the previous value is dropped."""
    frames: list[float] = []
    values: list[float] = []
    for seconds, raw in zip(track.times, track.values, strict=True):
        frame = float(seconds_to_frame(seconds, rate, frame_start))
        value = convert(raw)
        if frames and frame <= frames[-1]:
            values[-1] = value
            continue
        frames.append(frame)
        values.append(value)
    if (interpolation or track.interpolation) == "CONSTANT":
        kept = [i for i in range(len(values)) if i == 0 or values[i] != values[i - 1]]
        frames, values = [frames[i] for i in kept], [values[i] for i in kept]
    return frames, values
