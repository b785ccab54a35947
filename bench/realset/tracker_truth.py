"""Beats and bars of a tracker module from the rows its player actually played.

Pure functions on ``(order, pattern, row, time)`` events: a beat starts on every row whose number in its
pattern is a multiple of ``rows_per_beat``, a bar on every multiple of ``rows_per_bar`` (patterns start on
bar lines). Where a jump or pattern break lands off that grid the truth ends there, and checks on the
song's own notes decide whether the assumed beat level and bar phase hold at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_ROWS_PER_BEAT = 4
DEFAULT_ROWS_PER_BAR = 16
IT_HIGHLIGHT_OFFSET = 0x1E
"""IT and MPTM headers keep the pattern highlight (rows per beat, rows per measure) at byte 0x1E."""
MIN_BPM, MAX_BPM = 60.0, 200.0
DRUM_NAME = re.compile(r"kick|\bbd|bass ?drum|snare|\bsd\b|hat|\bhh|clap|drum|perc|\btom|cymb|crash|ride|rim|"
                       r"909|808|cowbell|shaker|tamb|conga|bongo|break|beat", re.IGNORECASE)


class AmbiguousTruth(ValueError):
    """The song's beat level or bar phase cannot be told from its rows and notes."""


@dataclass(frozen=True)
class RowEvent:
    """One row as played: where it sits in the song and when it starts (seconds)."""

    order: int
    pattern: int
    row: int
    time: float


@dataclass(frozen=True)
class Strike:
    """One note-on in a pattern: the instrument (or sample) number, its name and the note (1-120)."""

    instrument: int
    name: str
    note: int


@dataclass(frozen=True)
class BeatGrid:
    """Beat times (seconds) with each beat's position in its bar (1 = downbeat)."""

    beats: list[float]
    positions: list[int]
    end_time: float
    """Where the exact truth ends: the song's end, or the first row played off the beat/bar grid."""
    irregular: str = ""
    """Why the truth ended early, empty when it covers the whole song."""

    @property
    def downbeats(self) -> list[float]:
        return [time for time, position in zip(self.beats, self.positions, strict=True) if position == 1]


def rows_per_beat_and_bar(header: bytes) -> tuple[int, int] | None:
    """The pattern highlight of an IT or MPTM file's header, or ``None`` where the format has none or it is unset."""
    if not header.startswith(b"IMPM") or len(header) < IT_HIGHLIGHT_OFFSET + 2:
        return None
    per_beat, per_bar = header[IT_HIGHLIGHT_OFFSET], header[IT_HIGHLIGHT_OFFSET + 1]
    if per_beat == 0 or per_bar == 0 or per_bar % per_beat:
        return None
    return per_beat, per_bar


