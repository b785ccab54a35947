"""Downbeats and meter: which beat of each bar is the first, and how many beats a bar has.

Every meter (3 or 4 beats) and phase (which beat of the song is a downbeat)
is a candidate for the song's bars. ``choose_bars`` scores each with a small
learned linear model (``models/bars.json``, trained by ``python -m
bench.train_bars``) over evidence the music carries on the candidate's
downbeats: the network's downbeat log-odds there, how much the spectrum, the
bass and the harmony change from the bar before to the bar after, how strong
the low-band (kick, bass) onsets are, whether the music's first beat (the
first with an onset on it, from the start of the sound on) and the beat
nearest the start of the sound are among them, and how well the meter's
bar-position chain explains the network's downbeat chances (``meter_fit``).
The candidate with the highest score gives every beat its position, one
phase for the whole song.

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
from pathlib import Path

import numpy as np

from . import tempo_level
from .activations import Activations, strongest_near
from .features import BandSpectrogram, fine_band_edges
from .onsets import OnsetEnvelopes, audible, relative_power
from .tempo_level import LevelModel

MODEL_PATH = Path(__file__).with_name("models") / "bars.json"

METERS = (3, 4)
"""Beats per bar the model knows."""

PHASE_JUMP_LOG_PROBABILITY = -8.0
"""Log-probability of leaving the regular bar cycle at a beat (a bar cut short or lengthened)."""

CERTAINTY_FLOOR = 0.05
"""The chance of a beat being (or not being) a downbeat is kept within ``[floor, 1 - floor]``."""

SEARCH_SECONDS = 0.04
"""A beat's activations are the strongest within this many seconds of it."""

FIRST_BEAT_ONSET = 0.3
"""Onset strength (the song's loud onsets are near 1) on the music's first beat: beats tracked through a quiet
or noisy lead-in before it have none."""

BASS_HZ = (30.0, 470.0)
HARMONY_HZ = (370.0, 4800.0)
"""Fine bands (lower edge in Hz) whose bar-to-bar change is the bass's and the harmony's."""

FINE_COMPRESSION = 1000.0
"""``c`` in ``log(1 + c * power / reference)`` of the fine bands (the reference: each band's loud level)."""

FEATURES = (
    "network downbeat log-odds on the candidate's downbeats",
    "band-level change from the bar before to the bar after them",
    "low-band onset strength on them",
    "harmonic change from bar to bar at them",
    "meter's bar-position log-likelihood per beat less the best meter's",
    "three beats to the bar",
    "the music's first beat is a downbeat",
    "bass change from bar to bar at them",
    "the beat nearest the start of the sound is a downbeat",
)
"""Evidence for one candidate (meter, phase); all but the meter's are standardized over the song's beats."""


@dataclass(frozen=True)
class Bars:
    """Each beat's position in its bar (1 = downbeat) and the song's meter."""

    positions: np.ndarray
    beats_per_bar: int


def downbeat_chance(beat_times: np.ndarray, activations: Activations) -> np.ndarray:
    """The chance that each beat (seconds) is a downbeat: downbeat over beat activation near it."""
    beat, downbeat = activations.near(beat_times, SEARCH_SECONDS)
    return np.clip(downbeat / np.maximum(beat, 1e-6), CERTAINTY_FLOOR, 1.0 - CERTAINTY_FLOOR)


@dataclass(frozen=True)
class BarEvidence:
    """What the bars are chosen from besides the network: per-frame levels and low-band onsets.

    Attributes
    ----------
    levels : np.ndarray [shape=(n_frames, n_bands)]
        Log-compressed band levels (``onsets.band_levels``).
    bass, harmony : np.ndarray [shape=(n_frames, n)]
        Log-compressed levels of the fine bands in ``BASS_HZ`` and ``HARMONY_HZ``.
    low_onsets : np.ndarray [shape=(n_frames,)]
        Onset strength of the low group (kick, bass).
    all_onsets : np.ndarray [shape=(n_frames,)]
        Onset strength of all groups together.
    sound_start : float
        Seconds from the start of the file to its first audible frame (``onsets.audible``).
    frame_rate : float
        Frames per second of all of them.
    """

    levels: np.ndarray
    bass: np.ndarray
    harmony: np.ndarray
    low_onsets: np.ndarray
    all_onsets: np.ndarray
    sound_start: float
    frame_rate: float


