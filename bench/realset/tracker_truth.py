"""Beats and bars of a tracker module from the rows its player actually played.

Pure functions on ``(order, pattern, row, time)`` events: a beat starts on every row whose number in its
pattern is a multiple of ``rows_per_beat``, a bar on every multiple of ``rows_per_bar`` (patterns start on
bar lines). Where a jump or pattern break lands off that grid the truth ends there, and checks on the
song's own notes decide whether the assumed beat level and bar phase hold at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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

DEFAULT_ROWS_PER_BEAT = 4
DEFAULT_ROWS_PER_BAR = 16
IT_HIGHLIGHT_OFFSET = 0x1E
"""IT and MPTM headers keep the pattern highlight (rows per beat, rows per measure) at byte 0x1E."""
@dataclass(frozen=True)
class RowEvent:
    """One row as played: where it sits in the song and when it starts (seconds)."""

    order: int
    pattern: int
    row: int
    time: float


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
        raise ValueError(f"rows per bar ({rows_per_bar}) must be a positive multiple of rows per beat "
                         f"({rows_per_beat})")
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


@dataclass(frozen=True)
class TrackerTruth:
    """The checked beat grid of a module and the grid's row counts."""

    grid: BeatGrid
    rows_per_beat: int
    rows_per_bar: int
    evidence: NoteEvidence


def checked_truth(rows: Sequence[RowEvent], struck: Mapping[tuple[int, int], Sequence[Strike]], end_time: float,
                  highlight: tuple[int, int] | None = None) -> TrackerTruth:
    """The beat grid the rows and the notes agree on, or ``AmbiguousTruthError`` saying why there is none.

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
        raise AmbiguousTruthError(f"no beat level between {MIN_BPM:.0f} and {MAX_BPM:.0f} BPM (rows give {bpm:.1f})")
    candidates = [per_beat * beats_per_bar] + ([per_beat * 3] if beats_per_bar == 4 else [])
    grids = [(beat_grid(rows, end_time, per_beat, rows_per_bar), rows_per_bar) for rows_per_bar in candidates]
    grid, per_bar = max(grids, key=lambda pair: pair[0].end_time)
    slots = [Slot(row.row % per_beat, (row.row % per_bar) // per_beat, struck.get((row.pattern, row.row), ()))
             for row in rows if row.time < grid.end_time]
    evidence = note_evidence(slots, per_beat, per_bar // per_beat)
    check_beat_level(evidence, bpm)
    check_bar_phase(evidence)
    return TrackerTruth(grid, per_beat, per_bar, evidence)
