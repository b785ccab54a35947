"""The analysis pipeline: an audio file in, a validated ``BeatData`` out.

decode (streamed, decimated) -> band spectrograms -> onset strength per range
-> tempo -> beats (tracked chain, then steady grids; the tempo level, the grid,
its double or a half, chosen by ``tempo_level``; moved half a beat when the
network hears the beat between them) -> meter and bar phase chosen together
from the network's downbeat activations at those beats and the music's
change from bar to bar (``downbeats``) -> bar features -> sections and drops; energy envelopes
and onset times alongside.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from addon.core.beatfile import AudioInfo, BeatData
from addon.core.files import file_sha256

from . import (
    TRACKERS,
    activations,
    audio,
    beat_this_tracker,
    beats,
    downbeats,
    energy,
    features,
    onsets,
    sections,
    tempo,
    tempo_level,
)

ANALYZER = {"name": "toonbeat", "version": "6"}

TEMPO_WINDOW_BEATS = 8
"""The tempo is the median over the song of the mean beat interval within this many beats."""

TEMPO_WINDOW_SPREAD = 0.06
"""A window of beats counts towards the tempo when each of its intervals is within this fraction of their mean."""

SALIENCE_WEIGHTS = {"low": 1.0, "mid": 0.5, "high": 0.3}
"""How much the squared accents of each range count towards beat salience (the kick carries the beat)."""

NETWORK_SALIENCE = 2.0
"""How much the network's beat probability counts towards beat salience, against the accents (both scaled to the
same 99th percentile). The accents place beats on the hits to the millisecond; the network, which learned from
annotated songs what a beat sounds like, keeps the chain on the beat where the loudest hits are not on it
(classical scores, syncopated bass lines, dotted rhythms). Chosen on the ``train`` split heard out of fold."""

TEMPO_WEIGHTS = {"low": 1.0, "mid": 0.6, "high": 0.6, "network": 0.6}
"""How much each range's periodicity counts towards the tempo (low accents, mid and high onsets, the network's
beat probability)."""

FAST_BPM = 150.0
"""Beats are split in two (see ``beats.split_if_too_slow``) only towards tempi from this to ``tempo.MAX_BPM``."""

TERNARY_SWITCH = 1.3
"""A tempo at one of ``tempo.ALTERNATIVE_RATIOS`` of the main one replaces it when its beats are this much more
salient (at 3:2 or 4:3 of the true tempo most beats fall between the drums)."""

Progress = Callable[[float, str], None]
"""Called with the fraction done (0..1) and what the analysis is doing."""


def analyze_file(
    path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    tracker: str = "toonbeat",
    beat_this_checkpoint: Path | None = None,
    ensemble: activations.Ensemble | None = None,
) -> BeatData:
    """Analyze the audio file at ``path``: tempo, beats, downbeats, sections, drops, onsets and energy.

    ``tracker`` ``"beat-this"`` takes the beats and downbeats from Beat This!
    (``beat_this_tracker``, with ``beat_this_checkpoint``) instead of Toonbeat's tracker;
    ``ensemble`` is the beat network Toonbeat's tracker hears the song with (the shipped one by default).
    Raises ``ToonbeatError`` naming the file and the problem when it is missing,
    not audio, corrupt, truncated, silent or shorter than 2 seconds, or when
    Beat This! or its checkpoint is missing.
    """
    if tracker not in TRACKERS:
        raise ValueError(f"tracker must be one of {TRACKERS}, got {tracker!r}")
    other_tracker = beat_this_tracker.load(beat_this_checkpoint) if tracker == "beat-this" else None
    report = progress or (lambda _fraction, _stage: None)
    report(0.0, "decoding")
    source = audio.open_audio(path)
    kept: list[np.ndarray] = []
    blocks = audio.mono_blocks(source) if other_tracker is None else _keeping(audio.mono_blocks(source), kept)
    spectrogram = features.band_spectrogram(_reporting(blocks, source, report), source.sample_rate)
    external = None
    if other_tracker is not None:
        report(0.6, "tracking beats with Beat This!")
        external = other_tracker(np.concatenate(kept), source.sample_rate)
    report(0.6, "hashing")
    info = AudioInfo(
        path=str(path),
        duration=spectrogram.duration,
        sample_rate=source.sample_rate,
        channels=source.channels,
        sha256=file_sha256(path),
    )
    report(0.7, "analyzing")
    data = analyze_spectrogram(spectrogram, info, external, ensemble)
    report(1.0, "done")
    return data


def _keeping(blocks: Iterator[np.ndarray], kept: list[np.ndarray]) -> Iterator[np.ndarray]:
    """Pass ``blocks`` on, keeping each in ``kept``."""
    for block in blocks:
        kept.append(block)
        yield block


def _reporting(blocks: Iterator[np.ndarray], source: audio.AudioSource, report: Progress) -> Iterator[np.ndarray]:
    """Pass ``blocks`` on, reporting decoding progress (0 to 0.6 of the whole analysis)."""
    decoded = 0
    for block in blocks:
        decoded += len(block)
        report(0.6 * min(decoded / max(source.frames, 1), 1.0), "decoding")
        yield block


def analyze_spectrogram(
    spectrogram: features.BandSpectrogram,
    info: AudioInfo,
    external: tuple[np.ndarray, np.ndarray] | None = None,
    ensemble: activations.Ensemble | None = None,
) -> BeatData:
    """Everything ``analyze_file`` finds, from an already computed band spectrogram.

    ``external`` are beat and downbeat times (seconds) from another tracker, used instead of Toonbeat's
    (heard by the beat network ``ensemble``, the shipped one by default).
    """
    envelopes = onsets.onset_envelopes(spectrogram)
    levels = onsets.band_levels(spectrogram.power)
    if external is None:
        beat_times, bars = _beats_and_bars(spectrogram, envelopes, levels, ensemble)
    else:
        beat_times = np.clip(np.sort(external[0]), 0.0, spectrogram.duration)
        bars = beat_this_tracker.bars_of(beat_times, external[1])
    downbeat_times = beat_times[bars.positions == 1]
    song_tempo = tempo_of(beat_times)
    bar_lines = _bar_lines(downbeat_times, bars.beats_per_bar * 60.0 / song_tempo, spectrogram.duration)
    low_bands = spectrogram.band_low_hz < onsets.GROUPS_HZ["low"][1]
    bar_description = sections.bar_features(envelopes, levels, low_bands, bar_lines)
    section_list, drops = sections.sections_and_drops(bar_description, spectrogram.duration)

    return BeatData(
        tempo=round(song_tempo, 3),
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


def _beats_and_bars(
    spectrogram: features.BandSpectrogram,
    envelopes: onsets.OnsetEnvelopes,
    levels: np.ndarray,
    ensemble: activations.Ensemble | None,
) -> tuple[np.ndarray, downbeats.Bars]:
    """Toonbeat's beats (seconds) and bars, heard by ``ensemble`` (the shipped one when None)."""
    network = activations.activations(spectrogram, ensemble)
    beat_times = notated_beats(spectrogram, envelopes, network)
    evidence = downbeats.bar_evidence(spectrogram, envelopes, levels)
    return beat_times, downbeats.choose_bars(beat_times, network, evidence)


