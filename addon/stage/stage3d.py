"""The 3D stage: characters as image planes or Grease Pencil drawings in a 3D scene of their own.

Toonbeat makes a scene ("Toonbeat Stage") beside the user's scene and shows it
there as a scene strip in Toonbeat's channel band, so the song, the markers and
the flash strip stay in the user's scene and render through its sequencer::

    user's scene   track (sound) | stage (scene strip of the 3D scene) | flash (colour strip)
    3D scene       Toonbeat Camera        orthographic, STAGE_HEIGHT world units tall at rest;
                                          shake moves it, zoom narrows it (ortho scale)
                   Toonbeat Backgrounds   one plane per background image (or loop) far behind,
                                          shown per section by keyed visibility
                   Toonbeat <name>        per character: an empty on its ground point carrying the
                                          bounce (scale about the feet), with one plane per pose
                                          (keyed visibility) or one Grease Pencil drawing
                                          (a keyframe per pose switch and per drawing of a loop)

A plane of an animated pose plays its clip's frames as an image-sequence texture,
the drawing keyed (``image_user.frame_offset`` of its texture node, group
``Toonbeat Timing (<name>)``) from the same cycle track as the sequencer's Speed
strip, so hits land on the same frames on both stages and re-baking keeps moved
keys. A background plane plays its loop the same way from the venue's cycle track
(group ``Toonbeat Timing``), restarting on each section's downbeat as on the
sequencer stage. A Grease Pencil drawing plays every drawing of its loops as
keyframes (see ``grease_pencil``).

Characters stand where ``core.stage_layout`` puts them in frame pixels, turned
into world units through the camera, so both stages look the same. Everything
Toonbeat makes carries a ``toonbeat`` role; the user's own objects are never
changed or removed.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from functools import partial
from operator import mul, truediv
from pathlib import Path
from typing import Any

import bpy

from .. import compat
from ..core.backgrounds import background_clip, background_for, shared_timing
from ..core.beatfile import Section
from ..core.character_sheet import Character
from ..core.choreography import CAMERA, LIGHT, CastMember, Plan
from ..core.clip import Clip, check_movie_frames, read_clip
from ..core.png import read_png_info
from ..core.retime import CycleTiming
from ..core.stage_layout import Figure, Placement, place_figures
from ..core.timing import frame_count
from ..properties import settings_of
from ..render.output import use_flat_colors
from ..sync.bake import Binding
from ..sync.keys import BakeCount, CurveKeys, bake_target
from . import background_strips, grease_pencil, planes, sequencer_stage, strip_edits
from .images import PoseImage, keying_enabled, prepare_poses
from .roles import details, is_toonbeat, mark, role_of, with_role
from .sequencer_stage import frame_size

STAGE_PROPERTY = "toonbeat_stage"
STAGE_HEIGHT = 10.0
"""Height of the camera's frame at rest, in world units."""
CAMERA_DISTANCE = 50.0
BACKGROUND_DEPTH = 30.0
EEVEE_SAMPLES = 16
BACKGROUND_GROUP = "Toonbeat Backgrounds"
_NUMBER_LAST = re.compile(r"\{index(:0[1-9]d)?\}[^0-9/]*$")


def stage_scene(scene: bpy.types.Scene) -> bpy.types.Scene:
    """The 3D scene staging ``scene``'s characters (made with its camera if missing), matched to its
    frame size, frame rate and range."""
    stage = scene.get(STAGE_PROPERTY)
    if not isinstance(stage, bpy.types.Scene):
        stage = bpy.data.scenes.new("Toonbeat Stage")
        mark(stage, "stage")
        scene[STAGE_PROPERTY] = stage
    _camera(stage)
    _match_settings(scene, stage)
    return stage


