"""Write Toonbeat's keyframes in bulk, and re-bake without losing the artist's edits.

How re-baking keeps hand edits
------------------------------
Every animated target (an object, or a sequencer strip) remembers the keys
Toonbeat last wrote on it, per property, in a hidden custom property
(``_toonbeat_keys``, a JSON text). On the next bake, each existing key is compared
with that record:

- a key at a recorded frame with its recorded value is Toonbeat's, untouched: it
  is replaced by the new bake;
- any other key was added, moved or changed by the artist: it stays exactly as it
  is (value, handles, interpolation, easing), and the new bake writes no key
  within half a frame of it;
- a recorded key that is gone was deleted (or moved away) by the artist: the frame
  is remembered as deleted, and later bakes write no key there either.

Keys a property had before Toonbeat ever baked it count as the artist's. All
reading and writing goes through ``foreach_get`` / ``foreach_set``: thousands of
keys take milliseconds.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bpy

from .. import compat

RECORD_PROPERTY = "_toonbeat_keys"
_FRAME_TOLERANCE = 1e-3
_VALUE_TOLERANCE = 1e-5
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


def bake_target(target: Any, owner: bpy.types.ID, curves: Sequence[CurveKeys]) -> BakeCount:
    """Make ``curves`` the Toonbeat keys of ``target``, whose animation lives on ``owner``.

    ``target`` is an ID (then ``owner`` is the same ID) or a sequencer strip (then
    ``owner`` is its scene). Properties Toonbeat baked before but ``curves`` no
    longer names lose their untouched Toonbeat keys.
    """
    record = _read_record(target)
    count = BakeCount()
    new_record: dict[str, dict[str, list[float]]] = {}
    for curve in curves:
        key = f"{curve.path}|{curve.index}"
        new_record[key] = _bake_curve(target, owner, curve, record.pop(key, None), count)
    for key, stale in record.items():
        path, index = key.rsplit("|", 1)
        empty = CurveKeys(path, int(index), "", "CONSTANT", (), ())
        _bake_curve(target, owner, empty, stale, count)
    target[RECORD_PROPERTY] = json.dumps(new_record, separators=(",", ":"))
    return count


def forget_target(target: Any, owner: bpy.types.ID) -> BakeCount:
    """Remove every untouched Toonbeat key from ``target``; the artist's keys stay."""
    return bake_target(target, owner, ())


def _bake_curve(target: Any, owner: bpy.types.ID, curve: CurveKeys,
                recorded: dict[str, list[float]] | None, count: BakeCount) -> dict[str, list[float]]:
    data_path = _full_path(target, curve.path)
    fcurve = _find_fcurve(owner, data_path, curve.index)
    existing = _read_keys(fcurve) if fcurve is not None else _empty_keys()
    artist = _artist_key_mask(existing["co"], recorded)
    deleted = _deleted_frames(existing["co"], recorded)
    artist_frames = sorted(existing["co"][2 * i] for i in range(len(artist)) if artist[i])
    new_frames: list[float] = []
    new_values: list[float] = []
    for frame, value in zip(curve.frames, curve.values, strict=True):
        if _near_any(frame, artist_frames, 0.5) or _near_any(frame, deleted, 0.5):
            continue
        new_frames.append(float(frame))
        new_values.append(float(value))
    count.kept += sum(artist)
    count.replaced += len(artist) - sum(artist)
    count.written += len(new_frames)
    if fcurve is None and not new_frames:
        return {"frames": [], "values": [], "deleted": deleted}
    if fcurve is None:
        fcurve = compat.ensure_fcurve(owner, data_path, curve.index, curve.group)
    _write_keys(fcurve, _select(existing, artist), new_frames, new_values, curve.interpolation)
    if len(fcurve.keyframe_points) == 0:
        compat.remove_fcurve(owner, fcurve)
    return {"frames": new_frames, "values": new_values, "deleted": deleted}


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


def _read_record(target: Any) -> dict[str, dict[str, list[float]]]:
    text = target.get(RECORD_PROPERTY)
    if not isinstance(text, str):
        return {}
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


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


def _artist_key_mask(co: list[float], recorded: dict[str, list[float]] | None) -> list[bool]:
    """True for each existing key that is not an untouched Toonbeat key."""
    count = len(co) // 2
    if recorded is None:
        return [True] * count
    generated = {_frame_slot(f): v for f, v in zip(recorded.get("frames", []), recorded.get("values", []), strict=True)}
    mask = []
    for i in range(count):
        value = generated.get(_frame_slot(co[2 * i]))
        untouched = value is not None and abs(co[2 * i + 1] - value) <= _VALUE_TOLERANCE * max(1.0, abs(value))
        mask.append(not untouched)
    return mask


def _deleted_frames(co: list[float], recorded: dict[str, list[float]] | None) -> list[float]:
    """Recorded Toonbeat frames with no key left on them, plus frames deleted before."""
    if recorded is None:
        return []
    existing = {_frame_slot(frame) for frame in co[0::2]}
    gone = [f for f in recorded.get("frames", []) if _frame_slot(f) not in existing]
    return sorted(set(recorded.get("deleted", [])) | set(gone))


def _frame_slot(frame: float) -> int:
    """``frame`` on a grid of ``_FRAME_TOLERANCE``, so equal frames compare equal as dictionary keys."""
    return round(frame / _FRAME_TOLERANCE)


def _near_any(frame: float, sorted_frames: Sequence[float], tolerance: float) -> bool:
    index = bisect.bisect_left(sorted_frames, frame - tolerance)
    return index < len(sorted_frames) and sorted_frames[index] <= frame + tolerance


def _select(keys: dict[str, list[Any]], mask: list[bool]) -> dict[str, list[Any]]:
    chosen: dict[str, list[Any]] = {}
    for name, values in keys.items():
        width = 2 if name in _KEY_FIELDS_2D else 1
        chosen[name] = [v for i, v in enumerate(values) if mask[i // width]]
    return chosen


def _write_keys(fcurve: bpy.types.FCurve, kept: dict[str, list[Any]], frames: list[float],
                values: list[float], interpolation: str) -> None:
    """Replace all keys of ``fcurve`` by the ``kept`` keys plus new keys at ``frames``."""
    points = fcurve.keyframe_points
    kept_count = len(kept["co"]) // 2
    points.clear()
    points.add(kept_count + len(frames))
    co = kept["co"] + [c for pair in zip(frames, values, strict=True) for c in pair]
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
