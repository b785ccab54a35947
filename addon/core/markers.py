"""Which timeline markers a beat file gives, as plain ``(name, frame)`` data.

Bars are named by number (``Bar 17``), section starts by label, drops ``DROP``.
Beats (``·``) and onsets (``'``) are optional: a song has thousands. Events that
land on the same frame share one marker, names joined (``drop DROP Bar 17``), so
the timeline stays readable.
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
    events: list[tuple[float, str]] = [(s.start, s.label) for s in beats.sections]
    events += [(t, "DROP") for t in beats.drops]
    events += [(t, f"Bar {n}") for n, t in enumerate(beats.downbeats, start=1)]
    if with_beats:
        downbeats = set(beats.downbeats)
        events += [(t, "·") for t in beats.beats if t not in downbeats]
    if with_onsets:
        events += [(t, "'") for t in beats.onsets]
    names_by_frame: dict[int, list[str]] = {}
    for seconds, name in events:
        names = names_by_frame.setdefault(seconds_to_frame(seconds, rate, frame_start), [])
        if name not in names:
            names.append(name)
    return [Marker(" ".join(names), frame) for frame, names in sorted(names_by_frame.items())]
