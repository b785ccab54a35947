"""Band spectrogram: the one time-frequency view every analysis step is computed from.

Audio arrives as mono blocks at the file's sample rate. It is low-passed (an
8th-order Butterworth, applied as its impulse response) and decimated by an
integer factor to about 22 kHz, cut into Hann-windowed frames
of about 46 ms every ``1 / FRAME_RATE`` seconds (frame ``i`` is centred on
``i / frame_rate`` seconds), and each frame's power spectrum is summed into
third-octave bands. Only the band powers are kept, so a long file never needs
its samples or its full spectrogram in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view

TARGET_RATE = 22050.0
"""Audio is decimated by an integer factor to the sample rate nearest this (Hz)."""

FRAME_RATE = 100.0
"""Approximate analysis frames per second; the exact value is ``BandSpectrogram.frame_rate``."""

ANTI_ALIAS_ORDER = 8
ANTI_ALIAS_CUTOFF = 0.45
"""Before decimating, a Butterworth low-pass of this order, its cutoff this fraction of the decimated rate."""

_RESPONSE_FLOOR = 1e-9
"""The low-pass's impulse response is cut where it stays below this fraction of its peak (under float32's
resolution), so filtering by it equals the recursive filter's output."""

BAND_EDGES_HZ = (
    40.0,
    63.0,
    100.0,
    125.0,
    160.0,
    200.0,
    250.0,
    315.0,
    400.0,
    500.0,
    630.0,
    800.0,
    1000.0,
    1250.0,
    1600.0,
    2000.0,
    2500.0,
    3150.0,
    4000.0,
    5000.0,
    6300.0,
    8000.0,
    10000.0,
)
"""Lower edges of the bands above the first one (which starts above 0 Hz), in Hz."""

FINE_BANDS_PER_OCTAVE = 6
FINE_LOWEST_HZ = 30.0
FINE_HIGHEST_HZ = 11000.0
FINE_MIN_WIDTH_HZ = 2 * TARGET_RATE / 1024
"""The fine bands (the beat tracker's input) run from ``FINE_LOWEST_HZ`` to ``FINE_HIGHEST_HZ``,
``FINE_BANDS_PER_OCTAVE`` to the octave but never narrower than two FFT bins at the target rate (Hz)."""


def fine_band_edges() -> np.ndarray:
    """Edges (Hz) of the fine bands, lowest first: band ``k`` spans ``[edges[k], edges[k + 1])``.

    The edges do not depend on the file's sample rate, so every file gives the
    tracker the same number of bands (those above a low rate's Nyquist stay 0).
    """
    edges = [FINE_LOWEST_HZ]
    while edges[-1] < FINE_HIGHEST_HZ:
        wider = max(edges[-1] * 2.0 ** (1 / FINE_BANDS_PER_OCTAVE), edges[-1] + FINE_MIN_WIDTH_HZ)
        edges.append(min(wider, FINE_HIGHEST_HZ))
    return np.array(edges)


def frames_in(seconds: float, frame_rate: float, minimum: int = 1) -> int:
    """The whole number of frames nearest to ``seconds`` at ``frame_rate``, at least ``minimum``.

    Every analysis window is declared in seconds and converted here, so a
    different frame rate keeps the windows' lengths in time.
    """
    if seconds < 0 or frame_rate <= 0:
        raise ValueError(f"seconds must be >= 0 and frame_rate > 0, got {seconds} and {frame_rate}")
    return max(minimum, round(seconds * frame_rate))


def centred_window(reach_seconds: float, frame_rate: float) -> int:
    """Width in frames (odd, at least 3) of a window reaching ``reach_seconds`` on either side of its frame."""
    return 2 * frames_in(reach_seconds, frame_rate) + 1


_FRAMES_PER_BATCH = 2048


@dataclass(frozen=True)
class BandSpectrogram:
    """Power per band and frame of a mono signal.

    Attributes
    ----------
    power : np.ndarray [shape=(n_frames, n_bands), dtype=float32]
        Sum of the squared STFT magnitudes of the bins in each third-octave band.
    band_low_hz : np.ndarray [shape=(n_bands,)]
        Lower edge of each band in Hz; a band reaches up to the next one's edge
        (the last one up to the Nyquist frequency).
    fine_power : np.ndarray [shape=(n_frames, n_fine_bands), dtype=float32]
        The same power in the narrower bands of ``fine_band_edges()`` (the beat tracker's input).
    frame_rate : float
        Frames per second; frame ``i`` is centred on ``i / frame_rate`` seconds.
    duration : float
        Length of the signal in seconds.
    """

    power: np.ndarray
    band_low_hz: np.ndarray
    fine_power: np.ndarray
    frame_rate: float
    duration: float

    def bands_between(self, low_hz: float, high_hz: float) -> np.ndarray:
        """Indices of the bands whose lower edge lies in ``[low_hz, high_hz)``."""
        return np.flatnonzero((self.band_low_hz >= low_hz) & (self.band_low_hz < high_hz))


