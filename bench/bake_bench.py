"""Bake benchmark: a 3-minute, 128 BPM song with every effect on, for two characters, in Blender.

Times, on the Blender version of the Python that runs it, the plan alone; a true
first bake (a scene with the song and the characters but no Toonbeat key yet); a
re-bake with the same preset (every key compared with the record of Toonbeat's
keys, all replaced); and a re-bake with another preset. Each is the best of ``REPEATS``, in
wall seconds and in the process's CPU seconds (which other programs on a shared machine
disturb less):

    .venv/bin/python -m bench.bake_bench
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SECONDS = 180.0
BPM = 128.0
REPEATS = 5
SECTIONS = ((0.0, "intro"), (30.0, "build"), (45.0, "drop"), (90.0, "breakdown"), (105.0, "build"),
            (120.0, "drop"), (165.0, "outro"))


def main() -> int:
    """Time a first bake and two re-bakes on fresh scenes, and the plan alone."""
    home = tempfile.mkdtemp(prefix="toonbeat-bench-home-")
    os.environ["BLENDER_USER_RESOURCES"] = home
    import bpy

    import addon
    from addon import assemble, compat
    from addon.core.character_sheet import read_character
    from addon.core.choreography import plan_choreography
    from addon.core.presets import Preset, apply_overrides, load_preset
    from addon.stage import sequencer_stage
    from tests.art import background_folder, character_folder
    from tests.songs import click_song

    addon.register()
    work = Path(tempfile.mkdtemp(prefix="toonbeat-bench-"))
    beats = click_song(work / "song.wav", bpm=BPM, seconds=SECONDS, sections=SECTIONS)
    backgrounds = {"drop": next(background_folder(work / "bg").glob("*.png"))}
    every_effect = apply_overrides(load_preset("industrial_headbang"), enable=["strobe", "bounce", "color"])
    other = apply_overrides(load_preset("house_bounce"), enable=["strobe"])
    characters = [read_character(character_folder(work / name)) for name in ("hero", "sidekick")]

    def unbaked_scene() -> bpy.types.Scene:
        """A fresh scene with the song, its markers and both characters, and no Toonbeat key."""
        bpy.ops.wm.read_homefile(use_empty=True)
        scene = bpy.context.scene
        scene.render.resolution_x, scene.render.resolution_y = 1920, 1080
        frames, _ = assemble.load_song(scene, work / "song.wav", beats)
        for character in characters:
            sequencer_stage.add_character(scene, character, frames)
        return scene

    def bake(scene: bpy.types.Scene, preset: Preset) -> None:
        assemble.bake(scene, beats, preset, "sequencer", backgrounds)

    first, same, another = [], [], []
    for _ in range(REPEATS):
        scene = unbaked_scene()
        first.append(_timed(functools.partial(bake, scene, every_effect)))
        same.append(_timed(functools.partial(bake, scene, every_effect)))
        another.append(_timed(functools.partial(bake, scene, other)))
    cast = sequencer_stage.cast(scene)
    plan = [_timed(lambda: plan_choreography(beats, cast, every_effect, key_spacing=1 / 24)) for _ in range(REPEATS)]
    rows = [("plan only (pure Python)", plan), ("first bake, every effect", first),
            ("re-bake, same preset", same), ("re-bake with another preset", another)]
    bake(scene, every_effect)
    keys = sum(len(fc.keyframe_points) for fc in compat.fcurves_of(scene))
    print(f"Blender {bpy.app.version_string}: {SECONDS:.0f} s song at {BPM:g} BPM, 2 characters, {keys} keys")
    print(f"| step | best of {REPEATS}, wall s | best of {REPEATS}, CPU s |\n|---|---:|---:|")
    for name, times in rows:
        print(f"| {name} | {min(wall for wall, _ in times):.3f} | {min(cpu for _, cpu in times):.3f} |")
    sys.stdout.flush()
    os._exit(0)


def _timed(step: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds and CPU seconds of this process that ``step`` takes."""
    started, started_cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - started, time.process_time() - started_cpu


if __name__ == "__main__":
    main()
