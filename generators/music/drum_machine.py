"""An industrial/house drum machine that writes a song together with its exact timing.

The song is an arrangement of ``Part`` s (intro, build, drop, breakdown, drop,
outro by default), each a number of 4/4 bars with its own instruments: kick,
clap or snare, closed and open hats, bass, chord stabs, pads, metallic hits and
risers. Because the machine places every hit itself, it also knows the ground
truth: every beat (also where no drum plays), every downbeat, the sections and
the drops. Everything is numpy and scipy and deterministic per seed.

Example
-------
>>> song = synthesize(bpm=128, seed=1, style="house", total_bars=12)
>>> song.truth.tempo
128.0
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import signal

from addon.core.beatfile import BEATS_PER_BAR, AudioInfo, BeatData, Section
from addon.core.files import file_sha256

from . import drum_voices as voices
from . import wav

STYLES = ("house", "techno", "industrial")
STEPS_PER_BEAT = 4
PEAK_LEVEL = 0.89
"""Peak sample value of a finished song (about -1 dBFS)."""

_PROGRESSIONS = (
    ((0, "minor"), (-4, "major"), (-2, "major"), (-5, "minor")),
    ((0, "minor"), (-2, "major"), (-4, "major"), (-2, "major")),
    ((0, "minor"), (3, "major"), (-2, "major"), (-4, "major")),
    ((0, "minor"), (0, "minor"), (-5, "minor"), (-4, "major")),
)
_ROOT_HZ = 55.0  # A1


@dataclass(frozen=True)
class Part:
    """One section of an arrangement: ``bars`` bars of 4/4 with these instruments.

    ``kick``: ``"four"`` (every beat), ``"half"`` (half-time: beat 1 and a
    syncopated push) or ``"none"``. ``snare``: ``"clap"`` (beats 2 and 4),
    ``"snare"`` (beats 2 and 4), ``"half"`` (beat 3), ``"roll"`` (a build roll
    getting denser) or ``"none"``. ``hats``: ``"offbeat"``, ``"eighths"``,
    ``"sixteenths"``, ``"syncopated"`` or ``"none"``; ``open_hats`` adds open hats
    on the off-beats. ``swing`` delays every second 16th by that fraction of a
    16th. ``bpm`` sets the part's tempo (the song's by default) and ``bpm_end``
    ramps it to another tempo by the part's last beat.
    """

    label: str
    bars: int
    kick: str = "four"
    snare: str = "clap"
    hats: str = "offbeat"
    open_hats: bool = False
    bass: bool = True
    stabs: bool = False
    pad: bool = False
    metal: bool = False
    riser: bool = False
    crash: bool = False
    swing: float = 0.0
    bpm: float | None = None
    bpm_end: float | None = None


@dataclass(frozen=True)
class GroundTruth:
    """What the drum machine played, in seconds: the answer an analyzer should find."""

    tempo: float
    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    beats_per_bar: int
    sections: tuple[Section, ...]
    drops: tuple[float, ...]
    onsets: tuple[float, ...] = field(default=())


@dataclass(frozen=True)
class Song:
    """A synthesized song: stereo float32 ``samples`` of shape ``(n, 2)`` and its ground truth."""

    samples: np.ndarray
    sample_rate: int
    truth: GroundTruth

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / self.sample_rate


def default_arrangement(style: str = "industrial", total_bars: int | None = None) -> tuple[Part, ...]:
    """Intro, build, drop, breakdown, drop, outro (8/8/16/8/16/8 bars) for ``style``.

    ``total_bars`` rescales the part lengths proportionally in whole phrases
    (see ``rescale``; ``total_bars=12`` gives 2 bars each, 40 gives 4/4/12/4/12/4).
    """
    _check_style(style)
    drop_hats = "sixteenths" if style == "industrial" else "offbeat"
    drop_snare = "snare" if style == "industrial" else "clap"
    metal = style == "industrial"
    parts = (
        Part("intro", 8, snare="none", bass=False, metal=metal),
        Part("build", 8, snare="roll", hats="sixteenths", pad=True, riser=True),
        Part(
            "drop",
            16,
            snare=drop_snare,
            hats=drop_hats,
            open_hats=style == "house",
            stabs=True,
            metal=metal,
            crash=True,
        ),
        Part("breakdown", 8, kick="none", snare="none", hats="none", bass=False, stabs=True, pad=True, riser=True),
        Part(
            "drop",
            16,
            snare=drop_snare,
            hats=drop_hats,
            open_hats=style != "techno",
            stabs=True,
            metal=metal,
            crash=True,
        ),
        Part("outro", 8, snare="none", bass=False, pad=True),
    )
    return parts if total_bars is None else rescale(parts, total_bars)


def rescale(parts: Sequence[Part], total_bars: int) -> tuple[Part, ...]:
    """``parts`` with their bar counts scaled to sum to ``total_bars``.

    Lengths stay whole phrases where the total allows: multiples of 4 bars
    when ``total_bars`` is a multiple of 4 with room for 4 per part, else of
    2, else of 1. Phrases are shared out in proportion to the original
    lengths (largest remainders first), at least 2 bars per part.
    """
    count = len(parts)
    if total_bars < 2 * count:
        raise ValueError(f"total_bars must be at least {2 * count} for {count} parts, got {total_bars}")
    phrase = next(size for size in (4, 2, 1) if total_bars % size == 0 and total_bars >= size * count)
    phrases = total_bars // phrase
    weights = np.array([part.bars for part in parts], dtype=float)
    shares = phrases * weights / weights.sum()
    least = max(1, 2 // phrase)
    units = np.maximum(np.floor(shares).astype(int), least)
    for index in np.argsort(-(shares - units), kind="stable")[: max(phrases - units.sum(), 0)]:
        units[index] += 1
    while units.sum() > phrases:
        units[np.argmax(units)] -= 1
    return tuple(replace(part, bars=int(unit * phrase)) for part, unit in zip(parts, units, strict=True))


def synthesize(
    bpm: float = 128.0,
    seed: int = 0,
    style: str = "industrial",
    arrangement: Sequence[Part] | None = None,
    total_bars: int | None = None,
    *,
    sample_rate: int = 44100,
    humanize_ms: float = 0.0,
    lead_in: float = 0.0,
) -> Song:
    """Synthesize a song and its ground truth.

    Parameters
    ----------
    bpm : float
        Tempo of every part that does not set its own (beats per minute).
    seed : int
        Picks the kit's sounds, the chord progression and the patterns.
    style : str
        ``"house"``, ``"techno"`` or ``"industrial"``.
    arrangement : sequence of Part, optional
        The parts in order; ``default_arrangement(style, total_bars)`` if omitted.
    total_bars : int, optional
        Rescale the arrangement to this many bars.
    sample_rate : int
        Samples per second of the result (Hz).
    humanize_ms : float
        Standard deviation of random timing offsets of the drum hits (ms);
        the ground truth stays on the exact grid.
    lead_in : float
        Silence before the first beat (seconds).
    """
    _check_style(style)
    parts = tuple(arrangement) if arrangement is not None else default_arrangement(style)
    if total_bars is not None:
        parts = rescale(parts, total_bars)
    if not parts:
        raise ValueError("an arrangement needs at least one part")
    rng = np.random.default_rng(seed)
    grid = _Grid.build(parts, bpm, lead_in)
    sequencer = _Sequencer(style, sample_rate, rng, grid, humanize_ms / 1000.0)
    for index, part in enumerate(parts):
        sequencer.play(part, index)
    samples = sequencer.mix()
    return Song(samples, sample_rate, _truth(parts, grid, len(samples) / sample_rate, sequencer.onsets))


@dataclass(frozen=True)
class _Grid:
    """Beat times of the whole arrangement, one extra beat at the end, and each part's first beat index."""

    beats: np.ndarray
    part_starts: tuple[int, ...]

    @staticmethod
    def build(parts: Sequence[Part], bpm: float, lead_in: float) -> _Grid:
        intervals: list[float] = []
        starts = []
        for part in parts:
            starts.append(len(intervals))
            count = part.bars * BEATS_PER_BAR
            begin = part.bpm or bpm
            end = part.bpm_end or begin
            tempi = begin + (end - begin) * np.arange(count) / max(count - 1, 1)
            intervals.extend((60.0 / tempi).tolist())
        beats = lead_in + np.concatenate([[0.0], np.cumsum(intervals)])
        return _Grid(beats, tuple(starts))

    def step_time(self, beat: int, step: int, swing: float) -> float:
        """Time of 16th ``step`` (0-3) of ``beat``, every odd step delayed by ``swing`` 16ths."""
        start, end = self.beats[beat], self.beats[beat + 1]
        position = step + (swing if step % 2 else 0.0)
        return float(start + (end - start) * position / STEPS_PER_BEAT)


