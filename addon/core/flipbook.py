"""Flipbook timing: which drawing a character shows on each whole frame, for Grease Pencil keyframes.

A Grease Pencil character holds each drawing until its next keyframe, so playing a
loop means one keyframe wherever the shown drawing changes. The drawing is the one
the sequencer's Speed strip and the 3D stage's image planes show on that frame: the
plan's ``cycle`` track turned into the clip's frame numbers at its keys, evaluated
at whole frames as their F-Curves are (linear between keys, or held for a constant
track) and rounded down, so a hit frame lands on its beat on every stage alike.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .choreography import Track
from .clip import Clip
from .timing import track_frames

NUDGE = 1e-4
"""Added before rounding down, so a key on a whole drawing number never reads as the drawing before."""


def drawings_on_frames(pose: Track, cycle: Track | None, clips: Sequence[Clip | None], rate: float,
                       frame_start: int, frame_end: int) -> list[tuple[int, int, int | None]]:
    """``(frame, slot, drawing)`` wherever the shown drawing changes, from ``pose``'s first key to ``frame_end``.

    Parameters
    ----------
    pose : Track
        The character's pose track: values are slot indices into ``clips``, held (constant).
    cycle : Track or None
        The character's cycle track (phase 0..1 of the move's cycle); ``None`` shows each clip's first hit.
    clips : sequence of Clip or None
        The clip animating each pose slot, ``None`` for a still.
    rate : float
        The scene's exact frames per second.
    frame_start, frame_end : int
        The frame time 0 shows, and the first frame after the song.

    Returns
    -------
    list of (int, int, int or None)
        The frame, the pose slot and the clip frame shown from it on (its file index, ``None`` for a still).
    """
    switch_frames, slot_values = track_frames(pose, rate, frame_start, float, interpolation="CONSTANT")
    last_slot = len(clips) - 1
    shown: list[tuple[int, int, int | None]] = []
    bounds = [*map(int, switch_frames), frame_end]
    for index, value in enumerate(slot_values):
        slot = min(max(round(value), 0), last_slot)
        first, end = bounds[index], max(bounds[index + 1], bounds[index] + 1)
        clip = clips[slot]
        if clip is None:
            shown.append((first, slot, None))
            continue
        frames = np.arange(first, end)
        for frame, drawing in zip(frames.tolist(), clip_drawings(clip, cycle, rate, frame_start, frames), strict=True):
            if not shown or shown[-1][1:] != (slot, drawing) or frame == first:
                shown.append((frame, slot, drawing))
    return shown


def clip_drawings(clip: Clip, cycle: Track | None, rate: float, frame_start: int, frames: np.ndarray) -> list[int]:
    """The file index of the drawing of ``clip`` shown on each of ``frames`` (whole scene frames)."""
    if cycle is None:
        return [clip.first_hit] * len(frames)
    key_frames, positions = track_frames(cycle, rate, frame_start, clip.frame_at_phase)
    if cycle.interpolation == "CONSTANT":
        at = np.clip(np.searchsorted(key_frames, frames, side="right") - 1, 0, len(positions) - 1)
        values = np.asarray(positions)[at]
    else:
        values = np.interp(frames, key_frames, positions)
    steps = np.minimum(np.floor(values + NUDGE), clip.frame_count - 1).astype(int)
    return [(clip.first_hit + step) % clip.frame_count for step in steps.tolist()]

