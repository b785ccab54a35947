"""Grease Pencil characters: each drawing traced into filled, outlined strokes, shown by keyframes.

One Grease Pencil object per character (a child of its empty) with one layer, *Poses*:

- every drawing sits on its own keyframe before the scene's first frame (the
  library: a still pose's drawing, or each frame of a move's loop, in slot order),
  where an artist can redraw it in Draw mode;
- the choreography is keyframes showing those drawings: a still pose from its
  switch on, a looping move a keyframe wherever its next drawing comes up, on the
  frames the sequencer's Speed strip and the image planes show it
  (``core.flipbook``), so every hit drawing lands on its beat. On Grease Pencil v3
  (4.3+) a keyframe *instances* its library drawing (``grease_pencil_v3``), so
  redrawing one changes it everywhere at once; on 4.2's legacy Grease Pencil it
  holds a copy (``grease_pencil_legacy``), so a redrawing reaches its keyframes at
  the next bake;
- one material per flat colour, filled with it and outlined in the line-art
  colour, and a holdout material cutting see-through holes.

The keyframes are the one track that says which drawing shows when, and the one an
artist edits in the Dope Sheet: a drawing moved to another frame is retimed, and
a Time Offset modifier keyed from the cycle would need the pose track too (the
bake keys one track per property). Strokes are in image pixels with the character's
anchor at the origin, like the image planes, so the empty's scale places and
bounces both alike.

Re-baking keeps the artist's keyframes: the keyframes Toonbeat wrote are recorded
(frame and what it showed); a keyframe at an unrecorded frame or showing
something else is the artist's and stays, and a recorded keyframe the artist
deleted stays deleted. A hit keyframe the artist moved carries Toonbeat's
in-betweens around it: they are re-spaced between it and its neighbouring hits.

Everything that differs between the two kinds of Grease Pencil is in
``grease_pencil_v3`` and ``grease_pencil_legacy``, chosen by ``compat``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, Protocol

import bpy

from .. import compat
from ..core.character_sheet import Character
from ..core.choreography import Track
from ..core.clip import Clip
from ..core.edits import (
    ChannelRecord,
    Recorded,
    dump_record,
    lift_tombstones,
    read_record,
    rebake,
    respace,
    tombstones,
    untouched,
)
from ..core.flipbook import drawings_on_frames
from ..core.tracing import HOLE, RGB, Tracing
from ..sync.keys import BakeCount
from . import grease_pencil_legacy, grease_pencil_v3
from .grease_pencil_tracing import traced
from .images import PoseImage
from .roles import details, mark, role_of, with_role


class Keyframes(Protocol):
    """The keyframe and stroke primitives of one kind of Grease Pencil; mypy checks both modules."""

    def content(self, frame: Any) -> Hashable:
        """What ``frame`` shows, comparable within this session."""

    def shown(self, frame: Any, poses: dict[str, Hashable]) -> str | None:
        """What the bake record keeps of ``frame`` to recognise it untouched (``poses``: slot to ``content``)."""

    def copy_frame(self, layer: Any, source: int, number: int) -> Any:
        """A keyframe at ``number`` showing the drawing of the keyframe at ``source``."""

    def remove_frame(self, layer: Any, number: int) -> None:
        """Remove the keyframe at ``number``."""

    def replace_strokes(self, frame: Any, counts: Sequence[int], positions: Sequence[float],
                        materials: Sequence[int], radius: float) -> None:
        """Replace the strokes of ``frame`` by closed, filled ones of ``counts`` points each."""


BACKENDS: dict[bool, Keyframes] = {True: grease_pencil_v3, False: grease_pencil_legacy}
"""The primitives of Grease Pencil v3 (``True``) and legacy Grease Pencil."""
keyframes = BACKENDS[compat.HAS_GREASE_PENCIL_V3]
"""The keyframe and stroke primitives of this Blender's Grease Pencil."""

LAYER_NAME = "Poses"
OUTLINE_RADIUS = 0.75
"""Half the width of the outline around each filled stroke, in image pixels."""
RECORD_PROPERTY = "_toonbeat_pose_frames"
RECORD_CHANNEL = "poses"
"""The record's one channel: frame to what the keyframe shows (``keyframes.shown``)."""


def library_keys(pose: PoseImage) -> list[str]:
    """The names of a pose slot's library drawings: the slot for a still, ``slot:n`` for frame ``n`` of its loop."""
    if pose.clip is None:
        return [pose.slot]
    return [f"{pose.slot}:{index}" for index in range(pose.clip.frame_count)]


def drawing_paths(pose: PoseImage) -> list[Path]:
    """The image files of a pose's drawings, in ``library_keys`` order: its loop's frames, or its still."""
    return pose.clip.frame_paths() if pose.clip else [pose.path]


def trace_poses(poses: Sequence[PoseImage]) -> list[list[Tracing]]:
    """Every drawing of each pose traced into shapes (about 0.4 s for a 768 px drawing, once: see
    ``grease_pencil_tracing``), in ``library_keys`` order."""
    return [[traced(path) for path in drawing_paths(pose)] for pose in poses]


