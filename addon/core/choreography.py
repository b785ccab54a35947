"""The choreography plan: which pose, bounce, shake, zoom and flash happens when.

``plan_choreography`` turns a beat file, a cast and a preset into plain data:
``Track`` objects with key times in seconds and values in stage-independent
units. Both stages (planes in a 3D scene, or strips in the sequencer) read the
same plan, so a video looks the same either way:

========  ==========================  =========================================
owner     target                      value
========  ==========================  =========================================
<name>    ``pose``                    index into the character's pose slots
<name>    ``cycle``                   phase of the shown move's cycle, 0 to 1 (``core.retime``)
<name>    ``scale_x``, ``scale_y``    squash and stretch factor, 1 at rest
camera    ``offset_x``, ``offset_y``  shake, as a fraction of the frame height
camera    ``zoom``                    zoom factor, 1 at rest (a little more while shaking)
camera    ``moving``                  1 while the camera moves, 0 while it is exactly at rest
light     ``flash``                   flash opacity, 0 to 1
light     ``color_r/g/b``             flash colour of the section
light     ``pulse``                   brightness of the venue's lights, 1 at rest (up on every beat)
light     ``cycle``                   phase of the background loops' cycle, 0 to 1 (when they are loops)
========  ==========================  =========================================

Each move plays whole cycles on the beat clock (``core.retime``): a cycle spans
the clip's beats (or the preset's ``cycle_beats`` for the section), a move holds
for at least ``pose_every_beats`` beats, and a section change cuts to the next
move on its first downbeat. A still pose is a one-beat cycle, so a cast of stills
switches pose every ``pose_every_beats`` beats.

Effect strength follows the song's energy: an effect at intensity 1 plays at
``0.4 + 0.6 * energy`` of its full size. The analysis reports the notated beat;
a preset's ``beat_level`` makes the characters move at half or double of it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from .beatfile import BeatData, Section
from .presets import Preset
from .retime import Cycle, CycleTiming, beat_position, beat_time, first_cycle_start, phase_keys

CAMERA = "camera"
LIGHT = "light"
EFFECT_OF_TARGET = {
    "pose": "Pose", "cycle": "Timing", "scale_x": "Bounce", "scale_y": "Bounce",
    "offset_x": "Shake", "offset_y": "Shake", "zoom": "Zoom", "moving": "Camera", "flash": "Flash",
    "color_r": "Color", "color_g": "Color", "color_b": "Color", "pulse": "Pulse",
}
BOUNCE_SQUASH = 0.08
SHAKE_SIZE = 0.012
DROP_SHAKE_FACTOR = 2.5
ZOOM_PUNCH = 0.06
DROP_ZOOM_PUNCH = 0.14
PUSH_IN = 0.12
FLASH_PEAK = 0.55
STROBE_PEAK = 0.3
LIGHT_PULSE = 0.3
FLASH_RELEASE = 0.25
_SHAKE_SHAPE = (0.0, 1.0, -0.7, 0.45, -0.2, 0.0)


@dataclass(frozen=True)
class Track:
    """Keys of one animated value: times in seconds, one interpolation (CONSTANT, LINEAR or BEZIER)."""

    owner: str
    target: str
    interpolation: str
    times: tuple[float, ...]
    values: tuple[float, ...]

    @property
    def group(self) -> str:
        """The Dope Sheet group: one per effect, per character."""
        effect = EFFECT_OF_TARGET[self.target]
        return f"Toonbeat {effect}" if self.owner in (CAMERA, LIGHT) else f"Toonbeat {effect} ({self.owner})"


@dataclass(frozen=True)
class CastMember:
    """A character on stage: ``slots`` are its poses in order (``dance_2`` is a variant of ``dance``),
    ``timings`` each slot's cycle (a still, a one-beat cycle, when missing)."""

    name: str
    slots: tuple[str, ...]
    timings: tuple[CycleTiming, ...] = ()

    def timing(self, slot: int) -> CycleTiming:
        """The cycle timing of pose slot ``slot``."""
        return self.timings[slot] if slot < len(self.timings) else CycleTiming()


@dataclass(frozen=True)
class Plan:
    """The whole choreography of a song."""

    duration: float
    cast: tuple[CastMember, ...]
    sections: tuple[Section, ...]
    tracks: tuple[Track, ...]

    def track(self, owner: str, target: str) -> Track | None:
        """The track animating ``owner``'s ``target``, if the plan has one."""
        return next((t for t in self.tracks if t.owner == owner and t.target == target), None)


