"""Loudness for video: ITU-R BS.1770-4 integrated loudness, true peak, and normalisation.

Audio arrays are ``(channels, samples)`` float arrays in -1..1 (a 1-D array is mono).
Only mono and stereo are weighted (every channel weight is 1.0, as for L, R and C).
The K-weighting filter is derived for any sample rate from the analogue prototype,
so 32, 44.1 and 48 kHz all measure the same; at 48 kHz it reproduces the
coefficients printed in the recommendation.

Examples
--------
>>> import numpy as np
>>> sr = 48_000
>>> tone = 10 ** (-23 / 20) * np.sin(2 * np.pi * 997 * np.arange(10 * sr) / sr)
>>> round(integrated_loudness(np.stack([tone, tone]), sr), 1)
-23.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

BLOCK_SECONDS = 0.4
BLOCK_STEP_SECONDS = 0.1
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
TRUE_PEAK_OVERSAMPLING = 4
LIMITER_LOOKAHEAD_SECONDS = 0.005
MAX_LIMITING_DB = 6.0


@dataclass(frozen=True)
class LoudnessReport:
    """What normalisation did: loudness in LUFS, peaks in dBTP, gain in dB."""

    input_lufs: float
    output_lufs: float
    input_true_peak_db: float
    output_true_peak_db: float
    gain_db: float
    limited: bool


def k_weighting(sr: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BS.1770 K-weighting as two biquads ``(b_shelf, a_shelf, b_highpass, a_highpass)`` at ``sr`` Hz."""
    gain_db, shelf_q, shelf_hz = 3.999843853973347, 0.7071752369554196, 1681.974450955533
    k = np.tan(np.pi * shelf_hz / sr)
    v_high = 10 ** (gain_db / 20)
    v_band = v_high**0.4996667741545416
    a0 = 1 + k / shelf_q + k * k
    b_shelf = np.array([v_high + v_band * k / shelf_q + k * k, 2 * (k * k - v_high),
                        v_high - v_band * k / shelf_q + k * k]) / a0
    a_shelf = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / shelf_q + k * k) / a0])
    highpass_q, highpass_hz = 0.5003270373238773, 38.13547087602444
    k = np.tan(np.pi * highpass_hz / sr)
    a0 = 1 + k / highpass_q + k * k
    b_highpass = np.array([1.0, -2.0, 1.0])
    a_highpass = np.array([1.0, 2 * (k * k - 1) / a0, (1 - k / highpass_q + k * k) / a0])
    return b_shelf, a_shelf, b_highpass, a_highpass


def integrated_loudness(audio: np.ndarray, sr: int) -> float:
    """Gated integrated loudness in LUFS (``-inf`` for silence or audio shorter than one 400 ms block).

    Parameters
    ----------
    audio : np.ndarray, shape ``(channels, samples)`` or ``(samples,)``
    sr : int, sample rate in Hz
    """
    channels = _as_channels(audio)
    b_shelf, a_shelf, b_highpass, a_highpass = k_weighting(sr)
    weighted = signal.lfilter(b_highpass, a_highpass, signal.lfilter(b_shelf, a_shelf, channels, axis=1), axis=1)
    block, step = round(BLOCK_SECONDS * sr), round(BLOCK_STEP_SECONDS * sr)
    if weighted.shape[1] < block:
        return float("-inf")
    squares = np.cumsum(np.pad(weighted**2, ((0, 0), (1, 0))), axis=1)
    starts = np.arange(0, weighted.shape[1] - block + 1, step)
    power = ((squares[:, starts + block] - squares[:, starts]) / block).sum(axis=0)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(power)
    gated = power[block_lufs > ABSOLUTE_GATE_LUFS]
    if gated.size == 0:
        return float("-inf")
    relative_gate = -0.691 + 10 * np.log10(gated.mean()) + RELATIVE_GATE_LU
    gated = power[(block_lufs > ABSOLUTE_GATE_LUFS) & (block_lufs > relative_gate)]
    return float(-0.691 + 10 * np.log10(gated.mean()))