def add_character(scene: bpy.types.Scene, character: Character, _frames: int) -> Any:
    """Put ``character`` on stage, as planes or a Grease Pencil drawing (the scene's *Characters as*).

    Importing it again keeps its empty (and the bounce keys on it) and the planes of
    poses it still has, and replaces only what Toonbeat made. Every image is checked
    (and traced) before anything changes.
    """
    poses = prepare_poses(character, keying_enabled(scene))
    as_drawing = settings_of(scene).characters_as == "GREASE_PENCIL"
    tracings = grease_pencil.trace_poses(poses) if as_drawing else None
    stage = stage_scene(scene)
    root, collection = _character_root(stage, character, poses)
    if tracings is not None:
        for plane in list(with_role(root.children, "pose")):
            planes.remove_plane(plane)
        grease_pencil.draw_character(root, collection, character, poses, tracings, stage.frame_start)
    else:
        for drawing in list(with_role(root.children, "drawing")):
            grease_pencil.remove_drawing(drawing)
        _update_planes(root, collection, character, poses)
    arrange_characters(scene)
    return root


def remove_character(scene: bpy.types.Scene, name: str) -> bool:
    """Take Toonbeat's character ``name`` off the stage; the user's own objects in its collection stay."""
    stage = _existing_stage(scene)
    root = next(with_role(stage.objects, "character", name=name), None) if stage else None
    if stage is None or root is None:
        return False
    collection = _character_collection(stage, name)
    for child in list(root.children):
        role = (role_of(child) or {}).get("role")
        if role == "pose":
            planes.remove_plane(child)
        elif role == "drawing":
            grease_pencil.remove_drawing(child)
        else:
            world = child.matrix_world.copy()
            child.parent = None
            child.matrix_world = world
    bpy.data.objects.remove(root)
    if collection is not None:
        for item in collection.objects:
            if item.name not in stage.collection.objects:
                stage.collection.objects.link(item)
        for child_collection in collection.children:
            if child_collection.name not in stage.collection.children:
                stage.collection.children.link(child_collection)
        bpy.data.collections.remove(collection)
    arrange_characters(scene)
    return True


def arrange_characters(scene: bpy.types.Scene) -> list[Placement]:
    """Place every character side by side (main character first imported) and fit the backgrounds to the frame."""
    stage = stage_scene(scene)
    roots = _character_roots(stage)
    width, height = frame_size(scene)
    figures = [_figure(details(root)) for root in roots]
    placements = place_figures(width, height, figures)
    unit = STAGE_HEIGHT / height
    for root, placement in zip(roots, placements, strict=True):
        root.location = ((placement.ground_x - width / 2) * unit, 0.0, (placement.ground_y - height / 2) * unit)
        for child in root.children:
            if is_toonbeat(child):
                child.scale = (placement.scale * unit,) * 3
    _fit_backgrounds(stage, width, height)
    return placements


def layout_backgrounds(scene: bpy.types.Scene, images: dict[str, Path], sections: Sequence[Section],
                       frames: int) -> list[Any]:
    """One plane per background image behind the characters, each shown during its sections (keyed
    visibility) and playing the image's loop where it has one; Toonbeat's planes of images no longer
    used are removed. Every image and loop frame is checked before anything changes."""
    spans = sequencer_stage.section_spans(scene, sections, frames)
    shown = [(background_for(label, images), label, start) for label, start, _ in spans]
    wanted = list(dict.fromkeys(path for path, _, _ in shown))
    loops = {path: _playable_loop(path) for path in wanted}
    stage = stage_scene(scene)
    existing = {details(p)["path"]: p for p in with_role(stage.objects, "background")}
    for path, plane in existing.items():
        if Path(path) not in wanted:
            planes.remove_plane(plane)
    collection = _backgrounds_collection(stage)
    made = []
    for path in wanted:
        label = next(label for shown_path, label, _ in shown if shown_path == path)
        plane = existing.get(str(path))
        loop = loops[path]
        info = read_png_info(path)
        image, size = (path, (info.width, info.height)) if loop is None else (_first_picture(loop), loop.size)
        if plane is None:
            plane = planes.new_plane(f"Toonbeat Background {label}", image, (0.5, 0.5), collection, size)
        else:
            planes.show_image(plane, image, (0.5, 0.5), size)
        planes.play_sequence(plane, loop is not None, movie=loop is not None and loop.movie is not None)
        mark(plane, "background", path=str(path), size=list(size), clip=str(loop.folder) if loop is not None else "")
        plane.location = (0.0, BACKGROUND_DEPTH, 0.0)
        key_frames, hidden = _visibility_keys([(start, shown_path != path) for shown_path, _, start in shown])
        bake_target(plane, plane, [CurveKeys(attribute, 0, BACKGROUND_GROUP, "CONSTANT", key_frames, hidden)
                                   for attribute in ("hide_render", "hide_viewport")])
        made.append(plane)
    _fit_backgrounds(stage, *frame_size(scene))
    return made