def plan_choreography(beats: BeatData, cast: Sequence[CastMember], preset: Preset,
                      key_spacing: float = 1 / 24, seed: int = 0, backdrop: CycleTiming | None = None) -> Plan:
    """Plan every effect of ``preset`` for ``cast`` on the music of ``beats``.

    Parameters
    ----------
    beats : the song's beat file.
    cast : the characters on stage, main character first.
    preset : poses per section and effect switches and intensities.
    key_spacing : shortest time between two keys of a track, in seconds (one frame).
    seed : seed of the shake directions.
    backdrop : the cycle of the background loops, when the backgrounds are loops: they play
        their own cycle length in every section, restarting on each section's downbeat.
    """
    beats = at_beat_level(beats, preset.beat_level)
    tracks: list[Track] = []
    for position, member in enumerate(cast):
        cycles = plan_cycles(beats, member, preset, position)
        tracks.append(_pose_track(beats, member.name, cycles))
        tracks.append(_cycle_track(beats, member.name, cycles, preset, key_spacing))
        if preset.strength("bounce") > 0:
            tracks.extend(_bounce_tracks(beats, member.name, preset.strength("bounce")))
    tracks.extend(_camera_tracks(beats, preset, key_spacing, seed))
    if preset.strength("flash") > 0 or preset.strength("strobe") > 0:
        tracks.append(_flash_track(beats, preset, key_spacing))
    if preset.strength("color") > 0:
        tracks.extend(_color_tracks(beats, preset))
    if preset.strength("pulse") > 0:
        tracks.append(_pulse_track(beats, preset.strength("pulse")))
    if backdrop is not None:
        venue = CastMember(LIGHT, ("loop",), (backdrop,))
        cycles = plan_cycles(beats, venue, replace(preset, cycle_beats={}))
        tracks.append(_cycle_track(beats, LIGHT, cycles, preset, key_spacing))
    return Plan(duration=beats.duration, cast=tuple(cast), sections=beats.sections, tracks=tuple(tracks))


