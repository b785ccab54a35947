"""Beat tracking: a dynamic-programming pass over beat salience, then a steady grid where the tempo is steady.

1. ``track`` finds the best chain of beats through a salience curve: each
   beat gains the salience at its frame and pays ``tightness`` times the
   absolute log-ratio of its interval to the local beat period. The cost is
   linear, so slipping half a beat costs the same however slowly it happens,
   which keeps weak off-beat material (hats in an intro, stabs in a breakdown)
   from pulling the chain off the beat.
2. ``steady_grid`` finds stretches of constant tempo in that chain, fits one
   grid ``a + k * period`` to each (so beats continue evenly through
   breakdowns and intros without drums), chooses the grid's phase by the
   salience of the whole stretch and keeps the chain's own beats only where
   the tempo moves.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

TIGHTNESS = 30.0
"""Cost of a beat interval that differs from the local period, per unit of absolute log-ratio."""

STEADY_TOLERANCE = 0.012
"""Relative change of the local beat interval still counted as the same tempo."""

LOCAL_BEATS = 8
"""Beats on either side whose intervals give the local interval."""

MAX_GRID_MISFIT = 0.05
"""Largest RMS distance (in periods) of a stretch's beats from its straight grid for the grid to replace them."""

MIN_STEADY_BEATS = 16
"""A stretch of constant tempo shorter than this keeps the tracked beats."""


def track(salience: np.ndarray, periods: np.ndarray, tightness: float = TIGHTNESS) -> np.ndarray:
    """Frames of the best beat chain through ``salience``.

    Parameters
    ----------
    salience : np.ndarray [shape=(n,)]
        Beat salience per frame (non-negative).
    periods : np.ndarray [shape=(n,)]
        Expected beat period at each frame, in frames.
    tightness : float
        Cost per unit of ``|log(interval / period)|``.

    Returns
    -------
    np.ndarray [shape=(n_beats,), dtype=int]
        Beat frames in increasing order.
    """
    count = len(salience)
    score = np.zeros(count)
    backlink = np.full(count, -1)
    shortest = max(2, int(0.5 * periods.min()))
    lags = np.arange(shortest, int(np.ceil(1.5 * periods.max())) + 1)
    block = shortest
    for first in range(0, count, block):
        frames = np.arange(first, min(count, first + block))
        previous = frames[:, None] - lags[None, :]
        reachable = previous >= 0
        gain = np.where(reachable, score[np.maximum(previous, 0)], -np.inf)
        gain -= tightness * np.abs(np.log(lags[None, :] / periods[frames, None]))
        best = np.argmax(gain, axis=1)
        best_gain = gain[np.arange(len(frames)), best]
        fresh = ~(best_gain > 0)
        score[frames] = salience[frames] + np.where(fresh, 0.0, best_gain)
        backlink[frames] = np.where(fresh, -1, previous[np.arange(len(frames)), best])
    beats = [int(np.argmax(score))]
    while backlink[beats[-1]] >= 0:
        beats.append(int(backlink[beats[-1]]))
    return np.array(beats[::-1])


def comb_score(salience: np.ndarray, grid_frames: np.ndarray) -> float:
    """Sum of ``salience`` (linearly interpolated) at fractional ``grid_frames``."""
    inside = grid_frames[(grid_frames >= 0) & (grid_frames <= len(salience) - 1)]
    return float(np.sum(np.interp(inside, np.arange(len(salience)), salience)))