def true_peak_db(audio: np.ndarray) -> float:
    """Peak of the 4x oversampled signal in dBTP (``-inf`` for silence)."""
    peak = float(_oversampled_peaks(_as_channels(audio)).max(initial=0.0))
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def normalize_loudness(audio: np.ndarray, sr: int, target_lufs: float = -14.0,
                       true_peak_ceiling_db: float = -1.0) -> tuple[np.ndarray, LoudnessReport]:
    """Scale ``audio`` to ``target_lufs`` without letting the true peak pass ``true_peak_ceiling_db``.

    Where the gain alone would push peaks past the ceiling, a look-ahead peak limiter
    (5 ms) holds them down, and the gain is raised again to make up the loudness the
    limiter took, but peaks are never pressed down by more than ``MAX_LIMITING_DB``:
    very peaky audio then stays quieter than the target (the report says how loud it
    is). Silence is returned unchanged.

    Returns
    -------
    audio : np.ndarray, same shape as the input, float32
    report : LoudnessReport
    """
    channels = _as_channels(audio)
    input_lufs, input_peak = integrated_loudness(channels, sr), true_peak_db(channels)
    if not np.isfinite(input_lufs):
        return audio.astype(np.float32), LoudnessReport(input_lufs, input_lufs, input_peak, input_peak, 0.0, False)
    max_gain_db = true_peak_ceiling_db - input_peak + MAX_LIMITING_DB
    gain_db, limited, output = min(target_lufs - input_lufs, max_gain_db), False, channels
    for _ in range(4):
        output = channels * 10 ** (gain_db / 20)
        if true_peak_db(output) > true_peak_ceiling_db:
            output, limited = limit_true_peak(output, true_peak_ceiling_db, sr), True
        shortfall = target_lufs - integrated_loudness(output, sr)
        if abs(shortfall) < 0.05 or (gain_db >= max_gain_db and shortfall > 0):
            break
        gain_db = min(gain_db + shortfall, max_gain_db)
    report = LoudnessReport(input_lufs, integrated_loudness(output, sr), input_peak, true_peak_db(output),
                            gain_db, limited)
    return output.reshape(audio.shape).astype(np.float32), report


def limit_true_peak(audio: np.ndarray, ceiling_db: float, sr: int) -> np.ndarray:
    """Hold the true peak of ``(channels, samples)`` audio at ``ceiling_db`` with a smooth look-ahead gain.

    The gain curve is a moving minimum of the gain each sample needs, smoothed by a
    Hann window no wider than that minimum, so it never exceeds what any peak needs
    and it moves in at least 5 ms, without clicks.
    """
    ceiling = 10 ** (ceiling_db / 20)
    peaks = _oversampled_peaks(audio).reshape(audio.shape[0], -1, TRUE_PEAK_OVERSAMPLING).max(axis=(0, 2))
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    half_width = max(1, round(LIMITER_LOOKAHEAD_SECONDS * sr))
    held = ndimage.minimum_filter1d(needed, size=2 * half_width + 1, mode="nearest")
    window = np.hanning(2 * half_width + 3)[1:-1]
    gain = np.convolve(np.pad(held, half_width, mode="edge"), window / window.sum(), mode="valid")
    limited = audio * gain
    overshoot = float(_oversampled_peaks(limited).max(initial=0.0)) / ceiling
    return limited / overshoot if overshoot > 1.0 else limited


def _oversampled_peaks(channels: np.ndarray) -> np.ndarray:
    """Absolute values of the 4x polyphase-oversampled channels, shape ``(channels, 4 * samples)``."""
    return np.abs(signal.resample_poly(channels, TRUE_PEAK_OVERSAMPLING, 1, axis=1))


def _as_channels(audio: np.ndarray) -> np.ndarray:
    array = np.asarray(audio, dtype=np.float64)
    return array[np.newaxis, :] if array.ndim == 1 else array