def draw_character(root: Any, collection: Any, character: Character, poses: Sequence[PoseImage],
                   tracings: Sequence[Sequence[Tracing]], frame_start: int) -> Any:
    """The character's Grease Pencil object with one library keyframe per drawing, drawings replaced by
    ``tracings`` (``trace_poses``); keyframes baked earlier show their new drawing (on 4.2 from the next bake)."""
    drawing = next(with_role(root.children, "drawing"), None)
    if drawing is None:
        data = compat.new_grease_pencil(f"Toonbeat {character.name}")
        data.layers.new(LAYER_NAME).use_lights = False
        drawing = bpy.data.objects.new(f"{character.name} drawing", data)
        collection.objects.link(drawing)
        drawing.parent = root
        library: dict[str, int] = {}
    else:
        library = dict(details(drawing)["library"])
    layer = pose_layer(drawing)
    wanted = [key for pose in poses for key in library_keys(pose)]
    for key in [key for key in library if key not in wanted]:
        _remove_pose(layer, library.pop(key))
    free = min(library.values(), default=frame_start) - 1
    for key in reversed(wanted):
        if key not in library:
            library[key], free = free, free - 1
    every = [tracing for drawings in tracings for tracing in drawings]
    materials = _materials(drawing.data, character.name, every)
    drawing.active_material_index = materials.get(_ink(every), 0)
    frames = {frame.frame_number: frame for frame in layer.frames}
    for key, tracing in zip(wanted, every, strict=True):
        frame = frames.get(library[key]) or layer.frames.new(library[key])
        _fill(frame, tracing, character.anchor, materials)
    mark(drawing, "drawing", character=character.name, slots=[pose.slot for pose in poses], library=library)
    return drawing


def remove_drawing(drawing: Any) -> None:
    """Delete a character's Grease Pencil object with its data and the materials nothing else uses."""
    data = drawing.data
    materials = [m for m in data.materials if m is not None]
    bpy.data.objects.remove(drawing)
    if data.users == 0:
        compat.grease_pencil_datablocks().remove(data)
    for material in materials:
        if material.users == 0:
            bpy.data.materials.remove(material)


def pose_layer(drawing: Any) -> Any:
    """The layer holding the pose keyframes (the first one if the artist renamed it)."""
    layers = drawing.data.layers
    return layers.get(LAYER_NAME) or layers[0]


def bake_pose_frames(drawing: Any, pose: Track, cycle: Track | None, clips: Sequence[Clip | None], rate: float,
                     frame_start: int, frame_end: int) -> BakeCount:
    """Make the drawings ``pose`` and ``cycle`` show Grease Pencil keyframes, keeping the artist's keyframes.

    ``pose`` values are pose slot indices, ``clips`` the clip of each slot (``None`` for a still);
    a still shows from its switch on, a loop a keyframe per drawing up to ``frame_end`` (exclusive).
    """
    info = details(drawing)
    slots: list[str] = list(info["slots"])
    layer = pose_layer(drawing)
    frames = {frame.frame_number: frame for frame in layer.frames}
    library = {key: number for key, number in dict(info["library"]).items() if number in frames}
    poses = {key: keyframes.content(frames[number]) for key, number in library.items()}
    shows = {key: keyframes.shown(frames[number], poses) for key, number in library.items()}
    library_frames = set(library.values())
    found = [(number, keyframes.shown(frame, poses))
             for number, frame in frames.items() if number not in library_frames]
    record = read_record(drawing.get(RECORD_PROPERTY))
    shown = [(number, slots[slot] if drawing_index is None else f"{slots[slot]}:{drawing_index}")
             for number, slot, drawing_index in drawings_on_frames(pose, cycle, clips, rate, frame_start, frame_end)]
    hits = {f"{slot}:{frame}" for slot, clip in zip(slots, clips, strict=False) if clip for frame in clip.hit_frames}
    recorded = record.get(RECORD_CHANNEL)
    shown, moved_from = _following_moved_hits(shown, hits, found, recorded, shows)
    new = [(number, shows[key]) for number, key in shown if number not in library_frames and key in library]
    result = rebake(found, lift_tombstones(recorded, moved_from, [number for number, _ in found]), new)
    for (number, _), mine in zip(found, result.toonbeat, strict=True):
        if mine:
            keyframes.remove_frame(layer, number)
    key_of = dict(shown)
    for number, _ in result.write:
        keyframes.copy_frame(layer, library[key_of[round(number)]], round(number))
    kept_record = ChannelRecord(result.record.frames, result.record.values,
                                tuple(sorted({*result.record.deleted, *moved_from})))  # still moved next time
    drawing[RECORD_PROPERTY] = dump_record({RECORD_CHANNEL: kept_record})
    return BakeCount(written=len(result.write), kept=result.kept, replaced=result.replaced,
                     warnings=[f"{drawing.name}: {problem}" for problem in record.problems])