def steady_grid(beats: np.ndarray, salience: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    """Replace the chain ``beats`` (frames) by even grids where its tempo is constant.

    Each grid's period and phase maximize the salience summed along it (a
    sub-frame fit over the whole stretch). A grid has one beat per beat of its
    stretch; the first and last grids also extend to ``span`` (the first and
    last frame with sound), so beats continue through quiet intros and outros.
    """
    if len(beats) < MIN_STEADY_BEATS:
        return beats
    smooth = ndimage.gaussian_filter1d(salience, 1.0)
    stretches = _steady_stretches(beats)
    pieces: list[np.ndarray] = []
    for number, (start, stop) in enumerate(stretches):
        chain = beats[start:stop]
        fit = _fit_grid(chain, smooth) if stop - start >= MIN_STEADY_BEATS else None
        if fit is None:
            pieces.append(chain)
            continue
        intercept, slope, last = fit
        first = min(0.0, np.ceil((span[0] - intercept) / slope)) if number == 0 else 0.0
        if number == len(stretches) - 1:
            last = max(last, np.floor((span[1] - intercept) / slope))
        pieces.append(intercept + slope * np.arange(first, last + 1))
    return _drop_crowded(np.concatenate(pieces), float(np.median(np.diff(beats))))


def _steady_stretches(beats: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges ``[start, stop)`` of ``beats`` whose local interval stays within ``STEADY_TOLERANCE``.

    The local interval is the mean of the intervals within ``LOCAL_BEATS`` beats
    on either side, leaving out those more than 15 % from their median: single
    slips do not count as tempo changes, and frame rounding averages out. Each
    local interval is compared with the first ones of its stretch, so a slow
    ramp is caught as well as a jump.
    """
    intervals = np.diff(beats)
    padded = np.pad(intervals, LOCAL_BEATS, mode="reflect" if len(intervals) > LOCAL_BEATS else "edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * LOCAL_BEATS + 1)
    typical = np.median(windows, axis=1, keepdims=True)
    usual = np.abs(windows - typical) < 0.15 * typical
    local = np.sum(windows * usual, axis=1) / np.maximum(usual.sum(axis=1), 1)
    stretches = []
    start = 0
    for index in range(1, len(local)):
        reference = local[start : min(index, start + LOCAL_BEATS)]
        if len(reference) and abs(local[index] / reference.mean() - 1) > STEADY_TOLERANCE:
            stretches.append((start, index + 1))
            start = index + 1
    stretches.append((start, len(beats)))
    return [(a, b) for a, b in stretches if b > a]


def _fit_grid(chain: np.ndarray, salience: np.ndarray) -> tuple[float, float, float] | None:
    """Intercept, period (frames) and last beat number of the even grid that best fits ``chain`` and ``salience``.

    The grid starts from a least-squares line through the chain (slipped
    beats left out), takes the phase (on the chain or half a beat off) with
    more salience along it, then refines period and phase to the salience.
    Returns None when the chain is not steady enough for one grid.
    """
    intervals = np.diff(chain)
    usual = np.abs(intervals - np.median(intervals)) < 0.15 * np.median(intervals)
    period = float(intervals[usual].mean())
    index = np.concatenate([[0.0], np.cumsum(np.maximum(np.round(intervals / period), 1.0))])
    residual = chain - chain[0] - index * period
    inliers = np.abs(residual - np.median(residual)) < 0.15 * period
    slope, intercept = np.polyfit(index[inliers], chain[inliers], 1)
    misfit = chain - intercept - slope * index
    if np.sqrt(np.mean(misfit[inliers] ** 2)) > MAX_GRID_MISFIT * slope:
        return None
    if comb_score(salience, intercept + (index + 0.5) * slope) > comb_score(salience, intercept + index * slope):
        intercept += 0.5 * slope
    middle = index[len(index) // 2]
    centre = intercept + slope * middle
    drift = 1.0 / (slope * max(index[-1], 1.0))
    for relative_span, phase_span in ((20 * drift, 0.1), (2 * drift, 0.01)):
        slopes = slope * (1 + np.linspace(-relative_span, relative_span, 21))
        centres = centre + slope * np.linspace(-phase_span, phase_span, 21)
        grids = centres[:, None, None] + slopes[None, :, None] * (index - middle)[None, None, :]
        sums = np.interp(grids, np.arange(len(salience)), salience).sum(axis=2)
        best_centre, best_slope = np.unravel_index(np.argmax(sums), sums.shape)
        slope, centre = float(slopes[best_slope]), float(centres[best_centre])
    return centre - slope * middle, slope, float(index[-1])


def _drop_crowded(beats: np.ndarray, period: float) -> np.ndarray:
    """Sorted ``beats`` without any beat closer than half a period to the one kept before it."""
    ordered = np.sort(beats)
    kept = [ordered[0]]
    for beat in ordered[1:]:
        if beat - kept[-1] >= 0.5 * period:
            kept.append(beat)
    return np.array(kept)
