"""``render`` and ``bake`` without a user interface: Blender's command line and Blender as a module.

Both are plain functions of parsed arguments (see ``core.cli_args``), so
``blender -b --command toonbeat render ...`` and ``python -m addon render ...``
run exactly the same code.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import bpy

from .. import assemble
from ..core import beatfile
from ..core.backgrounds import read_backgrounds
from ..core.character_sheet import read_character
from ..core.cli_args import CHARACTER_KINDS, ENGINES
from ..core.files import atomic_path
from ..core.input_limits import unreadable_reason
from ..core.overwrite import (
    BLEND_SCENE_PROPERTY,
    OVERWRITE_FLAG,
    OverwriteError,
    check_output,
    check_writable_in_place,
    mark_mp4,
    not_toonbeats,
)
from ..core.presets import Preset, apply_overrides, load_preset
from ..core.video import QUALITY_PRESETS
from ..preferences import user_preset_folder
from ..properties import settings_of
from ..stage.sequencer_stage import scene_rate
from . import allocator, chunks
from .output import check_writable, configure_video, use_song_sample_rate


def render(args: argparse.Namespace) -> int:
    """Build a scene from the arguments, save it if asked, and render the video.

    With ``--blend`` naming a scene Toonbeat saved before, the scene is opened and built
    again in place, like ``bake``: what the artist added or edited since stays.
    """
    output = check_output(args.out, inputs=_render_inputs(args, "out"), overwrite=args.overwrite, what="video")
    check_writable(output)
    # Whether Toonbeat made an existing .blend is known once it is open (see _scene_to_build).
    blend = args.blend and check_output(args.blend, inputs=_render_inputs(args, "blend"), overwrite=True,
                                        what="scene")
    preset = choreography_preset(args)
    beats = beatfile.load(args.beats)
    characters = [read_character(folder) for folder in args.characters]
    backgrounds = read_backgrounds(args.backgrounds) if args.backgrounds else None
    scene = _scene_to_build(blend, args.overwrite)
    quality = QUALITY_PRESETS[args.quality]
    configure_video(scene, output, quality, size=args.resolution, rate=args.fps)
    settings = settings_of(scene)
    settings.audio_path = str(args.audio.resolve())
    settings.beats_path = str(args.beats.resolve())
    settings.backgrounds_path = str(args.backgrounds.resolve()) if args.backgrounds else ""
    settings.preset = args.preset
    settings.quality = args.quality
    settings.output_path = str(output)
    settings.seed = args.seed
    settings.stage = args.stage
    settings.characters_as = CHARACTER_KINDS[args.characters_as]
    settings.stage_engine = ENGINES[args.engine]
    settings.key_background = args.key_background
    scene[BLEND_SCENE_PROPERTY] = True
    report = assemble.build_scene(scene, audio=args.audio.resolve(), beats=beats, characters=characters,
                                  backgrounds=backgrounds, preset=preset, stage=args.stage,
                                  check_audio=args.check_audio, seed=args.seed)
    use_song_sample_rate(scene)
    print(f"Toonbeat: scene built: {report.frames} frames, {report.markers} markers, "
          f"{report.characters} characters, {report.bake.written} keys, "
          f"kept {report.bake.kept} hand-edited keys", flush=True)
    if blend:
        save_blend(blend)
    return render_animation(scene, args.jobs)


def bake(args: argparse.Namespace) -> int:
    """Re-bake a saved scene in place with a (new) beat file and preset; hand edits stay."""
    open_blend(args.blend)
    blend = args.blend.resolve()
    scene = assemble.current_scene()
    if not (args.overwrite or is_toonbeat_scene(scene)):
        raise OverwriteError(f"{args.blend}: Toonbeat did not make this scene; pass {OVERWRITE_FLAG} to bake "
                             "into it and save over the file")
    check_writable_in_place(blend)
    settings = settings_of(scene)
    if args.beats:
        settings.beats_path = str(args.beats.resolve())
    if not settings.beats_path:
        raise ValueError(f"{args.blend}: the scene has no beat file; give one with --beats")
    beats = settings.beat_data()
    backgrounds = read_backgrounds(settings.resolved("backgrounds_path")) if settings.backgrounds_path else None
    settings.preset = args.preset
    count = assemble.bake(scene, beats, choreography_preset(args), settings.stage, backgrounds, seed=args.seed)
    for warning in count.warnings:
        print(f"Toonbeat: warning: {warning}", flush=True)
    print(f"Toonbeat: baked {count.written} keys, kept {count.kept} hand-edited keys", flush=True)
    scene[BLEND_SCENE_PROPERTY] = True
    save_blend(blend)
    return 0


def is_toonbeat_scene(scene: bpy.types.Scene) -> bool:
    """Whether Toonbeat built ``scene``: ``render`` marked it, or the add-on's panels gave it a beat file."""
    return bool(scene.get(BLEND_SCENE_PROPERTY)) or bool(settings_of(scene).beats_path)