def ensure_effect_strips(scene: bpy.types.Scene, frames: int) -> tuple[Any, Any]:
    """The stage's scene strip and the flash colour strip above it, made or stretched to ``frames``.

    Strips of the sequencer stage (a scene switching stages) are removed where Toonbeat finds them as it
    left them (``strip_edits``): the 3D scene stages the characters and backgrounds, its camera the shakes
    and zooms; the ones the artist edited stay.
    """
    stage = stage_scene(scene)
    collection = compat.strips(scene)
    background_names = [s.name for s in with_role(collection, "background")]
    kept = strip_edits.remove_as_left(scene, strip_edits.SEQUENCER_ROLES, _layout_untouched)
    background_strips.forget_removed(scene, [name for name in background_names if name not in kept])
    base = sequencer_stage.stage_channel(scene)
    strip = next(with_role(collection, "stage"), None)
    if strip is None:
        strip = collection.new_scene("Toonbeat Stage", stage, base + 1, scene.frame_start)
        mark(strip, "stage")
    strip.scene = stage
    strip.frame_start = scene.frame_start
    strip.frame_final_duration = frames
    flash = sequencer_stage.ensure_flash_strip(scene, frames, strip.channel + 1)
    if flash.channel <= strip.channel:
        flash.channel = strip.channel + 1
    strip_edits.remember(scene, strip_edits.STAGE_ROLES)
    return strip, flash


def _layout_untouched(strip: Any) -> bool:
    """Whether a sequencer strip is Toonbeat's by its layout's record too (one kept for a background)."""
    return details(strip)["role"] != "background" or background_strips.layout_untouched(strip)


def bindings(scene: bpy.types.Scene) -> list[Binding]:
    """What each plan track drives on the 3D stage (the flash stays in ``scene``'s sequencer)."""
    found = [b for b in sequencer_stage.bindings(scene) if b.track_owner == LIGHT]
    stage = _existing_stage(scene)
    if stage is None:
        return found
    for root in _character_roots(stage):
        name = details(root)["name"]
        found.append(Binding(root, root, "scale", 0, name, "scale_x", float, 1.0))
        found.append(Binding(root, root, "scale", 2, name, "scale_y", float, 1.0))
        for plane in with_role(root.children, "pose"):
            index = details(plane)["index"]
            for attribute in ("hide_render", "hide_viewport"):
                found.append(Binding(plane, plane, attribute, 0, name, "pose", _hidden_unless(index),
                                     0.0 if index == 0 else 1.0))
            found.extend(_drawing_bindings(plane, name))
    for plane in with_role(stage.objects, "background"):
        found.extend(_drawing_bindings(plane, LIGHT))
    camera = _camera(stage)
    found.append(Binding(camera, camera, "location", 0, CAMERA, "offset_x", partial(mul, -STAGE_HEIGHT), 0.0))
    found.append(Binding(camera, camera, "location", 2, CAMERA, "offset_y", partial(mul, -STAGE_HEIGHT), 0.0))
    found.append(Binding(camera.data, camera.data, "ortho_scale", 0, CAMERA, "zoom", partial(truediv, STAGE_HEIGHT),
                         STAGE_HEIGHT))
    return found


