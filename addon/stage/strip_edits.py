"""Which of Toonbeat's sequencer strips the artist edited, so switching stages removes only the others.

A scene switching stages loses the strips of the stage it leaves: the character
meta strips, background strips and camera strip going to the 3D stage, the 3D
stage's scene strip coming back. Only those Toonbeat still finds as it left them
go (``remove_as_left``); a strip the artist moved, retimed, re-keyed, changed a
setting of or added a strip into stays, moved up above every other strip (out of
the channels of the stage switched to, its only change), and the bake says so
(``kept_warning``).

A strip is as Toonbeat left it when

- its settings are those Toonbeat recorded (``remember``, after each step that
  builds the strips), leaving out keyed ones: those are its keys' business;
- every key on it is one Toonbeat baked, untouched, none deleted (``sync.keys``'
  record, read by the rule of ``core.edits``), and it has no F-Curve of the artist's;
- for a meta strip, every strip inside is Toonbeat's and as left too.

Between steps Toonbeat itself sets some settings again: those of each role it
overwrites (a pose's placement) are *managed*, and ``remember`` takes their new
values; the cuts of a character's or the camera's strip it moves only while the
artist has not (``set_unless_edited``). A change the artist made to any other
setting keeps its recorded value, so it stays an edit through later re-bakes on
the same stage.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import bpy

from .. import compat
from ..core.edits import changed_settings, read_record, tombstones, untouched
from ..sync.keys import RECORD_PROPERTY
from .roles import role_of

SETTINGS_PROPERTY = "_toonbeat_as_left"
"""On each strip Toonbeat may remove: its settings as Toonbeat last left them (JSON)."""
SEQUENCER_ROLES = ("character", "background", "camera")
"""The sequencer stage's strips a switch to the 3D stage removes where Toonbeat finds them as it left them."""
STAGE_ROLES = ("stage",)
"""The 3D stage's strip a switch back to the sequencer stage removes likewise."""
_TIMES = ("frame_start", "frame_final_start", "frame_final_end", "frame_final_duration", "frame_duration",
          "frame_offset_start", "frame_offset_end")
_SPAN = (*_TIMES, "channel")
_TRANSFORM = tuple(f"transform.{name}" for name in ("scale_x", "scale_y", "offset_x", "offset_y", "rotation",
                                                     "origin"))
_PICTURES = ("elements", "directory", "filepath")
_MANAGED = {
    "character": frozenset({"transform.origin", "frame_duration"}),
    "pose": frozenset({*_SPAN, *_TRANSFORM, *_PICTURES, "blend_alpha", "blend_type", "mute", "speed_frame_number"}),
    "frames": frozenset({*_SPAN, *_TRANSFORM, *_PICTURES, "mute"}),
    "loop": frozenset({*_SPAN, "speed_frame_number"}),
    "background": frozenset({*_SPAN, *_TRANSFORM, *_PICTURES, "name", "color_multiply"}),
    "camera": frozenset({*_TRANSFORM, "mute"}),
    "stage": frozenset({*_TIMES, "scene"}),
}
"""Per role, the settings Toonbeat sets again at later steps."""
_NOT_SETTINGS = frozenset({"rna_type", "select", "select_left_handle", "select_right_handle", "show_retiming_keys",
                           "type", "input_count"})


def remember(scene: bpy.types.Scene, roles: Iterable[str]) -> None:
    """Record the settings of Toonbeat's top-level strips of ``roles`` (and the strips inside them) as it
    leaves them; a setting the artist changed that Toonbeat does not manage keeps its recorded value."""
    for strip in _with_roles(compat.strips(scene), roles):
        for item in (strip, *_inner(strip)):
            _remember_one(scene, item)


def remove_as_left(scene: bpy.types.Scene, roles: Iterable[str],
                   also: Callable[[Any], bool] = lambda _: True) -> list[str]:
    """Remove Toonbeat's top-level strips of ``roles`` that it finds as it left them (and ``also`` says are its
    own, as a layout's record does); the names of the others, which stay, are returned."""
    collection = compat.strips(scene)
    kept = []
    for strip in list(_with_roles(collection, roles)):
        if as_left(scene, strip) and also(strip):
            collection.remove(strip)
        else:
            kept.append(strip)
    _lift(collection, kept)
    return [strip.name for strip in kept]


def _lift(collection: Any, kept: list[Any]) -> None:
    """Move the ``kept`` strips, in their order, to channels above every other strip: out of the channels the
    stage switched to lays its strips on (so they still play, on top)."""
    others = [s.channel for s in collection if all(s != k for k in kept)]
    top = max(others, default=0)
    for strip in sorted(kept, key=lambda s: s.channel):
        if strip.channel <= top:
            strip.channel = min(top + 1, compat.MAX_CHANNEL)
        top = strip.channel


def as_left(scene: bpy.types.Scene, strip: Any) -> bool:
    """Whether ``strip`` (and every strip inside it) is as Toonbeat left it (see the module's notes)."""
    inner = _inner(strip)
    if strip.type == "META" and len(inner) != len(compat.meta_strips(strip)):
        return False  # a strip the artist added inside
    return all(_one_as_left(scene, item) for item in (strip, *inner))


