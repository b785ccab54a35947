"""Beats and bars of a MIDI file from its tempo map and time signatures.

A beat is the time signature's denominator note (a quarter in 3/4 and 4/4, a half in 2/2), a bar is
the numerator's count of them, bars start at tick 0 (or after the lead-in its writer puts first) and at
each time signature. Compound meters (6/8, 12/8, ...) are left out: the truth ends where one begins, or
where a time signature falls inside a bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mido
import numpy as np

from .note_checks import (
    MAX_BPM,
    MIN_BPM,
    AmbiguousTruthError,
    NoteEvidence,
    Slot,
    Strike,
    bpm_of,
    check_bar_phase,
    check_beat_level,
    note_evidence,
)

SIMPLE_METERS = frozenset({(2, 4), (3, 4), (4, 4), (2, 2), (3, 2)})
STEPS_PER_BEAT = 4
DEFAULT_TEMPO = 500_000
"""Microseconds per quarter note before the first tempo event (120 BPM), as the MIDI standard says."""
DRUM_CHANNEL = 9
MAX_GRID_OFFSET_BEATS = 0.04
"""Notes nearest the beats may sit this far (median, in beats) from them; beyond it the whole file is played
off its own grid (planetblupi's music004 sounds 0.1 beat, 58 ms, late) and its beat times would be wrong."""


@dataclass(frozen=True)
class MidiGrid:
    """Beat times (seconds), each beat's position in its bar (1 = downbeat), and the meters met."""

    beats: list[float]
    positions: list[int]
    beat_ticks: list[float]
    end_time: float
    """Where the exact truth ends: the last note's end, or the first time signature it cannot follow."""
    meters: list[tuple[int, int]]
    irregular: str = ""
    assumed_meter: bool = False
    """No time signature in the file: 4/4 as the MIDI standard says (the notes must then agree)."""


def absolute_messages(midi: mido.MidiFile) -> list[tuple[int, mido.Message]]:
    """Every message of every track with its absolute tick, in tick order."""
    messages = []
    for track in midi.tracks:
        tick = 0
        for message in track:
            tick += message.time
            messages.append((tick, message))
    messages.sort(key=lambda pair: pair[0])
    return messages


def tempo_map(midi: mido.MidiFile) -> list[tuple[int, int]]:
    """``(tick, microseconds per quarter note)`` from tick 0 on, one entry per tempo in force."""
    changes = [(tick, message.tempo) for tick, message in absolute_messages(midi) if message.type == "set_tempo"]
    tempi = [(0, DEFAULT_TEMPO)]
    for tick, tempo in changes:
        if tick == tempi[-1][0]:
            tempi[-1] = (tick, tempo)
        else:
            tempi.append((tick, tempo))
    return tempi


def seconds_at(ticks: Sequence[float] | np.ndarray, tempi: Sequence[tuple[int, int]],
               ticks_per_quarter: int) -> np.ndarray:
    """Times in seconds of ``ticks`` under the tempo map ``tempi``.

    Parameters
    ----------
    ticks : np.ndarray [shape=(n,)]
        Positions in MIDI ticks.
    tempi : sequence of (tick, microseconds per quarter)
        The tempo map, starting at tick 0.
    ticks_per_quarter : int
        The file's resolution.
    """
    starts = np.array([tick for tick, _ in tempi], dtype=float)
    seconds_per_tick = np.array([tempo for _, tempo in tempi], dtype=float) / 1e6 / ticks_per_quarter
    offsets = np.concatenate([[0.0], np.cumsum(np.diff(starts) * seconds_per_tick[:-1])])
    ticks = np.asarray(ticks, dtype=float)
    index = np.searchsorted(starts, ticks, side="right") - 1
    return offsets[index] + (ticks - starts[index]) * seconds_per_tick[index]


def midi_beat_grid(midi: mido.MidiFile, bars_from_first_note: bool = False) -> MidiGrid:
    """The beats and bars the file's time signatures and tempo map define, up to its last note's end.

    ``bars_from_first_note``: the program that wrote the file puts a lead-in of
    silent beats before the first bar (MMA writes one), so the bars start on the
    beat of the first note instead of at tick 0.
    """
    messages = absolute_messages(midi)
    notes = [tick for tick, message in messages if message.type in ("note_on", "note_off")]
    if not notes:
        raise AmbiguousTruthError("the file has no notes")
    last_tick = max(notes)
    signatures = [(tick, message.numerator, message.denominator) for tick, message in messages
                  if message.type == "time_signature"]
    assumed = not signatures
    if not signatures or signatures[0][0] > 0:
        signatures.insert(0, (0, 4, 4))
    tempi = tempo_map(midi)
    quarter = midi.ticks_per_beat
    beat_ticks: list[float] = []
    positions: list[int] = []
    meters: list[tuple[int, int]] = []
    irregular = ""
    end_tick = float(last_tick)
    first_beat_length = quarter * 4 / signatures[0][2]
    lead_in = (min(notes) // first_beat_length) % signatures[0][1] if bars_from_first_note else 0
    bar_start = lead_in * first_beat_length
    index = 0
    while bar_start <= last_tick:
        while index + 1 < len(signatures) and signatures[index + 1][0] <= bar_start:
            index += 1
        _, numerator, denominator = signatures[index]
        if (numerator, denominator) not in SIMPLE_METERS:
            irregular, end_tick = f"{numerator}/{denominator} at tick {bar_start:.0f} is not a simple meter", bar_start
            break
        beat_length = quarter * 4 / denominator
        bar_end = bar_start + numerator * beat_length
        following = signatures[index + 1][0] if index + 1 < len(signatures) else None
        if following is not None and bar_start < following < bar_end:
            irregular, end_tick = f"a time signature at tick {following} falls inside a bar", float(following)
            break
        if (numerator, denominator) not in meters:
            meters.append((numerator, denominator))
        for beat in range(numerator):
            if bar_start + beat * beat_length <= last_tick:
                beat_ticks.append(bar_start + beat * beat_length)
                positions.append(beat + 1)
        bar_start = bar_end
    beats = seconds_at(beat_ticks, tempi, quarter).tolist() if beat_ticks else []
    end_time = float(seconds_at([end_tick], tempi, quarter)[0])
    return MidiGrid(beats, positions, beat_ticks, end_time, meters, irregular, assumed)


@dataclass(frozen=True)
class MidiTruth:
    """A MIDI file's checked beat grid."""

    grid: MidiGrid
    evidence: NoteEvidence


def checked_midi_truth(midi: mido.MidiFile, bars_from_first_note: bool = False) -> MidiTruth:
    """The file's beat grid where its notes agree with it, or ``AmbiguousTruthError`` saying why not."""
    grid = midi_beat_grid(midi, bars_from_first_note)
    if len(grid.beats) < 8:
        raise AmbiguousTruthError(grid.irregular or "fewer than 8 beats")
    bpm = bpm_of(grid.beats)
    if not MIN_BPM <= bpm <= MAX_BPM:
        raise AmbiguousTruthError(f"the notated beat is at {bpm:.1f} BPM, outside {MIN_BPM:.0f}-{MAX_BPM:.0f}")
    beat_ticks = np.array(grid.beat_ticks)
    lengths = np.diff(np.append(beat_ticks, beat_ticks[-1] + (beat_ticks[-1] - beat_ticks[-2])))
    struck: dict[tuple[int, int], list[Strike]] = {}
    off_beat: list[float] = []
    for tick, message in absolute_messages(midi):
        if message.type != "note_on" or message.velocity == 0 or tick > beat_ticks[-1] + lengths[-1]:
            continue
        beat = int(np.searchsorted(beat_ticks, tick, side="right") - 1)
        fraction = (tick - beat_ticks[beat]) / lengths[beat]
        step = round(fraction * STEPS_PER_BEAT)
        if step in (0, STEPS_PER_BEAT):
            off_beat.append(fraction - step / STEPS_PER_BEAT)
        if step == STEPS_PER_BEAT:
            beat, step = beat + 1, 0
        if beat >= len(beat_ticks):
            continue
        name = "drum" if message.channel == DRUM_CHANNEL else f"channel {message.channel + 1}"
        struck.setdefault((beat, step), []).append(Strike(message.channel, name, message.note))
    offset = float(np.median(off_beat)) if off_beat else 0.0
    if abs(offset) > MAX_GRID_OFFSET_BEATS:
        raise AmbiguousTruthError(f"the notes nearest the beats sit {offset:+.2f} beats from them: the file is "
                                  "played off its own grid")
    slots = [Slot(step, position - 1, struck.get((beat, step), ())) for beat, position in enumerate(grid.positions)
             for step in range(STEPS_PER_BEAT)]
    evidence = note_evidence(slots, STEPS_PER_BEAT, max(grid.positions))
    check_beat_level(evidence, bpm)
    check_bar_phase(evidence)
    return MidiTruth(grid, evidence)
