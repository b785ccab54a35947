"""Bake a choreography plan into keyframes on whatever the stage bound to its tracks.

A stage (sequencer strips or 3D objects) describes what each plan track drives
with ``Binding`` objects; this module only converts seconds to frames and plan
values to property values, then hands the keys to ``keys.bake_target``, which
keeps the artist's hand edits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import bpy

from ..core.choreography import Plan
from ..core.timing import track_frames
from .keys import BakeCount, CurveKeys, bake_target


@dataclass(frozen=True)
class Binding:
    """One property a plan track drives.

    ``path`` is relative to ``target`` (a strip or an ID) and ``owner`` is the ID
    whose action holds the keys (the scene for strips). ``convert`` turns a plan
    value into the property's value; ``rest`` is the value when the track is off;
    ``interpolation`` replaces the track's (a switch derived from a smooth track).
    """

    target: Any
    owner: bpy.types.ID
    path: str
    index: int
    track_owner: str
    track_target: str
    convert: Callable[[float], float]
    rest: float
    interpolation: str | None = None


def bake_plan(plan: Plan, bindings: Sequence[Binding], rate: float, frame_start: int) -> BakeCount:
    """Key every binding from its plan track at frame ``rate``; returns what was written and kept."""
    total = BakeCount()
    by_target: dict[int, list[Binding]] = {}
    for binding in bindings:
        # By the datablock, not the Python object: bpy wraps one strip in a new object each time it is
        # looked up, and every property of a target must be baked together (see keys.bake_target).
        by_target.setdefault(binding.target.as_pointer(), []).append(binding)
    for group in by_target.values():
        curves = []
        for binding in group:
            track = plan.track(binding.track_owner, binding.track_target)
            if track is None:
                _set_value(binding, binding.rest)
                continue
            interpolation = binding.interpolation or track.interpolation
            frames, values = track_frames(track, rate, frame_start, binding.convert, interpolation)
            curves.append(CurveKeys(binding.path, binding.index, track.group, interpolation, frames, values))
        total.add(bake_target(group[0].target, group[0].owner, curves))
    return total


def _set_value(binding: Binding, value: float) -> None:
    """Put an unanimated property back to its rest value (as a bool for switches such as ``mute``)."""
    container_path, _, attribute = binding.path.rpartition(".")
    container = binding.target.path_resolve(container_path) if container_path else binding.target
    current = getattr(container, attribute)
    if hasattr(current, "__len__"):
        current[binding.index] = value
    else:
        setattr(container, attribute, type(current)(value))