class _Sequencer:
    """Places the hits and notes of each part on mono buses, then mixes them to stereo."""

    _PANS = {
        "kick": 0.0,
        "snare": 0.05,
        "hats": 0.25,
        "open": -0.25,
        "metal": -0.35,
        "bass": 0.0,
        "music": 0.0,
        "crash": 0.15,
        "riser": 0.0,
    }

    def __init__(self, style: str, sr: int, rng: np.random.Generator, grid: _Grid, jitter: float) -> None:
        self.style, self.sr, self.rng, self.grid, self.jitter = style, sr, rng, grid, jitter
        length = int((grid.beats[-1] + 2.0) * sr)
        self.buses = {name: np.zeros(length, dtype=np.float32) for name in self._PANS}
        self.reverb_send = np.zeros(length, dtype=np.float32)
        self.kick_triggers = np.zeros(length, dtype=np.float32)
        self.onsets: list[float] = []
        self.kit = {
            "kick": voices.kick(sr, rng, style),
            "clap": voices.clap(sr, rng, style),
            "snare": voices.snare(sr, rng, style),
            "closed": voices.closed_hat(sr, rng, style),
            "open": voices.open_hat(sr, rng, style),
            "metal": voices.metal_hit(sr, rng),
            "crash": voices.crash(sr, rng),
        }
        self.progression = _PROGRESSIONS[int(rng.integers(len(_PROGRESSIONS)))]
        self.syncopated_hats = _syncopated_pattern(rng)
        self.stab_steps = sorted(rng.choice([3, 6, 7, 10, 11, 14], size=3, replace=False).tolist())
        self.metal_steps = sorted(rng.choice([5, 7, 13, 15], size=2, replace=False).tolist())
        self.bass_steps = {"house": (2,), "techno": (1, 2, 3), "industrial": (2, 3)}[style]
        self.levels = {
            "kick": 1.0,
            "clap": 0.55,
            "snare": 0.55,
            "closed": 0.22,
            "open": 0.2,
            "metal": 0.3,
            "crash": 0.25,
            "bass": 0.45,
            "stab": 0.3,
            "pad": 0.24,
            "riser": 0.2,
        }
        self._notes: dict[tuple[str, float, float], np.ndarray] = {}

    def play(self, part: Part, index: int) -> None:
        """Place every hit and note of ``part`` (the ``index``-th part)."""
        first_beat = self.grid.part_starts[index]
        for bar in range(part.bars):
            bar_beat = first_beat + bar * BEATS_PER_BAR
            chord = self.progression[(bar_beat // BEATS_PER_BAR) % len(self.progression)]
            for step in range(BEATS_PER_BAR * STEPS_PER_BEAT):
                beat, within = bar_beat + step // STEPS_PER_BEAT, step % STEPS_PER_BEAT
                time = self.grid.step_time(beat, within, part.swing)
                self._drums(part, bar, step, time)
                self._tonal(part, step, time, chord, beat)
            if part.pad:
                start, end = self.grid.beats[bar_beat], self.grid.beats[bar_beat + BEATS_PER_BAR]
                self._chord(chord, 3, start, duration=end - start, attack=0.25, cutoff=1800.0, level="pad")
        begin = float(self.grid.beats[first_beat])
        end = float(self.grid.beats[first_beat + part.bars * BEATS_PER_BAR])
        if part.crash:
            self._hit("crash", "crash", begin, 1.0, humanize=False)
        if part.riser:
            sound = voices.riser(end - begin, self.sr, self.rng)
            self._add("riser", sound * self.levels["riser"], begin)

    def _drums(self, part: Part, bar: int, step: int, time: float) -> None:
        beat_in_bar, within = divmod(step, STEPS_PER_BEAT)
        if within == 0 and (part.kick == "four" or (part.kick == "half" and beat_in_bar == 0)):
            self._hit("kick", "kick", time, 1.0)
        if part.kick == "half" and step == 10:
            self._hit("kick", "kick", time, 0.8)
        self._snares(part, bar, step, time)
        accent = 1.0 if within == 2 else 0.6
        hats = {
            "offbeat": within == 2,
            "eighths": within in (0, 2),
            "sixteenths": True,
            "syncopated": bool(self.syncopated_hats[step]),
        }.get(part.hats, False)
        if part.open_hats and within == 2:
            self._hit("open", "open", time, 1.0)
        elif hats:
            self._hit("hats", "closed", time, accent * self.rng.uniform(0.8, 1.0))
        if part.metal and step in self.metal_steps:
            self._hit("metal", "metal", time, self.rng.uniform(0.7, 1.0))

    def _snares(self, part: Part, bar: int, step: int, time: float) -> None:
        voice = "snare" if part.snare in ("snare", "roll") and self.style == "industrial" else "clap"
        backbeat = part.snare in ("clap", "snare") and step in (4, 12)
        if backbeat or (part.snare == "half" and step == 8):
            self._hit("snare", voice, time, 1.0, send=0.3)
        elif part.snare == "roll":
            progress = (bar + step / 16) / part.bars
            every = 4 if progress < 0.5 else 2 if progress < 0.75 else 1
            if step % every == 0:
                self._hit("snare", voice, time, 0.3 + 0.6 * progress)

    def _tonal(self, part: Part, step: int, time: float, chord: tuple[int, str], beat: int) -> None:
        within = step % STEPS_PER_BEAT
        sixteenth = float(self.grid.beats[beat + 1] - self.grid.beats[beat]) / STEPS_PER_BEAT
        if part.bass and within in self.bass_steps:
            frequency = _ROOT_HZ * 2 ** (chord[0] / 12)
            self._note(frequency, time, sixteenth * (2 if self.style == "house" else 1))
        if part.stabs and step in self.stab_steps:
            self._chord(chord, 4, time, duration=sixteenth * 1.5, attack=0.003, cutoff=3500.0, level="stab")

    def _hit(self, bus: str, voice: str, time: float, gain: float, *, humanize: bool = True, send: float = 0.0) -> None:
        if humanize and self.jitter > 0:
            time += float(np.clip(self.rng.normal(0.0, self.jitter), -3 * self.jitter, 3 * self.jitter))
        sound = self.kit[voice] * (gain * self.levels[voice])
        self._add(bus, sound, time)
        if send:
            self._add_to(self.reverb_send, sound * send, time)
        if voice == "kick":
            self._add_to(self.kick_triggers, np.ones(1, dtype=np.float32), time)
        self.onsets.append(time)

    def _note(self, frequency: float, time: float, duration: float) -> None:
        key = ("bass", round(frequency, 3), round(duration, 4))
        if key not in self._notes:
            self._notes[key] = voices.bass_note(frequency, duration, self.sr, self.style)
        self._add("bass", self._notes[key] * self.levels["bass"], time)
        self.onsets.append(time)

    def _chord(
        self,
        chord: tuple[int, str],
        octave: int,
        time: float,
        *,
        duration: float,
        attack: float,
        cutoff: float,
        level: str,
    ) -> None:
        root, quality = chord
        third = 3 if quality == "minor" else 4
        base = _ROOT_HZ * 2 ** (root / 12 + octave - 1)
        frequencies = [base, base * 2 ** (third / 12), base * 2 ** (7 / 12)]
        key = (level, round(base, 3), round(duration, 4))
        if key not in self._notes:
            self._notes[key] = voices.chord(frequencies, duration, self.sr, attack, cutoff)
        sound = self._notes[key] * self.levels[level]
        self._add("music", sound, time)
        self._add_to(self.reverb_send, sound * 0.4, time)
        if attack < 0.05:
            self.onsets.append(time)

    def _add(self, bus: str, sound: np.ndarray, time: float) -> None:
        self._add_to(self.buses[bus], sound, time)

    def _add_to(self, target: np.ndarray, sound: np.ndarray, time: float) -> None:
        start = max(0, round(time * self.sr))
        end = min(len(target), start + len(sound))
        if end > start:
            target[start:end] += sound[: end - start]

    def mix(self) -> np.ndarray:
        """Sidechain the music under the kick, add reverb, pan to stereo and normalize."""
        duck = signal.lfilter([1.0], [1.0, -np.exp(-1.0 / (0.12 * self.sr))], self.kick_triggers)
        pump = 1.0 - 0.6 * np.clip(duck, 0.0, 1.0)
        self.buses["music"] *= pump.astype(np.float32)
        self.buses["bass"] *= pump.astype(np.float32)
        tail = _reverb_tail(self.sr, self.rng)
        wet = signal.oaconvolve(self.reverb_send, tail)[: len(self.reverb_send)].astype(np.float32)
        left = np.zeros_like(wet)
        right = np.zeros_like(wet)
        for name, bus in self.buses.items():
            pan = self._PANS[name]
            left += bus * np.float32(np.sqrt(0.5 * (1 - pan)))
            right += bus * np.float32(np.sqrt(0.5 * (1 + pan)))
        left += wet
        right += np.roll(wet, int(0.011 * self.sr))
        stereo = np.stack([left, right], axis=1)
        end = self._last_sound(stereo)
        stereo = stereo[:end]
        peak = float(np.max(np.abs(stereo))) or 1.0
        return (stereo * (PEAK_LEVEL / peak)).astype(np.float32)

    def _last_sound(self, stereo: np.ndarray) -> int:
        """Sample index after which the song is silent, at least 0.5 s after the last beat."""
        minimum = int((self.grid.beats[-1] + 0.5) * self.sr)
        loud = np.flatnonzero(np.max(np.abs(stereo), axis=1) > 1e-4)
        return min(len(stereo), max(minimum, int(loud[-1]) + 1 if len(loud) else minimum))


def _reverb_tail(sr: int, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: 0.8 s of exponentially decaying, slightly darkened noise, at -10 dB."""
    t = np.arange(int(0.8 * sr)) / sr
    tail = rng.standard_normal(len(t)) * np.exp(-t / 0.18)
    tail = signal.lfilter([0.5, 0.5], [1.0], tail)
    return (0.3 * tail / np.sqrt(np.sum(tail**2))).astype(np.float32)


def _syncopated_pattern(rng: np.random.Generator) -> np.ndarray:
    """A 16-step hat pattern that leaves some beats empty and pushes some off-beats."""
    pattern = np.zeros(16, dtype=bool)
    pattern[[2, 6, 10, 14]] = True
    pattern[rng.choice([1, 3, 5, 7, 9, 11, 13, 15], size=4, replace=False)] = True
    pattern[rng.choice([0, 4, 8, 12], size=2, replace=False)] = True
    return pattern


def _truth(parts: Sequence[Part], grid: _Grid, duration: float, onsets: list[float]) -> GroundTruth:
    """The ground truth of an arrangement played on ``grid``."""
    beats = grid.beats[:-1]
    sections = []
    drops = []
    for index, (part, first) in enumerate(zip(parts, grid.part_starts, strict=True)):
        start = 0.0 if index == 0 else float(grid.beats[first])
        end = duration if index == len(parts) - 1 else float(grid.beats[grid.part_starts[index + 1]])
        sections.append(Section(start, end, part.label))
        if part.label == "drop" and index > 0 and parts[index - 1].label != "drop":
            drops.append(float(grid.beats[first]))
    tempo = float(round(60.0 / float(np.median(np.diff(grid.beats))), 6))
    return GroundTruth(
        tempo=tempo,
        beats=tuple(beats.tolist()),
        downbeats=tuple(beats[::BEATS_PER_BAR].tolist()),
        beats_per_bar=BEATS_PER_BAR,
        sections=tuple(sections),
        drops=tuple(drops),
        onsets=tuple(sorted({round(max(time, 0.0), 4) for time in onsets})),
    )


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose one of {', '.join(STYLES)}")


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, sample_rate: int) -> None:
    """Write ``samples`` (float, ``(n,)`` or ``(n, channels)``) as 16-bit PCM WAV, atomically."""
    wav.write_wav(path, samples, sample_rate, subtype="PCM_16")


def ground_truth_beat_data(song: Song, wav_path: str | os.PathLike[str]) -> BeatData:
    """The exact ``BeatData`` of ``song`` as written to ``wav_path`` (its energy measured from the samples)."""
    from generators.analysis import energy, features

    truth = song.truth
    spectrogram = features.band_spectrogram(features.blocks_of(song.samples), song.sample_rate)
    positions = tuple(index % truth.beats_per_bar + 1 for index in range(len(truth.beats)))
    return BeatData(
        tempo=truth.tempo,
        beats=truth.beats,
        beat_positions=positions,
        beats_per_bar=truth.beats_per_bar,
        downbeats=truth.downbeats,
        onsets=truth.onsets,
        sections=truth.sections,
        drops=truth.drops,
        energy=energy.envelopes(spectrogram),
        audio=AudioInfo(
            path=str(wav_path),
            duration=song.duration,
            sample_rate=song.sample_rate,
            channels=song.samples.shape[1],
            sha256=file_sha256(wav_path),
        ),
        analyzer={"name": "toonbeat.drum_machine", "version": "1"},
    )
