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
from ..core.presets import Preset, apply_overrides, load_preset
from ..core.video import QUALITY_PRESETS
from ..preferences import user_preset_folder
from ..properties import settings_of
from . import chunks
from .output import configure_video


def render(args: argparse.Namespace) -> int:
    """Build a scene from the arguments, save it if asked, and render the video."""
    preset = choreography_preset(args)
    beats = beatfile.load(args.beats)
    characters = [read_character(folder) for folder in args.characters]
    backgrounds = read_backgrounds(args.backgrounds) if args.backgrounds else None
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = assemble.current_scene()
    scene.name = "Toonbeat"
    quality = QUALITY_PRESETS[args.quality]
    configure_video(scene, args.out.resolve(), quality, size=args.resolution, rate=args.fps)
    settings = settings_of(scene)
    settings.audio_path = str(args.audio.resolve())
    settings.beats_path = str(args.beats.resolve())
    settings.backgrounds_path = str(args.backgrounds.resolve()) if args.backgrounds else ""
    settings.preset = args.preset
    settings.quality = args.quality
    settings.output_path = str(args.out.resolve())
    settings.seed = args.seed
    settings.stage = args.stage
    settings.characters_as = CHARACTER_KINDS[args.characters_as]
    settings.stage_engine = ENGINES[args.engine]
    settings.key_background = args.key_background
    report = assemble.build_scene(scene, audio=args.audio.resolve(), beats=beats, characters=characters,
                                  backgrounds=backgrounds, preset=preset, stage=args.stage,
                                  check_audio=args.check_audio)
    print(f"Toonbeat: scene built: {report.frames} frames, {report.markers} markers, "
          f"{report.characters} characters, {report.bake.written} keys", flush=True)
    if args.blend:
        save_blend(args.blend)
    return render_animation(scene, args.jobs)


def bake(args: argparse.Namespace) -> int:
    """Re-bake a saved scene in place with a (new) beat file and preset; hand edits stay."""
    bpy.ops.wm.open_mainfile(filepath=str(args.blend.resolve()))
    scene = assemble.current_scene()
    settings = settings_of(scene)
    if args.beats:
        settings.beats_path = str(args.beats.resolve())
    if not settings.beats_path:
        raise ValueError(f"{args.blend}: the scene has no beat file; give one with --beats")
    beats = beatfile.load(settings.resolved("beats_path"))
    backgrounds = read_backgrounds(settings.resolved("backgrounds_path")) if settings.backgrounds_path else None
    settings.preset = args.preset
    count = assemble.bake(scene, beats, choreography_preset(args), settings.stage, backgrounds, seed=args.seed)
    for warning in count.warnings:
        print(f"Toonbeat: warning: {warning}", flush=True)
    print(f"Toonbeat: baked {count.written} keys, kept {count.kept} hand-edited keys", flush=True)
    save_blend(args.blend)
    return 0


def choreography_preset(args: argparse.Namespace) -> Preset:
    """The preset named by ``--preset`` with ``--enable``, ``--disable`` and ``--strength`` applied."""
    preset = load_preset(args.preset, search=(user_preset_folder(),))
    return apply_overrides(preset, enable=args.enable, disable=args.disable, strength=dict(args.strength))


def save_blend(path: Path) -> None:
    """Save the current file to ``path`` (its folder is created if missing)."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    print(f"Toonbeat: saved {path}", flush=True)


def render_animation(scene: bpy.types.Scene, jobs: int = 0) -> int:
    """Render the scene's frame range to its output, printing progress; returns an exit code.

    ``jobs`` Blender processes share the work (0: as many as pay off, see ``chunks``).
    """
    total = scene.frame_end - scene.frame_start + 1
    jobs = jobs or chunks.automatic_jobs(total)
    progress = _Progress(total)
    if jobs > 1:
        print(f"Toonbeat: rendering {total} frames in {jobs} processes", flush=True)
        chunks.render_in_chunks(scene, jobs, progress.report)
    else:
        bpy.context.preferences.system.memory_cache_limit = chunks.CACHE_MB
        bpy.app.handlers.render_write.append(progress.frame_written)
        try:
            bpy.ops.render.render(animation=True, scene=scene.name)
        finally:
            bpy.app.handlers.render_write.remove(progress.frame_written)
    seconds = time.monotonic() - progress.started
    duration = total * scene.render.fps_base / scene.render.fps
    print(f"Toonbeat: wrote {scene.render.filepath} ({duration:.1f} s of video) in {seconds:.1f} s, "
          f"{total / seconds:.1f} frames per second, {duration / seconds:.2f}x real time", flush=True)
    return 0


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
