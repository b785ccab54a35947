"""Timeline markers for bars, sections, drops (and optionally beats and onsets).

Toonbeat remembers the markers it made (frame and name) in the scene's hidden
``_toonbeat_markers`` property. Re-importing removes exactly those that are still
there unchanged (``core.edits``) and adds the new ones: markers the user made,
renamed or moved are never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import bpy

from ..core.edits import ChannelRecord, dump_record, read_record, untouched
from ..core.markers import Marker

RECORD_PROPERTY = "_toonbeat_markers"
RECORD_CHANNEL = "markers"
logger = logging.getLogger(__name__)


def replace_markers(scene: bpy.types.Scene, markers: Iterable[Marker]) -> tuple[int, int]:
    """Put ``markers`` on the timeline in place of Toonbeat's previous markers.

    Returns ``(added, removed)``.
    """
    markers = list(markers)
    record = read_record(scene.get(RECORD_PROPERTY))
    for problem in record.problems:
        logger.warning("%s: %s", scene.name, problem)
    found = list(scene.timeline_markers)
    mine = untouched([(m.frame, m.name) for m in found], record.get(RECORD_CHANNEL),
                     [(m.frame, m.name) for m in markers])
    doomed = [old for old, toonbeat in zip(found, mine, strict=True) if toonbeat]
    for old in doomed:
        scene.timeline_markers.remove(old)
    for marker in markers:
        scene.timeline_markers.new(marker.name, frame=marker.frame)
    made = ChannelRecord(tuple(m.frame for m in markers), tuple(m.name for m in markers))
    scene[RECORD_PROPERTY] = dump_record({RECORD_CHANNEL: made})
    return len(markers), len(doomed)
