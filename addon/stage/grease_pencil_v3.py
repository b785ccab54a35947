"""Grease Pencil v3 (Blender 4.3+) keyframe and stroke primitives for ``grease_pencil``.

A pose switch *instances* its pose's library drawing, so stroke data is stored
once per pose and redrawing a pose changes it at every switch at once.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any


def content(frame: Any) -> int:
    """What ``frame`` shows, for this session: its drawing (frames themselves move as keyframes are added)."""
    return int(frame.drawing.as_pointer())


def shown(frame: Any, poses: dict[str, Hashable]) -> str | None:
    """The pose slot whose drawing ``frame`` instances (``poses``: slot to ``content``), ``None`` for its own."""
    drawing = content(frame)
    return next((slot for slot, pose in poses.items() if pose == drawing), None)


def copy_frame(layer: Any, source: int, number: int) -> Any:
    """A keyframe at ``number`` instancing the drawing of the keyframe at ``source``."""
    return layer.frames.copy(source, number, instance_drawing=True)


def remove_frame(layer: Any, number: int) -> None:
    layer.frames.remove(number)


def replace_strokes(frame: Any, counts: Sequence[int], positions: Sequence[float], materials: Sequence[int],
                    radius: float) -> None:
    """Replace the strokes of ``frame``'s drawing by closed, filled ones of ``counts`` points each."""
    drawing = frame.drawing
    if len(drawing.strokes):
        drawing.remove_strokes()
    if not counts:
        return
    drawing.add_strokes(list(counts))
    drawing.attributes["position"].data.foreach_set("vector", positions)
    _attribute(drawing, "material_index", "INT", "CURVE").data.foreach_set("value", materials)
    _attribute(drawing, "cyclic", "BOOLEAN", "CURVE").data.foreach_set("value", [True] * len(counts))
    _attribute(drawing, "fill_opacity", "FLOAT", "CURVE").data.foreach_set("value", [1.0] * len(counts))
    points = len(positions) // 3
    _attribute(drawing, "radius", "FLOAT", "POINT").data.foreach_set("value", [radius] * points)
    _attribute(drawing, "opacity", "FLOAT", "POINT").data.foreach_set("value", [1.0] * points)
    drawing.tag_positions_changed()


def _attribute(drawing: Any, name: str, data_type: str, domain: str) -> Any:
    return drawing.attributes.get(name) or drawing.attributes.new(name, data_type, domain)
