"""Legacy Grease Pencil (Blender 4.2) keyframe and stroke primitives for ``grease_pencil``.

Legacy keyframes cannot share a drawing, so a pose switch holds a *copy* of its
pose's library strokes. The bake record keeps a fingerprint of each copy: a switch
still matching it is untouched and re-copied from the (perhaps redrawn) library at
the next bake, so redrawing a pose reaches its switches then, not at once. A
switch the artist redrew no longer matches and is kept.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Hashable, Sequence
from typing import Any

RADIUS_PER_WIDTH = 1 / 2000
"""A legacy stroke's radius in object units per unit of ``line_width * pressure``."""
MAX_LINE_WIDTH = 1000
STROKE_SETTINGS = ("material_index", "use_cyclic", "line_width", "hardness", "display_mode",
                   "start_cap_mode", "end_cap_mode", "vertex_color_fill")
POINT_VALUES = (("co", 3), ("pressure", 1), ("strength", 1), ("vertex_color", 4))


def shown(frame: Any, _poses: dict[str, Hashable]) -> str:
    """What the bake record keeps of ``frame``: ``content``, whichever pose it was copied from."""
    return content(frame)


def content(frame: Any) -> str:
    """A fingerprint of ``frame``'s strokes: their materials, closure and point positions."""
    digest = hashlib.sha1(usedforsecurity=False)
    for stroke in frame.strokes:
        digest.update(f"{stroke.material_index},{stroke.use_cyclic};".encode())
        digest.update(_values(stroke.points, "co", 3).tobytes())
    return digest.hexdigest()[:16]


def copy_frame(layer: Any, source: int, number: int) -> Any:
    """A new keyframe at ``number`` with a copy of the strokes of the keyframe at ``source``."""
    frame = layer.frames.new(number)
    for stroke in _frame_at(layer, source).strokes:
        _copy_stroke(stroke, frame.strokes.new())
    return frame


def remove_frame(layer: Any, number: int) -> None:
    layer.frames.remove(_frame_at(layer, number))


def replace_strokes(frame: Any, counts: Sequence[int], positions: Sequence[float], materials: Sequence[int],
                    radius: float) -> None:
    """Replace the strokes of ``frame`` by closed, filled ones of ``counts`` points each."""
    for stroke in list(frame.strokes):
        frame.strokes.remove(stroke)
    width = MAX_LINE_WIDTH
    pressure = radius / (width * RADIUS_PER_WIDTH)
    start = 0
    for count, material in zip(counts, materials, strict=True):
        stroke = frame.strokes.new()
        stroke.material_index, stroke.use_cyclic, stroke.line_width = material, True, width
        stroke.points.add(count, pressure=pressure, strength=1.0)
        stroke.points.foreach_set("co", positions[3 * start:3 * (start + count)])
        stroke.points.update()
        start += count


def _copy_stroke(source: Any, target: Any) -> None:
    for name in STROKE_SETTINGS:
        setattr(target, name, getattr(source, name))
    target.points.add(len(source.points))
    for name, size in POINT_VALUES:
        target.points.foreach_set(name, _values(source.points, name, size))
    target.points.update()


def _values(points: Any, name: str, size: int) -> array[float]:
    values = array("f", bytes(4 * size * len(points)))
    points.foreach_get(name, values)
    return values


def _frame_at(layer: Any, number: int) -> Any:
    return next(frame for frame in layer.frames if frame.frame_number == number)
