"""The analysis pipeline: an audio file in, a validated ``BeatData`` out.

decode (streamed, decimated) -> band spectrograms -> beat and downbeat
activations (a small network, ``activations``) -> tempo, beats, meter and bar
positions decoded together (``bar_tracker``) -> bar features -> sections and
drops; energy envelopes and onset times alongside.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import numpy as np

from addon.core.beatfile import AudioInfo, BeatData
from addon.core.files import file_sha256

from . import activations, audio, bar_tracker, energy, features, onsets, sections

ANALYZER = {"name": "toonbeat", "version": "2"}

TEMPO_WINDOW_BEATS = 8
"""The tempo is the median over the song of the mean beat interval within this many beats."""

Progress = Callable[[float, str], None]
"""Called with the fraction done (0..1) and what the analysis is doing."""


def analyze_file(path: str | os.PathLike[str], *, progress: Progress | None = None) -> BeatData:
    """Analyze the audio file at ``path``: tempo, beats, downbeats, sections, drops, onsets and energy.

    Raises ``ToonbeatError`` naming the file and the problem when it is missing,
    not audio, corrupt, truncated, silent or shorter than 2 seconds.
    """
    report = progress or (lambda _fraction, _stage: None)
    report(0.0, "decoding")
    source = audio.open_audio(path)
    spectrogram = features.band_spectrogram(_reporting(audio.mono_blocks(source), source, report), source.sample_rate)
    report(0.6, "hashing")
    info = AudioInfo(
        path=str(path),
        duration=spectrogram.duration,
        sample_rate=source.sample_rate,
        channels=source.channels,
        sha256=file_sha256(path),
    )
    report(0.7, "analyzing")
    data = analyze_spectrogram(spectrogram, info)
    report(1.0, "done")
    return data


def _reporting(blocks: Iterator[np.ndarray], source: audio.AudioSource, report: Progress) -> Iterator[np.ndarray]:
    """Pass ``blocks`` on, reporting decoding progress (0 to 0.6 of the whole analysis)."""
    decoded = 0
    for block in blocks:
        decoded += len(block)
        report(0.6 * min(decoded / max(source.frames, 1), 1.0), "decoding")
        yield block


def analyze_spectrogram(spectrogram: features.BandSpectrogram, info: AudioInfo) -> BeatData:
    """Everything ``analyze_file`` finds, from an already computed band spectrogram."""
    envelopes = onsets.onset_envelopes(spectrogram)
    bars = bar_tracker.track(activations.activations(spectrogram))
    beat_times = np.clip(bars.beats, 0.0, spectrogram.duration)
    downbeat_times = beat_times[bars.positions == 1]
    tempo = tempo_of(beat_times)
    levels = onsets.band_levels(spectrogram.power)
    bar_lines = _bar_lines(downbeat_times, bars.beats_per_bar * 60.0 / tempo, spectrogram.duration)
    low_bands = spectrogram.band_low_hz < onsets.GROUPS_HZ["low"][1]
    bar_description = sections.bar_features(envelopes, levels, low_bands, bar_lines)
    section_list, drops = sections.sections_and_drops(bar_description, spectrogram.duration)

    return BeatData(
        tempo=round(tempo, 3),
        beats=tuple(np.round(beat_times, 4).tolist()),
        beat_positions=tuple(int(p) for p in bars.positions),
        beats_per_bar=bars.beats_per_bar,
        downbeats=tuple(np.round(downbeat_times, 4).tolist()),
        onsets=tuple(np.round(onsets.onset_times(envelopes), 4).tolist()),
        sections=tuple(section_list),
        drops=tuple(drops),
        energy=energy.envelopes(spectrogram),
        audio=info,
        analyzer=dict(ANALYZER),
    )


def tempo_of(beat_times: np.ndarray) -> float:
    """The song's tempo (BPM) from its beats (seconds): the median of local mean beat intervals.

    Local means over ``TEMPO_WINDOW_BEATS`` beats average out the beats'
    frame-rate jitter; the median over the song ignores intros and tempo changes
    shorter than half of it. Fewer than two beats give ``bar_tracker.MIN_BPM``.
    """
    intervals = np.diff(beat_times)
    if len(intervals) == 0:
        return bar_tracker.MIN_BPM
    window = min(TEMPO_WINDOW_BEATS, len(intervals))
    local = np.convolve(intervals, np.ones(window) / window, mode="valid")
    return float(60.0 / np.median(local))


def _bar_lines(downbeat_times: np.ndarray, bar_seconds: float, duration: float) -> np.ndarray:
    """Bar lines (seconds): the downbeats, plus the end of the last bar (or of the song)."""
    if len(downbeat_times) == 0:
        return np.arange(0.0, duration + bar_seconds, bar_seconds)
    last_end = min(duration, downbeat_times[-1] + bar_seconds)
    lines = np.concatenate([downbeat_times, [last_end]]) if last_end > downbeat_times[-1] else downbeat_times
    return lines if len(lines) > 1 else np.array([0.0, duration])