def bake_frames(scene: bpy.types.Scene, plan: Plan, rate: float) -> BakeCount:
    """The pose switches and loop drawings of Grease Pencil characters as Grease Pencil keyframes (not F-Curves,
    so not bindings); warns of the sequencer stage's strips a switch kept as the artist's."""
    strip_edits.remember(scene, strip_edits.STAGE_ROLES)
    total = BakeCount(warnings=strip_edits.kept_warning(scene, strip_edits.SEQUENCER_ROLES, "3D stage"))
    stage = _existing_stage(scene)
    frame_end = scene.frame_start + frame_count(plan.duration, rate)
    for root in _character_roots(stage) if stage else []:
        name = details(root)["name"]
        track = plan.track(name, "pose")
        clips = [read_clip(folder) if folder else None for folder in details(root).get("clips", ())]
        for drawing in with_role(root.children, "drawing"):
            if track is not None:
                total.add(grease_pencil.bake_pose_frames(drawing, track, plan.track(name, "cycle"), clips, rate,
                                                         scene.frame_start, frame_end))
    return total


def cast(scene: bpy.types.Scene) -> list[CastMember]:
    """The characters on the 3D stage, main character first, each with its pose slots in order and their clips'
    ``numbered_timing`` (a plane reads a clip's frames by number; a Grease Pencil drawing follows the cycle's
    phase, which the wrap's keys leave as it was)."""
    stage = _existing_stage(scene)
    roots = _character_roots(stage) if stage else []
    return [CastMember(details(r)["name"], tuple(details(r)["slots"]),
                       tuple(read_clip(folder).numbered_timing if folder else CycleTiming() for folder in
                             details(r).get("clips", ())))
            for r in roots]


def backdrop(scene: bpy.types.Scene) -> CycleTiming | None:
    """The cycle the background planes' loops share, or ``None`` when they all show stills."""
    stage = _existing_stage(scene)
    planes_shown = with_role(stage.objects, "background") if stage else []
    return shared_timing((read_clip(details(plane)["clip"]) if details(plane).get("clip") else None
                          for plane in planes_shown), numbered=True)


def render_engine(choice: str) -> str:
    """The engine for the Stage panel's choice: ``AUTO`` is EEVEE where Blender has a GPU, else Workbench."""
    if choice == "EEVEE" or (choice == "AUTO" and gpu_available()):
        return compat.EEVEE_ENGINE
    return "BLENDER_WORKBENCH"


def gpu_available() -> bool:
    """Whether Blender draws with a GPU here (software OpenGL, as on a headless server, does not count)."""
    if not bpy.app.background:
        import gpu

        return bool(gpu.platform.device_type_get() != "SOFTWARE")
    if sys.platform in ("darwin", "win32"):
        return True
    return Path("/dev/nvidia0").exists() or any(Path("/dev/dri").glob("renderD*"))


def _existing_stage(scene: bpy.types.Scene) -> bpy.types.Scene | None:
    stage = scene.get(STAGE_PROPERTY)
    return stage if isinstance(stage, bpy.types.Scene) else None


def _match_settings(scene: bpy.types.Scene, stage: bpy.types.Scene) -> None:
    """Frame size, rate and range of ``scene``, flat colours, and the engine chosen in its settings."""
    for attribute in ("resolution_x", "resolution_y", "resolution_percentage", "fps", "fps_base"):
        setattr(stage.render, attribute, getattr(scene.render, attribute))
    stage.frame_start, stage.frame_end = scene.frame_start, scene.frame_end
    use_flat_colors(stage)
    render: Any = stage.render
    render.engine = render_engine(settings_of(scene).stage_engine)
    stage.display.shading.light = "FLAT"
    stage.display.shading.color_type = "TEXTURE"
    stage.eevee.taa_render_samples = EEVEE_SAMPLES