def set_unless_edited(strip: Any, setting: str, value: object) -> None:
    """Give ``strip`` ``value`` for ``setting`` unless the artist changed that setting since Toonbeat last left it."""
    recorded = _recorded(strip)
    if recorded is None:
        setattr(strip, setting, value)
    elif not changed_settings({setting: recorded.get(setting)}, {setting: _json(getattr(strip, setting))}):
        before = _settings(strip)
        setattr(strip, setting, value)
        after = _settings(strip)
        recorded.update({name: after[name] for name in changed_settings(before, after)})  # what follows is ours too
        strip[SETTINGS_PROPERTY] = json.dumps(recorded)


def kept_warning(scene: bpy.types.Scene, roles: Iterable[str], stage: str) -> list[str]:
    """A warning naming the strips of ``roles`` still in ``scene`` (ones a stage switch kept as edited)."""
    names = [strip.name for strip in _with_roles(compat.strips(scene), roles)]
    if not names:
        return []
    return [f"kept {len(names)} strip(s) you edited or added to, from before the switch to the {stage}: "
            f"{', '.join(names)}; they play above Toonbeat's strips: delete them if you do not want them"]


def _with_roles(strips: Iterable[Any], roles: Iterable[str]) -> Iterator[Any]:
    wanted = tuple(roles)
    return (strip for strip in strips if (role_of(strip) or {}).get("role") in wanted)


def _inner(strip: Any) -> list[Any]:
    """Toonbeat's strips inside the meta strip ``strip`` (none for another strip)."""
    if strip.type != "META":
        return []
    return [s for s in compat.meta_strips(strip) if role_of(s) is not None]


def _remember_one(scene: bpy.types.Scene, strip: Any) -> None:
    settings = _settings(strip)
    recorded = _recorded(strip)
    if recorded is not None:
        for name in changed_settings(recorded, settings, _ignored(scene, strip)):
            if name in recorded:
                settings[name] = recorded[name]  # the artist's change stays one
    strip[SETTINGS_PROPERTY] = json.dumps(settings)


def _one_as_left(scene: bpy.types.Scene, strip: Any) -> bool:
    recorded = _recorded(strip)
    if recorded is None:
        return False
    keyed = _keyed_paths(scene, strip)
    if changed_settings(recorded, _settings(strip), keyed):
        return False
    return _keys_as_baked(scene, strip)


def _ignored(scene: bpy.types.Scene, strip: Any) -> set[str]:
    """Settings a change of which is no edit of the artist's: keyed ones and those Toonbeat manages."""
    return _keyed_paths(scene, strip) | _MANAGED.get(str((role_of(strip) or {}).get("role")), frozenset())


def _recorded(strip: Any) -> dict[str, object] | None:
    text = strip.get(SETTINGS_PROPERTY)
    try:
        recorded = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError:
        return None
    return recorded if isinstance(recorded, dict) else None


def _settings(strip: Any) -> dict[str, object]:
    """The strip's settings as JSON values: its own, its transform's and crop's, what it shows, its modifiers."""
    settings: dict[str, object] = {}
    for owner, prefix in ((strip, ""), (strip.transform, "transform."), (strip.crop, "crop.")):
        for prop in owner.bl_rna.properties:
            if prop.identifier in _NOT_SETTINGS or prop.type in ("POINTER", "COLLECTION"):
                continue
            settings[prefix + prop.identifier] = _json(getattr(owner, prop.identifier))
    if hasattr(strip, "elements"):
        settings["elements"] = [element.filename for element in strip.elements]
    for name in ("scene", "input_1"):
        item = getattr(strip, name, None)
        if item is not None:
            settings[name] = item.name
    settings["modifiers"] = [f"{modifier.type}:{modifier.name}" for modifier in strip.modifiers]
    return settings


def _json(value: Any) -> object:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return [_json(item) for item in value]


def _keyed_paths(scene: bpy.types.Scene, strip: Any) -> set[str]:
    """The settings of ``strip`` that F-Curves of ``scene`` animate."""
    return {path for path, _ in _fcurves(scene, strip)}


def _fcurves(scene: bpy.types.Scene, strip: Any) -> list[tuple[str, Any]]:
    """``(setting, F-Curve)`` for each F-Curve of ``scene`` animating ``strip``."""
    curves = compat.fcurves_of(scene)
    if curves is None:
        return []
    prefix = strip.path_from_id() + "."
    return [(curve.data_path[len(prefix):], curve) for curve in curves if curve.data_path.startswith(prefix)]


def _keys_as_baked(scene: bpy.types.Scene, strip: Any) -> bool:
    """Whether every key on ``strip`` is one Toonbeat baked there, untouched, and none it baked is gone."""
    record = read_record(strip.get(RECORD_PROPERTY))
    if record.problems:
        return False
    seen = set()
    for path, curve in _fcurves(scene, strip):
        channel = f"{path}|{curve.array_index}"
        seen.add(channel)
        recorded = record.get(channel)
        found = [(key.co.x, key.co.y) for key in curve.keyframe_points]
        if recorded is None or not all(untouched(found, recorded)) or tombstones([f for f, _ in found], recorded):
            return False
    return all(not recorded.frames and not recorded.deleted
               for channel, recorded in record.channels.items() if channel not in seen)