def _following_moved_hits(shown: Sequence[tuple[int, str]], hits: set[str], found: Sequence[tuple[int, str | None]],
                          recorded: Recorded, shows: dict[str, str | None]) -> tuple[list[tuple[int, str]],
                                                                                      list[float]]:
    """The bake's ``(frame, drawing)`` keyframes with the in-betweens around each hit the artist moved re-spaced
    between it and its neighbouring hits, as a moved timing key does on planes and strips.

    A hit moved is a keyframe of the artist's showing a hit drawing between the bake's neighbouring hits, where
    the bake's keyframe of that drawing is gone (a tombstone, ``core.edits``); it stays exactly where it is.
    Returns the keyframes and the frames the hits moved from (where re-spaced in-betweens may go).
    """
    anchors = [(number, key) for number, key in shown if key in hits]
    gone = {round(frame) for frame in tombstones([number for number, _ in found], recorded)}
    artist = [(number, value) for (number, value), mine in zip(found, untouched(found, recorded), strict=True)
              if not mine]
    moves: dict[float, float] = {}
    for index, (frame, key) in enumerate(anchors):
        if frame not in gone:
            continue
        low = anchors[index - 1][0] if index > 0 else -math.inf
        high = anchors[index + 1][0] if index + 1 < len(anchors) else math.inf
        moved = [number for number, value in artist if value == shows.get(key) and low < number < high]
        if moved:
            moves[frame] = min(moved, key=lambda number: abs(number - frame))
    if not moves:
        return list(shown), []
    frames = respace([number for number, _ in shown], [number for number, _ in anchors], moves)
    respaced: dict[int, str] = {}
    for new_frame, (_, key) in zip(frames, shown, strict=True):
        respaced[round(new_frame)] = key  # two drawings on one frame: the later one shows
    return sorted(respaced.items()), list(moves)


def _frame_at(layer: Any, number: int) -> Any:
    return next((frame for frame in layer.frames if frame.frame_number == number), None)


def _remove_pose(layer: Any, library_frame: int) -> None:
    """Remove a pose's library keyframe and every keyframe showing its drawing."""
    frame = _frame_at(layer, library_frame)
    if frame is None:
        return
    pose = {"": keyframes.content(frame)}
    shows = keyframes.shown(frame, pose)
    for number in [f.frame_number for f in layer.frames if keyframes.shown(f, pose) == shows]:
        keyframes.remove_frame(layer, number)


def _materials(data: Any, name: str, tracings: Sequence[Tracing]) -> dict[RGB | None, int]:
    """Material slot of every flat colour of ``tracings`` (and of ``None``, the holdout), made where missing;
    every colour is outlined in the line-art colour."""
    slots: dict[RGB | None, int] = {}
    for index, material in enumerate(data.materials):
        role = role_of(material) if material is not None else None
        if role is not None and role.get("role") == "stroke material":
            color = role.get("color")
            slots[(color[0], color[1], color[2]) if color is not None else None] = index
    colors = {tracing.palette[shape.color] for tracing in tracings for shape in tracing.shapes if shape.color != HOLE}
    outline = _ink(tracings)
    for color in [*sorted(colors), None]:
        if color not in slots:
            material = bpy.data.materials.new(f"Toonbeat {name} " + ("hole" if color is None else _hex(color)))
            bpy.data.materials.create_gpencil_data(material)
            mark(material, "stroke material", character=name, color=list(color) if color is not None else None)
            data.materials.append(material)
            slots[color] = len(data.materials) - 1
        _style(data.materials[slots[color]].grease_pencil, color, outline)
    return slots


def _ink(tracings: Sequence[Tracing]) -> RGB | None:
    """The character's line-art colour: the first pose's that has one."""
    return next((t.palette[t.outline] for t in tracings if t.outline is not None), None)


def _style(style: Any, color: RGB | None, outline: RGB | None) -> None:
    """Fill in ``color`` outlined in ``outline``; ``None`` is the holdout that cuts holes."""
    style.show_fill = True
    if color is None:
        style.use_fill_holdout = True
        style.show_stroke = False
        return
    style.fill_color = (*_linear(color), 1.0)
    style.show_stroke = outline is not None
    style.color = (*_linear(outline or color), 1.0)


def _fill(frame: Any, tracing: Tracing, anchor: tuple[float, float], materials: dict[RGB | None, int]) -> None:
    """Replace the strokes of ``frame`` by ``tracing``'s shapes, back to front, anchor at the origin."""
    shapes = tracing.shapes
    origin_x, origin_y = anchor[0] * tracing.width, (1 - anchor[1]) * tracing.height
    positions = [v for shape in shapes for x, y in shape.points for v in (x - origin_x, 0.0, y - origin_y)]
    material_of = [materials[None if s.color == HOLE else tracing.palette[s.color]] for s in shapes]
    keyframes.replace_strokes(frame, [len(shape.points) for shape in shapes], positions, material_of, OUTLINE_RADIUS)


def _linear(color: RGB) -> tuple[float, float, float]:
    """sRGB 0-255 to the linear 0-1 values material colours take."""
    def channel(value: int) -> float:
        encoded = value / 255
        return encoded / 12.92 if encoded <= 0.04045 else ((encoded + 0.055) / 1.055) ** 2.4
    return channel(color[0]), channel(color[1]), channel(color[2])


def _hex(color: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*color)