def beat_grid(rows: Sequence[RowEvent], end_time: float, rows_per_beat: int = DEFAULT_ROWS_PER_BEAT,
              rows_per_bar: int = DEFAULT_ROWS_PER_BAR) -> BeatGrid:
    """Beats and bar positions from the rows played, up to the first row that breaks the grid.

    Parameters
    ----------
    rows : sequence of RowEvent
        Every row played, in order, with start times in seconds.
    end_time : float
        When the audio ends (seconds).
    rows_per_beat, rows_per_bar : int
        The grid: a beat on every ``rows_per_beat``-th row of a pattern, a bar on every ``rows_per_bar``-th.
    """
    if rows_per_beat <= 0 or rows_per_bar % rows_per_beat:
        raise ValueError(f"rows per bar ({rows_per_bar}) must be a positive multiple of rows per beat ({rows_per_beat})")
    beats: list[float] = []
    positions: list[int] = []
    previous: RowEvent | None = None
    for event in rows:
        if previous is not None and (previous.row + 1) % rows_per_bar != event.row % rows_per_bar:
            return BeatGrid(beats, positions, event.time,
                            f"order {event.order} row {event.row} follows order {previous.order} row {previous.row}")
        if previous is None and event.row % rows_per_bar:
            return BeatGrid([], [], event.time, f"the song starts on row {event.row}")
        if event.row % rows_per_beat == 0:
            beats.append(event.time)
            positions.append((event.row % rows_per_bar) // rows_per_beat + 1)
        previous = event
    return BeatGrid(beats, positions, end_time)


DRUM_MIN_HITS = 16
DRUM_MAX_PITCHES = 2


def drum_instruments(struck: Mapping[tuple[int, int], Sequence[Strike]]) -> set[int]:
    """Instruments that behave like drums: named so, or struck often on at most two pitches."""
    pitches: dict[int, set[int]] = {}
    hits: dict[int, int] = {}
    named: set[int] = set()
    for strikes in struck.values():
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
    """How the song's note-ons fall on a grid of rows per beat and per bar (all counts per row)."""

    per_beat_phase: np.ndarray
    """Note-ons per row at each row of the beat (index 0 = the beat row), shape ``(rows_per_beat,)``."""
    drums_per_beat_phase: np.ndarray
    """The same for drum-like instruments."""
    per_bar_beat: np.ndarray
    """Weighted note-ons per beat row at each beat of the bar (index 0 = downbeat), each note weighted by
    the inverse of its instrument's number of notes, so that rare events (a crash, a new chord) count most."""
    odd_even_beats: np.ndarray
    """Note-ons per beat row on even and odd beats of the pattern: a half-tempo sign where they differ."""

    @property
    def on_beat_share(self) -> float:
        """Share of the note-ons on beat rows (chance: 1 / rows_per_beat)."""
        total = self.per_beat_phase.sum()
        return float(self.per_beat_phase[0] / total) if total else float("nan")


def note_evidence(rows: Sequence[RowEvent], struck: Mapping[tuple[int, int], Sequence[Strike]],
                  rows_per_beat: int, rows_per_bar: int) -> NoteEvidence:
    """Count the note-ons of the rows played by where they fall in the beat and the bar."""
    beats_per_bar = rows_per_bar // rows_per_beat
    drums = drum_instruments(struck)
    played: dict[int, int] = {}
    for event in rows:
        for strike in struck.get((event.pattern, event.row), ()):
            played[strike.instrument] = played.get(strike.instrument, 0) + 1
    phase, drum_phase, phase_rows = np.zeros(rows_per_beat), np.zeros(rows_per_beat), np.zeros(rows_per_beat)
    bar, bar_rows = np.zeros(beats_per_bar), np.zeros(beats_per_bar)
    odd_even, odd_even_rows = np.zeros(2), np.zeros(2)
    for event in rows:
        strikes = struck.get((event.pattern, event.row), ())
        beat_phase = event.row % rows_per_beat
        phase[beat_phase] += len(strikes)
        drum_phase[beat_phase] += sum(1 for strike in strikes if strike.instrument in drums)
        phase_rows[beat_phase] += 1
        if beat_phase == 0:
            beat = event.row // rows_per_beat
            bar[beat % beats_per_bar] += sum(1 / played[strike.instrument] for strike in strikes)
            bar_rows[beat % beats_per_bar] += 1
            odd_even[beat % 2] += len(strikes)
            odd_even_rows[beat % 2] += 1
    return NoteEvidence(per_beat_phase=phase / np.maximum(phase_rows, 1),
                        drums_per_beat_phase=drum_phase / np.maximum(phase_rows, 1),
                        per_bar_beat=bar / np.maximum(bar_rows, 1),
                        odd_even_beats=odd_even / np.maximum(odd_even_rows, 1))


def bpm_of(beats: Sequence[float]) -> float:
    """The median tempo of beat times (seconds): the median of 60 / inter-beat interval."""
    if len(beats) < 2:
        return float("nan")
    return float(np.median(60.0 / np.diff(beats)))


DOWNBEAT_MARGIN = 1.1
"""The downbeat's weighted note-ons must beat every other beat of the bar by this factor."""
HALF_BEAT_LIMIT = 0.9
"""Where the half-beat rows carry this share of the beat rows' note-ons, the beat may be twice as fast."""
ODD_BEAT_LIMIT = 0.5
"""Where every other beat carries less than this share of its neighbours' note-ons, it may be half as fast."""


@dataclass(frozen=True)
class TrackerTruth:
    """The checked beat grid of a module and the grid's row counts."""

    grid: BeatGrid
    rows_per_beat: int
    rows_per_bar: int
    evidence: NoteEvidence


def checked_truth(rows: Sequence[RowEvent], struck: Mapping[tuple[int, int], Sequence[Strike]], end_time: float,
                  highlight: tuple[int, int] | None = None) -> TrackerTruth:
    """The beat grid the rows and the notes agree on, or ``AmbiguousTruth`` saying why there is none.

    The grid is the IT/MPTM highlight where set, else the tracker convention (4 rows a beat, 16 a bar,
    patterns starting on bar lines), moved by octaves only where its tempo lies outside 60-200 BPM. A bar
    of 3 beats is tried where 4 breaks sooner. The song's note-ons must then put the most notes on the
    beat rows (drums too), the most weighted notes on the downbeat, and neither the half-beat nor every
    other beat may look like a beat level of its own within 60-200 BPM.
    """
    per_beat, per_bar = highlight or (DEFAULT_ROWS_PER_BEAT, DEFAULT_ROWS_PER_BAR)
    beats_per_bar = per_bar // per_beat
    bpm = bpm_of(beat_grid(rows, end_time, per_beat, per_bar).beats)
    while bpm > MAX_BPM and per_beat <= 16:
        per_beat, bpm = per_beat * 2, bpm / 2
    while bpm < MIN_BPM and per_beat % 2 == 0:
        per_beat, bpm = per_beat // 2, bpm * 2
    if not MIN_BPM <= bpm <= MAX_BPM:
        raise AmbiguousTruth(f"no beat level between {MIN_BPM:.0f} and {MAX_BPM:.0f} BPM (rows give {bpm:.1f})")
    candidates = [per_beat * beats_per_bar] + ([per_beat * 3] if beats_per_bar == 4 else [])
    grids = [(beat_grid(rows, end_time, per_beat, rows_per_bar), rows_per_bar) for rows_per_bar in candidates]
    grid, per_bar = max(grids, key=lambda pair: pair[0].end_time)
    evidence = note_evidence([row for row in rows if row.time < grid.end_time], struck, per_beat, per_bar)
    _check_beat_level(evidence, bpm, per_beat)
    _check_bar_phase(evidence)
    return TrackerTruth(grid, per_beat, per_bar, evidence)


def _check_beat_level(evidence: NoteEvidence, bpm: float, rows_per_beat: int) -> None:
    phase = evidence.per_beat_phase
    if phase[0] < phase[1:].max(initial=0.0):
        raise AmbiguousTruth(f"beat rows are not the busiest rows of the beat ({np.round(phase, 2).tolist()})")
    drums = evidence.drums_per_beat_phase
    if drums.sum() and drums[0] < drums[1:].max(initial=0.0):
        raise AmbiguousTruth(f"drums fall off the beat rows ({np.round(drums, 2).tolist()})")
    half = rows_per_beat // 2
    if rows_per_beat % 2 == 0 and bpm * 2 <= MAX_BPM and phase[half] >= HALF_BEAT_LIMIT * phase[0]:
        raise AmbiguousTruth(f"half-beat rows are as busy as beat rows at {bpm:.1f} BPM: the beat may be "
                             f"{bpm * 2:.1f} BPM")
    even, odd = evidence.odd_even_beats
    if bpm / 2 >= MIN_BPM and odd < ODD_BEAT_LIMIT * even:
        raise AmbiguousTruth(f"every other beat is nearly empty at {bpm:.1f} BPM: the beat may be {bpm / 2:.1f} BPM")


def _check_bar_phase(evidence: NoteEvidence) -> None:
    bar = evidence.per_bar_beat
    if bar[0] < DOWNBEAT_MARGIN * bar[1:].max(initial=0.0):
        raise AmbiguousTruth(f"the downbeat does not stand out ({np.round(bar / max(bar.max(), 1e-9), 2).tolist()})")
