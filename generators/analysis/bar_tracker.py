"""Tempo, beats and bar position decoded jointly from beat and downbeat activations.

A hidden Markov model over the position inside the bar (in frames), the
beat period and the meter (the bar-pointer model of Krebs, Böck & Widmer):
the position moves on by one frame per frame, the period may change only at
a beat (cheaply by a little, dearly by a lot, never by more than
``MAX_TEMPO_CHANGE``), the meter never: a song is in one meter. The first frames of each beat expect the network's beat
activation, those of the first beat its downbeat activation, all others the
absence of a beat. One Viterbi pass finds the best path, so the bar phase,
the meter and the tempo level are chosen together from the whole song.

The Viterbi pass is vectorised: inside a beat the state's predecessor is
fixed (one frame back), so each frame shifts the whole state vector and only
the few beat-start states take a maximum over their predecessors. Only
those choices are stored for the way back, which keeps an hour of audio
within a few tens of MB.

References
----------
.. [1] Krebs, F., Böck, S., & Widmer, G. (2015). An efficient state-space model
   for joint tempo and meter tracking. ISMIR.
.. [2] Böck, S., Krebs, F., & Widmer, G. (2016). Joint beat and downbeat tracking
   with recurrent neural networks. ISMIR.
.. [3] Whiteley, N., Cemgil, A. T., & Godsill, S. (2006). Bayesian modelling of
   temporal structure in musical audio. ISMIR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activations

MIN_BPM = 60.0
MAX_BPM = 200.0
"""The tempo range of the notated beat (beats per minute)."""

METERS = (3, 4)
"""Beats per bar the model knows."""

TEMPO_CHANGE_LAMBDA = 50.0
"""A period change at a beat costs ``TEMPO_CHANGE_LAMBDA * |new / old - 1|`` (natural log units)."""

MAX_TEMPO_CHANGE = 0.1
"""Largest relative period change from one beat to the next."""

OBSERVATION_LAMBDA = 16
"""A frame between beats expects ``(1 - beat activation) / (OBSERVATION_LAMBDA - 1)``."""

BEAT_SECONDS = 0.02
"""The frames of each beat within this long of its start expect a beat (at least one frame). The same span
at every tempo: a span growing with the period would favour slow tempi, whose longer beat spans collect
more of each activation peak."""

BAR_CERTAINTY_FLOOR = 0.05
"""The smallest chance the observation model gives a beat of being (or not being) a downbeat."""

ACTIVE_THRESHOLD = 0.1
"""Beats are kept from half a beat before the first frame whose beat activation reaches this
to half a beat after the last one (no beats in leading or trailing silence)."""

PEAK_REACH_SECONDS = 0.06
"""A decoded beat moves to the activation peak within this many seconds of it."""

_FLOOR = 1e-6


@dataclass(frozen=True)
class BarTrack:
    """Decoded beats and their places in the bar.

    Attributes
    ----------
    beats : np.ndarray [shape=(n,)]
        Beat times in seconds.
    positions : np.ndarray [shape=(n,), dtype=int]
        Position of each beat in its bar (1 = downbeat).
    beats_per_bar : int
        The meter of most beats.
    """

    beats: np.ndarray
    positions: np.ndarray
    beats_per_bar: int


@dataclass(frozen=True)
class StateSpace:
    """Every (meter, period, position) state, flattened, and the beat-start states' predecessors.

    Attributes
    ----------
    kind : np.ndarray [shape=(n_states,), dtype=int8]
        0 between beats, 1 at the start of a beat, 2 at the start of a bar.
    starts : np.ndarray [shape=(n_starts,)]
        State index of the first frame of every beat of every period and meter.
    start_meter, start_beat : np.ndarray [shape=(n_starts,)]
        Meter (beats per bar) and beat number (0 = downbeat) of each start state.
    predecessors : np.ndarray [shape=(n_starts, n_candidates)]
        States a start state can be entered from (the last frame of the beat before).
    transition : np.ndarray [shape=(n_starts, n_candidates)]
        Log-probability of each of those moves (``-inf`` pads short rows).
    """

    kind: np.ndarray
    starts: np.ndarray
    start_meter: np.ndarray
    start_beat: np.ndarray
    predecessors: np.ndarray
    transition: np.ndarray

    @classmethod
    def build(cls, frame_rate: float, meters: tuple[int, ...] = METERS) -> StateSpace:
        """The state space for activations at ``frame_rate`` frames per second."""
        shortest = max(2, int(np.floor(60.0 * frame_rate / MAX_BPM)))
        longest = int(np.ceil(60.0 * frame_rate / MIN_BPM))
        periods = np.arange(shortest, longest + 1)
        change = np.abs(periods[None, :] / periods[:, None] - 1)
        tempo_log = np.where(change <= MAX_TEMPO_CHANGE, -TEMPO_CHANGE_LAMBDA * change, -np.inf)
        tempo_log -= np.log(np.exp(tempo_log).sum(axis=1, keepdims=True))
        offsets: dict[tuple[int, int], int] = {}
        kinds = []
        total = 0
        for meter in meters:
            for period in periods:
                offsets[(meter, int(period))] = total
                kind = np.zeros(meter * period, dtype=np.int8)
                width = max(1, int(BEAT_SECONDS * frame_rate))
                for beat in range(meter):
                    kind[beat * period : beat * period + width] = 2 if beat == 0 else 1
                kinds.append(kind)
                total += meter * period
        starts, start_meter, start_beat, rows, logs = [], [], [], [], []
        width = int(np.isfinite(tempo_log).sum(axis=0).max())
        for meter in meters:
            for index, period in enumerate(periods):
                reachable = np.flatnonzero(np.isfinite(tempo_log[:, index]))
                for beat in range(meter):
                    starts.append(offsets[(meter, int(period))] + beat * period)
                    start_meter.append(meter)
                    start_beat.append(beat)
                    ends = (beat if beat else meter) * periods[reachable] - 1
                    row = [offsets[(meter, int(periods[o]))] + int(end) for o, end in zip(reachable, ends, strict=True)]
                    log = tempo_log[reachable, index].tolist()
                    rows.append(row + [row[0]] * (width - len(row)))
                    logs.append(log + [-np.inf] * (width - len(log)))
        return cls(
            kind=np.concatenate(kinds),
            starts=np.array(starts),
            start_meter=np.array(start_meter),
            start_beat=np.array(start_beat),
            predecessors=np.array(rows),
            transition=np.array(logs),
        )


def observation_log(activations: Activations) -> np.ndarray:
    """Log-likelihood of each frame under each state kind, ``[n_frames, 3]`` (between, beat, downbeat).

    A beat state expects the beat activation times the chance that the beat
    is not a downbeat, a downbeat state the beat activation times the chance
    that it is; that chance (downbeat over beat activation) is kept within
    ``[BAR_CERTAINTY_FLOOR, 1 - BAR_CERTAINTY_FLOOR]``, so a beat the network
    is sure is a downbeat can still be another beat at a bounded cost and the
    bar evidence never outweighs the beat evidence.
    """
    beat = np.clip(activations.beat, _FLOOR, 1.0)
    is_downbeat = np.clip(activations.downbeat / beat, BAR_CERTAINTY_FLOOR, 1.0 - BAR_CERTAINTY_FLOOR)
    between = (1.0 - beat) / (OBSERVATION_LAMBDA - 1)
    return np.log(np.maximum(np.stack([between, beat * (1.0 - is_downbeat), beat * is_downbeat], axis=1), _FLOOR))


def viterbi(observations: np.ndarray, space: StateSpace) -> np.ndarray:
    """The most likely state of every frame given ``observations`` (``observation_log``)."""
    frames = len(observations)
    if frames == 0:
        raise ValueError("no frames to decode")
    kind = space.kind
    observed = observations.astype(np.float32)
    transition = space.transition.astype(np.float32)
    score = observed[0].take(kind) - np.float32(np.log(len(kind)))
    choices = np.zeros((frames, len(space.starts)), dtype=np.int8)
    rows = np.arange(len(space.starts))
    moved = np.empty_like(score)
    for frame in range(1, frames):
        candidates = score.take(space.predecessors) + transition
        best = np.argmax(candidates, axis=1)
        choices[frame] = best
        moved[1:] = score[:-1]
        moved[space.starts] = candidates[rows, best]
        score = moved + observed[frame].take(kind)
    start_number = np.full(len(kind), -1)
    start_number[space.starts] = rows
    path = np.empty(frames, dtype=np.int64)
    state = int(np.argmax(score))
    for frame in range(frames - 1, 0, -1):
        path[frame] = state
        number = start_number[state]
        state = int(space.predecessors[number, choices[frame, number]]) if number >= 0 else state - 1
    path[0] = state
    return path


def track(activations: Activations, meters: tuple[int, ...] = METERS) -> BarTrack:
    """Beats, their bar positions and the meter of ``activations``.

    Parameters
    ----------
    activations : Activations
        Beat and downbeat probabilities per frame.
    meters : tuple of int
        The beats per bar to consider.

    Returns
    -------
    BarTrack
    """
    if not meters or min(meters) < 1:
        raise ValueError(f"meters must be positive beat counts, got {meters!r}")
    if activations.frame_rate <= 0:
        raise ValueError(f"frame_rate must be positive, got {activations.frame_rate}")
    space = StateSpace.build(activations.frame_rate, meters)
    path = viterbi(observation_log(activations), space)
    start_number = np.full(len(space.kind), -1)
    start_number[space.starts] = np.arange(len(space.starts))
    numbers = start_number[path]
    frames = np.flatnonzero(numbers >= 0)
    positions = space.start_beat[numbers[frames]] + 1
    meters_of_beats = space.start_meter[numbers[frames]]
    keep = _active_span(frames, activations.beat, activations.frame_rate)
    frames, positions, meters_of_beats = frames[keep], positions[keep], meters_of_beats[keep]
    times = _peak_times(frames, activations.beat, activations.frame_rate)
    common = int(np.bincount(meters_of_beats).argmax()) if len(meters_of_beats) else max(meters)
    return BarTrack(times, positions.astype(int), common)


def _active_span(frames: np.ndarray, beat: np.ndarray, frame_rate: float) -> np.ndarray:
    """Which beat ``frames`` lie within half a beat of the span where the beat activation is active."""
    active = np.flatnonzero(beat >= ACTIVE_THRESHOLD)
    if len(active) == 0 or len(frames) < 2:
        return np.ones(len(frames), dtype=bool)
    half = 0.5 * float(np.median(np.diff(frames)))
    return (frames >= active[0] - half) & (frames <= active[-1] + half)


def _peak_times(frames: np.ndarray, beat: np.ndarray, frame_rate: float) -> np.ndarray:
    """Seconds of each beat: the activation peak near its frame, to a fraction of a frame."""
    reach = max(1, round(PEAK_REACH_SECONDS * frame_rate))
    offsets = np.arange(-reach, reach + 1)
    window = np.clip(frames[:, None] + offsets[None, :], 0, len(beat) - 1)
    peak = window[np.arange(len(frames)), np.argmax(beat[window], axis=1)]
    inner = (peak > 0) & (peak < len(beat) - 1)
    left = beat[np.maximum(peak - 1, 0)]
    middle = beat[peak]
    right = beat[np.minimum(peak + 1, len(beat) - 1)]
    curvature = left - 2 * middle + right
    vertex = np.where(inner & (curvature < 0), 0.5 * (left - right) / np.where(curvature < 0, curvature, -1.0), 0.0)
    return (peak + np.clip(vertex, -0.5, 0.5)) / frame_rate
