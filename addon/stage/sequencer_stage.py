"""The sequencer stage: the song, backgrounds, characters, camera and flash as strips.

Channel layout, from the lowest channel above the user's own strips::

    track        sound strip of the song at the scene's first frame
    backgrounds  one image strip per section, cut at section boundaries, or a meta strip of the
                 section's loop (frames under a Speed strip) where it has one; the light pulse keys
                 its colour multiply (brighter on the beats, almost free to render)
    characters   one meta strip per character holding one strip per pose: an image strip for a
                 still, a Speed strip over an image-sequence strip for an animated clip (the
                 image strips carry the placement and bounce, so only the drawing is scaled); the
                 poses not showing are muted, so the sequencer skips them
    camera       adjustment strip: shake (offset, in whole pixels) and zoom (scale) move everything below
    flash        colour strip mixed over the top (a fade toward its colour)

It composites without a GPU (about 0.1 s a 1080p frame), so it is the default for
headless renders. Strips carry a ``toonbeat`` role; the user's strips are never touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bpy

from .. import compat
from ..core.backgrounds import shared_timing
from ..core.beatfile import Section
from ..core.character_sheet import Character
from ..core.choreography import CAMERA, LIGHT, CastMember, Plan
from ..core.clip import Clip, read_clip
from ..core.png import ImageError, read_png_info
from ..core.retime import CycleTiming
from ..core.stage_layout import Figure, Placement, place_figures
from ..core.timing import frame_count, frame_rate, seconds_to_frame
from ..sync.bake import Binding
from ..sync.keys import BakeCount
from . import background_strips, strip_edits
from .images import PoseImage, keying_enabled, prepare_poses
from .roles import details, is_toonbeat, mark, role_of, with_role


def stage_channel(scene: bpy.types.Scene) -> int:
    """The lowest channel of Toonbeat's band: where its strips are, or just above the user's."""
    ours = [s.channel for s in compat.strips(scene) if is_toonbeat(s)]
    if ours:
        return min(ours)
    return max((s.channel for s in compat.strips(scene)), default=0) + 1


def set_track(scene: bpy.types.Scene, audio_path: Path) -> Any:
    """Make ``audio_path`` the song: a sound strip at the scene's first frame (replacing Toonbeat's previous one)."""
    channel = stage_channel(scene)
    for old in list(with_role(compat.strips(scene), "track")):
        compat.strips(scene).remove(old)
    strip = compat.strips(scene).new_sound("Toonbeat Track", str(audio_path), channel, scene.frame_start)
    mark_unselected(strip, "track", path=str(audio_path))
    return strip


def song_frames(scene: bpy.types.Scene, duration: float) -> int:
    """Frames the song lasts at the scene's exact frame rate; the scene's frame range becomes the song's
    the first time, and again only while it is still the range Toonbeat set (never over the artist's)."""
    count = frame_count(duration, scene_rate(scene))
    if scene.get(_FRAME_END_PROPERTY) in (None, scene.frame_end):
        scene.frame_end = scene.frame_start + count - 1
        scene[_FRAME_END_PROPERTY] = scene.frame_end
    return count


def song_strip_frames(scene: bpy.types.Scene) -> int:
    """Frames of Toonbeat's song strip, or of the scene's frame range before a song is loaded."""
    track = next(with_role(compat.strips(scene), "track"), None)
    if track is None:
        return int(scene.frame_end - scene.frame_start + 1)
    return int(track.frame_final_duration)


def scene_rate(scene: bpy.types.Scene) -> float:
    """The scene's exact frames per second."""
    return frame_rate(scene.render.fps, scene.render.fps_base)


def section_spans(scene: bpy.types.Scene, sections: Sequence[Section], frames: int) -> list[tuple[str, int, int]]:
    """``(label, first frame, end frame)`` of each section, the last one reaching the song's end;
    one ``drop`` span for the whole song when there are no sections."""
    rate = scene_rate(scene)
    spans = [(s.label, seconds_to_frame(s.start, rate, scene.frame_start),
              seconds_to_frame(s.end, rate, scene.frame_start)) for s in sections]
    spans = [(label, start, end) for label, start, end in spans if end > start] or [
        ("drop", scene.frame_start, scene.frame_start + frames)]
    label, start, _ = spans[-1]
    spans[-1] = (label, start, scene.frame_start + frames)
    return spans


def add_character(scene: bpy.types.Scene, character: Character, frames: int) -> Any:
    """Put ``character`` on stage as a meta strip of pose strips, reusing its strips from an earlier import.

    A still pose is an image strip; an animated one is an image-sequence strip of
    its clip's frames under a Speed strip whose frame number the bake keys (an
    artist moves those keys to retime the move).
    """
    poses = prepare_poses(character, keying_enabled(scene))
    collection = compat.strips(scene)
    meta = next(with_role(collection, "character", name=character.name), None)
    if meta is None:
        meta = collection.new_meta(f"Toonbeat {character.name}", _free_character_channel(scene), scene.frame_start)
        mark_unselected(meta, "character", name=character.name)
    wanted = {pose.slot for pose in poses}
    slots = {str((role_of(s) or {}).get("slot")) for s in compat.meta_strips(meta)}
    for slot in slots - wanted:
        _remove_slot(meta, slot)
    reference_height = read_png_info(poses[0].path).height
    for index, pose in enumerate(poses):
        if pose.clip:
            strip = _clip_strip(scene, meta, character.name, pose, index, frames)
        else:
            strip = _still_strip(scene, meta, character.name, pose, index)
            strip.frame_final_duration = frames
        strip.blend_type = "ALPHA_OVER"
        strip.blend_alpha = 1.0 if index == 0 else 0.0
        strip.mute = _image_strip(strip).mute = index != 0
        clip_folder = str(pose.clip.folder) if pose.clip else ""
        mark_unselected(strip, "pose", character=character.name, slot=pose.slot, index=index, clip=clip_folder)
        strip[_SHEET_PROPERTY] = {"anchor": list(character.anchor), "scale": character.scale,
                                  "height": reference_height}
    strip_edits.set_unless_edited(meta, "frame_final_duration", frames)  # a meta strip the artist retimed stays so
    arrange_characters(scene)
    return meta


def _still_strip(scene: bpy.types.Scene, meta: Any, name: str, pose: PoseImage, index: int) -> Any:
    """The image strip showing a still pose (an animated pose's strips of this slot make way for it)."""
    strip = next(with_role(compat.meta_strips(meta), "pose", slot=pose.slot), None)
    if strip is not None and strip.type != "IMAGE":
        _remove_slot(meta, pose.slot)
        strip = None
    if strip is None:
        strip = compat.meta_strips(meta).new_image(f"{name} {pose.slot}", str(pose.path), 2 * index + 2,
                                                   scene.frame_start)
    else:
        strip.directory, strip.elements[0].filename = str(pose.path.parent) + "/", pose.path.name
        strip.channel = 2 * index + 2
    return strip


def _clip_strip(scene: bpy.types.Scene, meta: Any, name: str, pose: PoseImage, index: int, frames: int) -> Any:
    """The Speed strip showing an animated pose, over an image-sequence strip of the clip's frames in cycle order;
    a redrawn clip changes the frames in place, so the keys on the Speed strip stay. The Speed strip lasts as
    long as its input, ``frames``."""
    assert pose.clip is not None
    paths = pose.clip.cycle_frame_paths()
    if len({path.parent for path in paths}) != 1:
        raise ImageError(f"{pose.clip.folder}: the sequencer needs all frames of a clip in one folder")
    strip = next(with_role(compat.meta_strips(meta), "pose", slot=pose.slot), None)
    source = getattr(strip, "input_1", None)
    if source is None:
        _remove_slot(meta, pose.slot)
        source = compat.meta_strips(meta).new_image(f"{name} {pose.slot} frames", str(paths[0]), 2 * index + 1,
                                                    scene.frame_start)
        mark_unselected(source, "frames", character=name, slot=pose.slot)
        strip = compat.new_effect_strip(scene, f"{name} {pose.slot}", "SPEED", 2 * index + 2, scene.frame_start,
                                        1, into=compat.meta_strips(meta), input1=source)
        strip.speed_control = "FRAME_NUMBER"
    show_frames(source, paths)
    source.channel, strip.channel = 2 * index + 1, 2 * index + 2
    source.frame_start = scene.frame_start
    source.frame_final_duration = frames
    return strip


def show_frames(source: Any, paths: Sequence[Path]) -> None:
    """Make the image-sequence strip ``source`` show ``paths`` (all in one folder), element by element."""
    source.directory = str(paths[0].parent.resolve()) + "/"  # a relative one would be read from the cwd
    elements = source.elements
    while len(elements) > len(paths):
        elements.pop(len(elements) - 1)
    for element, path in zip(elements, paths, strict=False):
        element.filename = path.name
    for path in paths[len(elements):]:
        elements.append(path.name)


def _remove_slot(meta: Any, slot: str) -> None:
    """Remove the strips of pose ``slot``: a Speed strip before its input (removing the input takes it too)."""
    found = [s for s in compat.meta_strips(meta) if (role_of(s) or {}).get("slot") == slot]
    for old in sorted(found, key=lambda s: getattr(s, "input_1", None) is None):
        compat.meta_strips(meta).remove(old)


def remove_character(scene: bpy.types.Scene, name: str) -> bool:
    """Take Toonbeat's character ``name`` off the sequencer stage; returns whether it was there."""
    collection = compat.strips(scene)
    meta = next(with_role(collection, "character", name=name), None)
    if meta is None:
        return False
    collection.remove(meta)
    arrange_characters(scene)
    return True


def arrange_characters(scene: bpy.types.Scene) -> list[Placement]:
    """Place every character side by side (main character first imported) and restack the effect strips
    (the 3D stage's scene strip goes first when a scene switches stages, unless the artist edited it)."""
    strip_edits.remove_as_left(scene, strip_edits.STAGE_ROLES)
    metas = sorted(with_role(compat.strips(scene), "character"), key=lambda m: m.channel)
    width, height = frame_size(scene)
    figures = []
    for meta in metas:
        first = min(with_role(compat.meta_strips(meta), "pose"), key=lambda s: s.channel)
        info = read_png_info(_strip_path(first))
        sheet = first[_SHEET_PROPERTY].to_dict()
        figures.append(Figure(details(meta)["name"], info.width, info.height, tuple(sheet["anchor"]), sheet["scale"]))
    placements = place_figures(width, height, figures)
    for meta, placement in zip(metas, placements, strict=True):
        for strip in with_role(compat.meta_strips(meta), "pose"):
            _place_image(scene, strip, placement)
        meta.transform.origin = (placement.ground_x / width, placement.ground_y / height)
    _restack_effects(scene, stage_channel(scene) + 2 + len(metas))
    strip_edits.remember(scene, strip_edits.SEQUENCER_ROLES)
    return placements


def ensure_effect_strips(scene: bpy.types.Scene, frames: int) -> tuple[Any, Any]:
    """The camera adjustment strip and the flash colour strip, made or stretched to ``frames``."""
    metas = list(with_role(compat.strips(scene), "character"))
    top = stage_channel(scene) + 2 + len(metas)
    camera = next(with_role(compat.strips(scene), "camera"), None)
    flash = ensure_flash_strip(scene, frames, top + 1)
    if camera is None:
        camera = compat.new_effect_strip(scene, "Toonbeat Camera", "ADJUSTMENT", top, scene.frame_start, frames)
        mark_unselected(camera, "camera")
    strip_edits.set_unless_edited(camera, "frame_start", scene.frame_start)  # the artist's retiming stays
    strip_edits.set_unless_edited(camera, "frame_final_duration", frames)
    _restack_effects(scene, top)
    return camera, flash


def ensure_flash_strip(scene: bpy.types.Scene, frames: int, channel: int) -> Any:
    """The flash colour strip (white, screened over the picture, transparent at rest), made or stretched to ``frames``.

    Screened, not added: a lit frame is the frame before it brightened toward the flash
    colour (``b + a * c * (1 - b)``, always brighter, never clipped), a change x264's
    weighted prediction encodes as one weight and offset, where an Add that clips bright
    areas costs it a fresh picture (``bench/render_results.md``). Unlike a plain mix, a
    coloured flash (the preset's section colours) lights the picture instead of tinting
    it. A blend the artist chose on an existing flash strip stays.
    """
    flash = next(with_role(compat.strips(scene), "flash"), None)
    if flash is None:
        flash = compat.new_effect_strip(scene, "Toonbeat Flash", "COLOR", channel, scene.frame_start, frames)
        flash.color = (1.0, 1.0, 1.0)
        flash.blend_type = "SCREEN"
        flash.blend_alpha = 0.0
        mark_unselected(flash, "flash")
    flash.frame_start = scene.frame_start
    flash.frame_final_duration = frames
    return flash


_SHEET_PROPERTY = "toonbeat_sheet"
# The last frame Toonbeat gave the scene's range: while the range still ends there, the artist has not set it.
_FRAME_END_PROPERTY = "toonbeat_frame_end"
# The pose image's scale at rest; the bounce multiplies it (scaling the pose strip itself, about the
# feet, is far cheaper to render than scaling the character's whole meta strip).
_BASE_SCALE_PROPERTY = "toonbeat_base_scale"


def mark_unselected(strip: Any, role: str, **role_details: Any) -> None:
    """Tag ``strip`` as Toonbeat's and leave it unselected (Blender selects every strip it adds)."""
    mark(strip, role, **role_details)
    strip.select = False


def _free_character_channel(scene: bpy.types.Scene) -> int:
    metas = list(with_role(compat.strips(scene), "character"))
    channel = stage_channel(scene) + 2 + len(metas)
    _restack_effects(scene, channel + 1)
    return channel


def _restack_effects(scene: bpy.types.Scene, camera_channel: int) -> None:
    """Keep the camera and flash strips on top of the characters, flash highest."""
    collection = compat.strips(scene)
    flash = next(with_role(collection, "flash"), None)
    camera = next(with_role(collection, "camera"), None)
    if flash is not None and flash.channel != camera_channel + 1:
        flash.channel = camera_channel + 1
    if camera is not None and camera.channel != camera_channel:
        camera.channel = camera_channel


def frame_size(scene: bpy.types.Scene) -> tuple[int, int]:
    """The rendered frame's width and height in pixels."""
    percent = scene.render.resolution_percentage / 100
    return round(scene.render.resolution_x * percent), round(scene.render.resolution_y * percent)


def _image_strip(strip: Any) -> Any:
    """The strip that reads a pose's images: a Speed strip's input, else the pose strip itself.

    It carries the pose's placement and bounce, so the sequencer scales the drawing
    itself rather than a whole frame-sized copy of it (the Speed strip's output).
    """
    return getattr(strip, "input_1", None) or strip


def _strip_path(strip: Any) -> Path:
    """The first image a pose strip shows."""
    image = _image_strip(strip)
    return Path(bpy.path.abspath(image.directory)) / image.elements[0].filename


def fill_frame(scene: bpy.types.Scene, strip: Any, width: int, height: int) -> None:
    """Scale ``strip`` (a ``width`` x ``height`` picture) so it covers the scene's frame."""
    frame_width, frame_height = frame_size(scene)
    scale = max(frame_width / width, frame_height / height)
    strip.transform.scale_x = strip.transform.scale_y = scale
    strip.transform.offset_x = strip.transform.offset_y = 0.0


def _place_image(scene: bpy.types.Scene, strip: Any, placement: Placement) -> None:
    """Scale pose ``strip``'s images and move them so the character's anchor sits on the placement's ground
    point (a Speed strip itself stays untransformed)."""
    info = read_png_info(_strip_path(strip))
    sheet = strip[_SHEET_PROPERTY].to_dict()
    anchor_x, anchor_y = sheet["anchor"]
    frame_width, frame_height = frame_size(scene)
    scale = placement.scale * sheet.get("height", info.height) / info.height
    strip[_BASE_SCALE_PROPERTY] = scale
    if _image_strip(strip) is not strip:
        strip.transform.origin = (0.5, 0.5)
        strip.transform.scale_x = strip.transform.scale_y = 1.0
        strip.transform.offset_x = strip.transform.offset_y = 0.0
    transform = _image_strip(strip).transform
    transform.origin = (anchor_x, 1.0 - anchor_y)
    transform.scale_x = transform.scale_y = scale
    transform.offset_x = placement.ground_x - frame_width / 2 - (anchor_x - 0.5) * info.width
    transform.offset_y = placement.ground_y - frame_height / 2 - (0.5 - anchor_y) * info.height


def bindings(scene: bpy.types.Scene) -> list[Binding]:
    """What each plan track drives on the sequencer stage."""
    _, frame_height = frame_size(scene)
    found: list[Binding] = []
    for meta in with_role(compat.strips(scene), "character"):
        name = details(meta)["name"]
        for strip in with_role(compat.meta_strips(meta), "pose"):
            index = details(strip)["index"]
            found.append(Binding(strip, scene, "blend_alpha", 0, name, "pose",
                                 _shows_slot(index), 1.0 if index == 0 else 0.0))
            for target in dict.fromkeys((strip, _image_strip(strip))):
                found.append(Binding(target, scene, "mute", 0, name, "pose", _hides_slot(index),
                                     0.0 if index == 0 else 1.0, interpolation="CONSTANT"))
            base = strip.get(_BASE_SCALE_PROPERTY, 1.0)
            for axis in ("scale_x", "scale_y"):
                found.append(Binding(_image_strip(strip), scene, f"transform.{axis}", 0, name, axis, _times(base),
                                     base))
            clip = clip_of(strip)
            if clip is not None:
                found.append(Binding(strip, scene, "speed_frame_number", 0, name, "cycle",
                                     clip_frame(clip), 0.0))
    found.extend(background_strips.background_bindings(scene))
    camera = next(with_role(compat.strips(scene), "camera"), None)
    if camera is not None:
        for axis in ("offset_x", "offset_y"):
            found.append(Binding(camera, scene, f"transform.{axis}", 0, CAMERA, axis,
                                 _whole_pixels(frame_height), 0.0))
        for axis in ("scale_x", "scale_y"):
            found.append(Binding(camera, scene, f"transform.{axis}", 0, CAMERA, "zoom", unchanged, 1.0))
        found.append(Binding(camera, scene, "mute", 0, CAMERA, "moving", _is_still, 1.0))
    flash = next(with_role(compat.strips(scene), "flash"), None)
    if flash is not None:
        found.append(Binding(flash, scene, "blend_alpha", 0, LIGHT, "flash", unchanged, 0.0))
        found.append(Binding(flash, scene, "mute", 0, LIGHT, "flash", _is_dark, 1.0, interpolation="CONSTANT"))
        for index, target in enumerate(("color_r", "color_g", "color_b")):
            found.append(Binding(flash, scene, "color", index, LIGHT, target, unchanged, 1.0))
    return found


def clip_of(strip: Any) -> Clip | None:
    """The clip an animated pose strip plays, read again from its folder; ``None`` for a still."""
    folder = details(strip).get("clip")
    return read_clip(folder) if folder else None


def clip_frame(clip: Clip) -> Callable[[float], float]:
    """Cycle phase to the Speed strip's frame number (which shows the frame it rounds down to)."""
    last = clip.frame_count - 1e-3
    return lambda phase: min(clip.frame_at_phase(phase), last)


def _shows_slot(index: int) -> Callable[[float], float]:
    return lambda value: 1.0 if round(value) == index else 0.0


def _hides_slot(index: int) -> Callable[[float], float]:
    """A pose's strips are muted while another pose shows: the sequencer then skips them, and the shown
    pose is the only strip of the character's meta strip, so it is not blended over an empty frame first."""
    return lambda value: 0.0 if round(value) == index else 1.0


def _times(factor: float) -> Callable[[float], float]:
    return lambda value: value * factor


def _whole_pixels(factor: float) -> Callable[[float], float]:
    """The shake in whole output pixels: the zoom holds through a shake, so each shaken frame is the one
    before moved by whole pixels, which x264 predicts exactly (a sub-pixel move resamples every pixel)."""
    return lambda value: float(round(value * factor))


def unchanged(value: float) -> float:
    """The track's value as the property's."""
    return value


def _is_still(moving: float) -> float:
    """The camera strip is muted while the camera is at rest, so the sequencer skips transforming the frame."""
    return 0.0 if moving else 1.0


def _is_dark(flash: float) -> float:
    """The flash strip is muted while it shows nothing, so the sequencer skips blending it."""
    return 1.0 if flash <= 1e-4 else 0.0


def layout_backgrounds(scene: bpy.types.Scene, images: dict[str, Path], sections: Sequence[Section],
                       frames: int) -> list[Any]:
    """One background strip per section (or one for the whole song), replacing Toonbeat's previous ones
    (``background_strips``)."""
    return background_strips.layout_backgrounds(scene, images, sections, frames)


def bake_frames(scene: bpy.types.Scene, _plan: Plan, _rate: float) -> BakeCount:
    """No keys (every key of the sequencer stage is an F-Curve key, see ``bindings``): records the strips as
    baked (``strip_edits``) and warns of a 3D stage strip a switch kept as the artist's."""
    strip_edits.remember(scene, strip_edits.SEQUENCER_ROLES)
    return BakeCount(warnings=strip_edits.kept_warning(scene, strip_edits.STAGE_ROLES, "sequencer stage"))


def backdrop(scene: bpy.types.Scene) -> CycleTiming | None:
    """The cycle the background loops share, or ``None`` when the backgrounds are stills."""
    return shared_timing(clip_of(strip) for strip in with_role(compat.strips(scene), "background"))


def cast(scene: bpy.types.Scene) -> list[CastMember]:
    """The characters on the sequencer stage, main character first, each with its pose slots in order."""
    members = []
    for meta in sorted(with_role(compat.strips(scene), "character"), key=lambda m: m.channel):
        poses = sorted(with_role(compat.meta_strips(meta), "pose"), key=lambda s: details(s)["index"])
        clips = [clip_of(strip) for strip in poses]
        members.append(CastMember(details(meta)["name"], tuple(details(s)["slot"] for s in poses),
                                  tuple(clip.timing if clip else CycleTiming() for clip in clips)))
    return members