def load(path: Path = MODEL_PATH) -> LevelModel:
    """The shipped bar model: ``tempo_level``'s linear score over ``FEATURES`` (read once per process)."""
    return tempo_level.load(path, FEATURES, "bench.train_bars")


def bar_evidence(spectrogram: BandSpectrogram, envelopes: OnsetEnvelopes, levels: np.ndarray) -> BarEvidence:
    """The ``BarEvidence`` of a song from its spectrogram, onset envelopes and band ``levels``."""
    low_edges = fine_band_edges()[:-1]

    def between(range_hz: tuple[float, float]) -> np.ndarray:
        bands = spectrogram.fine_power[:, (low_edges >= range_hz[0]) & (low_edges < range_hz[1])]
        return np.log1p(FINE_COMPRESSION * relative_power(bands))

    audible_frames = np.flatnonzero(audible(spectrogram))
    sound_start = float(audible_frames[0]) / spectrogram.frame_rate if len(audible_frames) else 0.0
    return BarEvidence(
        levels, between(BASS_HZ), between(HARMONY_HZ), envelopes.onsets["low"], envelopes.all, sound_start,
        spectrogram.frame_rate,
    )


def candidates() -> list[tuple[int, int]]:
    """Every (meter, phase) of ``METERS``: beat ``i`` of the song is a downbeat when ``i % meter == phase``."""
    return [(meter, phase) for meter in METERS for phase in range(meter)]


def bar_features(beat_times: np.ndarray, network: Activations, evidence: BarEvidence) -> np.ndarray:
    """``FEATURES`` of every one of ``candidates()`` for the beats ``beat_times`` (seconds)."""
    chance = downbeat_chance(beat_times, network)
    log_odds = _standardized(np.log(chance / (1.0 - chance)))
    low = _standardized(strongest_near(evidence.low_onsets, beat_times, SEARCH_SECONDS, evidence.frame_rate))
    fits = {meter: meter_fit(chance, meter) for meter in METERS}
    first, nearest = first_beat(beat_times, evidence), beat_nearest_sound_start(beat_times, evidence)
    frames = beat_times * evidence.frame_rate
    per_beat = [beat_means(values, frames) for values in (evidence.levels, evidence.harmony, evidence.bass)]
    index = np.arange(len(beat_times))
    rows = []
    for meter in METERS:
        novelty, harmony, bass = (_standardized(bar_novelty(values, meter)) for values in per_beat)
        for phase in range(meter):
            on = index % meter == phase
            rows.append(
                [
                    *(_mean_on(values, on) for values in (log_odds, novelty, low, harmony)),
                    fits[meter] - max(fits.values()),
                    float(meter == 3),
                    float(first % meter == phase),
                    _mean_on(bass, on),
                    float(nearest % meter == phase),
                ]
            )
    return np.array(rows, dtype=np.float64).reshape(-1, len(FEATURES))


def first_beat(beat_times: np.ndarray, evidence: BarEvidence) -> int:
    """The index of the music's first beat: the first from the start of the sound on with an onset on it (the
    beat nearest the start when none has)."""
    if len(beat_times) == 0:
        return 0
    strength = strongest_near(evidence.all_onsets, beat_times, SEARCH_SECONDS, evidence.frame_rate)
    sounding = np.flatnonzero((beat_times >= evidence.sound_start - SEARCH_SECONDS) & (strength >= FIRST_BEAT_ONSET))
    return int(sounding[0]) if len(sounding) else beat_nearest_sound_start(beat_times, evidence)


def beat_nearest_sound_start(beat_times: np.ndarray, evidence: BarEvidence) -> int:
    """The index of the beat nearest the first audible frame (0 when there are no beats)."""
    return int(np.argmin(np.abs(beat_times - evidence.sound_start))) if len(beat_times) else 0


