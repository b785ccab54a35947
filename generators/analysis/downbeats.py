"""Downbeats: which beat of each bar is the first.

Music changes on bar lines: chords and bass notes move, sections start,
crashes and risers land. For every beat the analysis measures how much the
spectrum changes from the beat before to the beat after it; the bar phase
whose beats change most is the downbeat phase.
"""

from __future__ import annotations

import numpy as np

BEATS_PER_BAR = 4


def beat_novelty(levels: np.ndarray, beat_frames: np.ndarray) -> np.ndarray:
    """Spectral change at each beat: rise in band level from the beat before to the beat after.

    Parameters
    ----------
    levels : np.ndarray [shape=(n_frames, n_bands)]
        Log-compressed band power per frame.
    beat_frames : np.ndarray [shape=(n_beats,)]
        Beat positions in (fractional) frames.

    Returns
    -------
    np.ndarray [shape=(n_beats,)]
    """
    edges = np.clip(np.round(beat_frames).astype(int), 0, len(levels))
    edges = np.concatenate([edges, [min(len(levels), edges[-1] + int(np.median(np.diff(edges))))]])
    sums = np.vstack([np.zeros((1, levels.shape[1])), np.cumsum(levels, axis=0)])
    lengths = np.maximum(np.diff(edges), 1)[:, None]
    per_beat = (sums[edges[1:]] - sums[edges[:-1]]) / lengths
    change = np.abs(np.diff(per_beat, axis=0)).sum(axis=1)
    return np.concatenate([[0.0], change])


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
