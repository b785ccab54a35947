"""Downbeats: which beat of each bar is the first.

Music changes on bar lines: chords and bass notes move, sections start,
crashes and risers land. For every beat the analysis measures how much the
spectrum changes from the beat before to the beat after it; the bar phase
whose beats change most is the downbeat phase.
"""

from __future__ import annotations

import numpy as np

from addon.core.beatfile import BEATS_PER_BAR


def beat_features(levels: np.ndarray, beat_frames: np.ndarray) -> np.ndarray:
    """Mean of ``levels`` (frames x bands) over each beat, from one beat to the next.

    Returns
    -------
    np.ndarray [shape=(n_beats, n_bands)]
    """
    edges = np.clip(np.round(beat_frames).astype(int), 0, len(levels))
    period = int(np.median(np.diff(edges))) if len(edges) > 1 else 1
    edges = np.concatenate([edges, [min(len(levels), edges[-1] + period)]])
    sums = np.vstack([np.zeros((1, levels.shape[1])), np.cumsum(levels, axis=0)])
    return (sums[edges[1:]] - sums[edges[:-1]]) / np.maximum(np.diff(edges), 1)[:, None]


def beat_novelty(features: np.ndarray, beats_per_bar: int = BEATS_PER_BAR) -> np.ndarray:
    """How much the music changes at each beat: the next bar's mean features against the previous bar's.

    Averaging a whole bar on either side cancels the repeating pattern inside
    bars, so the change peaks where a bar-long change starts: at a downbeat.
    """
    count = len(features)
    sums = np.vstack([np.zeros((1, features.shape[1])), np.cumsum(features, axis=0)])
    index = np.arange(count)
    after_end = np.minimum(index + beats_per_bar, count)
    before_start = np.maximum(index - beats_per_bar, 0)
    after = (sums[after_end] - sums[index]) / np.maximum(after_end - index, 1)[:, None]
    before = (sums[index] - sums[before_start]) / np.maximum(index - before_start, 1)[:, None]
    novelty = np.linalg.norm(after - before, axis=1)
    complete = (index >= beats_per_bar) & (index + beats_per_bar <= count)
    return np.where(complete, novelty, 0.0)


def bar_phase(novelty: np.ndarray, beats_per_bar: int = BEATS_PER_BAR) -> int:
    """Index of the first downbeat among the first ``beats_per_bar`` beats."""
    totals = [
        novelty[phase::beats_per_bar].mean() if len(novelty[phase::beats_per_bar]) else 0.0
        for phase in range(beats_per_bar)
    ]
    return int(np.argmax(totals))


def positions(beat_count: int, phase: int, beats_per_bar: int = BEATS_PER_BAR) -> np.ndarray:
    """Position of each beat in its bar (1 = downbeat) when beat ``phase`` is the first downbeat."""
    return (np.arange(beat_count) - phase) % beats_per_bar + 1