def notated_beats(
    spectrogram: features.BandSpectrogram, envelopes: onsets.OnsetEnvelopes, network: activations.Activations
) -> np.ndarray:
    """Toonbeat's beats (seconds): tracked, at the notated level, on the beat."""
    tracked = np.clip(beat_frames(spectrogram, envelopes, network) / spectrogram.frame_rate, 0.0, spectrogram.duration)
    notated = tempo_level.choose(tracked, network, tempo_level.spectral_flux(spectrogram, network.frame_rate))
    return beats.on_the_beat(notated, lambda times: network.near(times, downbeats.SEARCH_SECONDS)[0])


def beat_frames(
    spectrogram: features.BandSpectrogram, envelopes: onsets.OnsetEnvelopes, network: activations.Activations
) -> np.ndarray:
    """Beat positions in spectrogram frames: the tracked chain, steady grids, the tempo level checked."""
    frame_rate = spectrogram.frame_rate
    accents = beat_salience(envelopes)
    probability = network.beat_at(np.arange(len(accents)) / frame_rate)
    salience = accents + NETWORK_SALIENCE * _scaled_like(probability, accents)
    periodic = [
        envelopes.accents["low"],
        envelopes.onsets["mid"],
        envelopes.onsets["high"],
        _scaled_like(probability, envelopes.accents["low"]),
    ]
    curve = tempo.estimate(periodic, list(TEMPO_WEIGHTS.values()), frame_rate)
    audible = onsets.audible(spectrogram)
    onset_ranges = np.array(list(envelopes.onsets.values()))
    attack = (envelopes.onsets["mid"] + envelopes.onsets["high"]) / 2

    def beat_grid(candidate: tempo.TempoCurve) -> np.ndarray:
        chain = beats.track(salience, candidate.period_at(np.arange(len(salience))), frame_rate)
        grid = beats.steady_grid(chain.astype(float), salience, onset_ranges, audible, attack, frame_rate)
        return beats.split_if_too_slow(
            grid, salience, (60.0 * frame_rate / tempo.MAX_BPM, 60.0 * frame_rate / FAST_BPM), frame_rate
        )

    grid = beat_grid(curve)
    for bpm in curve.alternatives:
        other = beat_grid(curve.at_tempo(bpm))
        if beats.mean_salience(other, salience, frame_rate) > TERNARY_SWITCH * beats.mean_salience(
            grid, salience, frame_rate
        ):
            grid = other
    return grid