class _Framer:
    """Turns a stream of mono blocks into band powers, carrying filter state and overlap."""

    def __init__(self, sample_rate: int, frame_rate: float) -> None:
        self.factor = max(1, round(sample_rate / TARGET_RATE))
        self.rate = sample_rate / self.factor
        self.n_fft = 1024 if self.rate > 12000 else 512
        self.hop = max(1, round(self.rate / frame_rate))
        self.window = periodic_hann(self.n_fft)
        self.band_of_bin, self.band_low_hz = _bin_bands(self.n_fft, self.rate)
        fine_edges = fine_band_edges()
        self.fine_low_hz = fine_edges[:-1]
        bin_hz = np.arange(self.n_fft // 2 + 1) * self.rate / self.n_fft
        fine_bin = np.searchsorted(fine_edges, bin_hz, side="right") - 1
        self.fine_band_of_bin = np.where(fine_bin < len(self.fine_low_hz), fine_bin, -1)
        self.decimator = Decimator(sample_rate, self.factor) if self.factor > 1 else None
        self.buffer = np.zeros(self.n_fft // 2, dtype=np.float32)
        self.frames: list[np.ndarray] = []
        self.fine_frames: list[np.ndarray] = []
        self.samples_in = 0

    def push(self, block: np.ndarray) -> None:
        """Add the next mono block (float, at the input sample rate)."""
        self.samples_in += len(block)
        if self.decimator is not None:
            block = self.decimator.push(block)
        self.buffer = np.concatenate([self.buffer, block.astype(np.float32, copy=False)])
        self._emit_frames()

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """Flush the last frames; returns the band and fine band powers of the whole stream."""
        self.buffer = np.concatenate([self.buffer, np.zeros(self.n_fft // 2, dtype=np.float32)])
        self._emit_frames()
        if not self.frames:
            return (
                np.zeros((0, len(self.band_low_hz)), dtype=np.float32),
                np.zeros((0, len(self.fine_low_hz)), dtype=np.float32),
            )
        return np.concatenate(self.frames), np.concatenate(self.fine_frames)

    def _emit_frames(self) -> None:
        count = (len(self.buffer) - self.n_fft) // self.hop + 1
        if count <= 0:
            return
        windows = sliding_window_view(self.buffer, self.n_fft)[: count * self.hop : self.hop]
        for start in range(0, count, _FRAMES_PER_BATCH):
            spectrum = scipy.fft.rfft(windows[start : start + _FRAMES_PER_BATCH] * self.window, axis=1)
            power = spectrum.real**2 + spectrum.imag**2
            banded = np.zeros((len(power), len(self.band_low_hz)), dtype=np.float32)
            _sum_bins(power, self.band_of_bin, banded)
            self.frames.append(banded)
            fine = np.zeros((len(power), len(self.fine_low_hz)), dtype=np.float32)
            _sum_bins(power, self.fine_band_of_bin, fine)
            self.fine_frames.append(fine)
        self.buffer = self.buffer[count * self.hop :]


class Decimator:
    """Low-passes a stream of blocks and keeps every ``factor``-th sample, carrying the filter's history.

    The filter runs as a polyphase FIR: each of the ``factor`` phases of the
    impulse response is convolved only with the input samples that reach a
    kept output, so no output that is thrown away is computed.
    """

    def __init__(self, sample_rate: int, factor: int) -> None:
        self.factor = factor
        response = butterworth_lowpass_response(ANTI_ALIAS_ORDER, ANTI_ALIAS_CUTOFF * sample_rate / factor, sample_rate)
        padded = np.zeros(-(-len(response) // factor) * factor)
        padded[: len(response)] = response
        self.phases = [padded[offset::factor] for offset in range(factor)]
        self.history = np.zeros(len(padded) - 1, dtype=np.float32)
        self.samples_in = 0

    def push(self, block: np.ndarray) -> np.ndarray:
        """The kept, filtered samples of the next block (those at multiples of ``factor`` in the whole stream)."""
        extended = np.concatenate([self.history, block.astype(np.float32, copy=False)])
        first = (-self.samples_in) % self.factor
        count = len(range(first, len(block), self.factor))
        kept = np.zeros(count)
        for offset, phase in enumerate(self.phases):
            kept += np.convolve(extended[first + self.factor - 1 - offset :: self.factor], phase, mode="valid")[:count]
        self.history = extended[len(extended) - len(self.history) :]
        self.samples_in += len(block)
        return kept


def periodic_hann(length: int) -> np.ndarray:
    """The periodic Hann window of ``length`` samples (float32), as ``scipy.signal.get_window("hann", length)``."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)).astype(np.float32)


def butterworth_lowpass_response(order: int, cutoff_hz: float, sample_rate: float, grid: int = 1 << 14) -> np.ndarray:
    """Impulse response of the Butterworth low-pass ``scipy.signal.butter`` designs, cut at ``_RESPONSE_FLOOR``.

    The analog prototype's poles, scaled to the pre-warped cutoff, are mapped
    by the bilinear transform (every zero at z = -1); the response on the unit
    circle, sampled at ``grid`` points, is transformed back to time. Filtering
    with it equals the recursive filter's output to about 1e-8, without
    importing ``scipy.signal`` (over a second at start-up since SciPy 1.17).
    """
    if not 0 < cutoff_hz < sample_rate / 2:
        raise ValueError(f"cutoff must lie between 0 and {sample_rate / 2} Hz, got {cutoff_hz}")
    warped = 4 * np.tan(np.pi * cutoff_hz / sample_rate)
    analog_poles = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order)) * warped
    poles = (4 + analog_poles) / (4 - analog_poles)
    gain = warped**order / np.real(np.prod(4 - analog_poles))
    delay = np.exp(-2j * np.pi * np.arange(grid // 2 + 1) / grid)
    spectrum = gain * (1 + delay) ** order / np.prod(1 - poles[:, None] * delay[None, :], axis=0)
    response = scipy.fft.irfft(spectrum, grid)
    above = np.flatnonzero(np.abs(response) > _RESPONSE_FLOOR * np.abs(response).max())
    return response[: above[-1] + 1]


def _sum_bins(power: np.ndarray, band_of_bin: np.ndarray, out: np.ndarray) -> None:
    """Sum the columns of ``power`` into ``out`` by band (bins with band -1 are dropped)."""
    boundaries = np.flatnonzero(np.diff(band_of_bin)) + 1
    starts = np.concatenate([[0], boundaries])
    sums = np.add.reduceat(power, starts, axis=1)
    bands = band_of_bin[starts]
    keep = bands >= 0
    out[:, bands[keep]] = sums[:, keep]


def _bin_bands(n_fft: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Band index of every FFT bin (-1 for DC) and each band's lower edge in Hz.

    Bands narrower than two bins are merged into their upper neighbour, so the
    lowest bands stay meaningful at coarse frequency resolution.
    """
    bin_hz = rate / n_fft
    edges = [edge for edge in BAND_EDGES_HZ if edge < 0.5 * rate - bin_hz]
    merged = [bin_hz]
    for edge in edges:
        if edge - merged[-1] >= 2 * bin_hz - 1e-9:
            merged.append(edge)
    low = np.array(merged)
    frequencies = np.arange(n_fft // 2 + 1) * bin_hz
    band_of_bin = np.searchsorted(low, frequencies, side="right") - 1
    band_of_bin[0] = -1
    return band_of_bin, low


def band_spectrogram(blocks: Iterable[np.ndarray], sample_rate: int, frame_rate: float = FRAME_RATE) -> BandSpectrogram:
    """Compute the band spectrogram of a stream of mono blocks.

    Parameters
    ----------
    blocks : iterable of np.ndarray [shape=(n,)]
        Consecutive mono sample blocks of any length, float.
    sample_rate : int
        Samples per second of ``blocks`` (Hz).
    frame_rate : float
        Approximate frames per second (the training script varies it to time-stretch songs).

    Returns
    -------
    BandSpectrogram
    """
    if sample_rate <= 0 or frame_rate <= 0:
        raise ValueError(f"sample_rate and frame_rate must be positive, got {sample_rate} and {frame_rate}")
    framer = _Framer(sample_rate, frame_rate)
    for block in blocks:
        framer.push(np.asarray(block))
    power, fine_power = framer.finish()
    duration = framer.samples_in / sample_rate
    exact_rate = framer.rate / framer.hop
    frames_in_audio = int(np.floor(duration * exact_rate)) + 1
    return BandSpectrogram(
        power[:frames_in_audio], framer.band_low_hz, fine_power[:frames_in_audio], exact_rate, duration
    )


def blocks_of(samples: np.ndarray, block_size: int = 1 << 18) -> Iterable[np.ndarray]:
    """Split an in-memory signal into mono blocks (multichannel ``(n, channels)`` is averaged)."""
    for start in range(0, len(samples), block_size):
        block = samples[start : start + block_size]
        yield block.mean(axis=1) if block.ndim == 2 else block
