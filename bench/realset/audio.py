"""Finishing a rendered song: trimmed to its exact truth, faded where it was cut, at one peak level."""

from __future__ import annotations

import numpy as np

from generators.music.drum_machine import PEAK_LEVEL

MAX_SECONDS = 240.0
MIN_SECONDS = 30.0
FADE_SECONDS = 2.0


def finish(samples: np.ndarray, sample_rate: int, end_time: float, cut: bool) -> np.ndarray:
    """``samples`` (``(frames, 2)``) up to ``end_time`` seconds, faded out over the last 2 s where ``cut``
    (the song goes on past its truth), peak-normalised to ``PEAK_LEVEL``."""
    frames = min(len(samples), round(end_time * sample_rate))
    finished = np.asarray(samples[:frames], dtype=np.float64).copy()
    if cut:
        fade = min(frames, int(FADE_SECONDS * sample_rate))
        finished[frames - fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    peak = float(np.abs(finished).max(initial=0.0))
    if peak > 0:
        finished *= PEAK_LEVEL / peak
    return finished
