"""Onset strength and accents per instrument range, and onset times.

Spectral flux on compressed band power: how much each band got louder since
20 ms earlier, in three ranges: ``low`` (below 250 Hz: kick, bass), ``mid``
(250 Hz-2 kHz: claps, snares, stabs, chords) and ``high`` (above 2 kHz: hats,
cymbals, the noise of claps). Two compressions give two views:

- *onsets* compress logarithmically, so quiet and loud attacks count alike
  (for tempo, onset times and section features);
- *accents* compress only mildly, so loudness still counts: a kick adds far
  more low-end power than an off-beat bass note and a clap far more highs
  than a hat, while on a log scale they rise by similar ratios (for finding
  which pulse is the beat).

References
----------
.. [1] Dixon, S. (2006). Onset detection revisited. Proceedings of the 9th International
   Conference on Digital Audio Effects (DAFx), 133-137 (spectral flux on compressed bands).
.. [2] Böck, S., Krebs, F., & Schedl, M. (2012). Evaluating the online capabilities of onset
   detection methods. ISMIR (logarithmic band compression, peak picking against a local mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .features import BandSpectrogram, centred_window, frames_in

GROUPS_HZ = {"low": (0.0, 250.0), "mid": (250.0, 2000.0), "high": (2000.0, np.inf)}
"""Frequency range of each group in Hz."""

ONSET_COMPRESSION = 1000.0
ACCENT_COMPRESSION = 1.0
"""``c`` in ``log(1 + c * power / reference)``, the reference being each band's 95th-percentile power."""

AUDIBLE_DB = 40.0
"""Frames within this many dB of the song's loud level count as audible."""

FLUX_LAG_SECONDS = 0.02
"""Flux compares each frame with the one this much earlier."""

LOUD_PERCENTILE = 95.0
"""Percentile of a band's power over the song taken as its loud level (the compressions' reference)."""

PEAK_NEIGHBOURHOOD_SECONDS = 0.09
"""A local peak of the flux is the largest value within this span around it."""

ONSET_THRESHOLD = 0.15
"""Onset strength (loud onsets are near 1) a peak needs above the local mean to count as an onset."""

ONSET_MIN_GAP_SECONDS = 0.03
ONSET_MEAN_SECONDS = 0.2
"""Onsets are the largest peak within ``ONSET_MIN_GAP_SECONDS`` on either side, measured against the
mean strength over ``ONSET_MEAN_SECONDS``."""


@dataclass(frozen=True)
class OnsetEnvelopes:
    """Onset strength, accent strength and level of each group, one value per spectrogram frame.

    Attributes
    ----------
    onsets : dict of str to np.ndarray [shape=(n_frames,)]
        Log-compressed flux of ``low``, ``mid`` and ``high``, scaled so loud onsets are near 1.
    accents : dict of str to np.ndarray [shape=(n_frames,)]
        Mildly compressed flux of the same groups, scaled the same way.
    level : dict of str to np.ndarray [shape=(n_frames,)]
        Log-compressed power of each group (how present it is, not its onsets).
    frame_rate : float
        Frames per second.
    """

    onsets: dict[str, np.ndarray]
    accents: dict[str, np.ndarray]
    level: dict[str, np.ndarray]
    frame_rate: float

    @property
    def all(self) -> np.ndarray:
        """Onset strength of all groups together."""
        return np.sum(list(self.onsets.values()), axis=0) / len(self.onsets)


def loud_level(values: np.ndarray, axis: int | None = None) -> np.ndarray:
    """The loud level of ``values`` over the song (its ``LOUD_PERCENTILE``), along ``axis`` (frames)."""
    return np.asarray(np.percentile(values, LOUD_PERCENTILE, axis=axis))


def audible(spectrogram: BandSpectrogram) -> np.ndarray:
    """Whether each frame is audible: its total power within ``AUDIBLE_DB`` of the song's loud level."""
    power_db = 10.0 * np.log10(spectrogram.power.sum(axis=1, dtype=np.float64) + 1e-20)
    return np.asarray(power_db > loud_level(power_db) - AUDIBLE_DB)


def relative_power(power: np.ndarray) -> np.ndarray:
    """``power`` (frames x bands) divided by each band's loud level."""
    power = power.astype(np.float64)
    return power / np.maximum(loud_level(power, axis=0), 1e-10)


def band_levels(power: np.ndarray) -> np.ndarray:
    """Log-compressed level of every frame and band of ``power``, as the onsets compress it."""
    return np.log1p(ONSET_COMPRESSION * relative_power(power))


def onset_envelopes(spectrogram: BandSpectrogram) -> OnsetEnvelopes:
    """Per-group onset and accent strength and level of ``spectrogram``."""
    power = spectrogram.power
    relative = relative_power(power)
    lag = frames_in(FLUX_LAG_SECONDS, spectrogram.frame_rate)
    peak_frames = frames_in(PEAK_NEIGHBOURHOOD_SECONDS, spectrogram.frame_rate, minimum=3)
    onsets, accents, level = {}, {}, {}
    for name, (low_hz, high_hz) in GROUPS_HZ.items():
        bands = relative[:, spectrogram.bands_between(low_hz, high_hz)]
        if bands.shape[1] == 0:
            bands = np.zeros((len(power), 1))
        logarithmic = np.log1p(ONSET_COMPRESSION * bands)
        onsets[name] = _normalized_flux(logarithmic, lag, peak_frames)
        accents[name] = _normalized_flux(np.log1p(ACCENT_COMPRESSION * bands), lag, peak_frames)
        level[name] = logarithmic.mean(axis=1)
    return OnsetEnvelopes(onsets, accents, level, spectrogram.frame_rate)


def _normalized_flux(compressed: np.ndarray, lag: int, peak_frames: int) -> np.ndarray:
    """Mean rise of ``compressed`` (frames x bands) over ``lag`` frames, scaled so loud onsets are near 1.

    Before the first frame there is silence, so a hit at 0 s is an onset.
    """
    previous = np.vstack([np.zeros((lag, compressed.shape[1])), compressed[:-lag]])
    flux = np.maximum(compressed - previous, 0.0).mean(axis=1)
    scale = _loud_onset_level(flux, peak_frames)
    return flux / scale if scale > 0 else flux


def _loud_onset_level(envelope: np.ndarray, peak_frames: int) -> float:
    """The typical height of the strong onsets in ``envelope`` (99th percentile of its local peaks)."""
    peaks = envelope[(envelope > 0) & (envelope == ndimage.maximum_filter1d(envelope, peak_frames))]
    return float(np.percentile(peaks, 99)) if len(peaks) else 0.0


def onset_times(
    envelopes: OnsetEnvelopes, threshold: float = ONSET_THRESHOLD, min_gap: float = ONSET_MIN_GAP_SECONDS
) -> np.ndarray:
    """Times of note and drum onsets in seconds: peaks of the overall onset strength.

    A frame is an onset when it is the maximum within ``min_gap`` seconds on
    either side and exceeds ``threshold`` plus the local mean over ``ONSET_MEAN_SECONDS``.
    """
    if threshold < 0 or min_gap <= 0:
        raise ValueError(f"threshold must be >= 0 and min_gap > 0, got {threshold} and {min_gap}")
    strength = envelopes.all
    local_max = strength == ndimage.maximum_filter1d(strength, centred_window(min_gap, envelopes.frame_rate))
    local_mean = ndimage.uniform_filter1d(strength, frames_in(ONSET_MEAN_SECONDS, envelopes.frame_rate, minimum=3))
    frames = np.flatnonzero(local_max & (strength > local_mean + threshold))
    return frames / envelopes.frame_rate