def open_blend(path: Path) -> None:
    """Open the .blend at ``path``; ``ValueError`` naming the file when it cannot be read or is no .blend."""
    reason = unreadable_reason(path)
    if reason is not None:
        raise ValueError(f"{path}: cannot open the scene: {reason}")
    try:
        bpy.ops.wm.open_mainfile(filepath=str(path))
    except RuntimeError as error:
        raise ValueError(f"{path}: not a .blend file Blender can open ({str(error).strip()})") from None


def _scene_to_build(blend: Path | None, overwrite: bool) -> bpy.types.Scene:
    """The scene ``render`` builds: the one saved in ``blend`` when Toonbeat made it, else a new one.

    A .blend Toonbeat did not make is replaced only with ``--overwrite``.
    """
    if blend is not None and blend.exists():
        open_blend(blend)
        scene = assemble.current_scene()
        if is_toonbeat_scene(scene):
            print(f"Toonbeat: building into the saved scene {blend}; edits made since stay", flush=True)
            return scene
        if not overwrite:
            raise not_toonbeats(blend)
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = assemble.current_scene()
    scene.name = "Toonbeat"
    return scene


def _render_inputs(args: argparse.Namespace, written: str) -> list[Path]:
    """The files a render reads or also writes, which its output ``written`` must not be."""
    paths = [args.audio, args.beats, *args.characters]
    paths += [path for path in (args.backgrounds, args.out if written == "blend" else args.blend) if path]
    if Path(args.preset).suffix == ".json":
        paths.append(Path(args.preset))
    return paths


def choreography_preset(args: argparse.Namespace) -> Preset:
    """The preset named by ``--preset`` with ``--enable``, ``--disable`` and ``--strength`` applied."""
    preset = load_preset(args.preset, search=(user_preset_folder(),))
    return apply_overrides(preset, enable=args.enable, disable=args.disable, strength=dict(args.strength))


def save_blend(path: Path) -> None:
    """Save the current file to ``path`` (its folder is created if missing)."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        bpy.ops.wm.save_as_mainfile(filepath=str(path))
    except RuntimeError as error:
        raise OSError(f"{path}: cannot save the scene ({str(error).strip()})") from None
    print(f"Toonbeat: saved {path}", flush=True)


def render_animation(scene: bpy.types.Scene, jobs: int = 0) -> int:
    """Render the scene's frame range to its output, printing progress; returns an exit code.

    ``jobs`` Blender processes share the work (0: as many as pay off, see ``chunks``).
    """
    total = scene.frame_end - scene.frame_start + 1
    jobs = jobs or chunks.automatic_jobs(total)
    progress = _Progress(total)
    output = scene.render.filepath
    with atomic_path(bpy.path.abspath(output)) as temporary:
        scene.render.filepath = str(temporary)
        try:
            _render_frames(scene, jobs, progress)
        finally:
            scene.render.filepath = output
        mark_mp4(temporary)
    seconds = time.monotonic() - progress.started
    duration = total / scene_rate(scene)
    print(f"Toonbeat: wrote {scene.render.filepath} ({duration:.1f} s of video) in {seconds:.1f} s, "
          f"{total / seconds:.1f} frames per second, {duration / seconds:.2f}x real time", flush=True)
    return 0


def _render_frames(scene: bpy.types.Scene, jobs: int, progress: _Progress) -> None:
    """Render the animation to the scene's output path, in ``jobs`` processes."""
    if jobs > 1:
        print(f"Toonbeat: rendering {progress.total} frames in {jobs} processes", flush=True)
        chunks.render_in_chunks(scene, jobs, progress.report)
        return
    bpy.context.preferences.system.memory_cache_limit = chunks.CACHE_MB
    allocator.keep_freed_buffers()
    bpy.app.handlers.render_write.append(progress.frame_written)
    try:
        bpy.ops.render.render(animation=True, scene=scene.name)
    finally:
        bpy.app.handlers.render_write.remove(progress.frame_written)


class _Progress:
    """Prints frame, speed and time left about once a second while rendering."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._last_print = 0.0

    def frame_written(self, *_args: Any) -> None:
        """``render_write`` handler: one more frame is in the video."""
        self.report(self.done + 1, self.total)

    def report(self, done: int, total: int) -> None:
        """Print progress if a second has passed since the last line, or the render has just completed."""
        finished = done == total and self.done != total
        self.done = done
        now = time.monotonic()
        if done == 0 or (now - self._last_print < 1.0 and not finished):
            return
        self._last_print = now
        speed = done / max(now - self.started, 1e-6)
        left = (total - done) / speed
        print(f"Toonbeat: frame {done}/{total} ({100 * done / total:.0f}%), "
              f"{speed:.1f} fps, {left:.0f} s left", flush=True)