def choose_bars(
    beat_times: np.ndarray, network: Activations, evidence: BarEvidence, model: LevelModel | None = None
) -> Bars:
    """The bars (meter and every beat's position) of the candidate ``model`` scores highest."""
    index = np.arange(len(beat_times))
    if len(beat_times) < 2:
        return Bars(index % max(METERS) + 1, max(METERS))
    scores = (model or load()).scores(bar_features(beat_times, network, evidence))
    meter, phase = candidates()[int(np.argmax(scores))]
    return Bars((index - phase) % meter + 1, meter)


def meter_fit(chance: np.ndarray, meter: int) -> float:
    """Log-likelihood per beat of the best bar-position path of ``meter`` given each beat's downbeat ``chance``.

    The chain walks one position per beat and may, rarely, jump to another
    (a bar cut short or lengthened); Viterbi finds the best path.
    """
    if meter < 2:
        raise ValueError(f"meter must be a beat count of at least 2, got {meter}")
    if len(chance) == 0:
        return 0.0
    return _viterbi(np.log(chance), np.log1p(-chance), meter) / len(chance)


def _viterbi(log_down: np.ndarray, log_other: np.ndarray, meter: int) -> float:
    """Log-likelihood of the best path of one meter's bar-position chain (position 1 is the downbeat)."""
    first = np.arange(meter) == 0
    observe = np.where(first[None, :], log_down[:, None], log_other[:, None])
    regular = np.roll(np.arange(meter), 1)
    stay_log = np.log1p(-np.exp(PHASE_JUMP_LOG_PROBABILITY) * (meter - 1))
    score = observe[0] - np.log(meter)
    for index in range(1, len(log_down)):
        score = np.maximum(score[regular] + stay_log, score.max() + PHASE_JUMP_LOG_PROBABILITY) + observe[index]
    return float(score.max())


def beat_means(levels: np.ndarray, beat_frames: np.ndarray) -> np.ndarray:
    """The mean ``levels`` (frames x bands) over each beat, from its frame to the next beat's (beats x bands)."""
    edges = np.clip(np.round(beat_frames).astype(int), 0, len(levels))
    if len(edges) < 2:
        return np.zeros((len(edges), levels.shape[1]))
    period = int(np.median(np.diff(edges)))
    edges = np.concatenate([edges, [min(len(levels), edges[-1] + period)]])
    sums = np.vstack([np.zeros((1, levels.shape[1])), np.cumsum(levels, axis=0)])
    return (sums[edges[1:]] - sums[edges[:-1]]) / np.maximum(np.diff(edges), 1)[:, None]


def bar_novelty(per_beat: np.ndarray, beats_per_bar: int) -> np.ndarray:
    """How much the music changes at each beat, the bar after it against the bar before it.

    Music changes on bar lines (chords, bass notes, sections, crashes): the mean
    of ``per_beat`` (``beat_means``) over the ``beats_per_bar`` beats after each
    beat is compared with that over the beats before it. Beats without a whole
    bar on both sides (and songs of fewer than two beats) get NaN.
    """
    count = len(per_beat)
    if count < 2:
        return np.full(count, np.nan)
    totals = np.vstack([np.zeros((1, per_beat.shape[1])), np.cumsum(per_beat, axis=0)])
    index = np.arange(count)
    after_end, before_start = np.minimum(index + beats_per_bar, count), np.maximum(index - beats_per_bar, 0)
    after = (totals[after_end] - totals[index]) / np.maximum(after_end - index, 1)[:, None]
    before = (totals[index] - totals[before_start]) / np.maximum(index - before_start, 1)[:, None]
    complete = (index >= beats_per_bar) & (index + beats_per_bar <= count)
    return np.where(complete, np.linalg.norm(after - before, axis=1), np.nan)


def _mean_on(values: np.ndarray, on: np.ndarray) -> float:
    """The mean of ``values`` where ``on`` holds (0 where it never does)."""
    return float(values[on].mean()) if on.any() else 0.0


def _standardized(values: np.ndarray) -> np.ndarray:
    """``values`` minus their mean over their spread; NaN (and everything, when they do not vary) becomes 0."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return np.zeros_like(values)
    spread = float(finite.std())
    return np.where(np.isfinite(values), (values - finite.mean()) / spread if spread > 0 else 0.0, 0.0)
