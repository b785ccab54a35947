"""Tempo: the song's main beat period and how it changes over time.

Periodicity comes from the autocorrelation of onset strength; a log-normal
prior over tempo (centred on ``PRIOR_CENTER_BPM``) settles which metrical
level is the beat when several fit, so a half-time groove at 140 BPM stays 140.
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
    """

    bpm: float
    times: np.ndarray
    periods: np.ndarray
    confidence: np.ndarray
    frame_rate: float

    def period_at(self, frames: np.ndarray) -> np.ndarray:
        """Beat period (frames) at each of ``frames``."""
        return np.interp(frames / self.frame_rate, self.times, self.periods)


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


def periodicity(envelopes: list[np.ndarray], weights: list[float], frame_rate: float, bpms: np.ndarray) -> np.ndarray:
    """How strongly onset ``envelopes`` repeat at the beat, half-bar and bar period of each of ``bpms``.

    The autocorrelation at one, two and four beat periods (weighted by
    ``METER_WEIGHTS``) is summed per envelope, then the envelopes by
    ``weights``: a tempo must explain the bar as well as the beat, which rules
    out periods that fit a syncopated kick but not the 4/4 bar around it.
    """
    periods = 60.0 * frame_rate / bpms
    multiples = np.array(list(METER_WEIGHTS))
    max_lag = int(np.ceil(periods.max() * multiples.max())) + 2
    total = np.zeros(len(bpms))
    for envelope, weight in zip(envelopes, weights, strict=True):
        if not np.any(envelope > 0):
            continue
        acf = autocorrelation(envelope, max_lag)
        lags = np.arange(len(acf))
        for multiple, meter_weight in METER_WEIGHTS.items():
            total += weight * meter_weight * np.interp(periods * multiple, lags, acf, right=0.0)
    return total


def estimate(envelopes: list[np.ndarray], weights: list[float], frame_rate: float) -> TempoCurve:
    """Main tempo and local tempo curve of onset ``envelopes`` (combined with ``weights``)."""
    bpms = candidate_bpms()
    strength = periodicity(envelopes, weights, frame_rate, bpms)
    main_bpm = float(bpms[np.argmax(np.maximum(strength, 0.0) * prior(bpms))])
    times, periods, confidence = _local_periods(envelopes, weights, frame_rate, main_bpm)
    return TempoCurve(main_bpm, times, periods, confidence, frame_rate)


def _local_periods(
    envelopes: list[np.ndarray], weights: list[float], frame_rate: float, main_bpm: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windowed periodicity near ``main_bpm``: centre times, periods (frames) and confidence."""
    length = len(envelopes[0])
    window = int(LOCAL_WINDOW_SECONDS * frame_rate)
    hop = int(LOCAL_HOP_SECONDS * frame_rate)
    bpms = main_bpm * (1 + _BPM_STEP) ** np.arange(
        int(np.log1p(-LOCAL_RANGE) / np.log1p(_BPM_STEP)), int(np.log1p(LOCAL_RANGE) / np.log1p(_BPM_STEP)) + 1
    )
    main_period = 60.0 * frame_rate / main_bpm
    starts = list(range(0, max(1, length - window + 1), hop)) or [0]
    times, periods, confidence = [], [], []
    for start in starts:
        pieces = [envelope[start : start + window] for envelope in envelopes]
        strength = periodicity(pieces, weights, frame_rate, bpms)
        best = int(np.argmax(strength))
        times.append((start + min(window, length) / 2) / frame_rate)
        periods.append(60.0 * frame_rate / bpms[best])
        confidence.append(max(0.0, float(strength[best])))
    conf = np.array(confidence)
    period_array = np.array(periods)
    reliable = conf >= 0.3 * conf.max() if conf.max() > 0 else np.zeros(len(conf), dtype=bool)
    if reliable.any():
        held = np.maximum.accumulate(np.where(reliable, np.arange(len(conf)), -1))
        held[held < 0] = np.flatnonzero(reliable)[0]
        period_array = period_array[held]
    else:
        period_array[:] = main_period
    return np.array(times), period_array, conf / conf.max() if conf.max() > 0 else conf
