"""Downbeats and meter: which beat of each bar is the first, and how many beats a bar has.

The network of ``activations`` gives each frame a beat and a downbeat
probability. At every tracked beat their ratio is the chance that this beat
starts a bar. The meter: a hidden Markov model over the position in the bar
(meters 3 and 4; a song keeps one meter) walks one position per beat and may,
rarely, jump to another position (a pickup, a pattern cut short); one Viterbi
pass per meter finds the positions, and the meter whose path explains the
downbeat chances better wins (``bar_positions``). The bar phase in that meter
weighs the same chances together with how much the spectrum changes from the
bar before each beat to the bar after it (``bar_phase``): on the development
set that held out better than either alone.

References
----------
.. [1] Krebs, F., Böck, S., & Widmer, G. (2016). Downbeat tracking using
   beat-synchronous features and recurrent neural networks. ISMIR.
.. [2] Böck, S., Krebs, F., & Widmer, G. (2016). Joint beat and downbeat tracking
   with recurrent neural networks. ISMIR.
.. [3] Foote, J. (2000). Automatic audio segmentation using a measure of audio novelty. ICME.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activations

METERS = (3, 4)
"""Beats per bar the model knows."""

PHASE_JUMP_LOG_PROBABILITY = -8.0
"""Log-probability of leaving the regular bar cycle at a beat (a bar cut short or lengthened)."""

CERTAINTY_FLOOR = 0.05
"""The chance of a beat being (or not being) a downbeat is kept within ``[floor, 1 - floor]``."""

SEARCH_SECONDS = 0.04
"""A beat's activations are the strongest within this many seconds of it."""

NOVELTY_WEIGHT = 4.0
"""Weight of the spectrum's bar-to-bar change against the network's downbeat log-odds (both standardized) in
choosing the bar phase (chosen on the development set's ``train`` split; 2 to 8 score alike there)."""


@dataclass(frozen=True)
class Bars:
    """Each beat's position in its bar (1 = downbeat) and the song's meter."""

    positions: np.ndarray
    beats_per_bar: int


def downbeat_chance(beat_times: np.ndarray, activations: Activations) -> np.ndarray:
    """The chance that each beat (seconds) is a downbeat: downbeat over beat activation near it."""
    beat, downbeat = activations.near(beat_times, SEARCH_SECONDS)
    return np.clip(downbeat / np.maximum(beat, 1e-6), CERTAINTY_FLOOR, 1.0 - CERTAINTY_FLOOR)


def bar_positions(chance: np.ndarray, meters: tuple[int, ...] = METERS) -> Bars:
    """The most likely bar position of every beat given each beat's ``chance`` of being a downbeat.

    Parameters
    ----------
    chance : np.ndarray [shape=(n_beats,)]
        Probability that each beat is a downbeat (0..1).
    meters : tuple of int
        The beats per bar to consider.
    """
    if not meters or min(meters) < 2:
        raise ValueError(f"meters must be beat counts of at least 2, got {meters!r}")
    if len(chance) == 0:
        return Bars(np.zeros(0, dtype=int), max(meters))
    best: tuple[float, Bars] | None = None
    for meter in meters:
        score, positions = _viterbi(np.log(chance), np.log1p(-chance), meter)
        if best is None or score > best[0]:
            best = (score, Bars(positions, meter))
    assert best is not None
    return best[1]


