"""Shot clips on the beat: which section a clip is for, and the frame of the clip to show at each key.

A shot (or background) clip covers one song section. It plays whole cycles of its
``beats_per_cycle`` beats on the song's beat clock (``core.retime``), the first starting
on the first beat at or after the section's start, the last cut at the section's end:
the same cycles and phase keys as a character's move, so every cycle starts exactly on
its beat however the tempo drifts.

Examples
--------
>>> sections = (Section(0.0, 8.0, "intro"), Section(8.0, 16.0, "drop"))
>>> section_at(sections, 9.5).label
'drop'
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from .beatfile import BeatFileError, Section, load_unchanged
from .clip import Clip
from .retime import HIT_TOLERANCE, Cycle, beat_position, phase_keys


def section_at(sections: Sequence[Section], seconds: float) -> Section | None:
    """The section playing at ``seconds`` (the last one from its start on); ``None`` before the first."""
    playing = [section for section in sections if section.start <= seconds + HIT_TOLERANCE]
    return playing[-1] if playing else None


SECTION_UNDER_PLAYHEAD = "PLAYHEAD"
"""The panel's choice of the section playing at the current frame; the others are section numbers."""


def chosen_section(sections: Sequence[Section], choice: str, playhead: float) -> Section:
    """The section ``choice`` names (a number, or :data:`SECTION_UNDER_PLAYHEAD` at ``playhead`` seconds)."""
    if not sections:
        raise ValueError("the song has no sections: analyse it (Song panel) before making a clip for one")
    if choice == SECTION_UNDER_PLAYHEAD:
        return section_at(sections, playhead) or sections[0]
    index = int(choice)
    if not 0 <= index < len(sections):
        raise ValueError(f"the song has {len(sections)} sections, not {index + 1}: choose the section again")
    return sections[index]


def section_choices(beats_path: str | os.PathLike[str] | None) -> list[str]:
    """Each section of the beat file as ``"Drop at 1:04"``; none for a missing or unreadable file."""
    if beats_path is None or not Path(beats_path).is_file():
        return []
    try:
        sections = load_unchanged(beats_path).sections
    except (OSError, BeatFileError):
        return []
    return [f"{section.label.replace('_', ' ').title()} at {int(section.start // 60)}:"
            f"{int(section.start % 60):02d}" for section in sections]


def shot_keys(clip: Clip, beats: Sequence[float], start: float, end: float,
              frame_seconds: float) -> tuple[list[float], list[float]]:
    """Key times (seconds, from ``start`` to ``end``) and the clip's frame (``cycle_frame_paths`` order) at each.

    ``frame_seconds`` is one frame of the scene: each cycle's last key sits one frame
    before the next cycle starts over. Before the first cycle the clip shows its first frame.
    """
    if end <= start:
        raise ValueError(f"a shot needs a section that lasts, not {start:g} s to {end:g} s")
    length = clip.beats_per_cycle
    first = math.ceil(beat_position(beats, start) - HIT_TOLERANCE)
    last = beat_position(beats, end)
    cycles = [Cycle(0, beat, min(beat + length, last), length, clip.timing.hit_phases)
              for beat in range(first, math.ceil(last - HIT_TOLERANCE), length)]
    times, phases = phase_keys(beats, cycles, frame_seconds, end)
    keys = [(start, 0.0)] + [(t, p) for t, p in zip(times, phases, strict=True) if t > start + frame_seconds / 2]
    final = clip.frame_count - 1e-3  # the Speed strip shows the frame its number rounds down to
    return [t for t, _ in keys], [min(clip.frame_at_phase(p), final) for _, p in keys]
