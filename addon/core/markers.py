"""Which timeline markers a beat file gives, as plain ``(name, frame)`` data.

One short name per frame, the most telling event there naming it: a drop is
``Drop``, a section start its label (``Intro``, ``Breakdown``), any other bar its
number (``Bar 9``). Beats (``·``) and onsets (``'``) are optional (a song has
thousands) and only mark frames nothing else marks.
"""

from __future__ import annotations

from dataclasses import dataclass

from .beatfile import BeatData
from .timing import seconds_to_frame


@dataclass(frozen=True)
class Marker:
    """A timeline marker to make."""

    name: str
    frame: int


def plan_markers(beats: BeatData, rate: float, frame_start: int = 1, *,
                 with_beats: bool = False, with_onsets: bool = False) -> list[Marker]:
    """Markers for ``beats`` at the scene frame ``rate``, song start at ``frame_start``."""
    # Lower numbers name a frame first: a drop, then a section start, a bar, a beat, an onset.
    events: list[tuple[int, float, str]] = [(0, t, "Drop") for t in beats.drops]
    events += [(1, s.start, s.label.replace("_", " ").title()) for s in beats.sections]
    events += [(2, t, f"Bar {n}") for n, t in enumerate(beats.downbeats, start=1)]
    if with_beats:
        events += [(3, t, "·") for t in beats.beats]
    if with_onsets:
        events += [(4, t, "'") for t in beats.onsets]
    name_by_frame: dict[int, tuple[int, str]] = {}
    for rank, seconds, name in events:
        frame = seconds_to_frame(seconds, rate, frame_start)
        if frame not in name_by_frame or rank < name_by_frame[frame][0]:
            name_by_frame[frame] = (rank, name)
    return [Marker(name, frame) for frame, (_, name) in sorted(name_by_frame.items())]
