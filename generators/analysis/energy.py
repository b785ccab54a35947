"""Loudness envelopes for driving effect strength: overall, low, mid and high bands."""

from __future__ import annotations

import numpy as np

from addon.core.beatfile import Energy

from .features import BandSpectrogram, frames_in

FRAME_RATE = 50.0
"""Envelope samples per second written to the beat file."""

SMOOTHING_SECONDS = 0.02
"""Band power is averaged over this span before it is sampled."""

DYNAMIC_RANGE_DB = 40.0
"""An envelope maps the loudest moment of its band to 1 and this many dB below it to 0."""

BANDS_HZ = {"overall": (0.0, np.inf), "low": (0.0, 200.0), "mid": (200.0, 2000.0), "high": (2000.0, np.inf)}
"""Frequency range of each envelope in Hz (the beat file schema documents the same split)."""

_SILENCE_DB = -120.0
"""Band power (dB of summed squared STFT magnitudes) treated as silence, so a silent band stays at 0."""


def envelopes(spectrogram: BandSpectrogram, frame_rate: float = FRAME_RATE) -> Energy:
    """Overall, low, mid and high loudness envelopes of ``spectrogram``.

    Each envelope is the band power in dB, smoothed over ``SMOOTHING_SECONDS``, sampled
    ``frame_rate`` times a second from 0 to the end of the audio, and scaled so
    that the band's loudest moment (99.5th percentile) is 1 and a level
    ``DYNAMIC_RANGE_DB`` below it is 0.
    """
    count = max(1, int(np.floor(spectrogram.duration * frame_rate)) + 1)
    times = np.arange(count) / frame_rate
    frame_times = np.arange(len(spectrogram.power)) / spectrogram.frame_rate
    taps = frames_in(SMOOTHING_SECONDS, spectrogram.frame_rate)
    values = {}
    for name, (low_hz, high_hz) in BANDS_HZ.items():
        power = spectrogram.power[:, spectrogram.bands_between(low_hz, high_hz)].sum(axis=1, dtype=np.float64)
        smoothed = np.convolve(power, np.full(taps, 1.0 / taps), mode="same") if len(power) > 1 else power
        level_db = 10.0 * np.log10(np.interp(times, frame_times, smoothed) + 1e-12)
        reference = max(float(np.percentile(level_db, 99.5)), _SILENCE_DB + DYNAMIC_RANGE_DB)
        scaled = np.clip((level_db - reference + DYNAMIC_RANGE_DB) / DYNAMIC_RANGE_DB, 0.0, 1.0)
        values[name] = tuple(np.round(scaled, 3).tolist())
    return Energy(frame_rate=frame_rate, **values)