def _camera(stage: bpy.types.Scene) -> Any:
    """Toonbeat's orthographic camera of ``stage``, looking at the stage from the front (-Y)."""
    camera = next(with_role(stage.objects, "camera"), None)
    if camera is None:
        data = bpy.data.cameras.new("Toonbeat Camera")
        data.type = "ORTHO"
        data.sensor_fit = "VERTICAL"
        data.ortho_scale = STAGE_HEIGHT
        data.clip_end = 2 * (CAMERA_DISTANCE + BACKGROUND_DEPTH)
        camera = bpy.data.objects.new("Toonbeat Camera", data)
        camera.location = (0.0, -CAMERA_DISTANCE, 0.0)
        camera.rotation_euler = (math.pi / 2, 0.0, 0.0)
        stage.collection.objects.link(camera)
        mark(camera, "camera")
    if stage.camera is None:
        stage.camera = camera
    return camera


def _figure(sheet: dict[str, Any]) -> Figure:
    """The layout's view of a character from the sheet recorded on its empty."""
    width, height = sheet["figure"]
    anchor_x, anchor_y = sheet["anchor"]
    return Figure(sheet["name"], width, height, (anchor_x, anchor_y), sheet["scale"])


def _character_roots(stage: bpy.types.Scene) -> list[Any]:
    """Toonbeat's character empties, main character first."""
    return sorted(with_role(stage.objects, "character"), key=lambda root: details(root)["order"])


def _character_collection(stage: bpy.types.Scene, name: str) -> Any:
    return next(with_role(stage.collection.children_recursive, "character", name=name), None)


def _character_root(stage: bpy.types.Scene, character: Character, poses: Sequence[PoseImage]) -> tuple[Any, Any]:
    """The character's empty and collection, made if missing, with its sheet and pose slots recorded."""
    collection = _character_collection(stage, character.name)
    if collection is None:
        collection = bpy.data.collections.new(f"Toonbeat {character.name}")
        stage.collection.children.link(collection)
        mark(collection, "character", name=character.name)
    root = next(with_role(stage.objects, "character", name=character.name), None)
    if root is None:
        order = max((details(r)["order"] for r in _character_roots(stage)), default=-1) + 1
        root = bpy.data.objects.new(f"Toonbeat {character.name}", None)
        root.empty_display_type = "SINGLE_ARROW"
        collection.objects.link(root)
    else:
        order = details(root)["order"]
    first = read_png_info(poses[0].path)
    mark(root, "character", name=character.name, order=order, figure=[first.width, first.height],
         anchor=list(character.anchor), scale=character.scale, slots=[pose.slot for pose in poses],
         clips=[str(pose.clip.folder) if pose.clip else "" for pose in poses])
    return root, collection


def _update_planes(root: Any, collection: Any, character: Character, poses: Sequence[PoseImage]) -> None:
    """One plane per pose slot under ``root``: kept (with its keys) for slots that remain, made for new ones."""
    existing = {details(p)["slot"]: p for p in with_role(root.children, "pose")}
    wanted = {pose.slot for pose in poses}
    for slot, plane in existing.items():
        if slot not in wanted:
            planes.remove_plane(plane)
    for index, pose in enumerate(poses):
        plane = existing.get(pose.slot)
        plays = pose.clip is not None and plays_on_plane(pose.clip)
        shown = pose.clip.frame_path(0) if pose.clip is not None and plays else pose.path
        if plane is None:
            plane = planes.new_plane(f"{character.name} {pose.slot}", shown, character.anchor, collection)
            plane.parent = root
            plane.hide_render = plane.hide_viewport = index != 0
        else:
            planes.show_image(plane, shown, character.anchor)
        planes.play_sequence(plane, plays)
        mark(plane, "pose", character=character.name, slot=pose.slot, index=index,
             clip=str(pose.clip.folder) if pose.clip is not None and plays else "")