def beat_salience(envelopes: onsets.OnsetEnvelopes) -> np.ndarray:
    """How much each frame sounds like a beat: weighted squared accents, so the loudest hits lead."""
    return np.sum([weight * envelopes.accents[name] ** 2 for name, weight in SALIENCE_WEIGHTS.items()], axis=0)


def _scaled_like(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``values`` scaled so that their 99th percentile is ``reference``'s."""
    return values * (float(np.percentile(reference, 99)) / max(float(np.percentile(values, 99)), 1e-6))


def tempo_of(beat_times: np.ndarray) -> float:
    """The song's tempo (BPM) from its beats (seconds): the median of local mean beat intervals.

    Local means over ``TEMPO_WINDOW_BEATS`` beats average out the beats' frame-rate jitter; the
    median over the song ignores intros and tempo changes shorter than half of it. Windows that
    straddle a tempo change (an interval off their mean by more than ``TEMPO_WINDOW_SPREAD``) are left
    out while steady ones remain, and the median is the lower one, so a song that steps from one
    tempo to another gets one of them, never a tempo between. Fewer than two beats give ``tempo.MIN_BPM``.
    """
    intervals = np.diff(beat_times)
    if len(intervals) == 0:
        return tempo.MIN_BPM
    windows = np.lib.stride_tricks.sliding_window_view(intervals, min(TEMPO_WINDOW_BEATS, len(intervals)))
    local = windows.mean(axis=1)
    steady = np.all(np.abs(windows - local[:, None]) <= TEMPO_WINDOW_SPREAD * local[:, None], axis=1)
    return float(60.0 / np.quantile(local[steady] if steady.any() else local, 0.5, method="lower"))


def _bar_lines(downbeat_times: np.ndarray, bar_seconds: float, duration: float) -> np.ndarray:
    """Bar lines (seconds): the downbeats, plus the end of the last bar (or of the song)."""
    if len(downbeat_times) == 0:
        return np.arange(0.0, duration + bar_seconds, bar_seconds)
    last_end = min(duration, downbeat_times[-1] + bar_seconds)
    lines = np.concatenate([downbeat_times, [last_end]]) if last_end > downbeat_times[-1] else downbeat_times
    return lines if len(lines) > 1 else np.array([0.0, duration])
