"""Timeline markers for bars, sections, drops (and optionally beats and onsets).

Toonbeat remembers the markers it made as ``(name, frame)`` pairs in the scene's
hidden ``_toonbeat_markers`` property. Re-importing removes exactly those that are
still there unchanged and adds the new ones: markers the user made, renamed or
moved are never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import bpy

from ..core.markers import Marker

RECORD_PROPERTY = "_toonbeat_markers"


def replace_markers(scene: bpy.types.Scene, markers: Iterable[Marker]) -> tuple[int, int]:
    """Put ``markers`` on the timeline in place of Toonbeat's previous markers.

    Returns ``(added, removed)``.
    """
    removed = remove_markers(scene)
    made = []
    for marker in markers:
        scene.timeline_markers.new(marker.name, frame=marker.frame)
        made.append([marker.name, marker.frame])
    scene[RECORD_PROPERTY] = json.dumps(made, separators=(",", ":"))
    return len(made), removed


def remove_markers(scene: bpy.types.Scene) -> int:
    """Remove the markers Toonbeat made that the user has not renamed or moved."""
    try:
        recorded = {(name, frame) for name, frame in json.loads(scene.get(RECORD_PROPERTY, "[]"))}
    except (TypeError, ValueError):
        recorded = set()
    doomed = [m for m in scene.timeline_markers if (m.name, m.frame) in recorded]
    for marker in doomed:
        scene.timeline_markers.remove(marker)
    scene[RECORD_PROPERTY] = "[]"
    return len(doomed)
