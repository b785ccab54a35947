"""Checks of an assumed beat grid against a song's own notes, shared by tracker modules and MIDI files.

A grid is believed only where the song's note-ons say the same: the most notes on the beat (drums too),
the most weighted notes on the downbeat, and neither the half-beat nor every other beat looking like a
beat level of its own within 60-200 BPM. Songs that fail are left out rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

MIN_BPM, MAX_BPM = 60.0, 200.0
DRUM_NAME = re.compile(r"kick|\bbd|bass ?drum|snare|\bsd\b|hat|\bhh|clap|drum|perc|\btom|cymb|crash|ride|rim|"
                       r"909|808|cowbell|shaker|tamb|conga|bongo|break|beat", re.IGNORECASE)
DRUM_MIN_HITS = 16
DRUM_MAX_PITCHES = 2
DOWNBEAT_MARGIN = 1.1
"""The downbeat's weighted note-ons must beat every other beat of the bar by this factor."""
HALF_BEAT_LIMIT = 0.9
"""Where the half-beat carries this share of the beat's note-ons, the beat may be twice as fast."""
ODD_BEAT_LIMIT = 0.5
"""Where every other beat carries less than this share of its neighbours' note-ons, it may be half as fast."""


class AmbiguousTruthError(ValueError):
    """The song's beat level or bar phase cannot be told from its rows and notes."""


@dataclass(frozen=True)
class Strike:
    """One note-on: the instrument (tracker instrument or sample, MIDI channel), its name and the note."""

    instrument: int
    name: str
    note: int


@dataclass(frozen=True)
class Slot:
    """A place on the grid (a tracker row, or a quarter of a MIDI beat) and the notes struck there."""

    phase: int
    """Position within the beat, in grid steps (0 = on the beat)."""
    bar_beat: int
    """Beat of the bar (0 = downbeat)."""
    strikes: Sequence[Strike]


def bpm_of(beats: Sequence[float]) -> float:
    """The median tempo of beat times (seconds): the median of 60 / inter-beat interval."""
    if len(beats) < 2:
        return float("nan")
    return float(np.median(60.0 / np.diff(beats)))


def drum_instruments(strikes: Iterable[Strike]) -> set[int]:
    """Instruments that behave like drums: named so, or struck often on at most two pitches."""
    pitches: dict[int, set[int]] = {}
    hits: dict[int, int] = {}
    named: set[int] = set()
    for strike in strikes:
        pitches.setdefault(strike.instrument, set()).add(strike.note)
        hits[strike.instrument] = hits.get(strike.instrument, 0) + 1
        if DRUM_NAME.search(strike.name):
            named.add(strike.instrument)
    repeated = {number for number, notes in pitches.items()
                if len(notes) <= DRUM_MAX_PITCHES and hits[number] >= DRUM_MIN_HITS}
    return named | repeated


@dataclass(frozen=True)
class NoteEvidence:
    """How a song's note-ons fall on a grid (counts per slot)."""

    per_beat_phase: np.ndarray
    """Note-ons per slot at each step of the beat (index 0 = on the beat), shape ``(steps_per_beat,)``."""
    drums_per_beat_phase: np.ndarray
    """The same for drum-like instruments."""
    per_bar_beat: np.ndarray
    """Weighted note-ons per beat at each beat of the bar (index 0 = downbeat), each note weighted by the
    inverse of its instrument's number of notes, so that rare events (a crash, a new chord) count most."""
    odd_even_beats: np.ndarray
    """Note-ons per beat on even and odd beats of the bar: a half-tempo sign where they differ."""


def note_evidence(slots: Sequence[Slot], steps_per_beat: int, beats_per_bar: int) -> NoteEvidence:
    """Count the note-ons of ``slots`` by where they fall in the beat and the bar."""
    everything = [strike for slot in slots for strike in slot.strikes]
    drums = drum_instruments(everything)
    played: dict[int, int] = {}
    for strike in everything:
        played[strike.instrument] = played.get(strike.instrument, 0) + 1
    phase, drum_phase, phase_slots = np.zeros(steps_per_beat), np.zeros(steps_per_beat), np.zeros(steps_per_beat)
    bar, bar_slots = np.zeros(beats_per_bar), np.zeros(beats_per_bar)
    odd_even, odd_even_slots = np.zeros(2), np.zeros(2)
    for slot in slots:
        phase[slot.phase] += len(slot.strikes)
        drum_phase[slot.phase] += sum(1 for strike in slot.strikes if strike.instrument in drums)
        phase_slots[slot.phase] += 1
        if slot.phase == 0:
            bar[slot.bar_beat] += sum(1 / played[strike.instrument] for strike in slot.strikes)
            bar_slots[slot.bar_beat] += 1
            odd_even[slot.bar_beat % 2] += len(slot.strikes)
            odd_even_slots[slot.bar_beat % 2] += 1
    return NoteEvidence(per_beat_phase=phase / np.maximum(phase_slots, 1),
                        drums_per_beat_phase=drum_phase / np.maximum(phase_slots, 1),
                        per_bar_beat=bar / np.maximum(bar_slots, 1),
                        odd_even_beats=odd_even / np.maximum(odd_even_slots, 1))


def check_beat_level(evidence: NoteEvidence, bpm: float) -> None:
    """Raise ``AmbiguousTruthError`` unless the notes put the beat where the grid does, at this level."""
    phase = evidence.per_beat_phase
    if phase[0] < phase[1:].max(initial=0.0):
        raise AmbiguousTruthError(f"beat rows are not the busiest rows of the beat ({np.round(phase, 2).tolist()})")
    drums = evidence.drums_per_beat_phase
    if drums.sum() and drums[0] < drums[1:].max(initial=0.0):
        raise AmbiguousTruthError(f"drums fall off the beat rows ({np.round(drums, 2).tolist()})")
    steps = len(phase)
    if steps % 2 == 0 and bpm * 2 <= MAX_BPM and phase[steps // 2] >= HALF_BEAT_LIMIT * phase[0]:
        raise AmbiguousTruthError(f"half-beat rows are as busy as beat rows at {bpm:.1f} BPM: the beat may be "
                             f"{bpm * 2:.1f} BPM")
    even, odd = evidence.odd_even_beats
    if len(evidence.per_bar_beat) % 2 == 0 and bpm / 2 >= MIN_BPM and odd < ODD_BEAT_LIMIT * even:
        raise AmbiguousTruthError(f"every other beat is nearly empty at {bpm:.1f} BPM: the beat may be "
                                  f"{bpm / 2:.1f} BPM")


def check_bar_phase(evidence: NoteEvidence) -> None:
    """Raise ``AmbiguousTruthError`` unless the downbeat stands out from the other beats of the bar."""
    bar = evidence.per_bar_beat
    if bar[0] < DOWNBEAT_MARGIN * bar[1:].max(initial=0.0):
        shares = np.round(bar / max(bar.max(), 1e-9), 2).tolist()
        raise AmbiguousTruthError(f"the downbeat does not stand out ({shares})")
