"""Every difference between the Blender versions Toonbeat meets (4.2 to 5.0), in one place.

Nothing else in Toonbeat asks for ``bpy.app.version``.

- Strips: ``sequence_editor.strips`` since 4.4, ``sequences`` before (removed in 5.0); the same
  for the strips inside a meta strip (``meta.strips`` / ``meta.sequences``).
  ``new_effect`` takes ``length=`` in 5.0 and ``frame_end=`` before.
- Actions: slotted actions with layers and channelbags since 4.4; ``Action.fcurves``
  before (removed in 5.0).
- Video output: 5.0 needs ``image_settings.media_type = 'VIDEO'`` before ``FFMPEG``.
- Grease Pencil: v3 since 4.3 (``bpy.data.grease_pencils_v3`` in 4.3-4.5,
  ``grease_pencils`` in 5.0), the legacy ``grease_pencils`` before. Their keyframe
  and stroke APIs differ too: ``stage.grease_pencil`` picks ``grease_pencil_v3`` or
  ``grease_pencil_legacy`` by ``HAS_GREASE_PENCIL_V3``.
- EEVEE is ``BLENDER_EEVEE_NEXT`` in 4.2-4.5 and ``BLENDER_EEVEE`` again in 5.0.
- Materials always have node trees in 5.0 (``Material.use_nodes`` is deprecated); before,
  ``use_nodes`` switches them on.
"""

from __future__ import annotations

from typing import Any

import bpy

VERSION: tuple[int, int, int] = tuple(bpy.app.version)  # type: ignore[assignment]
HAS_SLOTTED_ACTIONS = VERSION >= (4, 4, 0)
HAS_GREASE_PENCIL_V3 = VERSION >= (4, 3, 0)
EEVEE_ENGINE = "BLENDER_EEVEE_NEXT" if VERSION < (5, 0, 0) else "BLENDER_EEVEE"
MAX_CHANNEL = 128
"""The sequencer's highest channel (the same in every version Toonbeat supports)."""


def strips(scene: bpy.types.Scene) -> Any:
    """The top-level strips of ``scene``'s sequencer, created if missing."""
    editor: Any = scene.sequence_editor or scene.sequence_editor_create()
    return editor.strips if hasattr(editor, "strips") else editor.sequences


def meta_strips(meta: Any) -> Any:
    """The strips inside the meta strip ``meta``."""
    return meta.strips if hasattr(meta, "strips") else meta.sequences


def new_effect_strip(scene: bpy.types.Scene, name: str, effect_type: str, channel: int,
                     frame_start: int, length: int, *, into: Any = None, input1: Any = None) -> Any:
    """Add an effect strip of ``length`` frames (COLOR, ADJUSTMENT, SPEED, ...) starting at ``frame_start``,
    to the top level of ``scene`` or to the strips ``into`` (a meta strip's), on ``input1`` if it takes one."""
    collection = strips(scene) if into is None else into
    inputs = {} if input1 is None else {"input1" if VERSION >= (4, 4, 0) else "seq1": input1}
    if VERSION >= (5, 0, 0):
        return collection.new_effect(name, type=effect_type, channel=channel, frame_start=frame_start,
                                     length=length, **inputs)
    return collection.new_effect(name, type=effect_type, channel=channel, frame_start=frame_start,
                                 frame_end=frame_start + length, **inputs)


def use_video_output(image_settings: Any) -> None:
    """Switch ``image_settings`` to FFmpeg video."""
    if VERSION >= (5, 0, 0):
        image_settings.media_type = "VIDEO"
    image_settings.file_format = "FFMPEG"


def grease_pencil_datablocks() -> Any:
    """The collection Grease Pencil data lives in (v3 from 4.3, the legacy kind in 4.2's ``grease_pencils``)."""
    return getattr(bpy.data, "grease_pencils_v3", bpy.data.grease_pencils)


def material_nodes(material: Any) -> Any:
    """The node tree of ``material``, switched on where Blender still needs that."""
    if VERSION < (5, 0, 0):
        material.use_nodes = True
    return material.node_tree


def new_grease_pencil(name: str) -> Any:
    """New, empty Grease Pencil data (v3 from 4.3, legacy on 4.2)."""
    return grease_pencil_datablocks().new(name)


def ensure_action(owner: Any, name: str) -> Any:
    """The action animating ``owner``, created and assigned (with a slot where actions have slots) if missing."""
    animation = owner.animation_data or owner.animation_data_create()
    if animation.action is None:
        animation.action = bpy.data.actions.new(name)
    action = animation.action
    if HAS_SLOTTED_ACTIONS and animation.action_slot is None:
        slot = next((s for s in action.slots if s.target_id_type == owner.id_type), None)
        animation.action_slot = slot or action.slots.new(owner.id_type, owner.name)
    return action


def fcurves_of(owner: Any) -> Any:
    """The F-Curves animating ``owner`` through its assigned action (and slot), or ``None`` without one."""
    animation = owner.animation_data
    if animation is None or animation.action is None:
        return None
    if not HAS_SLOTTED_ACTIONS:
        return animation.action.fcurves
    channelbag = _channelbag(animation.action, animation.action_slot, create=False)
    return None if channelbag is None else channelbag.fcurves


def ensure_fcurve(owner: Any, data_path: str, index: int, group: str) -> Any:
    """The F-Curve of ``owner`` for ``data_path[index]``, created in ``group`` if missing."""
    action = ensure_action(owner, f"{owner.name} Toonbeat")
    if not HAS_SLOTTED_ACTIONS:
        found = action.fcurves.find(data_path, index=index)
        return found or action.fcurves.new(data_path, index=index, action_group=group)
    channelbag = _channelbag(action, owner.animation_data.action_slot, create=True)
    fcurve = channelbag.fcurves.find(data_path, index=index)
    if fcurve is None:
        fcurve = channelbag.fcurves.new(data_path, index=index)
        fcurve.group = channelbag.groups.get(group) or channelbag.groups.new(group)
    return fcurve


def remove_fcurve(owner: Any, fcurve: Any) -> None:
    """Delete ``fcurve`` from the action animating ``owner``."""
    collection = fcurves_of(owner)
    if collection is not None:
        collection.remove(fcurve)


def _channelbag(action: Any, slot: Any, create: bool) -> Any:
    if slot is None:
        return None
    if not create:
        for layer in action.layers:
            for strip in layer.strips:
                channelbag = strip.channelbag(slot)
                if channelbag is not None:
                    return channelbag
        return None
    layer = action.layers[0] if action.layers else action.layers.new("Layer")
    strip = layer.strips[0] if layer.strips else layer.strips.new(type="KEYFRAME")
    return strip.channelbag(slot, ensure=True)


def add_import_handler(handler: Any) -> None:
    """Call ``handler(import_context)`` after every append or link (``blend_import_post``, 4.3 and later).

    Blender 4.2 has no such handler: there, library assets are set up with the
    Library panel's Add to Scene button instead of by dropping them.
    """
    handlers = getattr(bpy.app.handlers, "blend_import_post", None)
    if handlers is not None and handler not in handlers:
        handlers.append(handler)


def remove_import_handler(handler: Any) -> None:
    """Undo ``add_import_handler``."""
    handlers = getattr(bpy.app.handlers, "blend_import_post", None)
    if handlers is not None and handler in handlers:
        handlers.remove(handler)