def at_beat_level(beats: BeatData, level: str) -> BeatData:
    """``beats`` with its beats at ``level``: ``half`` keeps every other beat of each bar (from its downbeat),
    ``double`` adds the points halfway between beats, ``beat`` keeps them. Bars and downbeats stay."""
    if level == "beat" or len(beats.beats) < 2:
        return beats
    if level == "half":
        kept = [(t, (p + 1) // 2) for t, p in zip(beats.beats, beats.beat_positions, strict=True) if p % 2 == 1]
        per_bar = (beats.beats_per_bar + 1) // 2
        tempo = beats.tempo / 2
    elif level == "double":
        kept = []
        for index, (t, p) in enumerate(zip(beats.beats, beats.beat_positions, strict=True)):
            kept.append((t, 2 * p - 1))
            if index + 1 < len(beats.beats):
                kept.append(((t + beats.beats[index + 1]) / 2, 2 * p))
        per_bar = 2 * beats.beats_per_bar
        tempo = beats.tempo * 2
    else:
        raise ValueError(f"unknown beat level {level!r}")
    return replace(beats, beats=tuple(t for t, _ in kept), beat_positions=tuple(p for _, p in kept),
                   beats_per_bar=per_bar, tempo=tempo)


def energy_gain(beats: BeatData, seconds: float, band: str = "overall") -> float:
    """How strongly an effect plays at ``seconds``: 0.4 in silence up to 1 at full energy."""
    return 0.4 + 0.6 * beats.energy.at(seconds, band)


def resolve_pose(wanted: str, slots: Sequence[str]) -> list[int]:
    """Indices of the slots showing pose ``wanted`` (its variants in order), falling back to idle, then the first."""
    for pose in (wanted, "idle"):
        found = [i for i, slot in enumerate(slots) if slot_pose(slot) == pose]
        if found:
            return found
    return [0]


def slot_pose(slot: str) -> str:
    """The pose a slot shows: ``dance_2`` shows ``dance``."""
    base, _, variant = slot.rpartition("_")
    return base if base and variant.isdigit() else slot


def plan_cycles(beats: BeatData, member: CastMember, preset: Preset, position: int = 0) -> list[Cycle]:
    """The cycles ``member`` plays through the song, back to back, each section starting a new one.

    ``position`` (the character's place in the cast) offsets its moves, so two
    characters do not move in lockstep.
    """
    period = 60.0 / beats.tempo
    moves: list[str] = []
    uses: dict[str, int] = {}
    cycles: list[Cycle] = []
    for label, start, end in _section_spans(beats, period):
        wanted_moves = preset.poses.get(label) or preset.poses.get("drop") or ("idle",)
        cursor = start
        while cursor < end - 1e-9:
            wanted = wanted_moves[(len(moves) + position) % len(wanted_moves)] if preset.strength("pose") > 0 \
                else wanted_moves[0]
            variants = resolve_pose(wanted, member.slots)
            slot = variants[uses.get(wanted, 0) % len(variants)]
            uses[wanted] = uses.get(wanted, 0) + 1
            moves.append(wanted)
            timing = member.timing(slot)
            length = timing.length_for(preset.cycle_length(label, beats.beats_per_bar))
            repeats = max(1, math.ceil(preset.pose_every_beats / length)) if preset.strength("pose") > 0 else 10**9
            if not cycles:
                cursor = first_cycle_start(beats.beats, cursor, length, period)
            for _ in range(repeats):
                if cursor >= end - 1e-9:
                    break
                cycles.append(Cycle(slot, cursor, min(cursor + length, end), length, timing.hit_phases,
                                    timing.cut_phases))
                cursor += length
    return cycles


def _section_spans(beats: BeatData, period: float) -> list[tuple[str, float, float]]:
    """``(label, start, end)`` of each section in beat positions: starts on the nearest downbeat (or beat),
    the first on the song's first downbeat, the last ending with the song."""
    song_end = beat_position(beats.beats, beats.duration, period)
    sections = beats.sections or (Section(0.0, beats.duration, "drop"),)
    downbeats = [round(beat_position(beats.beats, t, period)) for t in beats.downbeats]
    first = float(downbeats[0]) if downbeats else 0.0
    starts = [first] + [_nearest_start(beat_position(beats.beats, s.start, period), downbeats)
                        for s in sections[1:]]
    spans = []
    for index, section in enumerate(sections):
        end = starts[index + 1] if index + 1 < len(sections) else song_end
        if end > starts[index]:
            spans.append((section.label, starts[index], end))
    return spans or [(sections[0].label, first, max(song_end, first + 1))]


def _nearest_start(position: float, downbeats: Sequence[int]) -> float:
    """The downbeat nearest ``position`` when one is within a beat, else the nearest whole beat."""
    nearest = min(downbeats, key=lambda d: abs(d - position), default=None)
    return float(nearest) if nearest is not None and abs(nearest - position) <= 1.0 else float(round(position))


def _pose_track(beats: BeatData, owner: str, cycles: Sequence[Cycle]) -> Track:
    """The shown pose slot: switched at the start of each cycle of another move."""
    period = 60.0 / beats.tempo
    times: list[float] = []
    values: list[float] = []
    for cycle in cycles:
        seconds = max(0.0, beat_time(beats.beats, cycle.start, period))
        if values and values[-1] == cycle.slot:
            continue
        if times and seconds <= times[-1]:
            values[-1] = float(cycle.slot)
        else:
            times.append(seconds)
            values.append(float(cycle.slot))
    return Track(owner, "pose", "CONSTANT", tuple(times) or (0.0,), tuple(values) or (0.0,))


def _cycle_track(beats: BeatData, owner: str, cycles: Sequence[Cycle], preset: Preset,
                 key_spacing: float) -> Track:
    """The phase of the shown move's cycle: keys on its beats and hits (or every two frames, on twos)."""
    times, phases = phase_keys(beats.beats, cycles, key_spacing, beats.duration, on_twos=preset.hold_on_twos,
                               default_period=60.0 / beats.tempo)
    interpolation = "CONSTANT" if preset.hold_on_twos else "LINEAR"
    return Track(owner, "cycle", interpolation, tuple(times) or (0.0,), tuple(phases) or (0.0,))


def _bounce_tracks(beats: BeatData, owner: str, strength: float) -> list[Track]:
    times: list[float] = []
    scale_x: list[float] = []
    scale_y: list[float] = []
    for seconds, period in _beats_with_periods(beats):
        squash = BOUNCE_SQUASH * strength * energy_gain(beats, seconds, "low")
        for offset, sx, sy in ((0.0, 1 + squash / 2, 1 - squash), (0.3, 1 - squash / 4, 1 + squash / 2),
                               (0.6, 1.0, 1.0)):
            times.append(seconds + offset * period)
            scale_x.append(sx)
            scale_y.append(sy)
    return [Track(owner, "scale_x", "BEZIER", tuple(times), tuple(scale_x)),
            Track(owner, "scale_y", "BEZIER", tuple(times), tuple(scale_y))]


@dataclass(frozen=True)
class _CameraMove:
    """One move of the camera: when it starts and ends, the times it needs keys at, and its share of the zoom."""

    start: float
    end: float
    key_times: tuple[float, ...]
    zoom: Callable[[float], float]


def _camera_tracks(beats: BeatData, preset: Preset, key_spacing: float, seed: int) -> list[Track]:
    """Shake, zoom and the camera's ``moving`` switch (1 while it moves, 0 at rest, where it is exactly still).

    While it shakes the camera zooms in just enough to keep the frame's edges out
    of sight, so at rest it needs no zoom at all and a stage can leave it off.
    """
    tracks: list[Track] = []
    moves: list[_CameraMove] = []
    if preset.strength("shake") > 0:
        shake, shakes = _shake_tracks(beats, preset.strength("shake"), key_spacing, seed)
        tracks.extend(shake)
        last = (len(_SHAKE_SHAPE) - 1) * key_spacing
        for start, size in shakes:
            window = (start - key_spacing, start, start + last, start + last + key_spacing)
            moves.append(_CameraMove(window[0], window[-1], window, _window(*window, 2 * size)))
    if preset.strength("zoom") > 0:
        moves.extend(_zoom_punches(beats, preset.strength("zoom"), key_spacing))
    if preset.strength("push_in") > 0:
        height = PUSH_IN * preset.strength("push_in")
        for build in (s for s in beats.sections if s.label == "build"):
            ramp = (build.start, build.end - key_spacing)
            moves.append(_CameraMove(build.start, build.end, ramp, _ramp(*ramp, height)))
    if not moves:
        return tracks
    key_times = sorted({0.0, *(t for move in moves for t in move.key_times if t >= 0)})
    zoom = [1.0 + sum(move.zoom(t) for move in moves) for t in key_times]
    tracks.append(Track(CAMERA, "zoom", "BEZIER", tuple(key_times), tuple(zoom)))
    tracks.append(_moving_track(moves))
    return tracks


def _shake_tracks(beats: BeatData, strength: float, key_spacing: float,
                  seed: int) -> tuple[list[Track], list[tuple[float, float]]]:
    """The shake's offset tracks, and each shake's start and largest offset."""
    rng = random.Random(seed)
    drops = set(_snap(beats.drops, beats.downbeats))
    times: list[float] = []
    offset_x: list[float] = []
    offset_y: list[float] = []
    shakes = []
    for seconds in beats.downbeats:
        size = SHAKE_SIZE * strength * energy_gain(beats, seconds, "low")
        if seconds in drops:
            size *= DROP_SHAKE_FACTOR
        direction_x, direction_y = rng.uniform(-1, 1), rng.uniform(-1, 1)
        norm = max((direction_x**2 + direction_y**2) ** 0.5, 1e-6)
        for step, weight in enumerate(_SHAKE_SHAPE):
            times.append(seconds + step * key_spacing)
            offset_x.append(size * weight * direction_x / norm)
            offset_y.append(size * weight * direction_y / norm)
        shakes.append((seconds, size * max(abs(direction_x), abs(direction_y)) / norm))
    tracks = [Track(CAMERA, "offset_x", "LINEAR", tuple(times), tuple(offset_x)),
              Track(CAMERA, "offset_y", "LINEAR", tuple(times), tuple(offset_y))]
    return tracks, shakes


def _zoom_punches(beats: BeatData, strength: float, key_spacing: float) -> list[_CameraMove]:
    """A quick zoom in and out at every section start and drop, bigger on drops."""
    period = 60.0 / beats.tempo
    drops = _snap(beats.drops, [s.start for s in beats.sections] + list(beats.downbeats))
    moves = []
    for start in sorted({*drops, *(s.start for s in beats.sections[1:])}):
        size = (DROP_ZOOM_PUNCH if start in drops else ZOOM_PUNCH) * strength
        size *= energy_gain(beats, start + period / 2)
        times = (start - key_spacing, start, start + period)
        moves.append(_CameraMove(times[0], times[-1], times, _spike(*times, size)))
    return moves


def _moving_track(moves: Sequence[_CameraMove]) -> Track:
    """1 from each move's start to its end (overlapping moves merged), 0 while the camera is still."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((max(move.start, 0.0), move.end) for move in moves):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    times, values = [0.0], [0.0]
    for start, end in merged:
        if start <= times[-1]:
            values[-1] = 1.0
        else:
            times.append(start)
            values.append(1.0)
        times.append(end)
        values.append(0.0)
    return Track(CAMERA, "moving", "CONSTANT", tuple(times), tuple(values))


def _flash_track(beats: BeatData, preset: Preset, key_spacing: float) -> Track:
    sources = {"beats": beats.beats, "onsets": beats.onsets, "downbeats": beats.downbeats}
    events = [(t, FLASH_PEAK * preset.strength("flash")) for t in sources[preset.flash_on]]
    if preset.strength("strobe") > 0:
        drops = [s for s in beats.sections if s.label == "drop"]
        for (seconds, period) in _beats_with_periods(beats):
            offbeat = seconds + period / 2
            if any(s.start <= offbeat < s.end for s in drops):
                events.append((offbeat, STROBE_PEAK * preset.strength("strobe")))
    events = _merge_events(sorted(e for e in events if e[1] > 0), key_spacing)
    times: list[float] = []
    values: list[float] = []
    for index, (seconds, peak) in enumerate(events):
        next_time = events[index + 1][0] if index + 1 < len(events) else seconds + 1.0
        release = min(FLASH_RELEASE, 0.6 * (next_time - seconds))
        if not times or seconds - key_spacing > times[-1] + key_spacing / 2:
            times.append(seconds - key_spacing)
            values.append(0.0)
        times.append(seconds)
        values.append(peak * energy_gain(beats, seconds))
        if release > key_spacing:
            times.append(seconds + release)
            values.append(0.0)
    return Track(LIGHT, "flash", "LINEAR", tuple(times), tuple(values))


def _pulse_track(beats: BeatData, strength: float) -> Track:
    """The venue's lights brighten on every beat (with the kick's energy) and dim again by the off-beat."""
    times: list[float] = []
    values: list[float] = []
    for seconds, period in _beats_with_periods(beats):
        times.extend((seconds, seconds + 0.5 * period))
        values.extend((1.0 + LIGHT_PULSE * strength * energy_gain(beats, seconds, "low"), 1.0))
    return Track(LIGHT, "pulse", "LINEAR", tuple(times), tuple(values))


def _color_tracks(beats: BeatData, preset: Preset) -> list[Track]:
    mix = min(preset.strength("color"), 1.0)
    times = tuple(s.start for s in beats.sections) or (0.0,)
    labels = [s.label for s in beats.sections] or ["drop"]
    colors = [preset.section_colors.get(label, (1.0, 1.0, 1.0)) for label in labels]
    channels = []
    for index, target in enumerate(("color_r", "color_g", "color_b")):
        values = tuple(1.0 + (color[index] - 1.0) * mix for color in colors)
        channels.append(Track(LIGHT, target, "CONSTANT", times, values))
    return channels


def _merge_events(events: list[tuple[float, float]], spacing: float) -> list[tuple[float, float]]:
    """Sorted ``(time, peak)`` events with those closer than ``spacing`` merged into the stronger one."""
    merged: list[tuple[float, float]] = []
    for seconds, peak in events:
        if merged and seconds - merged[-1][0] < spacing:
            merged[-1] = (merged[-1][0], max(merged[-1][1], peak))
        else:
            merged.append((seconds, peak))
    return merged


def _beats_with_periods(beats: BeatData) -> list[tuple[float, float]]:
    """Each beat with the time to the next one (the last beat reuses the previous period)."""
    default = 60.0 / beats.tempo
    times = beats.beats
    return [(t, (times[i + 1] - t) if i + 1 < len(times) else (t - times[i - 1] if i else default))
            for i, t in enumerate(times)]


def _snap(times: Sequence[float], grid: Sequence[float], tolerance: float = 0.1) -> list[float]:
    """``times`` moved onto the nearest ``grid`` time within ``tolerance`` seconds."""
    snapped = []
    for t in times:
        nearest = min(grid, key=lambda g: abs(g - t), default=t)
        snapped.append(nearest if abs(nearest - t) <= tolerance else t)
    return snapped


def _spike(start: float, peak_time: float, end: float, height: float) -> Callable[[float], float]:
    def shape(t: float) -> float:
        if start < t <= peak_time:
            return height * (t - start) / (peak_time - start)
        if peak_time < t < end:
            return height * (end - t) / (end - peak_time)
        return 0.0
    return shape


def _window(start: float, rise: float, fall: float, end: float, height: float) -> Callable[[float], float]:
    """0 before ``start``, up to ``height`` at ``rise``, held until ``fall``, back to 0 at ``end``."""
    def shape(t: float) -> float:
        if start < t < rise:
            return height * (t - start) / (rise - start)
        if rise <= t <= fall:
            return height
        if fall < t < end:
            return height * (end - t) / (end - fall)
        return 0.0
    return shape


def _ramp(start: float, end: float, height: float) -> Callable[[float], float]:
    def shape(t: float) -> float:
        return height * (t - start) / (end - start) if start <= t <= end and end > start else 0.0
    return shape