def _viterbi(log_down: np.ndarray, log_other: np.ndarray, meter: int) -> tuple[float, np.ndarray]:
    """Best log-likelihood and positions (1..meter) of one meter's bar-position chain."""
    count = len(log_down)
    first = np.arange(meter) == 0
    observe = np.where(first[None, :], log_down[:, None], log_other[:, None])
    regular = np.roll(np.arange(meter), 1)
    stay_log = np.log1p(-np.exp(PHASE_JUMP_LOG_PROBABILITY) * (meter - 1))
    score = observe[0] - np.log(meter)
    back = np.zeros((count, meter), dtype=np.int8)
    for index in range(1, count):
        from_regular = score[regular] + stay_log
        jump_from = int(np.argmax(score))
        from_jump = score[jump_from] + PHASE_JUMP_LOG_PROBABILITY
        take_jump = from_jump > from_regular
        back[index] = np.where(take_jump, jump_from, regular)
        score = np.maximum(from_regular, from_jump) + observe[index]
    state = int(np.argmax(score))
    positions = np.empty(count, dtype=int)
    for index in range(count - 1, -1, -1):
        positions[index] = state + 1
        state = int(back[index, state])
    return float(score.max()), positions


def bar_novelty(levels: np.ndarray, beat_frames: np.ndarray, beats_per_bar: int) -> np.ndarray:
    """How much the spectrum changes at each beat, the bar after it against the bar before it.

    Music changes on bar lines (chords, bass notes, sections, crashes): the mean
    ``levels`` (frames x bands) of the ``beats_per_bar`` beats after each beat
    are compared with those of the beats before it. Beats without a whole bar
    on both sides get NaN.
    """
    edges = np.clip(np.round(beat_frames).astype(int), 0, len(levels))
    count = len(edges)
    if count < 2:
        return np.full(count, np.nan)
    period = int(np.median(np.diff(edges)))
    edges = np.concatenate([edges, [min(len(levels), edges[-1] + period)]])
    sums = np.vstack([np.zeros((1, levels.shape[1])), np.cumsum(levels, axis=0)])
    features = (sums[edges[1:]] - sums[edges[:-1]]) / np.maximum(np.diff(edges), 1)[:, None]
    totals = np.vstack([np.zeros((1, features.shape[1])), np.cumsum(features, axis=0)])
    index = np.arange(count)
    after_end, before_start = np.minimum(index + beats_per_bar, count), np.maximum(index - beats_per_bar, 0)
    after = (totals[after_end] - totals[index]) / np.maximum(after_end - index, 1)[:, None]
    before = (totals[index] - totals[before_start]) / np.maximum(index - before_start, 1)[:, None]
    complete = (index >= beats_per_bar) & (index + beats_per_bar <= count)
    return np.where(complete, np.linalg.norm(after - before, axis=1), np.nan)


def bar_phase(chance: np.ndarray, novelty: np.ndarray, beats_per_bar: int) -> np.ndarray:
    """Each beat's bar position (1 = downbeat) from the network's downbeat ``chance`` and the spectral ``novelty``.

    Both are standardized over the song (the chance as log-odds) and added,
    the novelty weighted by ``NOVELTY_WEIGHT``; the phase of the bar whose beats
    score highest on average is the downbeat phase, for the whole song. Either
    alone fails where the other holds: the network misses the bar line in
    music unlike what it was trained on, the spectrum where chords change
    within the bar.
    """
    if chance.shape != novelty.shape or beats_per_bar < 2:
        raise ValueError(
            f"chance and novelty must have one value per beat and beats_per_bar be >= 2, "
            f"got {chance.shape}, {novelty.shape} and {beats_per_bar}"
        )
    index = np.arange(len(chance))
    if len(chance) == 0:
        return index + 1
    score = _standardized(np.log(chance / (1.0 - chance))) + NOVELTY_WEIGHT * _standardized(novelty)
    phase_scores = [
        score[start::beats_per_bar].mean() if start < len(score) else -np.inf for start in range(beats_per_bar)
    ]
    return (index - int(np.argmax(phase_scores))) % beats_per_bar + 1


def _standardized(values: np.ndarray) -> np.ndarray:
    """``values`` minus their mean over their spread; NaN (and everything, when they do not vary) becomes 0."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return np.zeros_like(values)
    spread = float(finite.std())
    return np.where(np.isfinite(values), (values - finite.mean()) / spread if spread > 0 else 0.0, 0.0)
