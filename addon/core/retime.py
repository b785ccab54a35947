"""Retiming loops to the music: which cycle of which move plays when, and its phase key by key.

Time is measured on the song's **beat clock**: beat position ``i`` is the time of
beat ``i`` of the analysis' beat grid, fractional positions lie evenly between
two beats, and before the first or after the last beat the clock runs on at the
nearest beat period. Every cycle starts on a whole beat and spans whole beats,
so a clip's hit frames (which sit on whole beats of its cycle, see
``core.clip``) land exactly on beat times however the tempo changes, and no
error builds up: each key is computed from its own beat, never by adding
durations.

A cycle's **phase** runs from 0 at its start to 1 at its end; the stage turns it
into the clip's frame number. Between keys the phase grows linearly, which is
the speed that reaches the next hit on time.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

HIT_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CycleTiming:
    """How a move's cycle meets the beats: its natural length in beats and where its hits sit (phases 0..1)."""

    beats_per_cycle: int = 1
    hit_phases: tuple[float, ...] = (0.0,)
    cut_phases: tuple[float, ...] = ()
    """Where the shown frame number jumps back within a cycle (a movie that starts before its first hit wraps
    round to its frame 0 there): keyed as a cycle's end is, so no key in between sweeps back over the frames."""

    def __post_init__(self) -> None:
        if self.beats_per_cycle < 1:
            raise ValueError(f"a cycle spans at least one beat, not {self.beats_per_cycle}")
        if any(not 0.0 <= phase < 1.0 for phase in (*self.hit_phases, *self.cut_phases)):
            raise ValueError(f"hit and cut phases lie in [0, 1), got {self.hit_phases} and {self.cut_phases}")

    def length_for(self, preferred: int | None) -> int:
        """The cycle length in beats to play: ``preferred`` when every hit still lands on a beat,
        else the natural one."""
        if preferred is None or preferred < 1:
            return self.beats_per_cycle
        on_beats = all(abs(p * preferred - round(p * preferred)) < 1e-6 for p in self.hit_phases)
        return preferred if on_beats else self.beats_per_cycle


@dataclass(frozen=True)
class Cycle:
    """One cycle of a character's move: pose ``slot``, from beat position ``start`` for ``length`` beats,
    cut at ``end`` (``start + length`` unless a section change cuts it short)."""

    slot: int
    start: float
    end: float
    length: int
    hit_phases: tuple[float, ...] = (0.0,)
    cut_phases: tuple[float, ...] = ()


def beat_time(beats: Sequence[float], position: float, default_period: float = 0.5) -> float:
    """The time in seconds of fractional beat ``position`` on the grid ``beats`` (seconds of each beat).

    Examples
    --------
    >>> beat_time([1.0, 1.5, 2.5], 1.5)
    2.0
    >>> beat_time([1.0, 1.5, 2.5], -1)
    0.5
    """
    if not beats:
        return position * default_period
    if len(beats) == 1:
        return beats[0] + position * default_period
    if position <= 0:
        return beats[0] + position * (beats[1] - beats[0])
    last = len(beats) - 1
    if position >= last:
        return beats[last] + (position - last) * (beats[last] - beats[last - 1])
    index = int(position)
    return beats[index] + (position - index) * (beats[index + 1] - beats[index])


def beat_position(beats: Sequence[float], seconds: float, default_period: float = 0.5) -> float:
    """The fractional beat position of ``seconds``: the inverse of :func:`beat_time`."""
    if not beats:
        return seconds / default_period
    if len(beats) == 1:
        return (seconds - beats[0]) / default_period
    if seconds <= beats[0]:
        return (seconds - beats[0]) / (beats[1] - beats[0])
    last = len(beats) - 1
    if seconds >= beats[last]:
        return last + (seconds - beats[last]) / (beats[last] - beats[last - 1])
    index = bisect.bisect_right(beats, seconds) - 1
    return index + (seconds - beats[index]) / (beats[index + 1] - beats[index])


def first_cycle_start(beats: Sequence[float], origin: float, length: int, default_period: float = 0.5) -> float:
    """Where the song's first cycle starts: a whole number of cycles of ``length`` beats back from beat
    position ``origin`` (the first downbeat), early enough to be running at time 0."""
    before = max(0.0, origin - beat_position(beats, 0.0, default_period))
    return origin - length * math.ceil(before / length - HIT_TOLERANCE)


def phase_keys(beats: Sequence[float], cycles: Sequence[Cycle], key_spacing: float, end_time: float, *,
               on_twos: bool = False, default_period: float = 0.5) -> tuple[list[float], list[float]]:
    """Key times (seconds, from 0 to ``end_time``) and phases that play ``cycles`` in order.

    Parameters
    ----------
    beats : sequence of float
        The beat grid, seconds.
    cycles : sequence of Cycle
        Back to back: each starts where the previous one ends.
    key_spacing : float
        One frame, seconds: a cycle's last key sits one frame before the next cycle's start.
    end_time : float
        The song's end, seconds.
    on_twos : bool
        Hold each drawing for two frames (keys every two frames, meant for constant interpolation)
        instead of keys on beats and hits only (meant for linear interpolation).

    Returns
    -------
    times, phases : list of float
        Every hit of every cycle has a key exactly at its beat's time; a cycle's cut phase has a key at its time
        and, without ``on_twos``, one a frame before it (as at a cycle's end).
    """
    times: list[float] = []
    phases: list[float] = []

    def add(seconds: float, phase: float) -> None:
        if seconds < 0 or seconds > end_time + key_spacing / 2:
            return
        if times and seconds < times[-1] + key_spacing / 2:
            phases[-1] = phase
            return
        times.append(seconds)
        phases.append(phase)

    for cycle in cycles:
        start_time = beat_time(beats, cycle.start, default_period)
        end = beat_time(beats, cycle.end, default_period)
        if end <= 0:
            continue
        if start_time < 0:
            add(0.0, _phase(beats, cycle, 0.0, default_period))
        anchors = sorted({*(cycle.start + b for b in range(math.ceil(cycle.end - cycle.start))),
                          *(cycle.start + p * cycle.length for p in cycle.hit_phases)})
        cuts = {cycle.start + p * cycle.length for p in cycle.cut_phases}
        anchors = sorted({*anchors, *cuts})
        anchors = [a for a in anchors if a < cycle.end - HIT_TOLERANCE]
        anchor_times = [beat_time(beats, a, default_period) for a in anchors]
        for index, (position, seconds) in enumerate(zip(anchors, anchor_times, strict=True)):
            if position in cuts and not on_twos:
                add(seconds - key_spacing, _phase(beats, cycle, seconds - key_spacing, default_period))
            add(seconds, (position - cycle.start) / cycle.length)
            if on_twos:
                following = anchor_times[index + 1] if index + 1 < len(anchors) else end
                step = seconds + 2 * key_spacing
                while step < following - key_spacing / 2:
                    add(step, _phase(beats, cycle, step, default_period))
                    step += 2 * key_spacing
        if not on_twos:
            last = end - key_spacing if end <= end_time else end_time
            add(last, _phase(beats, cycle, last, default_period))
    return times, phases


def _phase(beats: Sequence[float], cycle: Cycle, seconds: float, default_period: float) -> float:
    position = beat_position(beats, seconds, default_period)
    return min(max((position - cycle.start) / cycle.length, 0.0), 1.0)
