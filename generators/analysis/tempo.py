"""Tempo: the song's main beat period and how it changes over time.

Periodicity comes from the autocorrelation of onset strength; a log-normal
prior over tempo (centred on ``PRIOR_CENTER_BPM``) settles which metrical
level is the beat when several fit, so a half-time groove at 140 BPM stays 140.

References
----------
.. [1] Ellis, D. P. W. (2007). Beat tracking by dynamic programming.
   Journal of New Music Research, 36(1), 51-60 (autocorrelation tempo with a log-normal prior).
.. [2] Percival, G., & Tzanetakis, G. (2014). Streamlined tempo estimation based on
   autocorrelation and cross-correlation with pulses. IEEE/ACM TASLP, 22(12).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_BPM = 60.0
MAX_BPM = 200.0
PRIOR_CENTER_BPM = 125.0
PRIOR_OCTAVES = 0.5
"""Standard deviation of the log-normal tempo prior, in octaves."""

LOCAL_WINDOW_SECONDS = 12.0
LOCAL_HOP_SECONDS = 3.0
LOCAL_RANGE = 0.2
"""A local tempo may differ from the main tempo by this fraction."""

METER_WEIGHTS = {1: 1.0, 2: 0.5, 4: 0.5}
"""Weight of the autocorrelation at each multiple of the beat period."""

ALTERNATIVE_RATIOS = (2 / 3, 3 / 4, 4 / 3, 3 / 2)
ALTERNATIVE_SCORE = 0.5
"""A tempo at one of these ratios to the best one (a 4/4 groove can look ternary at the wrong level, a dotted
rhythm 3:4) is worth a track of its own when it scores this fraction of the best."""

GLOBAL_MULTIPLES = 16
LOCAL_MULTIPLES = 8
"""Multiples of the beat period whose autocorrelation peaks sharpen the main and the local periods."""

PEAK_SEARCH = 0.005
PEAK_SEARCH_FRAMES = 1.5
"""The autocorrelation peak near ``k`` beat periods is searched within this fraction of it plus this many
frames (the lag grid's own uncertainty)."""

RELIABLE_WINDOW = 0.3
"""A local window whose periodicity is below this fraction of the strongest window's holds the tempo before it."""

_BPM_STEP = 0.002
"""Relative spacing of the candidate tempi."""


@dataclass(frozen=True)
class TempoCurve:
    """Beat period over time.

    Attributes
    ----------
    bpm : float
        Main tempo (beats per minute).
    times : np.ndarray [shape=(n,)]
        Centre of each analysis window (seconds).
    periods : np.ndarray [shape=(n,)]
        Beat period at ``times`` in frames.
    confidence : np.ndarray [shape=(n,)]
        How clearly each window shows that period (0..1).
    frame_rate : float
        Frames per second of ``periods``.
    alternatives : tuple of float
        Main tempi at ``ALTERNATIVE_RATIOS`` of ``bpm`` that fit the onsets
        nearly as well.
    """

    bpm: float
    times: np.ndarray
    periods: np.ndarray
    confidence: np.ndarray
    frame_rate: float
    alternatives: tuple[float, ...] = ()

    def period_at(self, frames: np.ndarray) -> np.ndarray:
        """Beat period (frames) at each of ``frames``."""
        return np.interp(frames / self.frame_rate, self.times, self.periods)

    def at_tempo(self, bpm: float) -> TempoCurve:
        """The same curve scaled to main tempo ``bpm``."""
        return TempoCurve(bpm, self.times, self.periods * self.bpm / bpm, self.confidence, self.frame_rate)


def autocorrelation(envelope: np.ndarray, max_lag: int) -> np.ndarray:
    """Normalized autocorrelation of ``envelope`` (mean removed) for lags ``0..max_lag`` frames."""
    centred = envelope - envelope.mean()
    size = 1 << int(np.ceil(np.log2(2 * len(centred) + 1)))
    spectrum = np.fft.rfft(centred, size)
    result = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, size)[: min(max_lag + 1, len(centred))]
    return result / result[0] if result[0] > 0 else result


def candidate_bpms() -> np.ndarray:
    """The tempi considered, log-spaced from ``MIN_BPM`` to ``MAX_BPM``."""
    count = int(np.log(MAX_BPM / MIN_BPM) / np.log1p(_BPM_STEP)) + 1
    return MIN_BPM * (1 + _BPM_STEP) ** np.arange(count)


def prior(bpms: np.ndarray) -> np.ndarray:
    """Log-normal tempo prior (unnormalized) of ``bpms``."""
    return np.exp(-0.5 * (np.log2(bpms / PRIOR_CENTER_BPM) / PRIOR_OCTAVES) ** 2)


def combined_autocorrelation(envelopes: list[np.ndarray], weights: list[float], max_lag: int) -> np.ndarray:
    """Weighted sum of the normalized autocorrelations of ``envelopes`` for lags ``0..max_lag`` frames."""
    total = np.zeros(max_lag + 1)
    for envelope, weight in zip(envelopes, weights, strict=True):
        if np.any(envelope > 0):
            acf = autocorrelation(envelope, max_lag)
            total[: len(acf)] += weight * acf
    return total


