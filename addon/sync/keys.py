"""Write Toonbeat's keyframes in bulk, and re-bake without losing the artist's edits.

Every animated target (an object, or a sequencer strip) remembers the keys
Toonbeat last wrote on it, per property, in a hidden custom property
(``_toonbeat_keys``). On the next bake, ``core.edits`` sorts the existing keys
out: Toonbeat's untouched keys are replaced; the artist's added, moved or changed
keys stay exactly as they are (value, handles, interpolation, easing), with no new
key within half a frame of them; a recorded key the artist deleted stays deleted.
Keys a property had before Toonbeat ever baked it count as the artist's.

All reading and writing goes through ``foreach_get`` / ``foreach_set``: thousands
of keys take milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import bpy

from .. import compat
from ..core.edits import ChannelRecord, Recorded, dump_record, read_record, rebake

RECORD_PROPERTY = "_toonbeat_keys"
_KEY_FIELDS_2D = ("co", "handle_left", "handle_right")
_KEY_FIELDS_ENUM = ("interpolation", "handle_left_type", "handle_right_type", "easing", "type")
_KEY_FIELDS_FLOAT = ("back", "amplitude", "period")


@dataclass(frozen=True)
class CurveKeys:
    """Keys for one property of a target: ``path`` is relative to the target (``"blend_alpha"``)."""

    path: str
    index: int
    group: str
    interpolation: str
    frames: Sequence[float]
    values: Sequence[float]


@dataclass
class BakeCount:
    """What a bake did, for the operator's report."""

    written: int = 0
    kept: int = 0
    replaced: int = 0
    warnings: list[str] = field(default_factory=list)
    """Records of earlier bakes that could not be read (``core.edits``), for the artist to hear about."""

    def add(self, other: BakeCount) -> None:
        """Count what ``other`` did too."""
        self.written += other.written
        self.kept += other.kept
        self.replaced += other.replaced
        self.warnings += other.warnings


def bake_target(target: Any, owner: bpy.types.ID, curves: Sequence[CurveKeys]) -> BakeCount:
    """Make ``curves`` the Toonbeat keys of ``target``, whose animation lives on ``owner``.

    ``target`` is an ID (then ``owner`` is the same ID) or a sequencer strip (then
    ``owner`` is its scene). Properties Toonbeat baked before but ``curves`` no
    longer names lose their untouched Toonbeat keys.
    """
    record = read_record(target.get(RECORD_PROPERTY))
    count = BakeCount(warnings=[f"{target.name}: {problem}" for problem in record.problems])
    new_record: dict[str, ChannelRecord] = {}
    for curve in curves:
        channel = f"{curve.path}|{curve.index}"
        new_record[channel] = _bake_curve(target, owner, curve, record.get(channel), count)
    for channel, stale in record.channels.items():
        if channel not in new_record:
            path, index = channel.rsplit("|", 1)
            _bake_curve(target, owner, CurveKeys(path, int(index), "", "CONSTANT", (), ()), stale, count)
    target[RECORD_PROPERTY] = dump_record(new_record)
    return count


def _bake_curve(target: Any, owner: bpy.types.ID, curve: CurveKeys, recorded: Recorded,
                count: BakeCount) -> ChannelRecord:
    data_path = _full_path(target, curve.path)
    fcurve = _find_fcurve(owner, data_path, curve.index)
    existing = _read_keys(fcurve) if fcurve is not None else _empty_keys()
    co = existing["co"]
    found = list(zip(co[0::2], co[1::2], strict=True))
    new = [(float(frame), float(value)) for frame, value in zip(curve.frames, curve.values, strict=True)]
    result = rebake(found, recorded, new)
    count.kept += result.kept
    count.replaced += result.replaced
    count.written += len(result.write)
    if fcurve is None and not result.write:
        return result.record
    if fcurve is None:
        fcurve = compat.ensure_fcurve(owner, data_path, curve.index, curve.group)
    artist = [not mine for mine in result.toonbeat]
    _write_keys(fcurve, _select(existing, artist), result.record, curve.interpolation)
    if len(fcurve.keyframe_points) == 0:
        compat.remove_fcurve(owner, fcurve)
    return result.record


def _full_path(target: Any, path: str) -> str:
    """The data path from the owning ID to ``path`` under ``target`` (``"transform.offset_x"`` on a strip)."""
    if isinstance(target, bpy.types.ID):
        return path
    container_path, _, attribute = path.rpartition(".")
    container = target.path_resolve(container_path) if container_path else target
    full: str = container.path_from_id(attribute)
    return full


def _find_fcurve(owner: bpy.types.ID, data_path: str, index: int) -> bpy.types.FCurve | None:
    fcurves = compat.fcurves_of(owner)
    return None if fcurves is None else fcurves.find(data_path, index=index)


def _empty_keys() -> dict[str, list[Any]]:
    fields = _KEY_FIELDS_2D + _KEY_FIELDS_ENUM + _KEY_FIELDS_FLOAT
    return {name: [] for name in fields}


def _read_keys(fcurve: bpy.types.FCurve) -> dict[str, list[Any]]:
    points = fcurve.keyframe_points
    count = len(points)
    keys: dict[str, list[Any]] = {}
    for name in _KEY_FIELDS_2D:
        values = [0.0] * (2 * count)
        points.foreach_get(name, values)
        keys[name] = values
    for name in _KEY_FIELDS_ENUM:
        numbers = [0] * count
        points.foreach_get(name, numbers)
        keys[name] = numbers
    for name in _KEY_FIELDS_FLOAT:
        floats = [0.0] * count
        points.foreach_get(name, floats)
        keys[name] = floats
    return keys


def _select(keys: dict[str, list[Any]], mask: list[bool]) -> dict[str, list[Any]]:
    chosen: dict[str, list[Any]] = {}
    for name, values in keys.items():
        width = 2 if name in _KEY_FIELDS_2D else 1
        chosen[name] = [v for i, v in enumerate(values) if mask[i // width]]
    return chosen


def _write_keys(fcurve: bpy.types.FCurve, kept: dict[str, list[Any]], new: ChannelRecord,
                interpolation: str) -> None:
    """Replace all keys of ``fcurve`` by the ``kept`` keys plus the ``new`` ones."""
    points = fcurve.keyframe_points
    kept_count = len(kept["co"]) // 2
    frames = new.frames
    points.clear()
    points.add(kept_count + len(frames))
    co = kept["co"] + [c for pair in zip(frames, new.values, strict=True) for c in pair]
    points.foreach_set("co", co)
    enum_value = _enum_number("interpolation", interpolation)
    points.foreach_set("interpolation", kept["interpolation"] + [enum_value] * len(frames))
    new_handle_type = _enum_number("handle_left_type", "AUTO_CLAMPED")
    for name in ("handle_left_type", "handle_right_type"):
        points.foreach_set(name, kept[name] + [new_handle_type] * len(frames))
    for name in ("easing", "type"):
        points.foreach_set(name, kept[name] + [0] * len(frames))
    for name in _KEY_FIELDS_FLOAT:
        default = float(_keyframe_property(name).default)
        points.foreach_set(name, kept[name] + [default] * len(frames))
    for name in ("handle_left", "handle_right"):
        points.foreach_set(name, kept[name] + co[2 * kept_count:])
    points.sort()
    fcurve.update()


def _enum_number(field: str, identifier: str) -> int:
    number: int = _keyframe_property(field).enum_items[identifier].value
    return number


def _keyframe_property(name: str) -> Any:
    return bpy.types.Keyframe.bl_rna.properties[name]