def plays_on_plane(clip: Clip) -> bool:
    """Whether a plane can play ``clip``'s frame files: their last number is the frame (``frames/0007.png``, how
    Blender numbers an image sequence; a cycle starting on a later hit wraps round to frame 0, see
    ``Clip.numbered_timing``); other frame files show their first hit drawing as a still."""
    return clip.frames is not None and _NUMBER_LAST.search(clip.frames) is not None


def _playable_loop(image: Path) -> Clip | None:
    """The loop background ``image``'s plane plays (frames a plane can play, or a movie as long as its clip
    says), or ``None`` to show the still (which is checked either way)."""
    read_png_info(image)
    clip = background_clip(image)
    if clip is not None and clip.movie is not None:
        _check_movie_length(clip)
        return clip
    return clip if clip is not None and plays_on_plane(clip) else None


def _first_picture(clip: Clip) -> Path:
    """What a plane playing ``clip`` loads: its movie, or its first frame file."""
    return (clip.folder / clip.movie).resolve() if clip.movie is not None else clip.frame_path(0)


def _check_movie_length(clip: Clip) -> None:
    """Raise ``ClipError`` when ``clip``'s movie has fewer frames than ``clip.json`` says (or none Blender reads)."""
    path = _first_picture(clip)
    known = {image.name for image in bpy.data.images}
    movie = bpy.data.images.load(str(path), check_existing=True)
    frames = movie.frame_duration
    if movie.name not in known:
        bpy.data.images.remove(movie)  # only looked at: the plane loads it again
    check_movie_frames(clip, frames)


def _drawing_bindings(plane: Any, owner: str) -> list[Binding]:
    """The keyed drawing of a plane playing a clip (from ``owner``'s cycle track), none for a still."""
    folder = details(plane).get("clip")
    if not folder:
        return []
    return [Binding(planes.texture_node(plane), plane.data.materials[0].node_tree, "image_user.frame_offset", 0,
                    owner, "cycle", _drawing_offset(read_clip(folder)), 0.0)]


def _drawing_offset(clip: Clip) -> Callable[[float], float]:
    """Cycle phase to the texture's ``frame_offset``: the number of the clip frame shown (``numbered_frame_at_phase``),
    which a rendered scene strip rounds down, as the sequencer's Speed strip does its frame number."""
    first = 1 if clip.movie is not None else 0  # Blender counts a movie's frames from 1, a sequence's by file number
    # A hair more: a hit's whole number never reads as the one before.
    return lambda phase: clip.numbered_frame_at_phase(phase) + first + 1e-4


def _backgrounds_collection(stage: bpy.types.Scene) -> Any:
    collection = next(with_role(stage.collection.children_recursive, "backgrounds"), None)
    if collection is None:
        collection = bpy.data.collections.new(BACKGROUND_GROUP)
        stage.collection.children.link(collection)
        mark(collection, "backgrounds")
    return collection


def _fit_backgrounds(stage: bpy.types.Scene, width: int, height: int) -> None:
    """Scale every background plane to cover the camera's frame at rest."""
    frame_width = STAGE_HEIGHT * width / height
    for plane in with_role(stage.objects, "background"):
        image_width, image_height = details(plane)["size"]
        plane.scale = (max(frame_width / image_width, STAGE_HEIGHT / image_height),) * 3


def _visibility_keys(changes: Sequence[tuple[int, bool]]) -> tuple[list[float], list[float]]:
    """Constant keys from ``(frame, hidden)`` pairs: only where visibility changes."""
    frames: list[float] = []
    values: list[float] = []
    for frame, hidden in changes:
        if not values or float(hidden) != values[-1]:
            frames.append(float(frame))
            values.append(float(hidden))
    return frames, values


def _hidden_unless(index: int) -> Callable[[float], float]:
    return lambda value: 0.0 if round(value) == index else 1.0