def periodicity(acf: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """How strongly the signal behind ``acf`` repeats at the beat, half-bar and bar of each of ``periods`` (frames).

    The autocorrelation at one, two and four beat periods is summed with
    ``METER_WEIGHTS``: a tempo must explain the bar as well as the beat, which
    rules out periods that fit a syncopated kick but not the 4/4 bar around it.
    """
    lags = np.arange(len(acf))
    return sum(
        (weight * np.interp(periods * multiple, lags, acf, right=0.0) for multiple, weight in METER_WEIGHTS.items()),
        start=np.zeros(len(periods)),
    )


def refine_period(acf: np.ndarray, period: float, max_multiple: int) -> float:
    """Sharpen ``period`` (frames) with the autocorrelation peaks at up to ``max_multiple`` times it.

    The peak near ``k * period`` is located to a fraction of a frame, so it
    gives the period ``k`` times more precisely than the beat-lag peak alone;
    the estimates are averaged with weights ``k``.
    """
    estimates, weights = [], []
    for multiple in range(1, max_multiple + 1):
        centre = multiple * period
        reach = PEAK_SEARCH * centre + PEAK_SEARCH_FRAMES
        low, high = int(np.floor(centre - reach)), int(np.ceil(centre + reach))
        if low < 1 or high >= len(acf) - 1:
            break
        peak = low + int(np.argmax(acf[low : high + 1]))
        if peak in (low, high) or acf[peak] <= 0:
            continue
        left, middle, right = acf[peak - 1], acf[peak], acf[peak + 1]
        curvature = left - 2 * middle + right
        offset = 0.5 * (left - right) / curvature if curvature < 0 else 0.0
        estimates.append((peak + offset) / multiple)
        weights.append(multiple)
    return float(np.average(estimates, weights=weights)) if estimates else period


def estimate(envelopes: list[np.ndarray], weights: list[float], frame_rate: float) -> TempoCurve:
    """Main tempo and local tempo curve of onset ``envelopes`` (combined with ``weights``)."""
    bpms = candidate_bpms()
    periods = 60.0 * frame_rate / bpms
    acf = combined_autocorrelation(envelopes, weights, int(np.ceil(periods.max() * GLOBAL_MULTIPLES)) + 2)
    score = np.maximum(periodicity(acf, periods), 0.0) * prior(bpms)
    best = int(np.argmax(score))
    main_period = refine_period(acf, periods[best], GLOBAL_MULTIPLES)
    alternatives = []
    for ratio in ALTERNATIVE_RATIOS:
        other = int(np.argmin(np.abs(bpms - bpms[best] * ratio)))
        if MIN_BPM <= bpms[best] * ratio <= MAX_BPM and score[other] >= ALTERNATIVE_SCORE * score[best]:
            alternatives.append(60.0 * frame_rate / refine_period(acf, periods[other], GLOBAL_MULTIPLES))
    times, local, confidence = _local_periods(envelopes, weights, frame_rate, main_period)
    return TempoCurve(60.0 * frame_rate / main_period, times, local, confidence, frame_rate, tuple(alternatives))


def _local_periods(
    envelopes: list[np.ndarray], weights: list[float], frame_rate: float, main_period: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windowed periodicity near ``main_period``: centre times (s), periods (frames) and confidence (0..1).

    Windows whose periodicity is weak (breakdowns without drums) keep the
    period of the last clear window before them: tempo is held, not guessed.
    """
    length = len(envelopes[0])
    window = int(LOCAL_WINDOW_SECONDS * frame_rate)
    hop = int(LOCAL_HOP_SECONDS * frame_rate)
    reach = np.log1p(LOCAL_RANGE) / np.log1p(_BPM_STEP)
    steps = np.arange(-int(reach), int(reach) + 1)
    candidates = main_period / (1 + _BPM_STEP) ** steps
    max_lag = int(np.ceil(candidates.max() * max(LOCAL_MULTIPLES, *METER_WEIGHTS))) + 2
    times, periods, confidence = [], [], []
    for start in range(0, max(1, length - window + 1), hop):
        pieces = [envelope[start : start + window] for envelope in envelopes]
        acf = combined_autocorrelation(pieces, weights, max_lag)
        strength = periodicity(acf, candidates)
        best = int(np.argmax(strength))
        times.append((start + min(window, length) / 2) / frame_rate)
        periods.append(refine_period(acf, candidates[best], LOCAL_MULTIPLES))
        confidence.append(max(0.0, float(strength[best])))
    strongest = max(confidence)
    period_array = np.array(periods)
    reliable = (
        np.array(confidence) >= RELIABLE_WINDOW * strongest if strongest > 0 else np.zeros(len(periods), dtype=bool)
    )
    if reliable.any():
        held = np.maximum.accumulate(np.where(reliable, np.arange(len(periods)), -1))
        held[held < 0] = np.flatnonzero(reliable)[0]
        period_array = period_array[held]
    else:
        period_array[:] = main_period
    return np.array(times), period_array, np.array(confidence) / strongest if strongest > 0 else np.array(confidence)
