"""How fast the 3D stage is: tracing 768 px poses, importing characters, rendering 720p frames.

    PYTHONPATH=. python bench/stage3d_speed.py [--eevee] [--frames 3]

Draws the procedural ``cyborg_dj`` and ``robot_drummer`` (768 px) with their
looping moves and the club backgrounds with their light loops (what the demo
draws), builds a 3D stage at 1280x720 with each kind of character (image planes,
Grease Pencil: every drawing of every loop traced), imports each character twice
(the second time Grease Pencil reads the saved tracings), bakes ``house_bounce``
on an 8 s click song and renders a few frames with Workbench (and EEVEE with
``--eevee``: slow without a GPU). Prints one table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from addon.core.character_sheet import Character


def main() -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eevee", action="store_true", help="also render with EEVEE")
    parser.add_argument("--frames", type=int, default=3, help="frames rendered per engine (default 3)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="toonbeat-bench-"))
    os.environ["HOME"] = str(work)  # before Blender starts: its config, so Toonbeat's saved tracings, start empty
    from generators.art.procedural import draw_backgrounds, draw_character

    characters = [draw_character(work / "dj", design="cyborg_dj", loops=True),
                  draw_character(work / "drummer", design="robot_drummer", loops=True)]
    draw_backgrounds(work / "backgrounds", size=(1280, 720), loops=True)
    rows = trace_rows(characters)
    engines = ["WORKBENCH", "EEVEE"] if args.eevee else ["WORKBENCH"]
    rows += stage_rows(work, engines, args.frames)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


def trace_rows(characters: list[Character]) -> list[tuple[str, str]]:
    """Pure-Python tracing time of every pose (best of 3)."""
    from addon.core.tracing import trace

    rows = []
    for character in characters:
        for pose, (path,) in character.poses.items():
            image = Image.open(path).convert("RGBA").transpose(Image.Transpose.FLIP_TOP_BOTTOM)
            rgba = image.tobytes()
            best = min(_seconds(trace, rgba, *image.size) for _ in range(3))
            shapes = trace(rgba, *image.size).shapes
            rows.append((f"trace {character.name} {pose} ({image.width}x{image.height})",
                         f"{best:.2f} s, {len(shapes)} shapes"))
    return rows


def stage_rows(work: Path, engines: list[str], frames: int) -> list[tuple[str, str]]:
    """Import, bake and render times of the 3D stage at 1280x720."""
    import bpy

    import addon
    from addon import assemble
    from addon.core.backgrounds import read_backgrounds
    from addon.core.character_sheet import read_character
    from addon.core.presets import load_preset
    from addon.render.output import use_flat_colors
    from addon.stage import images
    from tests.songs import click_song_with_beat_file

    addon.register()
    wav, _, beats = click_song_with_beat_file(work, seconds=8.0, sections=((0.0, "build"), (4.0, "drop")))
    rows = []
    for kind in ("PLANES", "GREASE_PENCIL"):
        bpy.ops.wm.read_homefile(use_empty=True)
        scene = bpy.context.scene
        scene.render.resolution_x, scene.render.resolution_y = 1280, 720
        use_flat_colors(scene)
        scene.toonbeat.characters_as = kind
        song_frames, _ = assemble.load_song(scene, wav, beats)
        for folder in ("dj", "drummer"):
            character = read_character(work / folder)
            drawings = sum(clip.frame_count for clip in character.clips.values())
            for attempt in ("first", "again"):
                images._read_pixels.cache_clear()  # every pose read from its file
                seconds = _seconds(assemble.STAGES["3d"].add_character, scene, character, song_frames)
                rows.append((f"{kind.lower()}: import {character.name} ({drawings} loop drawings), {attempt}",
                             f"{seconds:.2f} s"))
        backgrounds = read_backgrounds(work / "backgrounds")
        seconds = _seconds(assemble.bake, scene, beats, load_preset("house_bounce"), "3d", backgrounds)
        rows.append((f"{kind.lower()}: bake", f"{seconds:.3f} s"))
        scene.render.image_settings.file_format = "PNG"
        scene.render.filepath = str(work / "frame.png")
        for index, engine in enumerate(engines):
            scene.toonbeat.stage_engine = engine
            assemble.STAGES["3d"].stage_scene(scene)
            times = []
            for frame in range(frames):
                scene.frame_set(7 * (1 + index * frames + frame))  # a new frame each time: the sequencer caches frames
                times.append(_seconds(bpy.ops.render.render, write_still=True))
            rows.append((f"{kind.lower()}: {engine.lower()} 1280x720 per frame",
                         " ".join(f"{t:.2f}" for t in times) + " s"))
    return rows


def _seconds(function: Callable[..., object], *args: object, **kwargs: object) -> float:
    """Wall time of one call, in seconds."""
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
